"""Üzemeltetés: admin-token login, fault rules (reflected in SOAP answers and counters),
counters reset, clock offset."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from sandbox.clock.services import offset_seconds
from sandbox.faults.models import FaultRule
from sandbox.faults.services import counter_add, counters_snapshot
from sandbox.portal.session import KEY_OPERATOR
from sandbox.soap.ns import service_ns
from sandbox.testing import payload

pytestmark = pytest.mark.django_db
EKAT = service_ns("ekat")

FAULT_FORM = {
    "service": "ekat",
    "latency_ms": "0",
    "share_http_503": "0",
    "share_unavailable_fault": "100",
    "share_drop": "0",
    "share_hang": "0",
    "hang_seconds": "30",
    "maintenance_from": "",
    "maintenance_until": "",
    "retry_after_seconds": "30",
}


def test_requires_operator_login(client: Client, seeded: None) -> None:
    for name in ("operator", "testdata"):
        response = client.get(reverse(f"portal:{name}"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("portal:operator_login"))
    response = client.post(reverse("portal:fault_set"), FAULT_FORM)
    assert response.status_code == 302
    assert not FaultRule.objects.exists()


def test_operator_login_with_the_admin_token(
    client: Client, seeded: None, settings: object
) -> None:
    settings.SANDBOX_ADMIN_TOKEN = "titkos-token"  # type: ignore[attr-defined]
    bad = client.post(reverse("portal:operator_login"), {"token": "sandbox-admin"})
    assert bad.status_code == 400 and "Hibás token." in bad.content.decode()
    assert not client.session.get(KEY_OPERATOR)
    ok = client.post(
        reverse("portal:operator_login") + "?next=/uzemeltetes/", {"token": "titkos-token"}
    )
    assert ok.status_code == 302 and ok["Location"] == "/uzemeltetes/"
    assert client.get(reverse("portal:operator")).status_code == 200
    client.post(reverse("portal:operator_logout"))
    assert client.get(reverse("portal:operator")).status_code == 302


def test_fault_rule_from_the_form_reaches_soap_calls_and_counters(
    operator_client: Client, soap: object
) -> None:
    response = operator_client.post(reverse("portal:fault_set"), FAULT_FORM)
    assert response.status_code == 302
    rule = FaultRule.objects.get(service="ekat")
    assert rule.share_unavailable_fault == 1.0
    req = payload(EKAT, "EventQueryRequest", patient={"idType": "TAJ", "id": "111111110"})
    answer = soap.call("ekat", req)  # type: ignore[attr-defined]
    assert answer.fault_code == "SERVICE_UNAVAILABLE"
    page = operator_client.get(reverse("portal:operator"))
    counters = page.context["counters"]
    assert counters["faults_injected"] == 1
    assert counters["faults.unavailable_fault"] == 1
    html = page.content.decode()
    assert "faults_injected" in html and "<td>100%</td>" in html


def test_maintenance_window_needs_both_ends(operator_client: Client) -> None:
    form = dict(FAULT_FORM, maintenance_from="2030-01-01T10:00", maintenance_until="")
    response = operator_client.post(reverse("portal:fault_set"), form)
    assert response.status_code == 400
    assert "kezdete és vége is kell" in response.content.decode()
    form = dict(
        FAULT_FORM, maintenance_from="2030-01-01T10:00", maintenance_until="2030-01-01T09:00"
    )
    response = operator_client.post(reverse("portal:fault_set"), form)
    assert response.status_code == 400
    assert not FaultRule.objects.exists()


def test_share_over_100_percent_is_refused_next_to_the_field(operator_client: Client) -> None:
    response = operator_client.post(reverse("portal:fault_set"), dict(FAULT_FORM, share_drop="150"))
    assert response.status_code == 400
    assert not FaultRule.objects.exists()


def test_maintenance_window_gives_503_with_retry_after(
    operator_client: Client, soap: object
) -> None:
    form = dict(
        FAULT_FORM,
        service="*",
        share_unavailable_fault="0",
        maintenance_from="2000-01-01T00:00",
        maintenance_until="2099-01-01T00:00",
    )
    assert operator_client.post(reverse("portal:fault_set"), form).status_code == 302
    req = payload(EKAT, "EventQueryRequest", patient={"idType": "TAJ", "id": "111111110"})
    assert soap.call("ekat", req).status == 503  # type: ignore[attr-defined]
    assert counters_snapshot()["faults.maintenance"] == 1


def test_fault_rule_delete_and_clear(operator_client: Client) -> None:
    operator_client.post(reverse("portal:fault_set"), FAULT_FORM)
    operator_client.post(reverse("portal:fault_set"), dict(FAULT_FORM, service="*"))
    operator_client.post(reverse("portal:fault_delete"), {"service": "ekat"})
    assert list(FaultRule.objects.values_list("service", flat=True)) == ["*"]
    operator_client.post(reverse("portal:faults_clear"))
    assert not FaultRule.objects.exists()


def test_counters_reset(operator_client: Client) -> None:
    counter_add(name="requests", amount=5)
    assert operator_client.post(reverse("portal:counters_reset")).status_code == 302
    assert counters_snapshot() == {}


def test_clock_offset(operator_client: Client) -> None:
    response = operator_client.post(
        reverse("portal:clock_set"), {"days": "1", "hours": "2", "minutes": "-30"}
    )
    assert response.status_code == 302
    assert offset_seconds() == 86_400 + 7_200 - 1_800
    page = operator_client.get(reverse("portal:operator"))
    assert page.context["clock_form"].initial == {"days": 1, "hours": 1, "minutes": 30}
    bad = operator_client.post(
        reverse("portal:clock_set"), {"days": "x", "hours": "0", "minutes": "0"}
    )
    assert bad.status_code == 400
    assert offset_seconds() == 86_400 + 7_200 - 1_800


def test_planned_maintenance_is_announced_on_the_portal_and_as_json(
    operator_client: Client, client: Client
) -> None:
    import datetime as dt

    from sandbox.faults.models import FaultRule

    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=8)
    FaultRule.objects.create(
        service="documents",
        maintenance_from=start,
        maintenance_until=start + dt.timedelta(hours=4),
    )
    FaultRule.objects.create(
        service="*",
        maintenance_from=start - dt.timedelta(days=20),
        maintenance_until=start - dt.timedelta(days=19),  # over: not announced
    )
    notice = client.get("/maintenance/notice.json")
    assert notice.status_code == 200
    windows = notice.json()["windows"]
    assert len(windows) == 1
    assert windows[0]["services"] == ["documents"]
    assert dt.datetime.fromisoformat(windows[0]["start"]) == start
    assert dt.datetime.fromisoformat(windows[0]["end"]) == start + dt.timedelta(hours=4)
    home = client.get(reverse("portal:home")).content.decode()
    assert 'id="maintenance"' in home and "Tervezett karbantartás" in home


def test_no_maintenance_planned_means_an_empty_notice(client: Client, seeded: None) -> None:
    assert client.get("/maintenance/notice.json").json() == {"windows": []}
