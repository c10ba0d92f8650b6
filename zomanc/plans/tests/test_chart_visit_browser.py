"""Plans on the chart and at the chair in Chromium, against a live server: a patient with an
accepted plan has 36 drawn as planned; in the open visit the plan's item is offered, one
click records it and the chart shows it done; teeth clicked on the chart go into the "plan
from the chart" form and become items of the draft."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from zomanc.clinical.models import VisitProcedure
from zomanc.clinical.teeth import STATUS_COLOURS, ToothStatus
from zomanc.clinical.tests.conftest import open_visit_for
from zomanc.codes.models import TreatmentItem
from zomanc.conftest import Personas
from zomanc.patients.models import Patient
from zomanc.plans.models import PlanItem, PlanPhase, PlanStatus, TreatmentPlan
from zomanc.plans.services import plan_item_add, plan_transition
from zomanc.plans.tests.conftest import TODAY

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(personas: Personas, live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from zomanc.testing.browser import member_page

    with member_page(live_server.url, personas.client_for(personas.doctor)) as page:
        yield page


def test_a_planned_item_is_drawn_offered_and_recorded_with_one_click(
    page: Any,
    live_server: Any,
    personas: Personas,
    patient: Patient,
    plan: TreatmentPlan,
    phase: PlanPhase,
    catalogue: dict[str, TreatmentItem],
    tmp_path: Any,
) -> None:
    from playwright.sync_api import expect

    from zomanc.testing.browser import axe_check

    item = plan_item_add(
        plan=plan,
        phase=phase,
        actor=personas.doctor,
        treatment=catalogue["töm"],
        tooth=36,
        surfaces="MO",
    )
    plan_transition(plan=plan, to=PlanStatus.PRESENTED, actor=personas.doctor, today=TODAY)
    plan_transition(plan=plan, to=PlanStatus.ACCEPTED, actor=personas.doctor, today=TODAY)
    visit = open_visit_for(personas, patient, started_at=timezone.now() - dt.timedelta(minutes=10))
    page.goto(live_server.url + reverse("patients:detail", args=[patient.pk]))
    chart = page.locator("#entry-box svg.odontogram")
    tooth = chart.locator("g.tooth[data-tooth='36']")
    expect(tooth).to_have_attribute("data-planned", "1")
    expect(tooth.locator("rect.planned-outline")).to_have_count(1)
    expect(page.locator(".legend-item[data-status='planned']")).to_be_visible()
    page.screenshot(path=str(tmp_path / "planned-before.png"), full_page=True)
    axe_check(page, label="planned chart and offered items")

    offer = page.locator("#entry-box .plan-offers").get_by_role(
        "button", name="Rögzítés: Kompozit tömés · 36 MO"
    )
    expect(offer).to_be_visible()
    offer.click()
    expect(page.locator("#entry-box ul.px")).to_contain_text("Kompozit tömés")
    expect(page.locator("#entry-box .plan-offers")).to_have_count(0)
    tooth = page.locator("#entry-box svg.odontogram g.tooth[data-tooth='36']")
    expect(tooth).not_to_have_attribute("data-planned", "1")
    filling = STATUS_COLOURS[ToothStatus.FILLING]  # done today: the chart's filling
    expect(tooth.locator("polygon[data-surface='M']")).to_have_attribute("fill", filling)
    page.screenshot(path=str(tmp_path / "planned-after.png"), full_page=True)

    procedure = VisitProcedure.objects.get(visit=visit)
    assert (procedure.tooth, procedure.surfaces) == (36, "MO")
    item.refresh_from_db()
    assert item.done_visit_id == visit.pk
    assert TreatmentPlan.objects.get(pk=plan.pk).status == PlanStatus.IN_PROGRESS


def test_teeth_clicked_on_the_chart_become_items_of_the_draft(
    page: Any,
    live_server: Any,
    patient: Patient,
    plan: TreatmentPlan,
    phase: PlanPhase,
    catalogue: dict[str, TreatmentItem],
) -> None:
    from playwright.sync_api import expect

    from zomanc.testing.browser import axe_check

    page.goto(live_server.url + reverse("patients:detail", args=[patient.pk]))
    page.get_by_role("link", name="Kezelés tervezése a kijelölt fogakra…").click()
    form = page.locator("form.plan-from-chart-form")
    expect(form).to_be_visible()
    chart = page.locator("svg.odontogram")
    for number in ("16", "26", "17"):
        chart.locator(f"g.tooth[data-tooth='{number}']").click()
    chart.locator("g.tooth[data-tooth='17']").click()  # a second click takes it out again
    teeth = form.locator("input[name=teeth]")
    expect(teeth).to_have_value("16 26")
    expect(chart.locator("g.tooth.tooth-picked")).to_have_count(2)
    expect(chart.locator("g.tooth[data-tooth='17']")).to_have_attribute("aria-pressed", "false")
    axe_check(page, label="plan from the chart")
    form.locator("select[name=treatment]").select_option(label="Cirkónium korona")
    form.get_by_role("button", name="Felvétel a tervbe").click()
    expect(page.locator(".plan-from-chart .alert-ok")).to_contain_text("2 tétel felvéve a tervbe")
    assert sorted(PlanItem.objects.filter(plan=plan).values_list("tooth", "treatment__name")) == [
        (16, "Cirkónium korona"),
        (26, "Cirkónium korona"),
    ]
    # A refusal in Hungarian, nothing saved: a filling's surfaces that 11 does not have.
    form = page.locator("form.plan-from-chart-form")
    chart.locator("g.tooth[data-tooth='11']").click()
    form.locator("select[name=treatment]").select_option(label="Kompozit tömés")
    form.locator("input[name=surfaces]").fill("MO")
    form.get_by_role("button", name="Felvétel a tervbe").click()
    expect(page.locator(".plan-from-chart")).to_contain_text("A(z) 11. fogon nincs O felszín")
    assert PlanItem.objects.filter(plan=plan).count() == 2
