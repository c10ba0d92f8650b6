"""The reminder's signed links (django.core.signing, each kind with its own salt): an action
link names the appointment, the reminder and the action and expires at the appointment's
start; the opt-out link names the patient and the channel. Nothing in them is secret (ids);
the signature makes them unforgeable, and the checks in services.py make them single-use
and bound to one appointment at one time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

from zomanc.patients.models import Patient
from zomanc.scheduling.models import Appointment

ACTION_SALT = "zomanc.reminders.action"
OPTOUT_SALT = "zomanc.reminders.optout"
ACTIONS = ("confirm", "reschedule", "cancel")


@dataclass(frozen=True)
class ActionLink:
    appointment_id: int
    reminder_id: int
    action: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class OptOutLink:
    patient_id: int
    channel: str


def action_token(*, appointment: Appointment, reminder_id: int, action: str) -> str:
    return signing.dumps(
        {
            "a": appointment.pk,
            "r": reminder_id,
            "x": action,
            "e": int(appointment.starts_at.timestamp()),
        },
        salt=ACTION_SALT,
        compress=True,
    )


def action_load(token: str) -> ActionLink | None:
    """The link's content if the signature holds (expiry is checked by the caller)."""
    try:
        data = signing.loads(token, salt=ACTION_SALT)
        link = ActionLink(
            appointment_id=int(data["a"]),
            reminder_id=int(data["r"]),
            action=str(data["x"]),
            expires_at=dt.datetime.fromtimestamp(int(data["e"]), tz=dt.UTC),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    return link if link.action in ACTIONS else None


def optout_token(*, patient: Patient, channel: str) -> str:
    return signing.dumps({"p": patient.pk, "c": channel}, salt=OPTOUT_SALT, compress=True)


def optout_load(token: str) -> OptOutLink | None:
    try:
        data = signing.loads(token, salt=OPTOUT_SALT)
        link = OptOutLink(patient_id=int(data["p"]), channel=str(data["c"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    return link if link.channel in ("email", "sms") else None


def _absolute(path: str) -> str:
    return settings.ZOMANC_BASE_URL.rstrip("/") + path


def action_url(*, appointment: Appointment, reminder_id: int, action: str) -> str:
    token = action_token(appointment=appointment, reminder_id=reminder_id, action=action)
    return _absolute(reverse("reminders:respond", args=[token]))


def optout_url(*, patient: Patient, channel: str) -> str:
    return _absolute(
        reverse("reminders:optout", args=[optout_token(patient=patient, channel=channel)])
    )
