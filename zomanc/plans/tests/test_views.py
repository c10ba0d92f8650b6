"""The plan pages with the personas: login required, role required, other practice hidden;
and the editor's round trip (phase, option, item, refusal shown, status actions)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from zomanc.codes.models import TreatmentItem
from zomanc.conftest import Personas
from zomanc.patients.models import Patient
from zomanc.plans.models import PlanItem, PlanPhase, PlanStatus, TreatmentPlan
from zomanc.plans.services import plan_item_add, plan_option_add, plan_transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_plan(
    personas: Personas, plan: TreatmentPlan, phase: PlanPhase, catalogue: dict[str, TreatmentItem]
) -> TreatmentPlan:
    plan.valid_until = dt.date.today() + dt.timedelta(days=30)
    plan.save()
    plan_item_add(
        plan=plan,
        phase=phase,
        actor=personas.doctor,
        treatment=catalogue["töm"],
        tooth=36,
        surfaces="MO",
    )
    option = plan_option_add(phase=phase, actor=personas.doctor, title="Korona")
    plan_item_add(
        plan=plan,
        phase=phase,
        option=option,
        actor=personas.doctor,
        treatment=catalogue["kor"],
        tooth=46,
    )
    return plan


def _urls(plan: TreatmentPlan) -> dict[str, tuple[str, str]]:
    item = plan.items.earliest("id")
    phase = plan.phases.earliest("id")
    option = phase.options.earliest("id")
    return {
        "list": ("get", reverse("plans:list", args=[plan.patient_id])),
        "detail": ("get", reverse("plans:detail", args=[plan.pk])),
        "pdf": ("get", reverse("plans:pdf", args=[plan.pk])),
        "terms": ("post", reverse("plans:terms", args=[plan.pk])),
        "phase_add": ("post", reverse("plans:phase_add", args=[plan.pk])),
        "option_add": ("post", reverse("plans:option_add", args=[plan.pk, phase.pk])),
        "item_add": ("post", reverse("plans:item_add", args=[plan.pk])),
        "item_remove": ("post", reverse("plans:item_remove", args=[plan.pk, item.pk])),
        "item_complete": ("post", reverse("plans:item_complete", args=[plan.pk, item.pk])),
        "option_choose": ("post", reverse("plans:option_choose", args=[plan.pk, option.pk])),
        "status": ("post", reverse("plans:status", args=[plan.pk])),
        "revise": ("post", reverse("plans:revise", args=[plan.pk])),
    }


def test_requires_login(full_plan: TreatmentPlan) -> None:
    for name, (method, url) in _urls(full_plan).items():
        response = getattr(Client(), method)(url)
        assert response.status_code == 302 and "/accounts/" in response["Location"], name


def test_hides_other_practice(personas: Personas, full_plan: TreatmentPlan) -> None:
    client = personas.client_for(personas.outsider)
    for name, (method, url) in _urls(full_plan).items():
        assert getattr(client, method)(url, {"to": "presented"}).status_code == 404, name
    assert TreatmentPlan.objects.get(pk=full_plan.pk).status == PlanStatus.DRAFT


@pytest.mark.parametrize(
    ("persona", "name"),
    [
        ("receptionist", "item_add"),
        ("receptionist", "phase_add"),
        ("receptionist", "terms"),
        ("receptionist", "item_remove"),
        ("receptionist", "item_complete"),
        ("receptionist", "revise"),
        ("assistant", "option_choose"),
        ("assistant", "revise"),
    ],
)
def test_requires_role(
    personas: Personas, full_plan: TreatmentPlan, persona: str, name: str
) -> None:
    method, url = _urls(full_plan)[name]
    items = PlanItem.objects.count()
    assert getattr(personas.client_for(getattr(personas, persona)), method)(url).status_code == 403
    assert PlanItem.objects.count() == items


def test_assistant_drafts_but_does_not_present(
    personas: Personas, full_plan: TreatmentPlan
) -> None:
    client = personas.client_for(personas.assistant)
    url = reverse("plans:status", args=[full_plan.pk])
    assert client.post(url, {"to": "presented"}).status_code == 403
    page = client.get(reverse("plans:detail", args=[full_plan.pk])).content.decode()
    assert "Tétel hozzáadása" in page and "Árajánlat kiadása" not in page


def test_receptionist_sees_prints_and_records_the_decision(
    personas: Personas, full_plan: TreatmentPlan
) -> None:
    plan_transition(plan=full_plan, to=PlanStatus.PRESENTED, actor=personas.doctor)
    client = personas.client_for(personas.receptionist)
    page = client.get(reverse("plans:detail", args=[full_plan.pk])).content.decode()
    assert "Elfogadta" in page and "Tétel hozzáadása" not in page
    assert client.get(reverse("plans:pdf", args=[full_plan.pk])).status_code == 200
    option = full_plan.phases.earliest("id").options.earliest("id")
    client.post(reverse("plans:option_choose", args=[full_plan.pk, option.pk]))
    client.post(reverse("plans:status", args=[full_plan.pk]), {"to": "accepted"})
    assert TreatmentPlan.objects.get(pk=full_plan.pk).status == PlanStatus.ACCEPTED
    assert (
        client.post(reverse("plans:status", args=[full_plan.pk]), {"to": "in_progress"}).status_code
        == 403
    )


def test_patient_page_links_to_plans(personas: Personas, patient: Patient) -> None:
    page = personas.client_for(personas.receptionist).get(
        reverse("patients:detail", args=[patient.pk])
    )
    assert reverse("plans:list", args=[patient.pk]) in page.content.decode()


def test_editor_round_trip(
    personas: Personas, patient: Patient, catalogue: dict[str, TreatmentItem]
) -> None:
    client = personas.client_for(personas.doctor)
    response = client.post(
        reverse("plans:list", args=[patient.pk]),
        {
            "title": "Konzerváló terv",
            "language": "hu",
            "currency": "HUF",
            "valid_until": "2099-01-31",
        },
    )
    plan = TreatmentPlan.objects.get(patient=patient)
    assert response["Location"] == reverse("plans:detail", args=[plan.pk])
    client.post(reverse("plans:phase_add", args=[plan.pk]), {"phase-title": "Konzerváló kezelés"})
    phase = plan.phases.get()
    # A refusal is shown on the form, nothing saved.
    page = client.post(
        reverse("plans:item_add", args=[plan.pk]),
        {
            "target": f"phase:{phase.pk}",
            "treatment": catalogue["töm"].pk,
            "tooth": 11,
            "surfaces": "MO",
            "quantity": 1,
        },
    ).content.decode()
    assert "A(z) 11. fogon nincs O felszín" in page and not plan.items.exists()
    page = client.post(
        reverse("plans:item_add", args=[plan.pk]),
        {
            "target": f"phase:{phase.pk}",
            "treatment": catalogue["fk"].pk,
            "quantity": 1,
            "discount_percent": "150",
        },
    ).content.decode()
    assert "A kedvezmény legfeljebb 100 százalék lehet." in page and not plan.items.exists()
    client.post(
        reverse("plans:item_add", args=[plan.pk]),
        {
            "target": f"phase:{phase.pk}",
            "treatment": catalogue["töm"].pk,
            "tooth": 36,
            "surfaces": "MO",
            "quantity": 2,
            "discount_amount": "1000",
        },
    )
    item = plan.items.get()
    assert (item.quantity, item.unit_price, item.discount_amount) == (
        2,
        Decimal(18000),
        Decimal(1000),
    )
    page = client.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    assert "35\xa0000\xa0Ft" in page and "Áfa tv. 85. § (1) c)" in page
    client.post(reverse("plans:status", args=[plan.pk]), {"to": "presented"})
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PRESENTED
    # Changing it in place now is refused with the reason.
    client.post(reverse("plans:phase_add", args=[plan.pk]), {"phase-title": "Más"}, follow=True)
    response = client.post(
        reverse("plans:item_add", args=[plan.pk]),
        {"target": f"phase:{phase.pk}", "treatment": catalogue["fk"].pk, "quantity": 1},
    )
    assert "A kiadott árajánlat nem módosítható" in response.content.decode()
    assert plan.items.count() == 1 and plan.phases.count() == 1
    response = client.post(reverse("plans:revise", args=[plan.pk]))
    new = TreatmentPlan.objects.get(previous=plan)
    assert response["Location"] == reverse("plans:detail", args=[new.pk]) and new.version == 2


def test_every_plan_status_has_a_design_state() -> None:
    from zomanc.plans.templatetags.plans_tags import PLAN_STATUS_STATES

    states = {"ok", "pending", "refused", "late", "sensitive", "info"}
    assert set(PLAN_STATUS_STATES) == set(PlanStatus.values)
    assert set(PLAN_STATUS_STATES.values()) <= states


def test_plan_states_are_badges_with_colour_icon_and_word(
    personas: Personas, full_plan: TreatmentPlan
) -> None:
    client = personas.client_for(personas.doctor)
    detail = client.get(reverse("plans:detail", args=[full_plan.pk])).content.decode()
    assert (
        '<span class="badge state-info plan-status"><span class="state-icon" aria-hidden="true">'
        "</span>tervezet</span>" in detail
    )
    plan_transition(plan=full_plan, to=PlanStatus.PRESENTED, actor=personas.doctor)
    listing = client.get(reverse("plans:list", args=[full_plan.patient_id])).content.decode()
    assert (
        '<span class="badge state-pending"><span class="state-icon" aria-hidden="true"></span>'
        "árajánlat kiadva</span>" in listing
    )
    # The forms are the design system's: two columns, help beside the control, no colon hunt.
    assert 'class="form-2col"' in detail and 'class="control"' in detail
