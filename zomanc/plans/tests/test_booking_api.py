"""POST /api/plans/{id}/book with the personas' tokens: booked with the catalogue duration,
refusals as declared 422s naming the body's field with the Hungarian reason, nothing saved,
another practice's plan, chair or org unit not found."""

from typing import Any

import pytest
from django.utils import timezone

from zomanc.codes.models import TreatmentItem
from zomanc.conftest import Personas
from zomanc.plans.models import PlanItem, PlanPhase, TreatmentPlan
from zomanc.plans.tests.test_api import _client, _post
from zomanc.plans.tests.test_booking import Booked, accepted_plan, local
from zomanc.practices.models import OrgUnit
from zomanc.scheduling.models import Appointment, Chair
from zomanc.scheduling.services import appointment_cancel

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(
    personas: Personas, plan: TreatmentPlan, phase: PlanPhase, catalogue: dict[str, TreatmentItem]
) -> Booked:
    return accepted_plan(personas, plan, phase, catalogue)


def _body(b: Booked, *items: PlanItem, **extra: Any) -> dict[str, Any]:
    body = {
        "item_ids": [item.pk for item in items],
        "starts_at": local(7, 9).replace(tzinfo=None).isoformat(),  # the practice's time
        "chair_id": b.chair.pk,
    }
    return {**body, **extra}


def test_books_through_the_api(booked: Booked) -> None:
    client = _client(booked.p.receptionist)
    response = _post(
        client, f"/api/plans/{booked.plan.pk}/book", _body(booked, booked.scaling, booked.filling)
    )
    assert response.status_code == 201, response.content
    data = response.json()
    appointment = Appointment.objects.get(pk=data["appointment_id"])
    assert appointment.starts_at == local(7, 9) and appointment.duration_minutes == 105
    assert data["item_ids"] == sorted([booked.scaling.pk, booked.filling.pk])
    assert (data["patient_id"], data["doctor_id"]) == (booked.plan.patient_id, booked.p.doctor.pk)
    assert PlanItem.objects.filter(appointment=appointment).count() == 2
    assert appointment.org_unit_id == booked.p.org_unit_a.pk  # the only one
    plan = client.get(f"/api/plans/{booked.plan.pk}").json()
    items = {i["id"]: i for p in plan["phases"] for i in p["items"]}
    assert items[booked.filling.pk]["appointment_id"] == appointment.pk
    crown = plan["phases"][0]["options"][0]["items"][0]
    assert crown["id"] == booked.crown.pk and crown["appointment_id"] is None
    appointment_cancel(appointment=appointment, actor=booked.p.receptionist, reason="beteg")
    plan = client.get(f"/api/plans/{booked.plan.pk}").json()
    assert all(i["appointment_id"] is None for i in plan["phases"][0]["items"])


def test_refusals_are_declared_422s_and_save_nothing(booked: Booked) -> None:
    client = _client(booked.p.receptionist)
    url = f"/api/plans/{booked.plan.pk}/book"
    _post(client, url, _body(booked, booked.filling))
    again = _post(client, url, _body(booked, booked.filling, starts_at=local(8, 9).isoformat()))
    assert again.status_code == 422
    [error] = again.json()["errors"]
    assert error["field"] == "item_ids" and "már foglalva van" in error["message"]
    option = _post(client, url, _body(booked, booked.extraction))
    assert "választott lehetőséghez" in option.json()["errors"][0]["message"]
    conflict = _post(client, url, _body(booked, booked.scaling))
    assert conflict.status_code == 422 and "Ütközés" in conflict.json()["errors"][0]["message"]
    far = _post(client, url, _body(booked, booked.scaling, starts_at="9999-12-31T23:00:00"))
    assert far.status_code == 422 and far.json()["errors"][0]["field"] == "starts_at"
    assert Appointment.objects.count() == 1
    assert PlanItem.objects.filter(appointment__isnull=False).count() == 1


def test_other_practice_ids(booked: Booked, personas: Personas) -> None:
    url = f"/api/plans/{booked.plan.pk}/book"
    outsider = _client(personas.outsider)
    assert _post(outsider, url, _body(booked, booked.filling)).status_code == 404
    client = _client(personas.receptionist)
    chair_b = Chair.objects.create(practice=personas.practice_b, name="B szék")
    response = _post(client, url, _body(booked, booked.filling, chair_id=chair_b.pk))
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "chair_id"
    response = _post(client, url, _body(booked, booked.filling, org_unit_id=personas.org_unit_b.pk))
    assert response.json()["errors"][0]["field"] == "org_unit_id"
    response = _post(client, url, _body(booked, booked.filling, doctor_id=personas.doctor_b.pk))
    assert response.json()["errors"][0]["field"] == "doctor_id"
    assert not Appointment.objects.exists()


def test_two_org_units_need_one_named(booked: Booked, personas: Personas) -> None:
    OrgUnit.objects.create(
        practice=personas.practice_a, company=personas.company_a, code="001044300", name="Másik"
    )
    client = _client(personas.receptionist)
    url = f"/api/plans/{booked.plan.pk}/book"
    response = _post(client, url, _body(booked, booked.filling))
    assert response.json()["errors"][0] == {
        "field": "org_unit_id",
        "message": "Adja meg a szervezeti egységet.",
        "code": "invalid",
    }
    response = _post(client, url, _body(booked, booked.filling, org_unit_id=personas.org_unit_a.pk))
    assert response.status_code == 201
    appointment = Appointment.objects.get()
    assert timezone.localtime(appointment.starts_at).hour == 9
