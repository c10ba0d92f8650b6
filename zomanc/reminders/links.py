"""The reminder's signed links (django.core.signing, each kind with its own salt): an action
link names the appointment, the reminder and the action and expires at the appointment's
start; the opt-out link names the patient and the channel. Nothing in them is secret (ids);
the signature makes them unforgeable, and the checks in services.py make them single-use
and bound to one appointment at one time."""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.http import base36_to_int, int_to_base36

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


# --- the SMS's one short link ----------------------------------------------------------------
# An SMS pays per 70 characters (UCS-2), so its link is short: the reminder's id in base36 and
# a truncated HMAC of it (12 bytes = 96 bits, base64url: 16 characters) under its own salt, no
# timestamp. It expires with the appointment, not by a date of its own: the reminder names its
# appointment and the start it was sent for (Reminder.for_start), and the checks in
# services.reminder_short_check refuse it at the start, after a move or a cancel, and per
# action once used — the same checks as the e-mail's links.

SHORT_SALT = "zomanc.reminders.short"
SHORT_MAC_CHARS = 16  # base64url of 12 bytes, no padding


def _short_mac(reminder_id: int) -> str:
    digest = salted_hmac(SHORT_SALT, str(reminder_id), algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest[:12]).decode("ascii")


def short_token(reminder_id: int) -> str:
    return int_to_base36(reminder_id) + _short_mac(reminder_id)


def short_load(token: str) -> int | None:
    """The reminder id of a short token whose MAC holds, else None."""
    head, mac = token[:-SHORT_MAC_CHARS], token[-SHORT_MAC_CHARS:]
    if not head:
        return None
    try:
        reminder_id = base36_to_int(head)
        if int_to_base36(reminder_id) != head:  # one spelling per id ("0a", "A" are not "a")
            return None
    except ValueError:  # not base36, too long, negative
        return None
    return reminder_id if constant_time_compare(mac, _short_mac(reminder_id)) else None


def short_url(reminder_id: int) -> str:
    return _absolute(reverse("reminder_short:page", args=[short_token(reminder_id)]))
