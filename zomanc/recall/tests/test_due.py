"""due.py over generated histories (Hypothesis): the due date is the last matching procedure
plus the interval; a later matching procedure moves it; the patient's own interval wins; a
patient with no matching procedure has no recall; items without an interval never count."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from zomanc.recall.due import Done, add_months, recalls_due

PATIENTS = st.integers(1, 4)
ITEMS = st.integers(1, 5)
DAYS = st.dates(dt.date(2015, 1, 1), dt.date(2030, 12, 31))
HISTORY = st.lists(st.builds(Done, PATIENTS, ITEMS, DAYS, st.integers(1, 3)), max_size=30)
RULES = st.dictionaries(ITEMS, st.integers(1, 60), max_size=5)
OWN = st.dictionaries(st.tuples(PATIENTS, ITEMS), st.integers(1, 60), max_size=6)


def _months(rules: dict[int, int], own: dict[tuple[int, int], int], p: int, t: int) -> int | None:
    return own.get((p, t), rules.get(t))


@settings(max_examples=300, deadline=None)
@given(HISTORY, RULES, OWN)
def test_due_is_last_matching_procedure_plus_interval(
    history: list[Done], rules: dict[int, int], own: dict[tuple[int, int], int]
) -> None:
    result = recalls_due(history, rules, own)
    expected: dict[tuple[int, int], dt.date] = {}
    for done in history:
        months = _months(rules, own, done.patient_id, done.treatment_id)
        if months is None:
            continue
        key = (done.patient_id, done.treatment_id)
        expected[key] = max(expected.get(key, done.day), done.day)
    assert {(d.patient_id, d.treatment_id) for d in result} == set(expected)
    for due in result:
        last = expected[(due.patient_id, due.treatment_id)]
        months = _months(rules, own, due.patient_id, due.treatment_id)
        assert due.since == last
        assert due.interval_months == months
        assert months is not None and due.due == add_months(last, months)
    assert [d.due for d in result] == sorted(d.due for d in result)


@settings(max_examples=200, deadline=None)
@given(HISTORY, RULES, OWN, PATIENTS, ITEMS, st.integers(1, 2000))
def test_a_later_matching_procedure_moves_it(
    history: list[Done],
    rules: dict[int, int],
    own: dict[tuple[int, int], int],
    patient: int,
    item: int,
    days_later: int,
) -> None:
    rules = {**rules, item: rules.get(item, 6)}
    before = {(d.patient_id, d.treatment_id): d for d in recalls_due(history, rules, own)}
    latest = max((d.day for d in history), default=dt.date(2020, 1, 1))
    later = latest + dt.timedelta(days=days_later)
    after = {
        (d.patient_id, d.treatment_id): d
        for d in recalls_due([*history, Done(patient, item, later, 9)], rules, own)
    }
    moved = after[(patient, item)]
    assert moved.since == later and moved.doctor_id == 9
    assert moved.due == add_months(later, _months(rules, own, patient, item))  # type: ignore[arg-type]
    if (patient, item) in before:
        assert moved.due >= before[(patient, item)].due
    # Nothing else moved.
    assert {k: v for k, v in after.items() if k != (patient, item)} == {
        k: v for k, v in before.items() if k != (patient, item)
    }


@settings(max_examples=200, deadline=None)
@given(HISTORY, RULES, PATIENTS, ITEMS, st.integers(1, 60))
def test_the_patient_s_own_interval_wins(
    history: list[Done], rules: dict[int, int], patient: int, item: int, months: int
) -> None:
    history = [*history, Done(patient, item, dt.date(2024, 8, 31))]
    rules = {**rules, item: 6}
    mine = {
        d.patient_id: d
        for d in recalls_due(history, rules, {(patient, item): months})
        if d.treatment_id == item
    }
    assert mine[patient].interval_months == months
    # Other patients keep the practice's rule.
    for other, due in mine.items():
        if other != patient:
            assert due.interval_months == 6


@settings(max_examples=200, deadline=None)
@given(HISTORY, RULES, OWN)
def test_no_matching_procedure_no_recall(
    history: list[Done], rules: dict[int, int], own: dict[tuple[int, int], int]
) -> None:
    newcomer = 99
    result = recalls_due(history, rules, {**own, (newcomer, 1): 3})
    assert all(d.patient_id != newcomer for d in result)
    assert recalls_due([], rules, own) == []


def test_add_months_clamps_to_the_month_s_end() -> None:
    assert add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2027, 8, 31), 6) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2026, 12, 7), 12) == dt.date(2027, 12, 7)
    assert add_months(dt.date(2026, 11, 15), 3) == dt.date(2027, 2, 15)


def test_scaling_six_months_example() -> None:
    history = [
        Done(1, 10, dt.date(2026, 1, 10), 5),
        Done(1, 10, dt.date(2026, 6, 1), 6),  # scaling again: moves it
        Done(1, 20, dt.date(2026, 6, 1), 6),  # no rule for item 20: no recall
        Done(2, 11, dt.date(2025, 12, 7), 5),  # check-up
    ]
    result = recalls_due(history, {10: 6, 11: 12}, {})
    assert [(d.patient_id, d.treatment_id, d.due, d.doctor_id) for d in result] == [
        (1, 10, dt.date(2026, 12, 1), 6),
        (2, 11, dt.date(2026, 12, 7), 5),
    ]
