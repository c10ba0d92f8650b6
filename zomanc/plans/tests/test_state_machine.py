"""Property: whatever sequence of status requests, item completions, revisions and days
passing is tried, every status change any plan of the line ever makes is in TRANSITIONS, a
refused request changes nothing (status, audit), and a non-draft plan's items never change."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zomanc.audit.models import AuditEntry
from zomanc.codes.models import TreatmentItem
from zomanc.conftest import Personas
from zomanc.patients.models import Patient
from zomanc.plans.models import PlanItem, PlanStatus, TreatmentPlan
from zomanc.plans.services import (
    TRANSITIONS,
    plan_create,
    plan_item_add,
    plan_item_complete,
    plan_option_add,
    plan_option_choose,
    plan_phase_add,
    plan_revise,
    plan_transition,
)
from zomanc.plans.tests.conftest import TODAY

pytestmark = pytest.mark.django_db

TO = st.tuples(st.just("to"), st.sampled_from(PlanStatus.values))
# Status requests drawn three times as often as the other steps: long legal paths are found.
STEPS = st.one_of(
    TO,
    TO,
    TO,
    st.tuples(st.just("day"), st.integers(min_value=1, max_value=20)),
    st.tuples(st.just("complete"), st.integers(min_value=0, max_value=3)),
    st.tuples(st.just("revise"), st.just(0)),
    st.tuples(st.just("add"), st.just(0)),
    st.tuples(st.just("choose"), st.integers(min_value=0, max_value=1)),
)


def _items(plan: TreatmentPlan) -> list[tuple[int, str, Decimal, bool]]:
    return [
        (i.treatment_id, i.surfaces, i.unit_price, i.done_at is not None)
        for i in PlanItem.objects.filter(plan=plan).order_by("id")
    ]


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(STEPS, min_size=1, max_size=14), chosen_first=st.booleans())
def test_no_illegal_transition_is_reachable(
    personas: Personas,
    patient: Patient,
    catalogue: dict[str, TreatmentItem],
    steps: list,
    chosen_first: bool,
) -> None:
    actor = personas.doctor
    plan = plan_create(
        patient=patient, actor=actor, title="T", valid_until=TODAY + dt.timedelta(days=10)
    )
    phase = plan_phase_add(plan=plan, actor=actor, title="Konzerváló")
    plan_item_add(plan=plan, phase=phase, actor=actor, treatment=catalogue["fk"])
    prosth = plan_phase_add(plan=plan, actor=actor, title="Fogpótlás")
    for label_title, item in (("Implantátum", "impl"), ("Korona", "kor")):
        option = plan_option_add(phase=prosth, actor=actor, title=label_title)
        plan_item_add(
            plan=plan, phase=prosth, option=option, actor=actor, treatment=catalogue[item], tooth=36
        )
    if chosen_first:
        plan_option_choose(option=prosth.options.order_by("label")[0], actor=actor)
    line = [plan]
    today = TODAY
    for kind, value in steps:
        current = line[-1]
        before = {p.pk: TreatmentPlan.objects.get(pk=p.pk).status for p in line}
        contents = {p.pk: _items(p) for p in line if before[p.pk] != PlanStatus.DRAFT}
        entries = AuditEntry.objects.count()
        try:
            if kind == "to":
                plan_transition(plan=current, to=value, actor=actor, today=today)
            elif kind == "day":
                today += dt.timedelta(days=value)
            elif kind == "complete":
                items = list(current.items.select_related("option").order_by("id"))
                plan_item_complete(item=items[value % len(items)], actor=actor)
            elif kind == "revise":
                line.append(plan_revise(plan=current, actor=actor))
            elif kind == "add":
                plan_item_add(
                    plan=current,
                    phase=current.phases.order_by("position")[0],
                    actor=actor,
                    treatment=catalogue["rtg"],
                )
            elif kind == "choose":
                option = current.phases.order_by("-position")[0].options.order_by("label")[value]
                plan_option_choose(option=option, actor=actor)
        except ValidationError:
            after = {p.pk: TreatmentPlan.objects.get(pk=p.pk).status for p in line}
            assert after == before, (kind, value)
            assert AuditEntry.objects.count() == entries
        for p in line:
            status = TreatmentPlan.objects.get(pk=p.pk).status
            if p.pk in before and status != before[p.pk]:
                assert status in TRANSITIONS[before[p.pk]], (before[p.pk], status)
            if p.pk in contents:
                done_changes_only = [c[:3] for c in _items(p)] == [c[:3] for c in contents[p.pk]]
                assert done_changes_only, "a non-draft plan's items changed"
        # At most one version of the line is in force (accepted or in progress).
        in_force = TreatmentPlan.objects.filter(
            pk__in=[p.pk for p in line], status__in=[PlanStatus.ACCEPTED, PlanStatus.IN_PROGRESS]
        ).count()
        assert in_force <= 1


def test_the_table_has_no_way_out_of_the_end_states() -> None:
    for end in (
        PlanStatus.REJECTED,
        PlanStatus.EXPIRED,
        PlanStatus.COMPLETED,
        PlanStatus.SUPERSEDED,
    ):
        assert TRANSITIONS[end] == frozenset()
    assert TRANSITIONS[PlanStatus.DRAFT] == {PlanStatus.PRESENTED}
    assert set(TRANSITIONS) == set(PlanStatus.values)


@pytest.mark.parametrize("status", [s for s in PlanStatus.values if s != PlanStatus.DRAFT])
def test_superseded_is_never_asked_for(personas: Personas, patient: Patient, status: str) -> None:
    plan = plan_create(patient=patient, actor=personas.doctor, title="T", valid_until=TODAY)
    TreatmentPlan.objects.filter(pk=plan.pk).update(status=status)
    with pytest.raises(ValidationError, match="nem vihető"):
        plan_transition(plan=plan, to=PlanStatus.SUPERSEDED, actor=personas.doctor, today=TODAY)


@pytest.mark.parametrize("start", PlanStatus.values)
def test_every_step_outside_the_table_is_refused(
    personas: Personas, patient: Patient, catalogue: dict[str, TreatmentItem], start: str
) -> None:
    """Exhaustively: from every status, with every condition of every step met (items, a
    chosen option, a valid quote, all items done), only the table's steps are taken."""
    actor = personas.doctor
    for target in PlanStatus.values:
        plan = plan_create(patient=patient, actor=actor, title="T", valid_until=TODAY)
        phase = plan_phase_add(plan=plan, actor=actor, title="F")
        option = plan_option_add(phase=phase, actor=actor, title="A")
        plan_item_add(plan=plan, phase=phase, option=option, actor=actor, treatment=catalogue["fk"])
        plan_option_choose(option=option, actor=actor)
        TreatmentPlan.objects.filter(pk=plan.pk).update(status=start)
        PlanItem.objects.filter(plan=plan).update(done_at=plan.created_at)
        today = TODAY + dt.timedelta(days=1) if target == PlanStatus.EXPIRED else TODAY
        try:
            plan_transition(plan=plan, to=target, actor=actor, today=today)
        except ValidationError:
            assert target not in TRANSITIONS[start] or target == PlanStatus.SUPERSEDED
        else:
            assert target in TRANSITIONS[start], (start, target)
