"""Reads of reminders: the patient's answers shown in the calendar (one query for the whole
window, through scheduling.hooks.APPOINTMENT_LINES) and a real appointment for the preview."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from zomanc.core.prebuilt import prebuilt
from zomanc.reminders.models import ReminderResponse, ResponseAction
from zomanc.scheduling.hooks import AppointmentLine, Appointments, AppointmentWindow
from zomanc.scheduling.models import Appointment, AppointmentStatus


def _responses(practice_id: int) -> QuerySet[Any]:
    return (
        ReminderResponse.objects.filter(practice_id=practice_id)
        .order_by("appointment_id", "-id")
        .values_list("appointment_id", "action")
    )


# The calendar week's read: prebuilt (zomanc/core/prebuilt.py, issue 18).
@prebuilt
def _responses_in_window(practice_id: int, start: dt.datetime, end: dt.datetime) -> QuerySet[Any]:
    return _responses(practice_id).filter(
        appointment__starts_at__lt=end, appointment__ends_at__gt=start
    )


def appointment_responses(practice_id: int, appointments: Appointments) -> dict[int, str]:
    """{appointment id: the patient's latest answer}, one query."""
    latest: dict[int, str] = {}
    if isinstance(appointments, AppointmentWindow):
        rows = _responses_in_window(
            practice_id=practice_id, start=appointments.start, end=appointments.end
        )
    else:
        rows = list(_responses(practice_id).filter(appointment_id__in=appointments))
    for appointment_id, action in rows:
        latest.setdefault(appointment_id, action)
    return latest


def response_label(action: str) -> str:
    return {
        ResponseAction.CONFIRM: _("Visszaigazolta a páciens"),
        ResponseAction.RESCHEDULE: _("A páciens új időpontot kér"),
        ResponseAction.CANCEL: _("A páciens lemondta"),
    }[ResponseAction(action)]


def appointment_response_lines(
    practice_id: int, appointments: Appointments
) -> dict[int, list[AppointmentLine]]:
    group = _("A páciens válasza")
    return {
        pk: [AppointmentLine(text=response_label(action), group=group)]
        for pk, action in appointment_responses(practice_id, appointments).items()
    }


def preview_appointment(practice_id: int) -> Appointment | None:
    """The practice's next booked appointment (else its latest one): the preview is filled
    with real data."""
    base = Appointment.objects.select_related("patient", "doctor", "practice").filter(
        practice_id=practice_id
    )
    upcoming = (
        base.filter(starts_at__gte=timezone.now(), status=AppointmentStatus.BOOKED)
        .order_by("starts_at", "pk")
        .first()
    )
    return upcoming or base.order_by("-starts_at", "-pk").first()
