"""Plans on the chart and at the chair (plans/clinical_*.py): which items are open, how they
are drawn, adding planned treatments for teeth picked on the chart, carrying an item out in
a visit with one click, ticking off a matching procedure — and that each refusal leaves
nothing behind."""

from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zomanc.audit.models import AuditEntry
from zomanc.clinical.chart_svg import (
    CHART_CACHE_ALIAS,
    chart_cache_key,
    chart_svg,
    legend_items,
)
from zomanc.clinical.models import ToothFinding, Visit, VisitProcedure
from zomanc.clinical.selectors import patient_chart
from zomanc.clinical.services import procedure_add, visit_close, visit_command_apply
from zomanc.clinical.teeth import STATUS_COLOURS, ToothStatus, chart_build
from zomanc.clinical.tests.conftest import open_visit_for
from zomanc.codes.models import TreatmentItem, VariantBasis
from zomanc.conftest import Personas
from zomanc.patients.models import Patient
from zomanc.plans.clinical_selectors import (
    chart_planned_marks,
    items_for_visit,
    patient_open_items,
    procedure_matches_item,
)
from zomanc.plans.clinical_services import (
    plan_item_perform,
    plan_item_tick,
    plan_items_add_for_teeth,
)
from zomanc.plans.models import PlanItem, PlanPhase, PlanStatus, TreatmentPlan
from zomanc.plans.services import (
    plan_item_add,
    plan_item_complete,
    plan_option_add,
    plan_option_choose,
    plan_revise,
    plan_transition,
)
from zomanc.plans.tests.conftest import TODAY

pytestmark = pytest.mark.django_db
Catalogue = dict[str, TreatmentItem]


@pytest.fixture(autouse=True)
def _empty_chart_cache() -> None:
    caches[CHART_CACHE_ALIAS].clear()


def _add(personas: Personas, phase: PlanPhase, treatment: TreatmentItem, **kw: Any) -> PlanItem:
    return plan_item_add(
        plan=phase.plan, phase=phase, actor=personas.doctor, treatment=treatment, **kw
    )


def _accept(personas: Personas, plan: TreatmentPlan) -> TreatmentPlan:
    for phase in plan.phases.all():
        first = phase.options.order_by("label").first()
        if first is not None:
            plan_option_choose(option=first, actor=personas.doctor)
    plan_transition(plan=plan, to=PlanStatus.PRESENTED, actor=personas.doctor, today=TODAY)
    plan_transition(plan=plan, to=PlanStatus.ACCEPTED, actor=personas.doctor, today=TODAY)
    plan.refresh_from_db()
    return plan


@pytest.fixture
def accepted(
    personas: Personas, plan: TreatmentPlan, phase: PlanPhase, catalogue: Catalogue
) -> TreatmentPlan:
    """36 MO filling and the scaling in the phase; option A crown on 46 (chosen), option B an
    implant on 46 (not chosen)."""
    _add(personas, phase, catalogue["töm"], tooth=36, surfaces="MO")
    _add(personas, phase, catalogue["fk"])
    crown = plan_option_add(phase=phase, actor=personas.doctor, title="Korona")
    implant = plan_option_add(phase=phase, actor=personas.doctor, title="Implantátum")
    _add(personas, phase, catalogue["kor"], option=crown, tooth=46)
    _add(personas, phase, catalogue["impl"], option=implant, tooth=46)
    return _accept(personas, plan)


@pytest.fixture
def bno_visit(personas: Personas, patient: Patient, bno_codes: None) -> Visit:
    return open_visit_for(personas, patient)


def _item(plan: TreatmentPlan, treatment: TreatmentItem) -> PlanItem:
    return PlanItem.objects.select_related("plan", "treatment", "option").get(
        plan=plan, treatment=treatment
    )


# --- which items are open ---------------------------------------------------------------------


def test_open_items_are_those_of_agreed_plans_not_done_and_not_of_other_options(
    personas: Personas, patient: Patient, accepted: TreatmentPlan, catalogue: Catalogue
) -> None:
    names = [i.name for i in patient_open_items(patient)]
    assert names == ["Kompozit tömés", "Fogkő-eltávolítás", "Cirkónium korona"]
    # A draft of the same patient is not on the chart (not agreed to).
    from zomanc.plans.services import plan_create, plan_phase_add

    draft = plan_create(patient=patient, actor=personas.doctor, title="Tervezet")
    draft_phase = plan_phase_add(plan=draft, actor=personas.doctor, title="Sz")
    _add(personas, draft_phase, catalogue["ext"], tooth=18)
    patient_fresh = Patient.objects.get(pk=patient.pk)
    assert [i.tooth for i in patient_open_items(patient_fresh)] == [36, None, 46]
    # Done: gone.
    plan_item_complete(item=_item(accepted, catalogue["fk"]), actor=personas.doctor)
    patient_fresh = Patient.objects.get(pk=patient.pk)
    assert [i.name for i in patient_open_items(patient_fresh)] == [
        "Kompozit tömés",
        "Cirkónium korona",
    ]
    assert chart_planned_marks(patient_fresh) == [
        (36, "MO", "Kompozit tömés"),
        (46, "", "Cirkónium korona"),
    ]


def test_a_new_version_in_draft_leaves_the_accepted_one_in_force_then_replaces_it(
    personas: Personas, patient: Patient, accepted: TreatmentPlan
) -> None:
    new = plan_revise(plan=accepted, actor=personas.doctor)
    assert {i.plan_id for i in patient_open_items(Patient.objects.get(pk=patient.pk))} == {
        accepted.pk
    }
    _accept(personas, new)
    assert {i.plan_id for i in patient_open_items(Patient.objects.get(pk=patient.pk))} == {new.pk}


def test_open_items_are_one_query_and_read_once_per_patient(
    personas: Personas, patient: Patient, accepted: TreatmentPlan
) -> None:
    fresh = Patient.objects.get(pk=patient.pk)
    with CaptureQueriesContext(connection) as queries:
        patient_open_items(fresh)
        chart_planned_marks(fresh)
    assert len(queries) == 1


def test_other_practice_items_never_show(
    personas: Personas, patient: Patient, accepted: TreatmentPlan
) -> None:
    # The same patient id seen from practice B's side: its own practice id filters.
    stranger = Patient.objects.get(pk=patient.pk)
    stranger.practice_id = personas.practice_b.pk
    assert patient_open_items(stranger) == []


def test_items_booked_to_the_visits_appointment_come_first() -> None:
    from zomanc.plans.clinical_selectors import OpenItem

    def item(pk: int, appointment: int | None) -> OpenItem:
        return OpenItem(pk, 1, "T", 1, f"i{pk}", None, "", None, 1, 1, "", appointment)

    items = [item(1, None), item(2, 7), item(3, 8), item(4, 7)]
    visit = Visit(appointment_id=7)
    assert [i.pk for i in items_for_visit(items, visit)] == [2, 4, 1, 3]
    assert [i.pk for i in items_for_visit(items, Visit())] == [1, 2, 3, 4]


# --- the match rule ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("procedure", "matches"),
    [
        ({}, True),
        ({"surfaces": "OM"}, True),  # surfaces in any order
        ({"treatment_id": 2, "family": "Kompozit"}, True),  # another variant of the family
        ({"treatment_id": 2, "family": ""}, False),  # another item, no family
        ({"treatment_id": 2, "family": "Amalgám"}, False),
        ({"tooth": 37}, False),
        ({"surfaces": "MOD"}, False),
        ({"surfaces": "M"}, False),
        ({"tooth": None, "surfaces": ""}, False),
    ],
)
def test_a_procedure_matches_an_item_of_the_same_family_tooth_and_surfaces(
    procedure: dict[str, Any], matches: bool
) -> None:
    fields: dict[str, Any] = {
        "treatment_id": 1,
        "family": "Kompozit",
        "tooth": 36,
        "surfaces": "MO",
    } | procedure
    item: dict[str, Any] = {"item_treatment_id": 1, "item_family": "Kompozit", "item_tooth": 36}
    assert procedure_matches_item(**item, item_surfaces="MO", **fields) is matches


def test_a_toothless_item_matches_a_toothless_procedure_of_its_kind() -> None:
    common = {"item_family": "", "family": "", "item_surfaces": "", "surfaces": ""}
    assert procedure_matches_item(
        item_treatment_id=5, item_tooth=None, treatment_id=5, tooth=None, **common
    )


# --- the chart -------------------------------------------------------------------------------


def test_planned_teeth_are_drawn_dashed_hatched_and_named() -> None:
    chart = chart_build([(36, "MO", "caries")])
    plain = chart_svg(chart, show_primary=False)
    svg = chart_svg(
        chart, show_primary=False, planned=[(36, "MO", "Kompozit tömés"), (46, "", "Korona")]
    )
    assert "data-planned" not in plain and "stroke-dasharray" not in plain
    assert svg.count('data-planned="1"') == 2
    assert svg.count('class="planned-outline"') == 2  # the shape, not only a colour
    assert 'data-planned-surface="M"' in svg and 'data-planned-surface="O"' in svg
    assert "url(#odontogram-planned-hatch)" in svg and "<pattern" in svg
    assert "Tervezett: Kompozit tömés (MO)" in svg and "Tervezett: Korona" in svg
    # The status stays under the planned style (its colour, its name in the title).
    caries = STATUS_COLOURS[ToothStatus.CARIES]
    assert f'fill="{caries}"' in svg and str(ToothStatus.CARIES.label) in svg


def test_the_legend_names_the_planned_style_when_drawn() -> None:
    assert "planned" not in [key for key, _label, _swatch in legend_items()]
    keys = {key: label for key, label, _swatch in legend_items(planned=True)}
    assert keys["planned"].startswith("Tervezett kezelés")


def test_planned_treatments_are_in_the_chart_cache_key() -> None:
    base: dict[str, Any] = {"show_primary": False, "caption": "c", "practice_id": 1}
    keys = {
        chart_cache_key([], **base),
        chart_cache_key([], planned=[(36, "MO", "Tömés")], **base),
        chart_cache_key([], planned=[(36, "M", "Tömés")], **base),
        chart_cache_key([], planned=[(37, "MO", "Tömés")], **base),
        chart_cache_key([], planned=[(36, "MO", "Korona")], **base),
    }
    assert len(keys) == 5


# --- from the chart: teeth picked, planned into a draft -------------------------------------------


def test_one_item_per_picked_tooth_with_the_surfaces_variant(
    personas: Personas, plan: TreatmentPlan, phase: PlanPhase, catalogue: Catalogue
) -> None:
    items = plan_items_add_for_teeth(
        phase=phase,
        option=None,
        actor=personas.assistant,
        treatment=catalogue["ktöm1"],
        teeth=[16, 26, 16],
        surfaces="MOD",
    )
    assert [(i.tooth, i.surfaces, i.treatment_id) for i in items] == [
        (16, "MOD", catalogue["ktöm3"].pk),
        (26, "MOD", catalogue["ktöm3"].pk),
    ]
    (none,) = plan_items_add_for_teeth(
        phase=phase, option=None, actor=personas.assistant, treatment=catalogue["fk"], teeth=[]
    )
    assert none.tooth is None


def test_a_refused_tooth_saves_no_item_of_the_picked_teeth_and_is_named(
    personas: Personas,
    patient: Patient,
    plan: TreatmentPlan,
    phase: PlanPhase,
    catalogue: Catalogue,
    bno_visit: Visit,
) -> None:
    procedure_add(
        visit=bno_visit, treatment=catalogue["ext"], tooth=26, added_by=personas.doctor.user
    )
    entries = AuditEntry.objects.count()
    cases = [
        ([16, 26], "", "26. fog: A(z) 26. fog a státusz szerint hiányzik"),
        ([16, 11], "MO", "11. fog: A(z) 11. fogon nincs O felszín"),
        ([], "", "meg kell adni a fogat"),
    ]
    for teeth, surfaces, text in cases:
        with pytest.raises(ValidationError) as info:
            plan_items_add_for_teeth(
                phase=phase,
                option=None,
                actor=personas.assistant,
                treatment=catalogue["töm"] if surfaces else catalogue["kor"],
                teeth=teeth,
                surfaces=surfaces,
            )
        assert any(text in m for m in info.value.messages), info.value.messages
    assert not plan.items.exists()
    assert AuditEntry.objects.count() == entries
    # An implant may be planned where the tooth is missing (it replaces it).
    (implant,) = plan_items_add_for_teeth(
        phase=phase, option=None, actor=personas.assistant, treatment=catalogue["impl"], teeth=[26]
    )
    assert implant.tooth == 26


# --- to the chair: one click records and ticks --------------------------------------------------


def test_performing_an_item_records_its_procedure_and_marks_it_done_with_the_visit(
    personas: Personas, patient: Patient, accepted: TreatmentPlan, catalogue: Catalogue,
    bno_visit: Visit,
) -> None:  # fmt: skip
    item = _item(accepted, catalogue["töm"])
    entries = AuditEntry.objects.count()
    procedure = plan_item_perform(item=item, visit=bno_visit, actor=personas.assistant)
    assert (procedure.visit_id, procedure.treatment_id, procedure.tooth, procedure.surfaces) == (
        bno_visit.pk,
        catalogue["töm"].pk,
        36,
        "MO",
    )
    item.refresh_from_db()
    assert item.done_at is not None and item.done_visit_id == bno_visit.pk
    accepted.refresh_from_db()
    assert accepted.status == PlanStatus.IN_PROGRESS
    # The chart shows the done treatment now, and the tooth is planned no more.
    assert patient_chart(patient)[36].surfaces == {"M": "filling", "O": "filling"}
    assert 36 not in [t for t, *_ in chart_planned_marks(Patient.objects.get(pk=patient.pk))]
    summaries = list(AuditEntry.objects.order_by("id").values_list("summary", flat=True)[entries:])
    assert any(s.startswith("Beavatkozás rögzítése") for s in summaries)
    assert any("Tervezett tétel elvégezve: Kompozit tömés 36 MO (ellátás:" in s for s in summaries)


def _nothing_saved(call: Any, text: str) -> None:
    counts = (VisitProcedure.objects.count(), ToothFinding.objects.count())
    done = PlanItem.objects.filter(done_at__isnull=False).count()
    entries = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as info:
        call()
    assert any(text in m for m in info.value.messages), info.value.messages
    assert (VisitProcedure.objects.count(), ToothFinding.objects.count()) == counts
    assert PlanItem.objects.filter(done_at__isnull=False).count() == done
    assert AuditEntry.objects.count() == entries


def test_performing_is_refused_whole(
    personas: Personas,
    patient: Patient,
    plan: TreatmentPlan,
    phase: PlanPhase,
    catalogue: Catalogue,
    bno_visit: Visit,
) -> None:
    draft_item = _add(personas, phase, catalogue["kor"], tooth=21)
    draft_item = _item(plan, catalogue["kor"])
    # The plan is not accepted: the procedure is not left behind either.
    _nothing_saved(
        lambda: plan_item_perform(item=draft_item, visit=bno_visit, actor=personas.doctor),
        "Csak elfogadott terv tétele",
    )
    _accept(personas, plan)
    item = _item(plan, catalogue["kor"])
    plan_item_perform(item=item, visit=bno_visit, actor=personas.doctor)
    # Done already (a second click, another screen).
    stale = _item(plan, catalogue["kor"])
    stale.done_at = None
    _nothing_saved(
        lambda: plan_item_perform(item=stale, visit=bno_visit, actor=personas.doctor),
        "már elvégezve",
    )


def test_performing_in_a_closed_visit_is_refused(
    personas: Personas, patient: Patient, accepted: TreatmentPlan, catalogue: Catalogue,
    bno_visit: Visit,
) -> None:  # fmt: skip
    from zomanc.clinical.services import diagnosis_add, visit_notes_update

    diagnosis_add(visit=bno_visit, code="K0210", added_by=personas.doctor.user)
    visit_notes_update(visit=bno_visit, updated_by=personas.doctor.user, anamnesis="x")
    visit_close(visit=bno_visit, closed_by=personas.doctor.user)
    item = _item(accepted, catalogue["töm"])
    with pytest.raises(ValidationError):
        plan_item_perform(item=item, visit=bno_visit, actor=personas.doctor)
    item.refresh_from_db()
    assert item.done_at is None and not VisitProcedure.objects.exists()


def test_an_item_and_a_visit_of_different_patients_never_meet(
    personas: Personas, accepted: TreatmentPlan, catalogue: Catalogue, bno_codes: None
) -> None:
    from zomanc.patients.tests.factories import make_patient

    other = make_patient(personas.doctor, family_name="Más", given_name="Béla")
    visit = open_visit_for(personas, other)
    item = _item(accepted, catalogue["töm"])
    with pytest.raises(ValueError, match="another patient"):
        plan_item_perform(item=item, visit=visit, actor=personas.doctor)
    with pytest.raises(ValueError, match="another patient"):
        plan_item_complete(item=item, actor=personas.doctor, visit=visit)
    assert not VisitProcedure.objects.exists()


def test_a_typed_procedure_is_ticked_off_only_when_asked_and_only_when_it_matches(
    personas: Personas, patient: Patient, accepted: TreatmentPlan, catalogue: Catalogue,
    bno_visit: Visit,
) -> None:  # fmt: skip
    visit_command_apply(visit=bno_visit, line="36 MO töm", entered_by=personas.doctor.user)
    visit_command_apply(visit=bno_visit, line="37 MO töm", entered_by=personas.doctor.user)
    item = _item(accepted, catalogue["töm"])
    assert item.done_at is None  # never by itself
    right = VisitProcedure.objects.select_related("treatment", "visit").get(tooth=36)
    wrong = VisitProcedure.objects.select_related("treatment", "visit").get(tooth=37)
    _nothing_saved(
        lambda: plan_item_tick(item=item, procedure=wrong, actor=personas.doctor),
        "nem egyezik a tervezett tétellel",
    )
    plan_item_tick(item=item, procedure=right, actor=personas.doctor)
    item.refresh_from_db()
    assert item.done_visit_id == bno_visit.pk
    assert VisitProcedure.objects.count() == 2  # ticking records nothing more


def test_a_variant_of_the_family_ticks_off_the_planned_variant(
    personas: Personas, plan: TreatmentPlan, phase: PlanPhase, bno_visit: Visit
) -> None:
    canals = {
        n: TreatmentItem.objects.create(
            practice=personas.practice_a,
            name=f"Gyökértömés {n} csatorna",
            price=Decimal(20000 * n),
            needs_tooth=True,
            resulting_status="root_canal",
            family="Gyökértömés",
            variant_basis=VariantBasis.CANALS,
            variant_count=n,
        )
        for n in (1, 2, 3)
    }
    planned = _add(personas, phase, canals[1], tooth=46, canals=3)
    assert planned.treatment_id == canals[3].pk
    _accept(personas, plan)
    done = procedure_add(
        visit=bno_visit, treatment=canals[2], tooth=46, canals=2, added_by=personas.doctor.user
    )
    done = VisitProcedure.objects.select_related("treatment", "visit").get(pk=done.pk)
    item = _item(plan, canals[3])
    plan_item_tick(item=item, procedure=done, actor=personas.doctor)
    item.refresh_from_db()
    assert item.done_at is not None


def test_marking_done_on_the_plan_page_needs_no_visit(
    personas: Personas, accepted: TreatmentPlan, catalogue: Catalogue
) -> None:
    item = plan_item_complete(item=_item(accepted, catalogue["fk"]), actor=personas.doctor)
    item.refresh_from_db()
    assert item.done_at is not None and item.done_visit_id is None


# --- undo: the procedure removed, the item open again -------------------------------------------


def test_removing_the_procedure_that_carried_out_an_item_opens_it_again(
    personas: Personas,
    patient: Patient,
    accepted: TreatmentPlan,
    catalogue: Catalogue,
    bno_visit: Visit,
) -> None:
    from zomanc.clinical.services import procedure_remove

    filling = _item(accepted, catalogue["töm"])
    crown = _item(accepted, catalogue["kor"])
    recorded = plan_item_perform(item=filling, visit=bno_visit, actor=personas.assistant)
    visit_command_apply(visit=bno_visit, line="46 kor", entered_by=personas.doctor.user)
    typed = VisitProcedure.objects.select_related("treatment", "visit").get(tooth=46)
    plan_item_tick(item=crown, procedure=typed, actor=personas.doctor)
    # Marked done on the plan page (no procedure): a removed procedure leaves it alone.
    scaling = plan_item_complete(item=_item(accepted, catalogue["fk"]), actor=personas.doctor)
    for procedure, item in ((recorded, filling), (typed, crown)):
        item.refresh_from_db()
        assert item.done_procedure_id == procedure.pk
        procedure_remove(procedure=procedure, removed_by=personas.doctor.user)
        item.refresh_from_db()
        assert (item.done_at, item.done_visit_id, item.done_procedure_id) == (None, None, None)
    scaling.refresh_from_db()
    assert scaling.done_at is not None
    assert (
        AuditEntry.objects.filter(summary__startswith="Tervezett tétel újra nyitott").count() == 2
    )
    fresh = Patient.objects.get(pk=patient.pk)
    assert [t for t, *_ in chart_planned_marks(fresh)] == [36, 46]


def test_a_completed_plans_item_keeps_its_done_mark(
    personas: Personas,
    plan: TreatmentPlan,
    phase: PlanPhase,
    catalogue: Catalogue,
    bno_visit: Visit,
) -> None:
    from zomanc.clinical.services import procedure_remove

    _add(personas, phase, catalogue["kor"], tooth=21)
    _accept(personas, plan)
    item = _item(plan, catalogue["kor"])
    procedure = plan_item_perform(item=item, visit=bno_visit, actor=personas.doctor)
    plan_transition(plan=plan, to=PlanStatus.COMPLETED, actor=personas.doctor, today=TODAY)
    procedure_remove(procedure=procedure, removed_by=personas.doctor.user)
    item.refresh_from_db()
    assert item.done_at is not None and item.done_procedure_id is None  # history
