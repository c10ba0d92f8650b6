"""Extension points of the calendar, for apps that scheduling must not import (plans depends
on scheduling: its items point at appointments). Register in your AppConfig.ready().

- APPOINTMENT_LINES: readers `(practice_id, appointments) -> {appointment_id: [lines]}`
  that add lines to what an appointment shows (the week's blocks, the appointment panel):
  plans shows the planned items booked to it. `appointments` is a list of ids (the panel) or
  the calendar's `AppointmentWindow` — the practice's appointments overlapping [start, end),
  a fixed-shape read a reader can prebuild (zomanc/core/prebuilt.py; a list of 160 ids is a
  new SQL for every length). A reader answers in one query — never one per appointment (the
  calendar week is benchmarked) — may answer for more appointments than the calendar shows
  (a filtered window), and returns plain values (no model instances: the week's page is
  freed by reference counting, docs/decisions.md "Web memory").
- APPOINTMENT_CHANGED: callables `(appointment) -> None` run inside the writing transaction
  after an appointment is booked, moved or cancelled (reminders keeps its reminder rows in
  step with the appointment: they commit with the change or not at all)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
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


@dataclass(frozen=True, slots=True)
class AppointmentWindow:
    """The practice's appointments overlapping [start, end) (cancelled included), as the
    calendar reads them: starts_at < end and ends_at > start."""

    start: datetime
    end: datetime


Appointments = list[int] | AppointmentWindow
AppointmentLinesReader = Callable[[int, Appointments], dict[int, list[AppointmentLine]]]
APPOINTMENT_LINES: list[AppointmentLinesReader] = []


def appointment_lines(
    practice_id: int, appointments: Appointments
) -> dict[int, list[AppointmentLine]]:
    """Every registered reader's lines, by appointment id (no query for no ids)."""
    lines: dict[int, list[AppointmentLine]] = {}
    if not appointments:
        return lines
    for reader in APPOINTMENT_LINES:
        for pk, more in reader(practice_id, appointments).items():
            lines.setdefault(pk, []).extend(more)
    return lines


AppointmentChanged = Callable[[Any], None]
APPOINTMENT_CHANGED: list[AppointmentChanged] = []


def appointment_changed(appointment: Any) -> None:
    """Runs every registered reaction, in the caller's transaction."""
    for react in APPOINTMENT_CHANGED:
        react(appointment)
