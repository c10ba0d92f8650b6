"""Extension points of the calendar, for apps that scheduling must not import (plans depends
on scheduling: its items point at appointments). Register in your AppConfig.ready().

- APPOINTMENT_LINES: readers `(practice_id, appointment_ids) -> {appointment_id: [lines]}`
  that add lines to what an appointment shows (the week's blocks, the appointment panel):
  plans shows the planned items booked to it. A reader answers for the whole calendar window
  in one query — never one per appointment (the calendar week is benchmarked) — and returns
  plain values (no model instances: the week's page is freed by reference counting,
  docs/decisions.md "Web memory").
- APPOINTMENT_CHANGED: callables `(appointment) -> None` run inside the writing transaction
  after an appointment is booked, moved or cancelled (reminders keeps its reminder rows in
  step with the appointment: they commit with the change or not at all)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class AppointmentLine:
    text: str
    url: str = ""  # where the line links in the panel (the week's block is a link itself)
    done: bool = False
    # The heading the line goes under in the panel, the reader's own ("Tervezett tételek",
    # "A páciens válasza"): one heading for every app's lines put a patient's answer under
    # the planned items.
    group: str = ""


AppointmentLinesReader = Callable[[int, list[int]], dict[int, list[AppointmentLine]]]
APPOINTMENT_LINES: list[AppointmentLinesReader] = []


def appointment_lines(
    practice_id: int, appointment_ids: list[int]
) -> dict[int, list[AppointmentLine]]:
    """Every registered reader's lines, by appointment id (no query for no appointments)."""
    lines: dict[int, list[AppointmentLine]] = {}
    if not appointment_ids:
        return lines
    for reader in APPOINTMENT_LINES:
        for pk, more in reader(practice_id, appointment_ids).items():
            lines.setdefault(pk, []).extend(more)
    return lines


AppointmentChanged = Callable[[Any], None]
APPOINTMENT_CHANGED: list[AppointmentChanged] = []


def appointment_changed(appointment: Any) -> None:
    """Runs every registered reaction, in the caller's transaction."""
    for react in APPOINTMENT_CHANGED:
        react(appointment)
