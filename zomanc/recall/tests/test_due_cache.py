"""The practice's recalls kept between requests (selectors._due_cache, a
core.memo.SlotCache): not read again while nothing they are computed from changed, and
computed anew when any of it did — a test per input (a visit closed, a correction, a rule
set or deleted, an own interval set or cleared, the time zone), practices apart, and nothing
kept from inside a transaction.

Transactional tests: the cache is only used outside a transaction (a state seen inside one
could be rolled back), and a pytest-django test runs inside one unless it is one of these."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from zomanc.clinical.services import visit_correct
from zomanc.conftest import Personas
from zomanc.patients.tests.factories import make_patient
from zomanc.recall.due import Due, add_months
from zomanc.recall.models import RecallRule
from zomanc.recall.selectors import practice_recalls_due
from zomanc.recall.services import patient_recall_interval_set, recall_rule_delete, recall_rule_set
from zomanc.recall.tests.conftest import Catalogue, procedure_done

pytestmark = pytest.mark.django_db(transaction=True)

TODAY = timezone.localdate()


def _ago(months: int) -> dt.date:
    return add_months(TODAY, -months)


def _dues(practice_id: int) -> tuple[list[Due], bool]:
    """The practice's recalls and whether the history was read for them."""
    with CaptureQueriesContext(connection) as queries:
        dues = practice_recalls_due(practice_id)
    read = any('FROM "clinical_visitprocedure"' in q["sql"] for q in queries)
    return dues, read


def _summary(dues: list[Due]) -> set[tuple[int, int, dt.date, dt.date]]:
    return {(d.patient_id, d.treatment_id, d.since, d.due) for d in dues}


def test_the_same_inputs_are_not_read_again(personas: Personas, items: Catalogue) -> None:
    patient = make_patient(personas.receptionist)
    procedure_done(personas, patient, items.scaling, _ago(7))
    first, read = _dues(personas.practice_a.pk)
    assert read and _summary(first) == {
        (patient.pk, items.scaling.pk, _ago(7), add_months(_ago(7), 6))
    }
    again, read_again = _dues(personas.practice_a.pk)
    assert not read_again and again == first
    again.clear()  # the caller's list: the kept recalls stay as they were
    assert _dues(personas.practice_a.pk) == (first, False)


def test_a_closed_visit_is_seen(personas: Personas, items: Catalogue) -> None:
    first = make_patient(personas.receptionist)
    procedure_done(personas, first, items.scaling, _ago(7))
    _dues(personas.practice_a.pk)
    second = make_patient(personas.receptionist, family_name="Második")
    procedure_done(personas, second, items.scaling, _ago(3))
    dues, read = _dues(personas.practice_a.pk)
    assert read and {d.patient_id for d in dues} == {first.pk, second.pk}
    # An open visit is no input: the recalls are kept.
    procedure_done(personas, first, items.scaling, _ago(1), close=False)
    assert _dues(personas.practice_a.pk) == (dues, False)


def test_a_correction_is_seen(personas: Personas, items: Catalogue) -> None:
    patient = make_patient(personas.receptionist)
    procedure_done(personas, patient, items.scaling, _ago(8))
    later = procedure_done(personas, patient, items.scaling, _ago(2))
    [due] = _dues(personas.practice_a.pk)[0]
    assert due.since == _ago(2)
    [procedure] = later.procedures.all()
    visit_correct(
        visit=later,
        reason="Tévesen rögzítve",
        corrected_by=personas.doctor.user,
        remove_procedure_ids=[procedure.pk],
    )
    [due], read = _dues(personas.practice_a.pk)
    assert read and due.since == _ago(8)  # back to the scaling before


def test_a_rule_set_or_deleted_is_seen(personas: Personas, items: Catalogue) -> None:
    patient = make_patient(personas.receptionist)
    procedure_done(personas, patient, items.scaling, _ago(7))
    [due] = _dues(personas.practice_a.pk)[0]
    assert due.interval_months == 6
    recall_rule_set(actor=personas.receptionist, treatment=items.scaling, interval_months=12)
    [due] = _dues(personas.practice_a.pk)[0]
    assert due.interval_months == 12 and due.due == add_months(_ago(7), 12)
    rule = RecallRule.objects.get(practice=personas.practice_a, treatment=items.scaling)
    recall_rule_delete(actor=personas.receptionist, rule=rule)
    assert _dues(personas.practice_a.pk)[0] == []


def test_an_own_interval_set_or_cleared_is_seen(personas: Personas, items: Catalogue) -> None:
    patient = make_patient(personas.receptionist)
    procedure_done(personas, patient, items.scaling, _ago(7))
    _dues(personas.practice_a.pk)
    for months in (3, None):
        patient_recall_interval_set(
            actor=personas.receptionist,
            patient=patient,
            treatment=items.scaling,
            interval_months=months,
        )
        [due], read = _dues(personas.practice_a.pk)
        assert read and due.interval_months == (months or 6)


def test_the_time_zone_is_part_of_the_key(personas: Personas, items: Catalogue) -> None:
    """The visits' days are read in the current zone: 09:00 in Budapest is the day before
    at UTC−12."""
    patient = make_patient(personas.receptionist)
    procedure_done(personas, patient, items.scaling, _ago(7))
    [here] = _dues(personas.practice_a.pk)[0]
    with timezone.override("Etc/GMT+12"):
        [there], read = _dues(personas.practice_a.pk)
    assert read and there.since == here.since - dt.timedelta(days=1)


def test_practices_apart(personas: Personas, items: Catalogue) -> None:
    mine = make_patient(personas.receptionist)
    theirs = make_patient(personas.outsider, family_name="Másé")
    procedure_done(personas, mine, items.scaling, _ago(7))
    procedure_done(personas, theirs, items.scaling_b, _ago(7))
    for _ in range(2):  # computed, then kept: each practice its own
        assert {d.patient_id for d in _dues(personas.practice_a.pk)[0]} == {mine.pk}
        assert {d.patient_id for d in _dues(personas.practice_b.pk)[0]} == {theirs.pk}


def test_nothing_is_kept_from_inside_a_transaction(personas: Personas, items: Catalogue) -> None:
    """A visit closed and rolled back leaves the closed-visit state where a later close takes
    it again: recalls computed inside the transaction must not be found under it."""
    first = make_patient(personas.receptionist)
    procedure_done(personas, first, items.scaling, _ago(7))
    _dues(personas.practice_a.pk)
    rolled_back = make_patient(personas.receptionist, family_name="Visszavont")
    with pytest.raises(RuntimeError), transaction.atomic():
        procedure_done(personas, rolled_back, items.scaling, _ago(5))
        assert rolled_back.pk in {d.patient_id for d in practice_recalls_due(first.practice_id)}
        raise RuntimeError("rollback")
    second = make_patient(personas.receptionist, family_name="Második")
    procedure_done(personas, second, items.scaling, _ago(5))  # the same state as inside
    assert {d.patient_id for d in _dues(personas.practice_a.pk)[0]} == {first.pk, second.pk}
