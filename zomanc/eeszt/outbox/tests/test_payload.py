"""What the Ambuláns lap row freezes from the visit."""

import datetime as dt

import pytest
from django.utils import timezone

from zomanc.clinical.selectors import visit_snapshot
from zomanc.clinical.services import visit_open
from zomanc.conftest import Personas
from zomanc.eeszt.outbox.services import _document_payload
from zomanc.patients.models import IdType, Patient, Sex


@pytest.mark.django_db
def test_the_title_carries_the_practices_calendar_day_not_utcs(personas: Personas) -> None:
    patient = Patient.objects.create(
        practice=personas.practice_a,
        family_name="Kiss",
        given_name="Máté",
        sex=Sex.MALE,
        birth_date=dt.date(1956, 3, 15),
        id_type=IdType.TAJ,
        id_value="987654322",
    )
    # 00:40 on 26 November in Budapest is 23:40 on the 25th in UTC.
    started = dt.datetime(2026, 11, 25, 23, 40, tzinfo=dt.UTC)
    visit = visit_open(
        patient=patient,
        doctor=personas.doctor,
        company=personas.company_a,
        org_unit=personas.org_unit_a,
        started_at=started,
        opened_by=personas.doctor.user,
    )
    payload = _document_payload(visit, visit_snapshot(visit), created_at=timezone.now())
    assert payload["title"] == "Ambuláns lap – fogászati ellátás (2026.11.26.)"
