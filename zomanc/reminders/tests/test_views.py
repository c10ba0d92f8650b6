"""The settings page (owners only, two practices, a preview with a real appointment, audited),
the patient's signed links (confirm, reschedule, cancel; forged, expired, another
appointment's, reused, moved — each refused in the patient's language), the opt-out link
honoured at once, and the answer shown in the calendar at one query per window."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.urls import reverse

from zomanc.audit.models import AuditAction, AuditEntry
from zomanc.messaging.models import OutboundMessage
from zomanc.patients.consent_selectors import patient_channels_allowed
from zomanc.patients.models import Patient
from zomanc.reminders import links
from zomanc.reminders.models import Reminder, ReminderResponse, ReminderRule, ReminderTemplate
from zomanc.reminders.selectors import appointment_response_lines
from zomanc.reminders.services import reminders_due
from zomanc.reminders.tests.conftest import consent, local
from zomanc.scheduling.hooks import AppointmentWindow
from zomanc.scheduling.models import Appointment, AppointmentStatus
from zomanc.scheduling.services import appointment_move
from zomanc.scheduling.tests.conftest import Cal

pytestmark = pytest.mark.django_db

SETTINGS = "reminders:settings"


# --- the settings page ---------------------------------------------------------------------


def test_requires_login(cal: Cal) -> None:
    response = Client().get(reverse(SETTINGS))
    assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.parametrize("role", ["doctor", "assistant", "receptionist"])
def test_requires_owner(cal: Cal, role: str) -> None:
    client = cal.p.client_for(getattr(cal.p, role))
    assert client.get(reverse(SETTINGS)).status_code == 403
    data = {"is_active": "on", "first_hours": "12", "use_email": "on"}
    assert client.post(reverse("reminders:rule_save"), data).status_code == 403
    assert not ReminderRule.objects.exists()


def test_owner_sets_the_rule_and_previews_a_real_one(ready: Cal) -> None:
    with time_machine.travel(local(2, 9), tick=False):
        appointment = ready.book(local(5, 10))
        client = ready.p.client_for(ready.p.owner)
        response = client.post(
            reverse("reminders:rule_save"),
            {"is_active": "on", "first_hours": "48", "second_hours": "3", "use_email": "on"},
        )
        assert response.status_code == 302
        rule = ReminderRule.objects.get(practice=ready.p.practice_a)
        assert (rule.first_hours, rule.second_hours) == (48, 3)
        # The booked appointment's reminders moved to the new rule.
        assert sorted(
            Reminder.objects.filter(appointment=appointment).values_list("step", "due_at")
        ) == [(1, local(3, 10)), (2, local(5, 8))]
        before = set(AuditEntry.objects.values_list("pk", flat=True))
        html = client.get(reverse(SETTINGS)).content.decode()
    assert "Kedves Kovács Anna!" in html and "2026.03.05. 10:00" in html
    entry = AuditEntry.objects.exclude(pk__in=before).get()
    assert entry.action == AuditAction.VIEW and entry.patient_id == ready.anna.pk


def test_bad_rule_is_refused_in_hungarian_and_nothing_saved(ready: Cal) -> None:
    client = ready.p.client_for(ready.p.owner)
    response = client.post(
        reverse("reminders:rule_save"),
        {"is_active": "on", "first_hours": "2", "second_hours": "5", "use_email": "on"},
    )
    assert response.status_code == 400
    assert "az elsőnél közelebb legyen" in response.content.decode()
    assert ReminderRule.objects.get().first_hours == 24


def test_unknown_placeholder_refused_on_the_page(ready: Cal) -> None:
    client = ready.p.client_for(ready.p.owner)
    response = client.post(
        reverse("reminders:template_save"),
        {"language": "en", "subject": "Hi", "body": "Dear {name}, see you at {time}"},
    )
    assert response.status_code == 400
    assert "Ismeretlen helyettesítő: {name}" in response.content.decode()
    assert not ReminderTemplate.objects.exists()
    response = client.post(
        reverse("reminders:template_save"),
        {"language": "en", "subject": "Hi {patient}", "body": "Dear {patient}, {time}"},
    )
    assert response.status_code == 302
    assert ReminderTemplate.objects.get().language == "en"


def test_hides_other_practice(ready: Cal) -> None:
    with time_machine.travel(local(2, 9), tick=False):
        ready.book(local(5, 10))
        html = ready.p.client_for(ready.p.outsider).get(reverse(SETTINGS)).content.decode()
    assert "Kovács Anna" not in html
    assert "Előnézethez előbb foglaljon" in html


# --- the patient's links ---------------------------------------------------------------------


def _sent(cal: Cal, patient: Patient | None = None) -> tuple[Appointment, OutboundMessage]:
    with time_machine.travel(local(2, 9), tick=False):
        appointment = cal.book(local(5, 10), patient=patient or cal.anna)
    with time_machine.travel(local(4, 10), tick=False):
        reminders_due()
    return appointment, OutboundMessage.objects.filter(patient=appointment.patient).get()


def _link(message: OutboundMessage, label: str) -> str:
    match = re.search(rf"{label}: (http\S+)", message.body_text)
    assert match, message.body_text
    return match.group(1).split("127.0.0.1:8000", 1)[1]


def test_confirm_shows_in_the_calendar(ready: Cal) -> None:
    appointment, message = _sent(ready)
    url = _link(message, "Visszaigazolás")
    client = Client()
    with time_machine.travel(local(4, 12), tick=False):
        page = client.get(url).content.decode()
        assert "Megerősíti az időpontját?" in page and "2026.03.05. 10:00" in page
        assert not ReminderResponse.objects.exists()  # a GET (a mail scanner) changes nothing
        done = client.post(url)
        assert done.status_code == 200
        assert "az időpontját visszaigazolta" in done.content.decode()
        staff = ready.p.client_for(ready.p.receptionist)
        week = staff.get(reverse("scheduling:week"), {"date": "2026-03-05"}).content.decode()
        panel = staff.get(reverse("scheduling:appointment_edit", args=[appointment.pk]))
    assert "Visszaigazolta a páciens" in week
    # Under its own heading in the panel, not under the plans' "Tervezett tételek".
    assert (
        "<h3>A páciens válasza</h3><ul><li>Visszaigazolta a páciens</li>" in panel.content.decode()
    )
    assert "Tervezett tételek" not in panel.content.decode()
    assert AuditEntry.objects.filter(
        patient_id=ready.anna.pk, summary="a páciens visszaigazolta"
    ).exists()


def test_reused_link_does_nothing_and_says_so(ready: Cal) -> None:
    _appointment, message = _sent(ready)
    url = _link(message, "Visszaigazolás")
    with time_machine.travel(local(4, 12), tick=False):
        assert Client().post(url).status_code == 200
        again = Client().post(url)
    assert again.status_code == 409
    assert "Ezt a linket már használta" in again.content.decode()
    assert ReminderResponse.objects.count() == 1


def test_cancel_link_cancels_only_that_appointment(ready: Cal) -> None:
    appointment, message = _sent(ready)
    with time_machine.travel(local(2, 9), tick=False):
        other = ready.book(local(5, 11))
    url = _link(message, "Lemondás")
    with time_machine.travel(local(4, 12), tick=False):
        response = Client().post(url)
    assert "Az időpontját lemondta" in response.content.decode()
    appointment.refresh_from_db()
    other.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED and appointment.cancelled_by is None
    assert other.status == AppointmentStatus.BOOKED
    lines = appointment_response_lines(ready.p.practice_a.pk, [appointment.pk, other.pk])
    assert [line.text for line in lines[appointment.pk]] == ["A páciens lemondta"]
    assert other.pk not in lines
    # The calendar's window (a prebuilt read) gives the same lines.
    window = AppointmentWindow(
        min(appointment.starts_at, other.starts_at), max(appointment.ends_at, other.ends_at)
    )
    assert appointment_response_lines(ready.p.practice_a.pk, window) == lines
    assert appointment_response_lines(ready.p.practice_b.pk, window) == {}
    staff = ready.p.client_for(ready.p.receptionist)
    with time_machine.travel(local(4, 12), tick=False):
        day = staff.get(reverse("scheduling:day"), {"date": "2026-03-05"}).content.decode()
    assert "A páciens lemondta" in day


def test_cancel_link_stops_the_second_reminder(ready: Cal) -> None:
    from zomanc.reminders.tests.conftest import rule

    rule(ready.p, 24, 2)
    appointment, message = _sent(ready)
    with time_machine.travel(local(4, 12), tick=False):
        Client().post(_link(message, "Lemondás"))
    second = Reminder.objects.get(appointment=appointment, step=2)
    assert second.status == "cancelled"
    with time_machine.travel(local(5, 8), tick=False):
        assert reminders_due() == 0
    assert OutboundMessage.objects.count() == 1


def test_reschedule_in_english(ready: Cal) -> None:
    consent(ready.p, ready.bela, language="en")
    _appointment, message = _sent(ready, ready.bela)
    url = _link(message, "Ask for another time")
    with time_machine.travel(local(4, 12), tick=False):
        assert "Would you like another time instead?" in Client().get(url).content.decode()
        done = Client().post(url).content.decode()
    assert "you need another time" in done
    assert ReminderResponse.objects.get().action == "reschedule"


def test_forged_link_refused(ready: Cal) -> None:
    _appointment, message = _sent(ready)
    url = _link(message, "Visszaigazolás")
    token = url.rstrip("/").rsplit("/", 1)[1]
    forged = reverse(
        "reminders:respond", args=[token[:-2] + ("AA" if token[-2:] != "AA" else "BB")]
    )
    with time_machine.travel(local(4, 12), tick=False):
        response = Client().post(forged)
        # A well-formed token signed with another key (not ours).
        alien = signing.dumps(
            {"a": 1, "r": 1, "x": "confirm", "e": 2**40}, key="x" * 50, salt=links.ACTION_SALT
        )
        response2 = Client().post(reverse("reminders:respond", args=[alien]))
    assert response.status_code == 400 and "Ez a link érvénytelen" in response.content.decode()
    assert response2.status_code == 400
    assert not ReminderResponse.objects.exists()


def test_expired_link_refused_in_the_patients_language(ready: Cal) -> None:
    consent(ready.p, ready.bela, language="de")
    _appointment, message = _sent(ready, ready.bela)
    url = _link(message, "Bestätigen")
    with time_machine.travel(local(5, 10, 1), tick=False):  # the appointment has started
        response = Client().post(url)
    assert response.status_code == 410
    assert "Dieser Link ist abgelaufen" in response.content.decode()
    assert not ReminderResponse.objects.exists()


def test_another_appointments_link_refused(ready: Cal) -> None:
    appointment, _message = _sent(ready)
    reminder = Reminder.objects.get(appointment=appointment)
    with time_machine.travel(local(2, 9), tick=False):
        other = ready.book(local(6, 10))
    # Validly signed by us, but naming this reminder with the other appointment.
    token = links.action_token(appointment=other, reminder_id=reminder.pk, action="cancel")
    with time_machine.travel(local(4, 12), tick=False):
        response = Client().post(reverse("reminders:respond", args=[token]))
    assert response.status_code == 400
    other.refresh_from_db()
    assert other.status == AppointmentStatus.BOOKED
    assert not ReminderResponse.objects.exists()


def test_link_of_a_moved_appointment_refused(ready: Cal) -> None:
    appointment, message = _sent(ready)
    url = _link(message, "Visszaigazolás")
    with time_machine.travel(local(4, 11), tick=False):
        appointment_move(
            appointment=appointment,
            actor=ready.p.receptionist,
            starts_at=local(9, 10),
            ends_at=local(9, 10, 30),
        )
        response = Client().post(url)
    assert response.status_code == 410
    assert "időközben megváltozott" in response.content.decode()
    assert not ReminderResponse.objects.exists()


def test_opt_out_honoured_at_once(ready: Cal) -> None:
    _appointment, message = _sent(ready)
    match = re.search(r"leiratkozhat: (http\S+)", message.body_text)
    assert match
    url = match.group(1).split("127.0.0.1:8000", 1)[1]
    assert "Leiratkozik" in Client().get(url).content.decode()
    assert patient_channels_allowed(ready.anna) == {"email"}  # a GET does nothing
    done = Client().post(url).content.decode()
    assert "Leiratkozott" in done
    assert patient_channels_allowed(ready.anna) == set()
    assert "Már leiratkozott" in Client().post(url).content.decode()
    # The next reminder finds no consent.
    with time_machine.travel(local(2, 9), tick=False):
        ready.book(local(12, 10))
    with time_machine.travel(local(11, 10), tick=False):
        reminders_due()
    assert OutboundMessage.objects.exclude(status="suppressed").count() == 1
    assert OutboundMessage.objects.get(status="suppressed").last_error == "leiratkozott"


def test_calendar_reads_the_answers_in_one_query(
    ready: Cal, django_assert_num_queries: object
) -> None:
    appointments = []
    for hour in (9, 10, 11, 12):
        with time_machine.travel(local(2, 9), tick=False):
            appointments.append(ready.book(local(5, hour)))
    with time_machine.travel(local(4, 10), tick=False):
        reminders_due()
    for appointment in appointments:
        reminder = Reminder.objects.get(appointment=appointment)
        ReminderResponse.objects.create(
            practice=ready.p.practice_a,
            appointment=appointment,
            reminder=reminder,
            patient=ready.anna,
            action="confirm",
        )
    ids = [a.pk for a in appointments]
    with django_assert_num_queries(1):  # type: ignore[operator]
        lines = appointment_response_lines(ready.p.practice_a.pk, ids)
    assert set(lines) == set(ids)
    assert appointment_response_lines(ready.p.practice_b.pk, ids) == {}  # tenants never mix
