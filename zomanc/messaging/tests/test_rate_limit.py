"""Per-practice rate limits of the outbox: a practice sends at most its limit a minute on each
channel (counted from the rows' claims, so every worker sees the same budget); a row over the
budget is put back for when its place comes — not sent, not failed, no attempt counted — and
sent once the window has room; a flood from one practice never holds up another; two
workers at once never overshoot (the settings row is locked over count-then-claim)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import OperationalError, transaction
from django.db import connection as default_connection
from django.utils import timezone
from django_ox.models import OxTask

from zomanc.conftest import Personas
from zomanc.messaging.models import (
    EMAIL_RATE_DEFAULT,
    SMS_RATE_DEFAULT,
    MailSettings,
    MessageStatus,
    OutboundMessage,
    SmsSettings,
)
from zomanc.messaging.services import (
    RATE_WINDOW,
    mail_settings_save,
    message_deliver,
    message_deliver_task,
    message_email_queue,
    message_sweep,
)
from zomanc.messaging.sms_outbox import message_sms_queue, sms_settings_save
from zomanc.messaging.tests.conftest import configure
from zomanc.messaging.tests.sms_gateway import API_KEY, SmsGatewayServer
from zomanc.patients.consent_services import patient_channel_opt_in
from zomanc.patients.tests.factories import make_patient
from zomanc.practices.models import Practice
from zomanc.testing.smtp_server import SmtpServer


def limit(practice: Practice, per_minute: int) -> None:
    MailSettings.objects.filter(practice=practice).update(rate_per_minute=per_minute)


def queue(personas: Personas, n: int, *, practice: str = "a") -> list[OutboundMessage]:
    member = personas.receptionist if practice == "a" else personas.doctor_b
    return [
        message_email_queue(
            practice=member.practice,
            recipient=f"paciens{i}@example.hu",
            subject=f"Visszahívás {i}",
            text="Ideje a kontrollnak.",
            about_kind="recall.due",
            about_id=i,
        )
        for i in range(n)
    ]


def states(rows: list[OutboundMessage]) -> list[str]:
    return [OutboundMessage.objects.get(pk=r.pk).status for r in rows]


def delayed_wakeups(message: OutboundMessage) -> list[dt.datetime | None]:
    return [
        t.run_after
        for t in OxTask.objects.filter(task_path=message_deliver_task.module_path)
        if t.kwargs.get("message_id") == message.pk and t.run_after is not None
    ]


# --- the settings ----------------------------------------------------------------------------


def test_defaults_and_a_first_save_keep_the_documented_limits(personas: Personas) -> None:
    assert (EMAIL_RATE_DEFAULT, SMS_RATE_DEFAULT) == (30, 30)
    assert configure(personas, 25).rate_per_minute == 30
    sms = sms_settings_save(
        practice=personas.practice_a,
        url="http://127.0.0.1:9/sms",
        api_key="k",
        sender_name="",
        actor=personas.owner,
    )
    assert sms.rate_per_minute == 30


def test_the_limit_is_checked_in_hungarian(personas: Personas) -> None:
    configure(personas, 25)
    for bad in (0, 601, -5):
        with pytest.raises(ValidationError) as refused:
            mail_settings_save(
                practice=personas.practice_a,
                host="127.0.0.1",
                port=25,
                security="none",
                username="",
                password="",
                from_email="rendelo@mosoly.example",
                from_name="",
                reply_to="",
                actor=personas.owner,
                rate_per_minute=bad,
            )
        assert refused.value.message_dict["rate_per_minute"] == [
            "Percenként legalább 1 és legfeljebb 600 üzenet."
        ]
    assert MailSettings.objects.get().rate_per_minute == 30  # nothing saved


# --- the budget ------------------------------------------------------------------------------


def test_over_the_budget_is_deferred_not_sent_not_failed_not_counted(
    personas: Personas, smtp_server: SmtpServer
) -> None:
    configure(personas, smtp_server.port)
    limit(personas.practice_a, 2)
    rows = queue(personas, 4)
    for row in rows:
        message_deliver(message_id=row.pk)
    assert states(rows) == ["sent", "sent", "queued", "queued"]
    assert len(smtp_server.received) == 2
    first_claim = OutboundMessage.objects.get(pk=rows[0].pk).claimed_at
    assert first_claim is not None
    for row in rows[2:]:
        row.refresh_from_db()
        # No attempt spent, no error shown: it only waits for its place.
        assert row.attempts == 0 and row.last_error == "" and row.claimed_at is None
        # The window frees a place when the first of the two claims is a minute old.
        assert row.next_attempt_at == first_claim + RATE_WINDOW
        assert delayed_wakeups(row) == [row.next_attempt_at]
        # Woken early (a repeated wake-up, the sweeper): still waits.
        assert message_deliver(message_id=row.pk) is None
    assert len(smtp_server.received) == 2


def test_the_budget_refills_after_the_window(personas: Personas, smtp_server: SmtpServer) -> None:
    configure(personas, smtp_server.port)
    limit(personas.practice_a, 2)
    rows = queue(personas, 3)
    for row in rows:
        message_deliver(message_id=row.pk)
    waiting = OutboundMessage.objects.get(pk=rows[2].pk)
    assert waiting.status == MessageStatus.QUEUED and waiting.next_attempt_at is not None
    with time_machine.travel(waiting.next_attempt_at - dt.timedelta(seconds=1)):
        assert OutboundMessage.objects.filter(pk=waiting.pk).update(next_attempt_at=None)
        assert message_deliver(message_id=waiting.pk) is None  # the window is still full
    with time_machine.travel(waiting.next_attempt_at + dt.timedelta(seconds=1)):
        sent = message_deliver(message_id=waiting.pk)
    assert sent is not None and sent.status == MessageStatus.SENT and sent.attempts == 1
    assert len(smtp_server.received) == 3


def test_rows_already_waiting_go_first_a_minute_at_a_time(
    personas: Personas, smtp_server: SmtpServer
) -> None:
    """A flood is woken about once a row, in turns of the limit a minute, not all of it every
    time one place frees."""
    configure(personas, smtp_server.port)
    limit(personas.practice_a, 2)
    rows = queue(personas, 8)
    for row in rows:
        message_deliver(message_id=row.pk)
    first_claim = OutboundMessage.objects.get(pk=rows[0].pk).claimed_at
    assert first_claim is not None
    waits = [OutboundMessage.objects.get(pk=r.pk).next_attempt_at for r in rows[2:]]
    minute = RATE_WINDOW
    assert waits == [
        first_claim + minute,
        first_claim + minute,
        first_claim + 2 * minute,
        first_claim + 2 * minute,
        first_claim + 3 * minute,
        first_claim + 3 * minute,
    ]


def test_a_flood_from_one_practice_does_not_delay_another(
    personas: Personas, smtp_server: SmtpServer
) -> None:
    configure(personas, smtp_server.port, practice="a")
    configure(personas, smtp_server.port, practice="b")
    limit(personas.practice_a, 3)
    limit(personas.practice_b, 3)
    flood = queue(personas, 10, practice="a")
    for row in flood:
        message_deliver(message_id=row.pk)
    assert states(flood).count("sent") == 3
    # B's budget is its own: its messages go at once, all three.
    other = queue(personas, 3, practice="b")
    for row in other:
        delivered = message_deliver(message_id=row.pk)
        assert delivered is not None and delivered.status == MessageStatus.SENT
    assert OutboundMessage.objects.get(pk=other[0].pk).next_attempt_at is None
    assert sorted(r.rcpt_tos[0] for r in smtp_server.received).count("paciens0@example.hu") == 2
    # ...and A's waiting rows did not take B's turn: still three of A's sent.
    assert states(flood).count("sent") == 3


def test_each_channel_has_its_own_budget(
    personas: Personas, smtp_server: SmtpServer, gateway: SmsGatewayServer
) -> None:
    configure(personas, smtp_server.port)
    limit(personas.practice_a, 1)
    sms_settings_save(
        practice=personas.practice_a,
        url=gateway.url,
        api_key=API_KEY,
        sender_name="Mosoly",
        actor=personas.owner,
        rate_per_minute=1,
    )
    patient = make_patient(personas.receptionist, phone="+36 20 123 4567")
    patient_channel_opt_in(
        patient=patient, channel="sms", method="paper", actor=personas.receptionist
    )
    mails = queue(personas, 2)
    texts = [
        message_sms_queue(
            practice=personas.practice_a, recipient=patient.phone, text=f"{i}", patient=patient
        )
        for i in range(2)
    ]
    for row in [*mails, *texts]:
        message_deliver(message_id=row.pk)
    assert states(mails) == ["sent", "queued"] and states(texts) == ["sent", "queued"]
    assert len(smtp_server.received) == 1 and len(gateway.messages) == 1
    waiting = OutboundMessage.objects.get(pk=texts[1].pk)
    assert waiting.attempts == 0 and waiting.next_attempt_at is not None
    with time_machine.travel(waiting.next_attempt_at + dt.timedelta(seconds=1)):
        message_deliver(message_id=waiting.pk)
    assert len(gateway.messages) == 2


def test_the_sweeper_wakes_a_deferred_row_whose_wake_up_was_lost(
    personas: Personas, smtp_server: SmtpServer
) -> None:
    configure(personas, smtp_server.port)
    limit(personas.practice_a, 1)
    rows = queue(personas, 2)
    for row in rows:
        message_deliver(message_id=row.pk)
    waiting = OutboundMessage.objects.get(pk=rows[1].pk)
    assert waiting.next_attempt_at is not None
    OxTask.objects.all().delete()  # every wake-up lost
    assert message_sweep() == 0  # not due yet
    with time_machine.travel(waiting.next_attempt_at + dt.timedelta(seconds=1)):
        assert message_sweep() == 1
        message_deliver(message_id=waiting.pk)
    assert states(rows) == ["sent", "sent"]


def test_a_lowered_limit_counts_at_once(personas: Personas, smtp_server: SmtpServer) -> None:
    configure(personas, smtp_server.port)
    rows = queue(personas, 4)
    for row in rows[:3]:
        message_deliver(message_id=row.pk)
    limit(personas.practice_a, 2)  # three claims in the window, two allowed
    message_deliver(message_id=rows[3].pk)
    waiting = OutboundMessage.objects.get(pk=rows[3].pk)
    second_claim = OutboundMessage.objects.get(pk=rows[1].pk).claimed_at
    assert waiting.status == MessageStatus.QUEUED and second_claim is not None
    # Room again once only one of the three is younger than a minute.
    assert waiting.next_attempt_at == second_claim + RATE_WINDOW


# --- two workers -----------------------------------------------------------------------------


@pytest.fixture
def gateway() -> Iterator[SmsGatewayServer]:
    server = SmsGatewayServer()
    server.start()
    yield server
    server.stop()


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_never_overshoot_the_budget(
    personas: Personas, smtp_server: SmtpServer
) -> None:
    configure(personas, smtp_server.port)
    limit(personas.practice_a, 3)
    rows = queue(personas, 10)
    ids = [r.pk for r in rows]
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker(order: list[int]) -> None:
        try:
            start.wait()
            for pk in order:
                try:
                    message_deliver(message_id=pk)
                except OperationalError as error:
                    # SQLite's shared in-memory test database refuses a second writer
                    # outright ("database table is locked") where a file database waits its
                    # busy timeout: a refused claim sends nothing, but a refused record after
                    # the send leaves a sent message's row unrecorded (2 of 8 runs) — so on
                    # SQLite the server's count, not the rows', is held to the budget.
                    errors.append(error)
        finally:
            default_connection.close()

    threads = [
        threading.Thread(target=worker, args=(ids,)),
        threading.Thread(target=worker, args=(ids[::-1],)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    sent = states(rows).count("sent")
    # Never over the budget at the mail server, whatever the interleaving.
    assert len(smtp_server.received) <= 3
    assert sent <= len(smtp_server.received)  # a row recorded sent did arrive
    if default_connection.vendor == "postgresql":
        assert len(smtp_server.received) == sent == 3 and not errors
        waiting = OutboundMessage.objects.filter(pk__in=ids, status=MessageStatus.QUEUED)
        assert waiting.count() == 7
        assert not waiting.exclude(attempts=0).exists()
        assert not waiting.filter(next_attempt_at=None).exists()


@pytest.mark.django_db(transaction=True)
def test_a_claim_waits_for_another_workers_budget_check(
    personas: Personas, smtp_server: SmtpServer
) -> None:
    """Worker 1 holds the practice's settings row (mid count-then-claim) and takes the last
    place of the budget; worker 2's claim must wait for it and then see the place taken —
    without the lock both would count one free place and both send."""
    configure(personas, smtp_server.port)
    limit(personas.practice_a, 1)
    first, second = queue(personas, 2)
    locked = threading.Event()
    outcome: list[object] = []

    def worker_one() -> None:
        try:
            with transaction.atomic():
                MailSettings.objects.select_for_update().get(practice=personas.practice_a)
                locked.set()
                time.sleep(0.6)  # worker 2 reaches the lock meanwhile
                OutboundMessage.objects.filter(pk=first.pk).update(
                    status=MessageStatus.SENDING,
                    attempts=1,
                    claimed_at=timezone.now(),
                    lease_until=timezone.now() + dt.timedelta(minutes=2),
                )
        finally:
            default_connection.close()

    def worker_two() -> None:
        locked.wait(timeout=10)
        began = time.monotonic()
        try:
            outcome.append(message_deliver(message_id=second.pk))
        except OperationalError as error:  # SQLite: the writer is refused, sends nothing
            outcome.append(error)
        finally:
            outcome.append(time.monotonic() - began)
            default_connection.close()

    threads = [threading.Thread(target=worker_one), threading.Thread(target=worker_two)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not smtp_server.received  # worker 2 never sent past the budget
    second.refresh_from_db()
    assert second.attempts == 0 and second.status == MessageStatus.QUEUED
    if default_connection.vendor == "postgresql":
        result, waited = outcome
        assert result is None  # deferred, not claimed
        assert isinstance(waited, float) and waited >= 0.4  # it waited for the lock
        assert second.next_attempt_at is not None


def test_the_sms_settings_keep_their_limit_when_saved_without_one(personas: Personas) -> None:
    row = sms_settings_save(
        practice=personas.practice_a,
        url="http://127.0.0.1:9/sms",
        api_key="k",
        sender_name="",
        actor=personas.owner,
        rate_per_minute=12,
    )
    sms_settings_save(
        practice=personas.practice_a,
        url="http://127.0.0.1:9/sms2",
        api_key="",
        sender_name="",
        actor=personas.owner,
    )
    assert SmsSettings.objects.get(pk=row.pk).rate_per_minute == 12


# --- the settings page -----------------------------------------------------------------------

MAIL_FORM = {
    "host": "127.0.0.1",
    "port": "2525",
    "security": "none",
    "username": "",
    "password": "",
    "from_email": "rendelo@mosoly.example",
    "from_name": "Mosoly Fogászat",
    "reply_to": "",
}
SMS_FORM = {"url": "http://127.0.0.1:9080/sms/api/messages", "api_key": "k", "sender_name": ""}


def test_owner_sets_the_limits_on_the_settings_page(personas: Personas) -> None:
    client = personas.client_for(personas.owner)
    page = client.get("/uzenetek/beallitasok/").content.decode()
    assert page.count("Legfeljebb ennyi üzenet percenként") == 2
    assert 'name="rate_per_minute" value="30"' in page  # the defaults, shown
    client.post("/uzenetek/beallitasok/", {**MAIL_FORM, "rate_per_minute": "45"})
    client.post("/uzenetek/beallitasok/sms/", {**SMS_FORM, "rate_per_minute": "10"})
    assert MailSettings.objects.get(practice=personas.practice_a).rate_per_minute == 45
    assert SmsSettings.objects.get(practice=personas.practice_a).rate_per_minute == 10
    page = client.get("/uzenetek/beallitasok/").content.decode()
    assert "legfeljebb 45 levél percenként" in page and "legfeljebb 10 SMS percenként" in page
    # Left empty: the saved limit stays.
    client.post("/uzenetek/beallitasok/", {**MAIL_FORM, "rate_per_minute": ""})
    assert MailSettings.objects.get(practice=personas.practice_a).rate_per_minute == 45
    # Practice B's owner sets B's, never A's.
    other = personas.client_for(personas.outsider)
    other.post("/uzenetek/beallitasok/", {**MAIL_FORM, "rate_per_minute": "5"})
    assert MailSettings.objects.get(practice=personas.practice_b).rate_per_minute == 5
    assert MailSettings.objects.get(practice=personas.practice_a).rate_per_minute == 45
    assert "legfeljebb 45" not in other.get("/uzenetek/beallitasok/").content.decode()


@pytest.mark.parametrize(
    "value,error",
    [
        ("0", "Percenként legalább 1 üzenet."),
        ("601", "Percenként legfeljebb 600 üzenet."),
        ("sok", "Egész számot adjon meg."),
    ],
)
def test_a_bad_limit_is_refused_in_hungarian_and_nothing_saved(
    personas: Personas, value: str, error: str
) -> None:
    client = personas.client_for(personas.owner)
    for url, form in (
        ("/uzenetek/beallitasok/", MAIL_FORM),
        ("/uzenetek/beallitasok/sms/", SMS_FORM),
    ):
        response = client.post(url, {**form, "rate_per_minute": value})
        assert response.status_code == 400
        assert error in response.content.decode()
    assert not MailSettings.objects.exists() and not SmsSettings.objects.exists()


def test_only_owners_set_the_limit(personas: Personas) -> None:
    for member in (personas.doctor, personas.assistant, personas.receptionist):
        response = personas.client_for(member).post(
            "/uzenetek/beallitasok/", {**MAIL_FORM, "rate_per_minute": "500"}
        )
        assert response.status_code == 403
    assert not MailSettings.objects.exists()
