"""POST /api/plans/{id}/items/{item_id}/perform: an open plan item carried out in a visit
through the API — recorded and done in one go, refusals as declared 422s in Hungarian,
clinical_edit required, other patients' visits and other practices hidden."""

import pytest

from zomanc.clinical.models import Visit, VisitProcedure
from zomanc.clinical.tests.conftest import open_visit_for
from zomanc.codes.models import TreatmentItem
from zomanc.conftest import Personas
from zomanc.patients.models import Patient
from zomanc.plans.models import PlanPhase, PlanStatus, TreatmentPlan
from zomanc.plans.services import plan_item_add, plan_transition
from zomanc.plans.tests.conftest import TODAY
from zomanc.plans.tests.test_api import _client, _post

pytestmark = pytest.mark.django_db


@pytest.fixture
def accepted(
    personas: Personas,
    plan: TreatmentPlan,
    phase: PlanPhase,
    catalogue: dict[str, TreatmentItem],
) -> TreatmentPlan:
    plan_item_add(
        plan=plan,
        phase=phase,
        actor=personas.doctor,
        treatment=catalogue["töm"],
        tooth=36,
        surfaces="MO",
    )
    plan_transition(plan=plan, to=PlanStatus.PRESENTED, actor=personas.doctor, today=TODAY)
    plan_transition(plan=plan, to=PlanStatus.ACCEPTED, actor=personas.doctor, today=TODAY)
    return plan


@pytest.fixture
def visit(personas: Personas, patient: Patient) -> Visit:
    return open_visit_for(personas, patient)


def _url(plan: TreatmentPlan) -> str:
    return f"/api/plans/{plan.pk}/items/{plan.items.get().pk}/perform"


def test_an_item_is_carried_out_through_the_api(
    personas: Personas, accepted: TreatmentPlan, visit: Visit
) -> None:
    client = _client(personas.assistant)
    response = _post(client, _url(accepted), {"visit_id": visit.pk})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == PlanStatus.IN_PROGRESS
    item = body["phases"][0]["items"][0]
    assert (item["done"], item["done_visit_id"]) == (True, visit.pk)
    procedure = VisitProcedure.objects.get(visit=visit)
    assert (procedure.tooth, procedure.surfaces) == (36, "MO")
    again = _post(client, _url(accepted), {"visit_id": visit.pk})
    assert again.status_code == 422
    assert "már elvégezve" in again.json()["errors"][0]["message"]
    assert VisitProcedure.objects.count() == 1


def test_perform_needs_clinical_edit_and_hides_others(
    personas: Personas, accepted: TreatmentPlan, visit: Visit
) -> None:
    from zomanc.patients.tests.factories import make_patient

    body = {"visit_id": visit.pk}
    assert _post(_client(personas.receptionist), _url(accepted), body).status_code == 403
    assert _post(_client(personas.outsider), _url(accepted), body).status_code == 404
    other = open_visit_for(personas, make_patient(personas.doctor, family_name="Más"))
    response = _post(_client(personas.doctor), _url(accepted), {"visit_id": other.pk})
    assert response.status_code == 404  # another patient's visit
    assert not VisitProcedure.objects.exists()
