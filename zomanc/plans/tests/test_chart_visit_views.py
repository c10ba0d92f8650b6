"""The chart and the chair on the pages: the patient page draws the open items and offers
them in an open visit's entry box (one query more, fixed), the buttons record and tick off,
the "plan from the chart" form — with the personas across two practices."""

from typing import Any

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zomanc.audit.models import AuditAction, AuditEntry
from zomanc.clinical.chart_svg import CHART_CACHE_ALIAS
from zomanc.clinical.models import Visit, VisitProcedure
from zomanc.clinical.services import visit_command_apply
from zomanc.clinical.teeth import STATUS_COLOURS, ToothStatus
from zomanc.clinical.tests.conftest import open_visit_for
from zomanc.codes.models import TreatmentItem
from zomanc.conftest import Personas
from zomanc.patients.models import Patient
from zomanc.plans.models import PlanItem, PlanPhase, PlanStatus, TreatmentPlan
from zomanc.plans.services import (
    plan_create,
    plan_item_add,
    plan_phase_add,
    plan_transition,
)
from zomanc.plans.tests.conftest import TODAY

pytestmark = pytest.mark.django_db
Catalogue = dict[str, TreatmentItem]
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _empty_chart_cache() -> None:
    caches[CHART_CACHE_ALIAS].clear()


def _accepted(
    personas: Personas, plan: TreatmentPlan, phase: PlanPhase, catalogue: Catalogue, count: int
) -> TreatmentPlan:
    """An accepted plan: a filling on 36 MO, then `count - 1` scalings (no tooth)."""
    plan_item_add(
        plan=plan,
        phase=phase,
        actor=personas.doctor,
        treatment=catalogue["töm"],
        tooth=36,
        surfaces="MO",
    )
    for _n in range(count - 1):
        plan_item_add(plan=plan, phase=phase, actor=personas.doctor, treatment=catalogue["fk"])
    plan_transition(plan=plan, to=PlanStatus.PRESENTED, actor=personas.doctor, today=TODAY)
    plan_transition(plan=plan, to=PlanStatus.ACCEPTED, actor=personas.doctor, today=TODAY)
    return plan


@pytest.fixture
def accepted(
    personas: Personas, plan: TreatmentPlan, phase: PlanPhase, catalogue: Catalogue
) -> TreatmentPlan:
    return _accepted(personas, plan, phase, catalogue, 2)


@pytest.fixture
def visit(personas: Personas, patient: Patient, bno_codes: None) -> Visit:
    return open_visit_for(personas, patient)


def _page(client: Client, patient: Patient) -> str:
    response = client.get(reverse("patients:detail", args=[patient.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _tooth(page: str, tooth: int) -> str:
    start = page.index(f'data-tooth="{tooth}"')
    return page[start : page.index("</g>", start)]


def test_the_patient_page_draws_the_open_items_and_the_legend(
    personas: Personas, patient: Patient, accepted: TreatmentPlan
) -> None:
    page = _page(personas.client_for(personas.doctor), patient)
    assert 'data-planned="1"' in _tooth(page, 36)
    assert "Tervezett: Kompozit tömés (MO)" in _tooth(page, 36)
    assert 'data-planned="1"' not in _tooth(page, 46)
    assert 'data-status="planned"' in page  # the legend entry


def test_a_draft_is_not_drawn(
    personas: Personas,
    patient: Patient,
    plan: TreatmentPlan,
    phase: PlanPhase,
    catalogue: Catalogue,
) -> None:
    plan_item_add(
        plan=plan, phase=phase, actor=personas.doctor, treatment=catalogue["kor"], tooth=46
    )
    page = _page(personas.client_for(personas.doctor), patient)
    assert 'data-planned="1"' not in page and 'data-status="planned"' not in page


def test_the_open_visit_page_draws_them_a_closed_visits_chart_does_not(
    personas: Personas, patient: Patient, accepted: TreatmentPlan, visit: Visit
) -> None:
    client = personas.client_for(personas.doctor)
    page = client.get(reverse("clinical:visit_detail", args=[visit.pk])).content.decode()
    assert 'data-planned="1"' in _tooth(page, 36)
    from zomanc.clinical.services import diagnosis_add, visit_close, visit_notes_update

    diagnosis_add(visit=visit, code="K0210", added_by=personas.doctor.user)
    visit_notes_update(visit=visit, updated_by=personas.doctor.user, anamnesis="x")
    visit_close(visit=visit, closed_by=personas.doctor.user)
    page = client.get(reverse("clinical:visit_detail", args=[visit.pk])).content.decode()
    assert 'data-planned="1"' not in page  # the chart as it stood then


def _count(client: Client, patient: Patient) -> int:
    with CaptureQueriesContext(connection) as queries:
        _page(client, patient)
    return len(queries)


def test_the_patient_page_reads_the_plans_in_one_query_whatever_their_size(
    personas: Personas,
    patient: Patient,
    plan: TreatmentPlan,
    phase: PlanPhase,
    catalogue: Catalogue,
    visit: Visit,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Exactly one query more than the page without the plans' hooks (the open items, for
    the chart and the entry box together) — and no more with 40 items than with 2."""
    from zomanc.clinical import hooks

    client = personas.client_for(personas.doctor)
    visit_command_apply(visit=visit, line="36 MO töm", entered_by=personas.doctor.user)
    _accepted(personas, plan, phase, catalogue, 2)
    _page(client, patient)  # warm the session and the caches
    small = _count(client, patient)
    with monkeypatch.context() as patched:
        for name in ("CHART_PLANNED", "CHART_TEMPLATES", "ENTRY_BOX_CONTEXT"):
            patched.setattr(hooks, name, [])
        _page(client, patient)
        without = _count(client, patient)
    assert small == without + 1
    other = plan_create(
        patient=patient, actor=personas.doctor, title="Nagy terv", valid_until=plan.valid_until
    )
    other_phase = plan_phase_add(plan=other, actor=personas.doctor, title="Sz")
    _accepted(personas, other, other_phase, catalogue, 40)
    page = _page(client, patient)
    assert _count(client, patient) == small
    assert "41 nyitott tétel" in page  # 36 MO is matched by the typed procedure: 1 + 40


def test_the_entry_box_offers_the_open_items_and_one_click_records_one(
    personas: Personas, patient: Patient, accepted: TreatmentPlan, visit: Visit
) -> None:
    client = personas.client_for(personas.assistant)
    page = _page(client, patient)
    item = accepted.items.get(tooth=36)
    url = reverse("plans:item_perform", args=[visit.pk, item.pk])
    assert url in page and "Rögzítés: Kompozit tömés" in page
    fragment = client.post(url, headers=HTMX).content.decode()
    procedure = VisitProcedure.objects.get(visit=visit)
    assert (procedure.tooth, procedure.surfaces) == (36, "MO")
    item.refresh_from_db()
    assert item.done_visit_id == visit.pk
    assert url not in fragment  # offered no more
    assert 'data-planned="1"' not in _tooth(fragment, 36)  # the chart: done, not planned
    filling = STATUS_COLOURS[ToothStatus.FILLING]
    assert _tooth(fragment, 36).count(f'fill="{filling}"') == 2  # M and O: done today
    # Plain post (no JavaScript): back to the patient page.
    other = accepted.items.exclude(pk=item.pk).get()
    response = client.post(reverse("plans:item_perform", args=[visit.pk, other.pk]))
    assert response.status_code == 302
    assert response["Location"].endswith(
        reverse("patients:detail", args=[patient.pk]) + "#activity"
    )


def test_a_refused_click_shows_the_reason_in_the_entry_box(
    personas: Personas, patient: Patient, accepted: TreatmentPlan, visit: Visit
) -> None:
    client = personas.client_for(personas.doctor)
    item = accepted.items.get(tooth=36)
    url = reverse("plans:item_perform", args=[visit.pk, item.pk])
    client.post(url, headers=HTMX)
    again = client.post(url, headers=HTMX).content.decode()  # a second click, stale page
    assert "már elvégezve" in again
    assert VisitProcedure.objects.filter(visit=visit).count() == 1


def test_a_typed_matching_procedure_is_offered_to_tick_off(
    personas: Personas, patient: Patient, accepted: TreatmentPlan, visit: Visit
) -> None:
    client = personas.client_for(personas.doctor)
    fragment = client.post(
        reverse("clinical:visit_command", args=[visit.pk]), {"line": "36 OM töm"}, headers=HTMX
    ).content.decode()
    item = accepted.items.get(tooth=36)
    procedure = VisitProcedure.objects.get(visit=visit)
    tick = reverse("plans:item_tick", args=[visit.pk, item.pk, procedure.pk])
    assert "Terv tétele elvégezve?" in fragment and tick in fragment
    # Matched: not offered for recording a second time.
    assert reverse("plans:item_perform", args=[visit.pk, item.pk]) not in fragment
    item.refresh_from_db()
    assert item.done_at is None  # only offered
    fragment = client.post(tick, headers=HTMX).content.decode()
    item.refresh_from_db()
    assert item.done_visit_id == visit.pk
    assert "Terv tétele elvégezve?" not in fragment
    assert VisitProcedure.objects.filter(visit=visit).count() == 1


def test_a_typed_procedure_on_another_tooth_is_not_offered(
    personas: Personas, patient: Patient, accepted: TreatmentPlan, visit: Visit
) -> None:
    client = personas.client_for(personas.doctor)
    fragment = client.post(
        reverse("clinical:visit_command", args=[visit.pk]), {"line": "37 MO töm"}, headers=HTMX
    ).content.decode()
    assert "Terv tétele elvégezve?" not in fragment


# --- from the chart ------------------------------------------------------------------------------


def test_the_chart_offers_planning_to_those_who_draft(personas: Personas, patient: Patient) -> None:
    url = reverse("plans:chart_plan", args=[patient.pk])
    assert url in _page(personas.client_for(personas.assistant), patient)
    receptionist = personas.client_for(personas.receptionist)
    assert (
        url not in receptionist.get(reverse("patients:detail", args=[patient.pk])).content.decode()
    )


def test_planning_from_the_chart_round_trip(
    personas: Personas,
    patient: Patient,
    plan: TreatmentPlan,
    phase: PlanPhase,
    catalogue: Catalogue,
) -> None:
    client = personas.client_for(personas.assistant)
    url = reverse("plans:chart_plan", args=[patient.pk])
    form = client.get(url, headers=HTMX).content.decode()
    assert f'value="phase:{phase.pk}"' in form and "data-chart-teeth" in form
    assert AuditEntry.objects.filter(
        action=AuditAction.VIEW, patient_id=patient.pk, summary__contains="fogtérképről"
    ).exists()
    data = {"target": f"phase:{phase.pk}", "treatment": catalogue["töm"].pk, "surfaces": "MO"}
    # Refused: a tooth that has no O surface — the reason in Hungarian, nothing saved.
    refused = client.post(url, {**data, "teeth": "36 11"}, headers=HTMX).content.decode()
    assert "11. fog: A(z) 11. fogon nincs O felszín" in refused
    assert "error-summary" in refused
    assert not plan.items.exists()
    bad = client.post(url, {**data, "teeth": "36 x9"}, headers=HTMX).content.decode()
    assert "Érvénytelen fogszám: x9" in bad and not plan.items.exists()
    done = client.post(url, {**data, "teeth": "36, 46"}, headers=HTMX).content.decode()
    assert "2 tétel felvéve a tervbe" in done
    assert sorted(plan.items.values_list("tooth", "surfaces")) == [(36, "MO"), (46, "MO")]
    # Without JavaScript: to the plan.
    response = client.post(url, {**data, "teeth": "37"})
    assert response["Location"] == reverse("plans:detail", args=[plan.pk])


def test_planning_from_the_chart_without_a_draft_says_how(
    personas: Personas, patient: Patient, accepted: TreatmentPlan
) -> None:
    page = personas.client_for(personas.doctor).get(reverse("plans:chart_plan", args=[patient.pk]))
    text = page.content.decode()
    assert (
        "nincs tervezet állapotú kezelési terve" in text
        and "<form" not in text.split('class="plan-from-chart card"')[1]
    )


def test_a_target_of_another_patient_is_not_found(
    personas: Personas, patient: Patient, catalogue: Catalogue
) -> None:
    from zomanc.patients.tests.factories import make_patient

    other = make_patient(personas.doctor, family_name="Más", given_name="Béla")
    mine = plan_create(patient=patient, actor=personas.doctor, title="T")
    plan_phase_add(plan=mine, actor=personas.doctor, title="Sz")
    theirs = plan_create(patient=other, actor=personas.doctor, title="T2")
    their_phase = plan_phase_add(plan=theirs, actor=personas.doctor, title="Sz2")
    client = personas.client_for(personas.doctor)
    response = client.post(
        reverse("plans:chart_plan", args=[patient.pk]),
        {"target": f"phase:{their_phase.pk}", "treatment": catalogue["fk"].pk, "teeth": ""},
    )
    assert response.status_code == 400  # not among this patient's choices
    assert not PlanItem.objects.exists()


# --- personas ----------------------------------------------------------------------------------


def _urls(accepted: TreatmentPlan, visit: Visit, procedure: VisitProcedure) -> dict[str, Any]:
    item = accepted.items.get(tooth=36)
    return {
        "chart_plan": ("get", reverse("plans:chart_plan", args=[accepted.patient_id])),
        "item_perform": ("post", reverse("plans:item_perform", args=[visit.pk, item.pk])),
        "item_tick": ("post", reverse("plans:item_tick", args=[visit.pk, item.pk, procedure.pk])),
    }


@pytest.fixture
def typed(personas: Personas, visit: Visit) -> VisitProcedure:
    visit_command_apply(visit=visit, line="36 MO töm", entered_by=personas.doctor.user)
    return VisitProcedure.objects.get(visit=visit)


def test_requires_login(accepted: TreatmentPlan, visit: Visit, typed: VisitProcedure) -> None:
    for name, (method, url) in _urls(accepted, visit, typed).items():
        response = getattr(Client(), method)(url)
        assert response.status_code == 302 and "/accounts/" in response["Location"], name


def test_requires_role(
    personas: Personas, accepted: TreatmentPlan, visit: Visit, typed: VisitProcedure
) -> None:
    client = personas.client_for(personas.receptionist)  # neither drafts nor treats
    for name, (method, url) in _urls(accepted, visit, typed).items():
        assert getattr(client, method)(url).status_code == 403, name
    assert not PlanItem.objects.filter(done_at__isnull=False).exists()


def test_hides_other_practice(
    personas: Personas, accepted: TreatmentPlan, visit: Visit, typed: VisitProcedure
) -> None:
    client = personas.client_for(personas.outsider)
    for name, (method, url) in _urls(accepted, visit, typed).items():
        assert getattr(client, method)(url).status_code == 404, name
    assert not PlanItem.objects.filter(done_at__isnull=False).exists()
    assert VisitProcedure.objects.count() == 1


def test_an_item_of_another_patient_is_not_found_through_this_visit(
    personas: Personas,
    accepted: TreatmentPlan,
    catalogue: Catalogue,
    bno_codes: None,
) -> None:
    from zomanc.patients.tests.factories import make_patient

    other = make_patient(personas.doctor, family_name="Más", given_name="Béla")
    their_visit = open_visit_for(personas, other)
    item = accepted.items.get(tooth=36)
    client = personas.client_for(personas.doctor)
    url = reverse("plans:item_perform", args=[their_visit.pk, item.pk])
    assert client.post(url).status_code == 404
    assert not VisitProcedure.objects.exists()


def test_items_booked_to_the_visits_appointment_are_offered_first(
    personas: Personas, patient: Patient, accepted: TreatmentPlan, bno_codes: None
) -> None:
    import datetime as dt

    from django.utils import timezone

    from zomanc.plans.booking_services import plan_items_book
    from zomanc.scheduling.models import Chair

    scaling = accepted.items.get(tooth=None)
    appointment = plan_items_book(
        plan=accepted,
        item_ids=[scaling.pk],
        actor=personas.doctor,
        chair=Chair.objects.create(practice=personas.practice_a, name="Szék 1"),
        starts_at=timezone.now() + dt.timedelta(hours=1),
        company=personas.company_a,
        org_unit=personas.org_unit_a,
    )
    visit = open_visit_for(personas, patient, appointment=appointment)
    page = _page(personas.client_for(personas.doctor), patient)
    offers = page[page.index('class="plan-offers"') :]
    first, second = (
        offers.index(reverse("plans:item_perform", args=[visit.pk, pk]))
        for pk in (scaling.pk, accepted.items.get(tooth=36).pk)
    )
    assert first < second  # booked to this visit's appointment: first, with its badge
    assert "erre az időpontra foglalva" in offers[first:second]


def test_a_mistaken_click_is_undone_by_removing_the_procedure(
    personas: Personas, patient: Patient, accepted: TreatmentPlan, visit: Visit
) -> None:
    client = personas.client_for(personas.doctor)
    item = accepted.items.get(tooth=36)
    perform = reverse("plans:item_perform", args=[visit.pk, item.pk])
    client.post(perform, headers=HTMX)
    procedure = VisitProcedure.objects.get(visit=visit)
    fragment = client.post(
        reverse("clinical:procedure_delete", args=[visit.pk, procedure.pk]), headers=HTMX
    ).content.decode()
    item.refresh_from_db()
    assert item.done_at is None
    assert perform in fragment  # offered again
    assert 'data-planned="1"' in _tooth(fragment, 36)  # planned again on the chart


def test_the_plan_page_links_a_done_item_to_its_visit(
    personas: Personas, patient: Patient, accepted: TreatmentPlan, visit: Visit
) -> None:
    item = accepted.items.get(tooth=36)
    personas.client_for(personas.doctor).post(
        reverse("plans:item_perform", args=[visit.pk, item.pk])
    )
    link = reverse("clinical:visit_detail", args=[visit.pk])
    detail = reverse("plans:detail", args=[accepted.pk])
    assert link in personas.client_for(personas.doctor).get(detail).content.decode()
    # The receptionist sees that it is done, not the chart's visit.
    page = personas.client_for(personas.receptionist).get(detail).content.decode()
    assert "elvégezve" in page and link not in page
