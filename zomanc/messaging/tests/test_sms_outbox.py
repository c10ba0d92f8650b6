"""SMS through the outbox against a real HTTP gateway: queued in the caller's transaction
with the patient's consent checked, delivered with the practice's sealed API key, retried with
backoff on 5xx and time-outs, failed for good on 4xx, never sent twice — a lost answer, a hang
past the time-out and a killed worker all resend the same client_ref — and the delivery report
polled into delivered/failed; the patient page's card shows it."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_ox.models import OxTask
from django_ox.testing import run_tasks

from zomanc.conftest import Personas
from zomanc.messaging.models import Channel, MessageStatus, OutboundMessage, SmsSettings
from zomanc.messaging.services import (
    MessagingError,
    _claim,
    message_deliver,
    message_retry,
    message_sweep,
)
from zomanc.messaging.services import message_sms_queue as reexported
from zomanc.messaging.sms_outbox import (
    message_sms_queue,
    message_sms_report,
    message_sms_report_task,
    phone_normalize,
    sms_settings_save,
)
from zomanc.messaging.tests.sms_gateway import API_KEY, SmsGatewayServer
from zomanc.patients.consent_services import patient_channel_opt_in, patient_channel_opt_out
from zomanc.patients.models import Patient
from zomanc.patients.tests.factories import make_patient


@pytest.fixture
def gateway() -> Iterator[SmsGatewayServer]:
    server = SmsGatewayServer()
    server.start()
    yield server
    server.stop()


def configure(personas: Personas, url: str, key: str = API_KEY) -> SmsSettings:
    return sms_settings_save(
        practice=personas.practice_a,
        url=url,
        api_key=key,
        sender_name="Mosoly",
        actor=personas.owner,
    )


def consenting(personas: Personas, phone: str = "+36 20 123 4567") -> Patient:
    patient = make_patient(personas.receptionist, phone=phone)
    patient_channel_opt_in(
        patient=patient, channel="sms", method="paper", actor=personas.receptionist
    )
    return patient


def queue(
    personas: Personas, patient: Patient, text: str = "Holnap 9:00-kor várjuk."
) -> OutboundMessage:
    return message_sms_queue(
        practice=personas.practice_a,
        recipient=patient.phone,
        text=text,
        patient=patient,
        about_kind="reminders.appointment",
        about_id=7,
        created_by=personas.receptionist,
    )


def later(seconds: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(seconds=seconds)


def test_the_services_name_is_stable() -> None:
    assert reexported is message_sms_queue


@pytest.mark.parametrize(
    "raw,number",
    [
        ("+36 20 123 4567", "+36201234567"),
        ("06-20/123-4567", "+36201234567"),
        ("0036 30 1234567", "+36301234567"),
        ("123", ""),
        ("nincs", ""),
    ],
)
def test_phone_normalize(raw: str, number: str) -> None:
    assert phone_normalize(raw) == number


def test_queued_delivered_and_reported(personas: Personas, gateway: SmsGatewayServer) -> None:
    configure(personas, gateway.url)
    patient = consenting(personas)
    text = "Emlékeztető: holnap 9:00, Mosoly Fogászat. Lemondás: 06 1 234 5678"
    message = queue(personas, patient, text)
    assert (message.channel, message.recipient, message.segments) == (
        Channel.SMS,
        "+36201234567",
        1,
    )
    assert message.message_id.startswith("sms-")
    sent = message_deliver(message_id=message.pk)
    assert sent is not None and sent.status == MessageStatus.SENT
    [sms] = gateway.messages
    assert (sms.to, sms.text, sms.client_ref, sms.sender) == (
        "+36201234567",
        text,
        message.message_id,
        "Mosoly",
    )
    sent.refresh_from_db()
    assert sent.gateway_id == sms.id
    # A report poll was scheduled; before it is due it does nothing.
    assert OxTask.objects.filter(task_path=message_sms_report_task.module_path).exists()
    assert message_sms_report(message_id=message.pk) is None
    with time_machine.travel(later(6)):
        still = message_sms_report(message_id=message.pk)
        assert still is not None and still.status == MessageStatus.SENT
        assert still.report_due_at is not None and still.report_due_at > timezone.now()
    sms.status = "delivered"
    with time_machine.travel(later(60)):
        done = message_sms_report(message_id=message.pk)
    assert done is not None and done.status == MessageStatus.DELIVERED and done.delivered_at


def test_failed_report_fails_the_row_and_retry_takes_a_new_reference(
    personas: Personas, gateway: SmsGatewayServer
) -> None:
    configure(personas, gateway.url)
    message = queue(personas, consenting(personas, "+36 20 000 0012"))
    message_deliver(message_id=message.pk)
    gateway.messages[0].status, gateway.messages[0].error = "failed", "nem érhető el"
    with time_machine.travel(later(10)):
        row = message_sms_report(message_id=message.pk)
    assert row is not None and row.status == MessageStatus.FAILED
    assert "nem kézbesíthető" in row.last_error
    old_ref = row.message_id
    message_retry(message=row)
    row.refresh_from_db()
    assert row.status == MessageStatus.QUEUED and row.message_id != old_ref
    message_deliver(message_id=row.pk)
    assert len(gateway.messages) == 2  # a new attempt, on purpose


def test_consent_is_checked_at_queueing(personas: Personas, gateway: SmsGatewayServer) -> None:
    configure(personas, gateway.url)
    without = make_patient(personas.receptionist, phone="+36 20 555 1234")
    with pytest.raises(MessagingError, match="nem járult hozzá"):
        queue(personas, without)
    withdrawn = consenting(personas)
    patient_channel_opt_out(patient=withdrawn, channel="sms", how="link")
    with pytest.raises(MessagingError, match="nem járult hozzá"):
        queue(personas, withdrawn)
    assert not OutboundMessage.objects.exists()


@pytest.mark.parametrize(
    "recipient,text,words",
    [
        ("123", "x", "telefonszáma hibás"),
        ("+36201234567", "  ", "üres"),
        ("+36201234567", "x" * 1601, "1600"),
    ],
)
def test_bad_input_refused(
    personas: Personas, gateway: SmsGatewayServer, recipient: str, text: str, words: str
) -> None:
    configure(personas, gateway.url)
    with pytest.raises(MessagingError, match=words):
        message_sms_queue(practice=personas.practice_a, recipient=recipient, text=text)
    assert not OutboundMessage.objects.exists()


def test_no_settings_no_sms(personas: Personas) -> None:
    with pytest.raises(MessagingError, match="SMS-beállítása"):
        message_sms_queue(practice=personas.practice_a, recipient="+36201234567", text="x")


def test_in_the_callers_transaction(personas: Personas, gateway: SmsGatewayServer) -> None:
    configure(personas, gateway.url)
    patient = consenting(personas)
    with pytest.raises(RuntimeError), transaction.atomic():
        queue(personas, patient)
        raise RuntimeError("the booking failed")
    assert not OutboundMessage.objects.exists()
    assert not OxTask.objects.filter(kwargs__message_id__isnull=False).exists()


def test_5xx_retried_with_backoff_then_sent_once(
    personas: Personas, gateway: SmsGatewayServer, settings: Any
) -> None:
    configure(personas, gateway.url)
    message = queue(personas, consenting(personas))
    gateway.fail_next = 2
    first = message_deliver(message_id=message.pk)
    assert first is not None and first.status == MessageStatus.QUEUED
    assert "503" in first.last_error
    assert first.next_attempt_at is not None
    wait1 = (first.next_attempt_at - timezone.now()).total_seconds()
    assert message_deliver(message_id=message.pk) is None  # not due yet
    with time_machine.travel(first.next_attempt_at + dt.timedelta(seconds=1)):
        second = message_deliver(message_id=message.pk)
        assert second is not None and second.status == MessageStatus.QUEUED
        assert second.next_attempt_at is not None
        wait2 = (second.next_attempt_at - timezone.now()).total_seconds()
    assert wait2 == pytest.approx(2 * wait1, rel=0.05)  # doubled
    with time_machine.travel(second.next_attempt_at + dt.timedelta(seconds=1)):
        third = message_deliver(message_id=message.pk)
    assert third is not None and third.status == MessageStatus.SENT
    assert len(gateway.messages) == 1 and gateway.posts == 3


def test_lost_answer_after_accept_never_sends_twice(
    personas: Personas, gateway: SmsGatewayServer
) -> None:
    configure(personas, gateway.url)
    message = queue(personas, consenting(personas))
    gateway.lose_next = 1
    lost = message_deliver(message_id=message.pk)
    assert lost is not None and lost.status == MessageStatus.QUEUED and "504" in lost.last_error
    assert lost.next_attempt_at is not None
    with time_machine.travel(lost.next_attempt_at + dt.timedelta(seconds=1)):
        again = message_deliver(message_id=message.pk)
    assert again is not None and again.status == MessageStatus.SENT
    [sms] = gateway.messages
    assert sms.posts == 2 and again.gateway_id == sms.id


def test_time_out_after_accept_never_sends_twice(
    personas: Personas, gateway: SmsGatewayServer, settings: Any
) -> None:
    settings.MESSAGING_SMS_TIMEOUT_SECONDS = 0.5
    configure(personas, gateway.url)
    message = queue(personas, consenting(personas))
    gateway.hang_next, gateway.hang_seconds = 1, 1.5
    hung = message_deliver(message_id=message.pk)
    assert hung is not None and hung.status == MessageStatus.QUEUED
    assert "nem válaszolt időben" in hung.last_error
    assert hung.next_attempt_at is not None
    with time_machine.travel(hung.next_attempt_at + dt.timedelta(seconds=1)):
        again = message_deliver(message_id=message.pk)
    assert again is not None and again.status == MessageStatus.SENT
    assert len(gateway.messages) == 1


def test_killed_worker_after_accept_sends_once(
    personas: Personas, gateway: SmsGatewayServer, settings: Any
) -> None:
    """The worker claimed the row and the gateway accepted, then the worker died before it
    recorded anything: the lease runs out, the sweeper wakes the row, the next worker sends
    the same client_ref and the gateway answers with the first message."""
    from zomanc.messaging.sms_outbox import sms_gateway, sms_settings_of

    configure(personas, gateway.url)
    message = queue(personas, consenting(personas))
    claimed = _claim(message.pk)
    assert claimed is not None
    row = sms_settings_of(personas.practice_a.pk)
    assert row is not None
    sms_gateway(row).submit(
        to=claimed.recipient, text=claimed.body_text, client_ref=claimed.message_id
    )
    # ... killed here. Another worker finds the lease and does nothing.
    assert message_deliver(message_id=message.pk) is None
    with time_machine.travel(later(settings.MESSAGING_LEASE_SECONDS + 1)):
        OxTask.objects.all().delete()
        assert message_sweep() >= 1
        again = message_deliver(message_id=message.pk)
    assert again is not None and again.status == MessageStatus.SENT
    assert len(gateway.messages) == 1 and gateway.messages[0].posts == 2


@pytest.mark.parametrize("key,code", [("rossz-kulcs", "401")])
def test_4xx_fails_for_good(
    personas: Personas, gateway: SmsGatewayServer, key: str, code: str
) -> None:
    configure(personas, gateway.url, key=key)
    message = queue(personas, consenting(personas))
    row = message_deliver(message_id=message.pk)
    assert row is not None and row.status == MessageStatus.FAILED
    assert code in row.last_error and "API-kulcs" in row.last_error
    assert not gateway.messages


def test_unreachable_gateway_retried(personas: Personas) -> None:
    from zomanc.messaging.tests.conftest import closed_port

    configure(personas, f"http://127.0.0.1:{closed_port()}/sms/api/messages")
    message = queue(personas, consenting(personas))
    row = message_deliver(message_id=message.pk)
    assert row is not None and row.status == MessageStatus.QUEUED
    assert "nem érhető el" in row.last_error


def test_sweeper_wakes_a_lost_report_poll(personas: Personas, gateway: SmsGatewayServer) -> None:
    configure(personas, gateway.url)
    message = queue(personas, consenting(personas))
    message_deliver(message_id=message.pk)
    OxTask.objects.all().delete()
    with time_machine.travel(later(10)):
        assert message_sweep() == 1
        assert OxTask.objects.filter(task_path=message_sms_report_task.module_path).count() == 1
        assert message_sweep() == 0  # already woken


def test_worker_runs_it_end_to_end(personas: Personas, gateway: SmsGatewayServer) -> None:
    """django-ox's own worker delivers the queued SMS (the task path is importable)."""
    configure(personas, gateway.url)
    message = queue(personas, consenting(personas))
    run_tasks(max_tasks=5)  # the worker, as ox_worker runs it
    assert OutboundMessage.objects.get(pk=message.pk).status == MessageStatus.SENT
    assert len(gateway.messages) == 1


def test_api_key_sealed_never_shown(
    personas: Personas, gateway: SmsGatewayServer, caplog: pytest.LogCaptureFixture
) -> None:
    from io import StringIO

    configure(personas, gateway.url, key="titkos-sms-kulcs-123")
    caplog.set_level(logging.DEBUG)
    message = queue(personas, consenting(personas))
    message_deliver(message_id=message.pk)
    out = StringIO()
    call_command("dumpdata", "messaging", "eeszt.sealedsecret", stdout=out)
    assert "titkos-sms-kulcs-123" not in out.getvalue()
    assert "titkos-sms-kulcs-123" not in caplog.text


def test_settings_refusals(personas: Personas) -> None:
    with pytest.raises(ValidationError) as error:
        sms_settings_save(
            practice=personas.practice_a,
            url="ftp://x",
            api_key="",
            sender_name="Túl hosszú feladónév",
            actor=personas.owner,
        )
    assert set(error.value.message_dict) == {"url", "api_key", "sender_name"}
    assert not SmsSettings.objects.exists()


def test_empty_key_keeps_the_sealed_one(personas: Personas, gateway: SmsGatewayServer) -> None:
    first = configure(personas, gateway.url)
    secret = first.api_key_secret_id
    again = sms_settings_save(
        practice=personas.practice_a,
        url=gateway.url,
        api_key="",
        sender_name="",
        actor=personas.owner,
    )
    assert again.api_key_secret_id == secret
