"""Reminders by SMS through messaging's SMS outbox: sent on each consented channel of the
rule, once per channel, in the patient's language, with an opt-out link for SMS."""

from __future__ import annotations

import pytest
import time_machine

from zomanc.messaging.models import OutboundMessage
from zomanc.messaging.sms import sms_segments
from zomanc.messaging.sms_outbox import sms_settings_save
from zomanc.patients.consent_services import patient_channel_opt_in
from zomanc.reminders.links import short_url
from zomanc.reminders.models import Reminder, ReminderMessage, ReminderStatus
from zomanc.reminders.services import reminders_due
from zomanc.reminders.tests.conftest import local, rule
from zomanc.scheduling.tests.conftest import Cal

pytestmark = pytest.mark.django_db


@pytest.fixture
def sms(ready: Cal) -> Cal:
    sms_settings_save(
        practice=ready.p.practice_a,
        url="http://127.0.0.1:9/sms/api/messages",
        api_key="kulcs",
        sender_name="Mosoly",
        actor=ready.p.owner,
    )
    rule(ready.p, 24, use_email=True, use_sms=True)
    return ready


def test_both_consented_channels_once_each(sms: Cal) -> None:
    patient_channel_opt_in(
        patient=sms.anna, channel="sms", method="phone", actor=sms.p.receptionist
    )
    with time_machine.travel(local(2, 9), tick=False):
        appointment = sms.book(local(5, 10))
    with time_machine.travel(local(4, 10), tick=False):
        assert reminders_due() == 1
        assert reminders_due() == 0
    channels = sorted(OutboundMessage.objects.values_list("channel", flat=True))
    assert channels == ["email", "sms"]
    text = OutboundMessage.objects.get(channel="sms").body_text
    assert "időpontja 2026.03.05. 10:00" in text
    # One short link (its page has every choice and the opt-out), no long signed ones.
    link = short_url(Reminder.objects.get(appointment=appointment).pk)
    assert text.endswith(", Dr. Fog Ferenc. Válasz, leiratkozás: " + link)
    assert "/emlekeztetok/" not in text
    reminder = Reminder.objects.get(appointment=appointment)
    assert reminder.status == ReminderStatus.SENT
    assert sorted(ReminderMessage.objects.values_list("channel", flat=True)) == ["email", "sms"]


def test_no_sms_without_sms_consent(sms: Cal) -> None:
    # Anna agreed to e-mail only: the rule's SMS is not sent to her.
    with time_machine.travel(local(2, 9), tick=False):
        sms.book(local(5, 10))
    with time_machine.travel(local(4, 10), tick=False):
        reminders_due()
    sent = OutboundMessage.objects.exclude(status="suppressed")
    assert list(sent.values_list("channel", flat=True)) == ["email"]
    # Her message log shows the SMS that did not go out, and why.
    (log,) = OutboundMessage.objects.filter(status="suppressed")
    assert log.channel == "sms" and log.last_error == "nincs hozzájárulás"


def test_sms_only_patient_in_german(sms: Cal) -> None:
    from zomanc.patients.consent_services import patient_message_language_set

    patient_channel_opt_in(patient=sms.bela, channel="sms", method="phone", actor=sms.p.owner)
    patient_message_language_set(patient=sms.bela, language="de", actor=sms.p.owner)
    with time_machine.travel(local(2, 9), tick=False):
        sms.book(local(5, 10), patient=sms.bela)
    with time_machine.travel(local(4, 10), tick=False):
        reminders_due()
    message = OutboundMessage.objects.exclude(status="suppressed").get()
    assert message.channel == "sms" and message.language == "de"
    # Béla never agreed to e-mail: logged as not sent, not queued.
    assert OutboundMessage.objects.get(status="suppressed").channel == "email"
    # The German text is GSM-7 (ä is in it), so the practice's name goes without its á.
    assert message.body_text.startswith("Mosoly Fogaszat: Ihr Termin 05.03.2026 10:00")
    assert "Bestätigen, absagen, abmelden: http://127.0.0.1:8000/s/" in message.body_text
    assert sms_segments(message.body_text).segments == 1
