"""Reminder fixtures: the calendar's (chairs, patients, `book`), a practice with e-mail
settings and a reminder rule, and a patient who consented to e-mail."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from zomanc.conftest import Personas
from zomanc.messaging.services import mail_settings_save
from zomanc.patients.consent_services import patient_channel_opt_in, patient_message_language_set
from zomanc.patients.models import Patient
from zomanc.reminders.models import ReminderRule
from zomanc.reminders.services import reminder_rule_save
from zomanc.scheduling.tests.conftest import Cal, cal  # noqa: F401 (fixture)

BUDAPEST = dt.timezone(dt.timedelta(hours=1))  # March 2026 is winter time in Budapest


def local(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A moment in March 2026, Budapest time."""
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=BUDAPEST)


def consent(p: Personas, patient: Patient, language: str = "hu") -> None:
    patient_channel_opt_in(patient=patient, channel="email", method="paper", actor=p.receptionist)
    if language != "hu":
        patient_message_language_set(patient=patient, language=language, actor=p.receptionist)


def mail_settings(p: Personas, port: int = 2525) -> None:
    mail_settings_save(
        practice=p.practice_a,
        host="127.0.0.1",
        port=port,
        security="none",
        username="",
        password="",
        from_email="rendelo@mosoly.example",
        from_name="Mosoly Fogászat",
        reply_to="",
        actor=p.owner,
    )


def rule(p: Personas, first: int = 24, second: int | None = None, **extra: Any) -> ReminderRule:
    values: dict[str, Any] = {"is_active": True, "use_email": True, "use_sms": False}
    values.update(extra)
    return reminder_rule_save(
        practice=p.practice_a, first_hours=first, second_hours=second, actor=p.owner, **values
    )


@pytest.fixture
def ready(cal: Cal) -> Cal:  # noqa: F811
    """Practice A sends e-mail, has the default rule (24 h), Anna consented to e-mail."""
    with timezone.override("Europe/Budapest"):
        mail_settings(cal.p)
        rule(cal.p)
        consent(cal.p, cal.anna)
    return cal
