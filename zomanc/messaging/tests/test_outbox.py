"""The e-mail outbox against a real SMTP server: queued in the caller's transaction, delivered
with the practice's settings (the sealed password opened for the login only), retried with
backoff on a refused connection and on 4xx, failed for good on 5xx with the reason, never
sent twice by two claims, and found again by the sweeper when its wake-up is lost."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_ox.models import OxTask

from zomanc.conftest import Personas
from zomanc.messaging.models import MessageStatus, OutboundMessage
from zomanc.messaging.services import (
    Attachment,
    MessagingError,
    _claim,
    _record,
    message_deliver,
    message_deliver_task,
    message_email_queue,
    message_retry,
    message_sweep,
)
from zomanc.messaging.tests.conftest import PASSWORD, closed_port, configure
from zomanc.patients.tests.factories import make_patient
from zomanc.testing.smtp_server import SmtpServer

PDF = b"%PDF-1.7\n\xe2\xe3\xcf\xd3 quote\n%%EOF\n"


def wakeups(message: OutboundMessage) -> list[OxTask]:
    return [
        t
        for t in OxTask.objects.filter(task_path=message_deliver_task.module_path)
        if t.kwargs.get("message_id") == message.pk
    ]


def queue(personas: Personas, to: str = "eva@example.hu", **extra: object) -> OutboundMessage:
    patient = make_patient(personas.receptionist)
    return message_email_queue(
        practice=personas.practice_a,
        recipient=to,
        subject="Árajánlat – Kovács Éva",
        text="Kedves Éva!\n\nCsatoltuk az árajánlatot.",
        html="<p>Kedves Éva!</p>",
        patient=patient,
        attachments=[Attachment("árajánlat.pdf", PDF, "application/pdf")],
        about_kind="plans.quote",
        about_id=12,
        created_by=personas.receptionist,
        **extra,  # type: ignore[arg-type]
    )


def test_delivered_to_a_real_server_with_the_practices_settings(
    personas: Personas, smtp_server: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    configure(personas, smtp_server.port)
    message = queue(personas)
    assert message.status == MessageStatus.QUEUED
    assert len(wakeups(message)) == 1
    with caplog.at_level(logging.DEBUG):
        message_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 1
    assert message.sent_at is not None and message.last_error == ""

    (got,) = smtp_server.received
    assert got.rcpt_tos == ["eva@example.hu"]
    assert got.mail_from == "rendelo@mosoly.example"
    assert (got.login, got.password) == ("rendelo", PASSWORD)  # the sealed one, opened
    mail = got.message
    assert mail["Subject"] == "Árajánlat – Kovács Éva"
    assert mail["Message-ID"] == message.message_id
    assert mail["From"] == "Mosoly Fogászat <rendelo@mosoly.example>"
    assert mail["Reply-To"] == "recepcio@mosoly.example"
    body = mail.get_body(preferencelist=("plain",))
    html = mail.get_body(preferencelist=("html",))
    assert body is not None and "Csatoltuk az árajánlatot." in body.get_content()
    assert html is not None and "<p>Kedves Éva!</p>" in html.get_content()
    (attachment,) = list(mail.iter_attachments())
    assert attachment.get_filename() == "árajánlat.pdf"
    assert attachment.get_content() == PDF
    assert PASSWORD not in caplog.text

    # Delivered: a second wake-up (a repeat, the sweeper) does nothing.
    assert message_deliver(message_id=message.pk) is None
    assert len(smtp_server.received) == 1


def test_queued_with_the_callers_transaction_or_not_at_all(
    personas: Personas, smtp_server: SmtpServer
) -> None:
    configure(personas, smtp_server.port)
    with pytest.raises(RuntimeError), transaction.atomic():
        queue(personas)
        raise RuntimeError("the business change failed")
    assert not OutboundMessage.objects.exists()
    assert not OxTask.objects.filter(task_path=message_deliver_task.module_path).exists()


def test_refused_without_settings_or_address(personas: Personas) -> None:
    with pytest.raises(MessagingError, match="nincs e-mail beállítása"):
        queue(personas)
    configure(personas, 25)
    with pytest.raises(MessagingError, match="e-mail címe hibás"):
        queue(personas, to="nem-email")
    assert not OutboundMessage.objects.exists()


def test_a_refused_connection_is_retried_with_backoff_then_delivered(
    personas: Personas, smtp_server: SmtpServer, settings: object
) -> None:
    configure(personas, closed_port())
    message = queue(personas)
    before = timezone.now()
    message_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED and message.attempts == 1
    assert message.last_error == "a levelezőszerver nem érhető el"
    assert message.next_attempt_at is not None
    first_wait = message.next_attempt_at - before
    assert dt.timedelta(seconds=29) < first_wait <= dt.timedelta(seconds=31)
    # The retry's wake-up is queued for then (not at once), in the same transaction.
    delayed = [t for t in wakeups(message) if t.run_after is not None]
    assert len(delayed) == 1 and delayed[0].run_after == message.next_attempt_at

    # Not due yet: a wake-up now does nothing.
    assert message_deliver(message_id=message.pk) is None
    # The second failure waits twice as long.
    OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    message_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.attempts == 2
    assert message.next_attempt_at is not None
    assert message.next_attempt_at - timezone.now() > dt.timedelta(seconds=55)

    # The server is back (the settings now name it) and the time has come: delivered.
    configure(personas, smtp_server.port)
    OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    message_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 3
    assert len(smtp_server.received) == 1


def test_4xx_is_retried_5xx_fails_for_good_with_the_reason(
    personas: Personas, smtp_server: SmtpServer
) -> None:
    configure(personas, smtp_server.port)
    later = queue(personas, to="eva@temp.invalid")
    never = queue(personas, to="eva@perm.invalid")
    message_deliver(message_id=later.pk)
    message_deliver(message_id=never.pk)
    later.refresh_from_db()
    never.refresh_from_db()
    assert later.status == MessageStatus.QUEUED and later.smtp_code == 451
    assert "451" in later.last_error and later.next_attempt_at is not None
    assert never.status == MessageStatus.FAILED and never.smtp_code == 550
    assert never.last_error.startswith("a szerver nem fogadta el a címzettet (550")
    assert never.next_attempt_at is None
    assert not smtp_server.received
    # A failed row is never taken up again by a wake-up; "retry" queues it once more.
    assert message_deliver(message_id=never.pk) is None
    message_retry(message=never)
    never.refresh_from_db()
    assert never.status == MessageStatus.QUEUED


def test_gives_up_after_the_attempt_limit(personas: Personas, settings: object) -> None:
    settings.MESSAGING_MAX_ATTEMPTS = 2  # type: ignore[attr-defined]
    configure(personas, closed_port())
    message = queue(personas)
    for _ in range(2):
        OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=None)
        message_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert message.last_error == "2 próbálkozás után sem sikerült: a levelezőszerver nem érhető el"


def test_two_claims_never_send_twice(personas: Personas, smtp_server: SmtpServer) -> None:
    configure(personas, smtp_server.port)
    message = queue(personas)
    first = _claim(message.pk)
    assert first is not None and first.status == MessageStatus.SENDING
    # A second worker (the reaper's re-run, the sweeper's wake-up) finds it leased.
    assert _claim(message.pk) is None
    assert message_deliver(message_id=message.pk) is None
    assert not smtp_server.received

    # The first worker stalls past its lease; a second one takes the row over and sends it.
    OutboundMessage.objects.filter(pk=message.pk).update(
        lease_until=timezone.now() - dt.timedelta(seconds=1)
    )
    message_deliver(message_id=message.pk)
    assert len(smtp_server.received) == 1
    # The stalled worker's late answer is no longer its to write.
    assert _record(first, status=MessageStatus.QUEUED, last_error="késő") is False
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.last_error == ""


def test_the_sweeper_wakes_a_row_whose_wake_up_was_lost(
    personas: Personas, smtp_server: SmtpServer
) -> None:
    configure(personas, smtp_server.port)
    message = queue(personas)
    assert message_sweep() == 0  # its wake-up is queued: nothing to add
    OxTask.objects.filter(task_path=message_deliver_task.module_path).delete()
    assert message_sweep() == 1
    assert len(wakeups(message)) == 1
    # A sending row whose worker died: woken once its lease has run out, not before.
    claimed = _claim(message.pk)
    assert claimed is not None
    OxTask.objects.all().delete()
    assert message_sweep() == 0
    OutboundMessage.objects.filter(pk=message.pk).update(
        lease_until=timezone.now() - dt.timedelta(seconds=1)
    )
    assert message_sweep() == 1
    message_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and len(smtp_server.received) == 1


def test_the_sweeper_is_scheduled(settings: object) -> None:
    schedules = settings.TASKS["default"]["OPTIONS"]["SCHEDULES"]  # type: ignore[attr-defined]
    assert schedules["messaging-outbox-sweep"]["task"] == (
        "zomanc.messaging.services.message_sweep_task"
    )


def test_the_password_is_sealed_not_in_a_dump(
    personas: Personas, capsys: pytest.CaptureFixture[str]
) -> None:
    row = configure(personas, 25)
    assert row.password_secret is not None
    call_command("dumpdata", "messaging", "eeszt", "audit", stdout=None)
    dump = capsys.readouterr().out
    assert '"username": "rendelo"' in dump
    assert PASSWORD not in dump
    assert PASSWORD.encode().hex() not in dump


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_once(personas: Personas, smtp_server: SmtpServer) -> None:
    """Two workers woken for the same row at the same moment (a repeated wake-up, the
    sweeper): the claim lets one through; the server gets the message once."""
    import threading

    from django.db import OperationalError
    from django.db import connection as default_connection

    configure(personas, smtp_server.port)
    message = queue(personas)
    start = threading.Barrier(2)
    results: list[object] = []

    def worker() -> None:
        try:
            start.wait()
            results.append(message_deliver(message_id=message.pk))
        except OperationalError as error:
            # SQLite refuses a second writer outright ("database table is locked") instead
            # of making it wait: that worker sends nothing, which is what is asserted.
            results.append(error)
        finally:
            default_connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(results) == 2
    if default_connection.vendor == "postgresql":
        assert results.count(None) == 1  # the other claim found the row taken
    else:
        # SQLite may refuse both writers at the same moment; never twice, and the next
        # wake-up (the sweeper's) sends what is still unsent — or nothing.
        assert len(smtp_server.received) <= 1
        message_deliver(message_id=message.pk)
    assert len(smtp_server.received) == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 1
