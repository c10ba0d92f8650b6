"""Recall from the real chart: closed visits only, a later procedure moves it, the patient's
own interval wins, contact states and bookings, the list's window and filters, practices
apart, and a fixed number of queries."""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from zomanc.conftest import Personas
from zomanc.patients.consent_services import patient_channel_opt_in
from zomanc.patients.tests.factories import make_patient
from zomanc.recall.due import add_months
from zomanc.recall.selectors import (
    RecallFilters,
    patient_recalls,
    practice_recalls_due,
    recall_list,
    recall_selection,
)
from zomanc.recall.services import patient_recall_interval_set, recall_contact_record
from zomanc.recall.tests.conftest import Catalogue, aware, book, procedure_done
from zomanc.scheduling.services import appointment_cancel

TODAY = timezone.localdate()
MONTH = TODAY.replace(day=1)


def _ago(months: int) -> dt.date:
    return add_months(TODAY, -months)


def test_due_six_months_after_a_closed_scaling(personas: Personas, items: Catalogue) -> None:
    patient = make_patient(personas.receptionist)
    day = _ago(1)
    procedure_done(personas, patient, items.scaling, day)
    procedure_done(personas, patient, items.xray, day - dt.timedelta(days=3))  # no rule
    [row] = patient_recalls(personas.receptionist, patient)
    assert row.treatment == items.scaling
    assert row.due.since == day and row.due.due == add_months(day, 6)
    assert row.doctor == personas.doctor and row.state == "new"
    assert row.last_visit is not None and timezone.localdate(row.last_visit) == day


def test_an_open_visit_does_not_count(personas: Personas, items: Catalogue) -> None:
    patient = make_patient(personas.receptionist)
    procedure_done(personas, patient, items.scaling, _ago(8))
    procedure_done(personas, patient, items.scaling, _ago(1), close=False)
    [row] = patient_recalls(personas.receptionist, patient)
    assert row.due.since == _ago(8)


def test_a_later_scaling_moves_it_and_starts_a_clean_slate(
    personas: Personas, items: Catalogue
) -> None:
    patient = make_patient(personas.receptionist)
    procedure_done(personas, patient, items.scaling, _ago(8))
    recall_contact_record(
        actor=personas.receptionist,
        patient=patient,
        treatment=items.scaling,
        since=_ago(8),
        state="declined",
    )
    assert patient_recalls(personas.receptionist, patient)[0].state == "declined"
    procedure_done(personas, patient, items.scaling, _ago(1), doctor=personas.doctor2)
    [row] = patient_recalls(personas.receptionist, patient)
    assert row.due.due == add_months(_ago(1), 6)
    assert row.state == "new" and row.doctor == personas.doctor2
    # A contact on the old recall is refused now: it belongs to nothing on the list.
    with pytest.raises(ValidationError, match="már nem aktuális"):
        recall_contact_record(
            actor=personas.receptionist,
            patient=patient,
            treatment=items.scaling,
            since=_ago(8),
            state="reminded",
        )


def test_the_patient_s_own_interval_wins(personas: Personas, items: Catalogue) -> None:
    patient = make_patient(personas.receptionist)
    procedure_done(personas, patient, items.scaling, _ago(1))
    patient_recall_interval_set(
        actor=personas.receptionist, patient=patient, treatment=items.scaling, interval_months=3
    )
    [row] = patient_recalls(personas.receptionist, patient)
    assert row.due.due == add_months(_ago(1), 3) and row.due.interval_months == 3
    # An own interval for an item without a practice rule makes a recall of its own.
    procedure_done(personas, patient, items.xray, _ago(2))
    patient_recall_interval_set(
        actor=personas.receptionist, patient=patient, treatment=items.xray, interval_months=24
    )
    assert {r.treatment for r in patient_recalls(personas.receptionist, patient)} == {
        items.scaling,
        items.xray,
    }
    patient_recall_interval_set(
        actor=personas.receptionist, patient=patient, treatment=items.scaling, interval_months=None
    )
    row = next(
        r for r in patient_recalls(personas.receptionist, patient) if r.treatment == items.scaling
    )
    assert row.due.interval_months == 6


def test_the_practice_s_recalls_are_each_patient_s(personas: Personas, items: Catalogue) -> None:
    """The list's recalls come from the practice's whole history, read once (prebuilt, the
    items with a rule or an own interval as subqueries): the same recalls as reading each
    patient's, an item with only an own interval included, an item with neither and an
    open visit left out."""
    first = make_patient(personas.receptionist, family_name="Első")
    second = make_patient(personas.receptionist, family_name="Második")
    procedure_done(personas, first, items.scaling, _ago(7))
    procedure_done(personas, first, items.xray, _ago(2))
    procedure_done(personas, first, items.scaling, _ago(1), close=False)  # open: not counted
    patient_recall_interval_set(
        actor=personas.receptionist, patient=first, treatment=items.xray, interval_months=24
    )
    procedure_done(personas, second, items.xray, _ago(3))
    procedure_done(personas, second, items.scaling, _ago(8))
    dues = practice_recalls_due(personas.receptionist.practice_id)
    assert {(d.patient_id, d.treatment_id, d.since) for d in dues} == {
        (first.pk, items.scaling.pk, _ago(7)),
        (first.pk, items.xray.pk, _ago(2)),
        (second.pk, items.scaling.pk, _ago(8)),
    }
    each = [r.due for p in (first, second) for r in patient_recalls(personas.receptionist, p)]
    assert sorted(each, key=lambda d: (d.due, d.patient_id, d.treatment_id)) == dues


def test_no_matching_procedure_no_recall(personas: Personas, items: Catalogue) -> None:
    patient = make_patient(personas.receptionist)
    procedure_done(personas, patient, items.xray, _ago(7))
    assert patient_recalls(personas.receptionist, patient) == []


def test_list_window_month_and_doctor(personas: Personas, items: Catalogue) -> None:
    overdue = make_patient(personas.receptionist, family_name="Lejárt")
    this_month = make_patient(personas.receptionist, family_name="Emhavi")
    later = make_patient(personas.receptionist, family_name="Később")
    procedure_done(personas, overdue, items.scaling, _ago(9))
    procedure_done(personas, this_month, items.scaling, add_months(MONTH, -6))
    procedure_done(personas, later, items.scaling, TODAY, doctor=personas.doctor2)
    names = lambda result: {r.patient.family_name for r in result.rows}  # noqa: E731
    default = recall_list(personas.receptionist, RecallFilters())
    assert names(default) == {"Lejárt", "Emhavi"}
    assert next(r for r in default.rows if r.patient == overdue).overdue
    in_six = recall_list(personas.receptionist, RecallFilters(month=add_months(MONTH, 6)))
    assert names(in_six) == {"Később"}
    by_doctor = recall_list(
        personas.receptionist,
        RecallFilters(month=add_months(MONTH, 6), doctor_id=personas.doctor.pk),
    )
    assert names(by_doctor) == set()


def test_contact_states_and_booking(personas: Personas, items: Catalogue) -> None:
    patient = make_patient(personas.receptionist)
    procedure_done(personas, patient, items.scaling, _ago(7))
    for state in ("reminded", "unreachable"):
        recall_contact_record(
            actor=personas.receptionist,
            patient=patient,
            treatment=items.scaling,
            since=_ago(7),
            state=state,
            note=state,
        )
    [row] = recall_list(personas.receptionist, RecallFilters()).rows
    assert row.state == "unreachable" and [c.state for c in row.history] == [
        "unreachable",
        "reminded",
    ]
    # A booked future appointment closes it: gone from the work list, "booked" under all.
    appointment = book(personas, patient, aware(TODAY + dt.timedelta(days=3), 10))
    assert recall_list(personas.receptionist, RecallFilters()).rows == []
    [row] = recall_list(personas.receptionist, RecallFilters(state="booked")).rows
    assert row.state == "booked" and row.next_appointment == appointment.starts_at
    # A cancelled booking opens it again.
    appointment_cancel(appointment=appointment, actor=personas.receptionist, reason="beteg")
    [row] = recall_list(personas.receptionist, RecallFilters()).rows
    assert row.state == "unreachable"
    recall_contact_record(
        actor=personas.receptionist,
        patient=patient,
        treatment=items.scaling,
        since=_ago(7),
        state="declined",
    )
    assert recall_list(personas.receptionist, RecallFilters()).rows == []
    assert len(recall_list(personas.receptionist, RecallFilters(state="declined")).rows) == 1


def test_practices_never_mix(personas: Personas, items: Catalogue) -> None:
    mine = make_patient(personas.receptionist, family_name="Enyém")
    theirs = make_patient(personas.outsider, family_name="Másé")
    procedure_done(personas, mine, items.scaling, _ago(7))
    procedure_done(personas, theirs, items.scaling_b, _ago(7))
    assert [r.patient for r in recall_list(personas.receptionist, RecallFilters()).rows] == [mine]
    assert [r.patient for r in recall_list(personas.outsider, RecallFilters()).rows] == [theirs]
    # Another practice's recall cannot be selected for sending, nor a forged one.
    [their_row] = recall_list(personas.outsider, RecallFilters()).rows
    assert recall_selection(personas.receptionist, [their_row.due.key, "1:2:2020-01-01"]) == []
    with pytest.raises(ValidationError):
        recall_contact_record(
            actor=personas.receptionist,
            patient=theirs,
            treatment=items.scaling_b,
            since=_ago(7),
            state="reminded",
        )


def test_selection_carries_the_consented_channels(personas: Personas, items: Catalogue) -> None:
    patient = make_patient(personas.receptionist)
    procedure_done(personas, patient, items.scaling, _ago(7))
    [row] = recall_list(personas.receptionist, RecallFilters()).rows
    assert row.channels == set()
    patient_channel_opt_in(
        patient=patient, channel="sms", method="paper", actor=personas.receptionist
    )
    [selected] = recall_selection(personas.receptionist, [row.due.key])
    assert selected.patient == patient and selected.channels == {"sms"}


def _list_queries(personas: Personas) -> int:
    with CaptureQueriesContext(connection) as ctx:
        recall_list(personas.receptionist, RecallFilters(state="all"))
    return len(ctx.captured_queries)


def test_list_reads_a_fixed_number_of_queries(personas: Personas, items: Catalogue) -> None:
    first = make_patient(personas.receptionist)
    procedure_done(personas, first, items.scaling, _ago(7))
    one = _list_queries(personas)
    for n in range(4):
        patient = make_patient(personas.receptionist, family_name=f"Páciens{n}")
        procedure_done(personas, patient, items.scaling, _ago(7 + n))
        recall_contact_record(
            actor=personas.receptionist,
            patient=patient,
            treatment=items.scaling,
            since=_ago(7 + n),
            state="reminded",
        )
        book(personas, patient, aware(TODAY + dt.timedelta(days=n + 1), 9 + n))
    assert _list_queries(personas) == one == 10


def test_the_list_counts_every_recall_but_reads_only_the_shown_rows(
    personas: Personas, items: Catalogue
) -> None:
    """The states of all recalls in the window are read first (they filter and count them);
    the patients, consents and last visits only for the page's rows, and only the
    patients' fields the list prints."""
    patients = [make_patient(personas.receptionist, family_name=f"Sor{n}") for n in range(4)]
    for n, patient in enumerate(patients):
        procedure_done(personas, patient, items.scaling, _ago(7) - dt.timedelta(days=n))
    book(personas, patients[0], aware(TODAY + dt.timedelta(days=2), 10))  # booked: not open
    with CaptureQueriesContext(connection) as queries:
        result = recall_list(personas.receptionist, RecallFilters(), per_page=2)
    # The oldest due first; the booked one neither shown nor counted.
    assert [r.patient.pk for r in result.rows] == [patients[3].pk, patients[2].pk]
    assert result.total == 3
    assert len(recall_list(personas.receptionist, RecallFilters(state="all"), per_page=2).rows) == 2
    assert recall_list(personas.receptionist, RecallFilters(state="all"), per_page=9).total == 4
    [patient_sql] = [q["sql"] for q in queries if 'FROM "patients_patient"' in q["sql"]]
    read = re.search(r"'([0-9,]+)'", patient_sql)  # the ids, one parameter (core/lookups.py)
    assert read is not None and {int(x) for x in read.group(1).split(",")} == {
        patients[3].pk,
        patients[2].pk,
    }
    assert '"patients_patient"."birth_date"' not in patient_sql
    # Nothing the list prints was left out: no patient read again row by row.
    with CaptureQueriesContext(connection) as again:
        [(r.patient.full_name, r.patient.phone, r.patient.email) for r in result.rows]
    assert len(again) == 0
