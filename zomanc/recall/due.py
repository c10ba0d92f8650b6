"""When a recall is due: pure functions over a patient's history, no database (the
selectors feed them; tests/test_due.py checks them over generated histories).

A recall belongs to a patient and a catalogue item with an interval: the practice's rule
for the item (scaling → 6 months) or the patient's own interval for it, which wins. It is
due the interval after the last time the item was done in a closed visit; doing it again
moves it; a patient who never had the item has no recall for it."""

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Done:
    """A matching procedure: `treatment_id` was done for `patient_id` on `day` (the closed
    visit's date) by `doctor_id`."""

    patient_id: int
    treatment_id: int
    day: dt.date
    doctor_id: int | None = None


@dataclass(frozen=True)
class Due:
    patient_id: int
    treatment_id: int
    since: dt.date  # the last time it was done: the recall counts from here
    due: dt.date
    interval_months: int
    doctor_id: int | None  # who did it last (the list's doctor filter)

    @property
    def key(self) -> str:
        """Names one recall (the contact history and the bulk selection use it)."""
        return f"{self.patient_id}:{self.treatment_id}:{self.since.isoformat()}"


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` plus whole months; the 31st becomes the month's last day (Aug 31 + 6 = Feb 28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def recalls_due(
    history: Iterable[Done],
    rules: Mapping[int, int],
    own: Mapping[tuple[int, int], int],
) -> list[Due]:
    """Every recall of the patients in `history`: `rules` maps a catalogue item to the
    practice's interval in months, `own` maps (patient, item) to the patient's own interval
    (it wins, and stands even where the practice has no rule for the item). Ordered by due
    date, then patient and item."""
    last: dict[tuple[int, int], Done] = {}
    for done in history:
        key = (done.patient_id, done.treatment_id)
        if key not in own and done.treatment_id not in rules:
            continue
        seen = last.get(key)
        # On the same day the later entry wins (the selectors feed them in visit order).
        if seen is None or done.day >= seen.day:
            last[key] = done
    result = []
    for (patient_id, treatment_id), done in last.items():
        months = own.get((patient_id, treatment_id), rules.get(treatment_id))
        assert months is not None  # filtered above
        result.append(
            Due(
                patient_id=patient_id,
                treatment_id=treatment_id,
                since=done.day,
                due=add_months(done.day, months),
                interval_months=months,
                doctor_id=done.doctor_id,
            )
        )
    result.sort(key=lambda d: (d.due, d.patient_id, d.treatment_id))
    return result
