"""The plans' JSON API with tokens of the personas: role required, other practice hidden,
refusals as declared 422s with the Hungarian reason, exact amounts as strings."""

import datetime as dt
import hashlib
from typing import Any

import pytest
from django.test import Client

from zomanc.api.models import ApiToken
from zomanc.api.services import TOKEN_SCHEME
from zomanc.codes.models import TreatmentItem
from zomanc.conftest import Personas
from zomanc.patients.models import Patient
from zomanc.plans.models import PlanStatus, TreatmentPlan
from zomanc.practices.models import StaffMember

pytestmark = pytest.mark.django_db


def _client(member: StaffMember) -> Any:
    token = f"{TOKEN_SCHEME}{member.pk:08x}_plans-api-test-token"
    ApiToken.objects.create(
        practice=member.practice,
        member=member,
        name="t",
        prefix=f"{member.pk:08x}",
        token_hash=hashlib.sha256(token.encode()).hexdigest(),
    )
    client = Client(headers={"Authorization": f"Bearer {token}"})
    return client


def _post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json")


def test_plan_through_the_api(
    personas: Personas, patient: Patient, catalogue: dict[str, TreatmentItem]
) -> None:
    doctor = _client(personas.doctor)
    valid = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    response = _post(
        doctor, f"/api/patients/{patient.pk}/plans", {"title": "API terv", "valid_until": valid}
    )
    assert response.status_code == 201, response.content
    plan_id = response.json()["id"]
    phase = _post(doctor, f"/api/plans/{plan_id}/phases", {"title": "Konzerváló"}).json()["phases"][
        0
    ]
    refused = _post(
        doctor,
        f"/api/plans/{plan_id}/items",
        {
            "phase_id": phase["id"],
            "treatment_id": catalogue["töm"].pk,
            "tooth": 36,
            "surfaces": "MO",
            "discount_percent": "120",
        },
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0] == {
        "field": "discount_percent",
        "message": "A kedvezmény legfeljebb 100 százalék lehet.",
        "code": "invalid",
    }
    added = _post(
        doctor,
        f"/api/plans/{plan_id}/items",
        {
            "phase_id": phase["id"],
            "treatment_id": catalogue["ktöm1"].pk,
            "tooth": 36,
            "surfaces": "MOD",
            "discount_percent": "10",
        },
    )
    assert added.status_code == 201
    item = added.json()["phases"][0]["items"][0]
    assert (item["name"], item["unit_price"], item["total"]) == (
        "Kompozit tömés 3 felszín",
        "28000.00",
        "25200",
    )
    assert (
        _post(doctor, f"/api/plans/{plan_id}/status", {"to": "presented"}).json()["status"]
        == "presented"
    )
    # Changing it in place: refused with the reason.
    again = _post(doctor, f"/api/plans/{plan_id}/phases", {"title": "Más"})
    assert again.status_code == 422 and "nem módosítható" in again.json()["errors"][0]["message"]
    accepted = _post(
        _client(personas.receptionist), f"/api/plans/{plan_id}/status", {"to": "accepted"}
    )
    assert accepted.json()["status"] == PlanStatus.ACCEPTED
    revised = _post(doctor, f"/api/plans/{plan_id}/revise", {})
    assert revised.status_code == 201 and revised.json()["version"] == 2
    listed = doctor.get(f"/api/patients/{patient.pk}/plans").json()
    assert [p["version"] for p in listed] == [2, 1]


def test_plans_api_requires_role(personas: Personas, plan: TreatmentPlan) -> None:
    receptionist = _client(personas.receptionist)
    assert _post(receptionist, f"/api/plans/{plan.pk}/phases", {"title": "X"}).status_code == 403
    assert (
        _post(receptionist, f"/api/plans/{plan.pk}/status", {"to": "presented"}).status_code == 403
    )
    assert receptionist.get(f"/api/plans/{plan.pk}").status_code == 200
    assert _post(_client(personas.assistant), f"/api/plans/{plan.pk}/revise", {}).status_code == 403
    assert not plan.phases.exists()


def test_plans_api_requires_token(plan: TreatmentPlan) -> None:
    assert Client().get(f"/api/plans/{plan.pk}").status_code == 401


def test_plans_api_hides_other_practice(
    personas: Personas, plan: TreatmentPlan, patient: Patient
) -> None:
    outsider = _client(personas.outsider)
    response = outsider.get(f"/api/plans/{plan.pk}")
    assert (
        response.status_code == 404 and response.json()["message"] == "Nincs ilyen kezelési terv."
    )
    assert outsider.get(f"/api/patients/{patient.pk}/plans").status_code == 404
    assert _post(outsider, f"/api/patients/{patient.pk}/plans", {"title": "X"}).status_code == 404
    assert _post(outsider, f"/api/plans/{plan.pk}/status", {"to": "presented"}).status_code == 404
    assert TreatmentPlan.objects.count() == 1
