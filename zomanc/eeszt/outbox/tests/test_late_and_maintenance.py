"""Against the real sandbox: a close and an Ambuláns lap accepted after the legal deadline
are flagged late in EESZT's answer, stored and shown; the sandbox's maintenance notice
becomes the product's banner."""

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from zomanc.clinical.services import diagnosis_add, visit_close, visit_open
from zomanc.eeszt.outbox.models import OutboxItem, OutboxKind, OutboxState
from zomanc.eeszt.outbox.services import outbox_item_deliver
from zomanc.eeszt.outbox.tests.conftest import Eeszt

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_late_close_and_document_are_flagged_stored_and_shown(eeszt: Eeszt) -> None:
    p = eeszt.personas
    eeszt.card_login(p.doctor)
    # A care that began almost 4 days ago: its start is still in time ...
    started = timezone.now() - dt.timedelta(days=3, hours=23)
    visit = visit_open(
        patient=eeszt.patient,
        doctor=p.doctor,
        company=p.company_a,
        org_unit=p.org_unit_a,
        started_at=started,
        opened_by=p.doctor.user,
    )
    start = OutboxItem.objects.get(visit=visit)
    assert outbox_item_deliver(item_id=start.pk).state == OutboxState.SENT  # type: ignore[union-attr]
    diagnosis_add(visit=visit, code="K0210", added_by=p.doctor.user)
    visit_close(visit=visit, closed_by=p.doctor.user, closed_at=started + dt.timedelta(minutes=30))
    # ... and its close reaches EESZT two hours later, past end + 4 days (the sandbox's clock
    # moved on; the EESZT session of 7 hours still holds).
    eeszt.sandbox.admin("clock", {"offsetSeconds": 2 * 3600})
    try:
        outbox_item_deliver(item_id=OutboxItem.objects.get(visit=visit, seq=2).pk)
    finally:
        eeszt.sandbox.admin("clock", {"offsetSeconds": 0})
    close = OutboxItem.objects.get(visit=visit, kind=OutboxKind.EVENT_CLOSE)
    document = OutboxItem.objects.get(visit=visit, kind=OutboxKind.DOCUMENT_SUBMIT)
    assert (close.state, document.state) == (OutboxState.SENT, OutboxState.SENT)
    assert close.result["late"] is True and document.result["late"] is True
    assert "late" not in start.result
    html = p.client_for(p.doctor).get("/eeszt/bekuldesek/").content.decode()
    assert html.count("határidőn túl</span>") == 2


def test_the_sandboxs_maintenance_notice_becomes_the_banner(eeszt: Eeszt, settings: Any) -> None:
    settings.EESZT_MAINTENANCE_URL = f"{eeszt.sandbox.http_url}/maintenance/notice.json"
    cache.clear()
    start = timezone.now() + dt.timedelta(hours=5)
    eeszt.sandbox.admin(
        "faults",
        {
            "service": "documents",
            "maintenance_from": start.isoformat(),
            "maintenance_until": (start + dt.timedelta(hours=2)).isoformat(),
        },
    )
    try:
        html = eeszt.personas.client_for(eeszt.personas.doctor).get("/").content.decode()
    finally:
        eeszt.sandbox.admin("faults/clear", {})
        cache.clear()
    local = timezone.localtime(start)
    assert f"EESZT tervezett karbantartás: {local:%Y.%m.%d. %H:%M}" in html
