"""The reminder SMS's one short link (links.short_token, views.short): it verifies, a forged,
altered or re-pointed one is refused, a moved, cancelled or started appointment's refused in
the patient's language (the opt-out still offered), GET never acts, each POST acts once, the
"no more SMS" button withdraws the SMS consent only, the page shows only its own appointment
(two practices), and the built-in SMS is short (sms_segments). Also the opt-out page's words
follow the link's channel."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from zomanc.audit.models import AuditEntry
from zomanc.messaging.models import OutboundMessage
from zomanc.messaging.sms import UCS2, sms_segments
from zomanc.messaging.sms_outbox import sms_settings_save
from zomanc.patients.consent_selectors import patient_channels_allowed
from zomanc.patients.consent_services import patient_channel_opt_in, patient_message_language_set
from zomanc.reminders import links
from zomanc.reminders.models import Reminder, ReminderResponse
from zomanc.reminders.services import reminders_due
from zomanc.reminders.tests.conftest import local, rule
from zomanc.scheduling.models import Appointment, AppointmentStatus
from zomanc.scheduling.services import appointment_cancel, appointment_move
from zomanc.scheduling.tests.conftest import Cal

pytestmark = pytest.mark.django_db


@pytest.fixture
def sms(ready: Cal) -> Cal:
    """Practice A sends e-mail and SMS; Anna agreed to both."""
    sms_settings_save(
        practice=ready.p.practice_a,
        url="http://127.0.0.1:9/sms/api/messages",
        api_key="kulcs",
        sender_name="Mosoly",
        actor=ready.p.owner,
    )
    rule(ready.p, 24, use_email=True, use_sms=True)
    patient_channel_opt_in(
        patient=ready.anna, channel="sms", method="phone", actor=ready.p.receptionist
    )
    return ready


def _sent(cal: Cal, language: str = "hu") -> tuple[Appointment, str]:
    """Anna's appointment and the path of her SMS's one link."""
    if language != "hu":
        patient_message_language_set(patient=cal.anna, language=language, actor=cal.p.owner)
    with time_machine.travel(local(2, 9), tick=False):
        appointment = cal.book(local(5, 10))
    with time_machine.travel(local(4, 10), tick=False):
        reminders_due()
    text = OutboundMessage.objects.get(channel="sms").body_text
    found = re.findall(r"http://127\.0\.0\.1:8000(\S+)", text)
    assert len(found) == 1, text  # one link, no other
    return appointment, found[0]


def _token(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[1]


# --- the token -------------------------------------------------------------------------------


def test_token_is_short_and_verifies() -> None:
    token = links.short_token(123456)
    assert links.short_load(token) == 123456
    assert len(token) == 4 + 16  # "2n9c" + 12 bytes of HMAC in base64url
    assert links.short_url(123456) == f"http://127.0.0.1:8000/s/{token}/"


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # the MAC altered
        lambda t: "1" + t[-16:],  # another id with this MAC
        lambda t: "0" + t,  # the same id spelt with a leading zero
        lambda t: t.upper(),
        lambda t: t[-16:],  # no id
        lambda t: "-" + t,
        lambda t: "",
    ],
)
def test_altered_token_refused(change: object) -> None:
    token = links.short_token(77)
    assert links.short_load(change(token)) is None  # type: ignore[operator]


def test_another_salt_s_mac_refused() -> None:
    # The same id under the action links' salt is not a short token.
    from django.utils.crypto import salted_hmac

    mac = salted_hmac(links.ACTION_SALT, "77", algorithm="sha256").digest()[:12]
    import base64

    assert links.short_load("25" + base64.urlsafe_b64encode(mac).decode()) is None


# --- the SMS ---------------------------------------------------------------------------------


def test_built_in_sms_is_short(sms: Cal) -> None:
    _appointment, _path = _sent(sms)
    text = OutboundMessage.objects.get(channel="sms").body_text
    count = sms_segments(text)
    assert count.encoding == UCS2 and count.segments <= 2, (text, count)
    assert OutboundMessage.objects.get(channel="sms").segments == count.segments
    # The e-mail keeps its three long links.
    mail = OutboundMessage.objects.get(channel="email").body_text
    assert mail.count("/emlekeztetok/e/") == 3 and "/s/" not in mail


@pytest.mark.parametrize("language", ["en", "de"])
def test_built_in_sms_is_one_segment_in_english_and_german(sms: Cal, language: str) -> None:
    _sent(sms, language)
    message = OutboundMessage.objects.get(channel="sms")
    assert message.language == language and sms_segments(message.body_text).segments == 1


# --- the page --------------------------------------------------------------------------------


def test_get_shows_the_appointment_and_four_buttons_and_does_nothing(sms: Cal) -> None:
    appointment, path = _sent(sms)
    with time_machine.travel(local(4, 12), tick=False):
        response = Client().get(path)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Mosoly Fogászat" in page and "2026.03.05. 10:00" in page
    for action, label in [
        ("confirm", "Megerősítem az időpontot"),
        ("reschedule", "Másik időpontot kérek"),
        ("cancel", "Lemondom az időpontot"),
        ("optout", "Ne küldjenek több SMS-t"),
    ]:
        assert f'data-reminder-choice="{action}"' in page and label in page
    assert page.count("data-reminder-choice=") == 4
    assert not ReminderResponse.objects.exists()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
    assert patient_channels_allowed(sms.anna) == {"email", "sms"}


def test_each_choice_acts_once(sms: Cal) -> None:
    appointment, path = _sent(sms)
    client = Client()
    with time_machine.travel(local(4, 12), tick=False):
        done = client.post(path, {"action": "confirm"})
        assert done.status_code == 200
        assert "az időpontját visszaigazolta" in done.content.decode()
        again = client.post(path, {"action": "confirm"})
        assert again.status_code == 409 and "már használta" in again.content.decode()
        later = client.post(path, {"action": "reschedule"})
        assert "új időpontot kér" in later.content.decode()
    actions = sorted(ReminderResponse.objects.values_list("action", flat=True))
    assert actions == ["confirm", "reschedule"]
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
    # Each answer is audited on the patient, like the e-mail links' (audit coverage says so).
    assert AuditEntry.objects.filter(
        patient_id=appointment.patient_id, summary="a páciens visszaigazolta"
    ).exists()


def test_cancel_cancels_only_that_appointment(sms: Cal) -> None:
    appointment, path = _sent(sms)
    with time_machine.travel(local(2, 9), tick=False):
        other = sms.book(local(5, 11))
    with time_machine.travel(local(4, 12), tick=False):
        response = Client().post(path, {"action": "cancel"})
    assert "Az időpontját lemondta" in response.content.decode()
    appointment.refresh_from_db()
    other.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED and appointment.cancelled_by is None
    assert other.status == AppointmentStatus.BOOKED


def test_unknown_choice_refused(sms: Cal) -> None:
    _appointment, path = _sent(sms)
    with time_machine.travel(local(4, 12), tick=False):
        response = Client().post(path, {"action": "delete"})
    assert response.status_code == 400 and "Ez a link érvénytelen" in response.content.decode()
    assert not ReminderResponse.objects.exists()


def test_optout_withdraws_the_sms_consent_only(sms: Cal) -> None:
    _appointment, path = _sent(sms)
    with time_machine.travel(local(4, 12), tick=False):
        done = Client().post(path, {"action": "optout"}).content.decode()
        assert "SMS-ben nem küldünk Önnek több üzenetet" in done
        assert patient_channels_allowed(sms.anna) == {"email"}
        again = Client().post(path, {"action": "optout"}).content.decode()
    assert "Már leiratkozott: SMS-ben" in again
    assert not ReminderResponse.objects.exists()


def test_forged_and_other_reminders_tokens_refused(sms: Cal) -> None:
    appointment, path = _sent(sms)
    token = _token(path)
    reminder = Reminder.objects.get(appointment=appointment)
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    # Another reminder's id with this reminder's MAC.
    with time_machine.travel(local(2, 9), tick=False):
        sms.book(local(6, 10))
    other = Reminder.objects.exclude(pk=reminder.pk).get()
    swapped = links.short_token(other.pk)[:-16] + token[-16:]
    with time_machine.travel(local(4, 12), tick=False):
        for bad in (forged, swapped):
            url = reverse("reminder_short:page", args=[bad])
            for response in (Client().get(url), Client().post(url, {"action": "cancel"})):
                assert response.status_code == 400
                assert "Ez a link érvénytelen" in response.content.decode()
            Client().post(url, {"action": "optout"})
    assert not ReminderResponse.objects.exists()
    assert patient_channels_allowed(sms.anna) == {"email", "sms"}
    assert Appointment.objects.filter(status=AppointmentStatus.CANCELLED).count() == 0


def test_started_appointment_refused_in_the_patients_language(sms: Cal) -> None:
    _appointment, path = _sent(sms, "de")
    with time_machine.travel(local(5, 10, 1), tick=False):
        page = Client().get(path)
        post = Client().post(path, {"action": "confirm"})
    assert page.status_code == 410 and post.status_code == 410
    assert "Dieser Link ist abgelaufen" in post.content.decode()
    # The choices are gone, the way out of SMS stays.
    assert "Keine SMS mehr senden" in page.content.decode()
    assert 'data-reminder-choice="confirm"' not in page.content.decode()
    assert not ReminderResponse.objects.exists()


def test_moved_appointment_refused(sms: Cal) -> None:
    appointment, path = _sent(sms, "en")
    with time_machine.travel(local(4, 11), tick=False):
        appointment_move(
            appointment=appointment,
            actor=sms.p.receptionist,
            starts_at=local(9, 10),
            ends_at=local(9, 10, 30),
        )
        response = Client().post(path, {"action": "cancel"})
    assert response.status_code == 410
    assert "Your appointment has changed since" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_cancelled_appointment_refused_but_optout_still_honoured(sms: Cal) -> None:
    appointment, path = _sent(sms)
    with time_machine.travel(local(4, 11), tick=False):
        appointment_cancel(appointment=appointment, actor=sms.p.receptionist, reason="x")
        response = Client().post(path, {"action": "confirm"})
        assert response.status_code == 410
        assert "Ez az időpont már le van mondva" in response.content.decode()
    with time_machine.travel(local(20, 11), tick=False):  # long after: still a way out
        done = Client().post(path, {"action": "optout"})
    assert done.status_code == 200 and patient_channels_allowed(sms.anna) == {"email"}
    assert not ReminderResponse.objects.exists()


def test_page_shows_only_its_own_appointment(sms: Cal) -> None:
    # Practice B has a reminder for its own patient at the same time: each token shows its own
    # practice's appointment and nothing of the other.
    from zomanc.scheduling.services import appointment_create

    with time_machine.travel(local(2, 9), tick=False):
        theirs = appointment_create(
            practice=sms.p.practice_b,
            actor=sms.p.outsider,
            patient=sms.patient_b,
            doctor=sms.p.doctor_b,
            chair=sms.chair_b,
            company=sms.p.company_b,
            org_unit=sms.p.org_unit_b,
            starts_at=local(5, 10),
            ends_at=local(5, 10, 30),
        )
    their_reminder = Reminder.objects.create(
        practice_id=sms.p.practice_b.pk,
        appointment=theirs,
        step=1,
        for_start=theirs.starts_at,
        due_at=local(4, 10),
    )
    _appointment, path = _sent(sms)
    their_path = links.short_url(their_reminder.pk).split("127.0.0.1:8000", 1)[1]
    with time_machine.travel(local(4, 12), tick=False):
        ours = Client().get(path).content.decode()
        other = Client().get(their_path).content.decode()
    assert "Mosoly Fogászat" in ours and "Másik Rendelő" not in ours and "Idegen" not in ours
    assert "Másik Rendelő" in other and "Mosoly Fogászat" not in other
    assert "Kovács" not in ours  # the page names the practice and time, not the patient


# --- the opt-out page's words follow the channel -----------------------------------------------


@pytest.mark.parametrize(
    ("channel", "said", "not_said"),
    [("sms", "SMS-ben küldött", "e-mailben"), ("email", "e-mailben küldött", "SMS")],
)
def test_optout_page_names_the_link_s_channel(
    sms: Cal, channel: str, said: str, not_said: str
) -> None:
    url = links.optout_url(patient=sms.anna, channel=channel).split("127.0.0.1:8000", 1)[1]
    page = Client().get(url).content.decode()
    assert said in page and not_said not in page.split("<h1>", 1)[1]
    done = Client().post(url).content.decode()
    assert ("SMS-ben nem küldünk" in done) == (channel == "sms")
    assert patient_channels_allowed(sms.anna) == {"email", "sms"} - {channel}
