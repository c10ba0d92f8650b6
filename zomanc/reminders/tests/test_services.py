"""The reminder rules: when (the rule's hours, quiet hours, never after the start, a booking
inside the window at once), in step with the appointment (booked, moved, cancelled), sent only
with consent, in the patient's language, exactly once."""

from __future__ import annotations

import threading

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection

from zomanc.messaging.models import OutboundMessage
from zomanc.reminders.models import Reminder, ReminderMessage, ReminderRule, ReminderStatus
from zomanc.reminders.services import (
    reminder_send,
    reminder_template_save,
    reminder_times,
    reminders_due,
)
from zomanc.reminders.tests.conftest import consent, local, rule
from zomanc.scheduling.services import appointment_cancel, appointment_move
from zomanc.scheduling.tests.conftest import Cal

pytestmark = pytest.mark.django_db


def _rule(first: int = 24, second: int | None = None) -> ReminderRule:
    return ReminderRule(first_hours=first, second_hours=second)


# --- when --------------------------------------------------------------------------------


def test_first_reminder_the_rules_hours_before() -> None:
    times = reminder_times(rule=_rule(24), starts_at=local(10, 10), now=local(5, 9))
    assert times == {1: local(9, 10)}


def test_quiet_hours_hold_until_eight_in_the_morning() -> None:
    # 24 h before a 07:30 appointment is 07:30 the day before: held until 08:00.
    assert reminder_times(rule=_rule(24), starts_at=local(10, 7, 30), now=local(5, 9)) == {
        1: local(9, 8)
    }
    # 24 h before a 21:00 appointment is 21:00: held until 08:00 the next morning.
    assert reminder_times(rule=_rule(24), starts_at=local(10, 21), now=local(5, 9)) == {
        1: local(10, 8)
    }


def test_never_after_the_appointment_started() -> None:
    # 2 h before a 07:00 appointment is 05:00; held until 08:00 it would come after the start.
    assert reminder_times(rule=_rule(2), starts_at=local(10, 7), now=local(5, 9)) == {}


def test_a_booking_inside_the_window_gets_one_reminder_at_once() -> None:
    now = local(10, 9)
    assert reminder_times(rule=_rule(24, 2), starts_at=local(10, 15), now=now) == {
        1: now,
        2: local(10, 13),
    }
    # Both steps passed: only the one nearest the start, now.
    assert reminder_times(rule=_rule(24, 2), starts_at=local(10, 10), now=now) == {2: now}
    # Booked at 22:00 for tomorrow 10:00: at once means 08:00.
    assert reminder_times(rule=_rule(24), starts_at=local(11, 10), now=local(10, 22)) == {
        1: local(11, 8)
    }


# --- in step with the appointment --------------------------------------------------------


def test_booking_moving_and_cancelling_carry_the_reminder(ready: Cal) -> None:
    rule(ready.p, 24, 2)
    with time_machine.travel(local(2, 9), tick=False):
        appointment = ready.book(local(5, 10))
        rows = {r.step: r for r in Reminder.objects.filter(appointment=appointment)}
        assert {s: r.due_at for s, r in rows.items()} == {1: local(4, 10), 2: local(5, 8)}
        assert all(r.status == ReminderStatus.PENDING for r in rows.values())

        appointment_move(
            appointment=appointment,
            actor=ready.p.receptionist,
            starts_at=local(6, 14),
            ends_at=local(6, 14, 30),
        )
        moved = {r.step: r for r in Reminder.objects.filter(appointment=appointment)}
        assert set(moved) == {1, 2} and len(moved) == 2  # the same rows, moved
        assert {s: r.due_at for s, r in moved.items()} == {1: local(5, 14), 2: local(6, 12)}
        assert all(r.for_start == local(6, 14) for r in moved.values())

        appointment_cancel(appointment=appointment, actor=ready.p.receptionist, reason="beteg")
        assert set(
            Reminder.objects.filter(appointment=appointment).values_list("status", flat=True)
        ) == {ReminderStatus.CANCELLED}
    with time_machine.travel(local(5, 15), tick=False):
        assert reminders_due() == 0
    assert not OutboundMessage.objects.exists()


def test_cancelled_before_the_worker_sends_nothing(ready: Cal) -> None:
    with time_machine.travel(local(2, 9), tick=False):
        appointment = ready.book(local(5, 10))
        reminder = Reminder.objects.get(appointment=appointment)
    # Cancelled behind the sync's back (a raw write): the worker checks again itself.
    type(appointment).objects.filter(pk=appointment.pk).update(status="cancelled")
    with time_machine.travel(local(4, 10, 1), tick=False):
        reminder_send(reminder_id=reminder.pk)
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.CANCELLED
    assert not OutboundMessage.objects.exists()


def test_a_sent_reminder_stays_and_the_new_time_gets_its_own(ready: Cal) -> None:
    with time_machine.travel(local(2, 9), tick=False):
        appointment = ready.book(local(5, 10))
    with time_machine.travel(local(4, 10, 1), tick=False):
        assert reminders_due() == 1
        appointment_move(
            appointment=appointment,
            actor=ready.p.receptionist,
            starts_at=local(9, 10),
            ends_at=local(9, 10, 30),
        )
    rows = list(Reminder.objects.filter(appointment=appointment).order_by("pk"))
    assert [(r.status, r.for_start) for r in rows] == [
        (ReminderStatus.SENT, local(5, 10)),
        (ReminderStatus.PENDING, local(9, 10)),
    ]
    assert rows[1].due_at == local(8, 10)


def test_the_rule_saved_later_reaches_booked_appointments(cal: Cal) -> None:
    with time_machine.travel(local(2, 9), tick=False):
        appointment = cal.book(local(5, 10))
        assert not Reminder.objects.filter(appointment=appointment).exists()  # no rule yet
        rule(cal.p, 48)
        assert Reminder.objects.get(appointment=appointment).due_at == local(3, 10)


# --- sending -------------------------------------------------------------------------------


def test_sent_in_the_patients_language_with_links_and_opt_out(ready: Cal) -> None:
    consent(ready.p, ready.bela, language="de")
    with time_machine.travel(local(2, 9), tick=False):
        appointment = ready.book(local(5, 10), patient=ready.bela)
    with time_machine.travel(local(4, 10), tick=False):
        assert reminders_due() == 1
    message = OutboundMessage.objects.get()
    assert message.language == "de" and message.patient_id == ready.bela.pk
    assert message.subject.startswith("Erinnerung: Ihr Termin am 05.03.2026 um 10:00")
    assert "Bestätigen: http" in message.body_text
    assert "/emlekeztetok/e/" in message.body_text
    assert "/emlekeztetok/leiratkozas/" in message.body_text
    assert str(ready.p.doctor.display_name) in message.body_text
    assert message.about_kind == "reminders.reminder"
    link = ReminderMessage.objects.get()
    assert link.message_id == message.pk and link.channel == "email"
    assert Reminder.objects.get(appointment=appointment).status == ReminderStatus.SENT


def test_no_message_without_consent(ready: Cal) -> None:
    with time_machine.travel(local(2, 9), tick=False):
        appointment = ready.book(local(5, 10), patient=ready.bela)  # Béla never consented
    with time_machine.travel(local(4, 10), tick=False):
        reminders_due()
    # Nothing to send; the patient's message log keeps what did not go out, and why.
    (log,) = OutboundMessage.objects.all()
    assert log.status == "suppressed" and log.channel == "email" and log.patient == ready.bela
    assert log.last_error == "nincs hozzájárulás" and log.attempts == 0
    assert log.subject == "Időpont-emlékeztető: 2026.03.05. 10:00"
    reminder = Reminder.objects.get(appointment=appointment)
    assert reminder.status == ReminderStatus.SKIPPED
    assert (log.about_kind, log.about_id) == ("reminders.reminder", str(reminder.pk))


def test_no_message_after_the_consent_is_withdrawn(ready: Cal) -> None:
    from zomanc.patients.consent_services import patient_channel_opt_out

    with time_machine.travel(local(2, 9), tick=False):
        ready.book(local(5, 10))
        patient_channel_opt_out(patient=ready.anna, channel="email", how="phone")
    with time_machine.travel(local(4, 10), tick=False):
        reminders_due()
    (log,) = OutboundMessage.objects.all()
    assert log.status == "suppressed" and log.last_error == "leiratkozott"


def test_no_message_in_quiet_hours(ready: Cal) -> None:
    with time_machine.travel(local(2, 9), tick=False):
        appointment = ready.book(local(5, 10))
        reminder = Reminder.objects.get(appointment=appointment)
    # A due row the worker meets at 23:00 (a rule changed by hand, a late worker): held.
    Reminder.objects.filter(pk=reminder.pk).update(due_at=local(3, 22))
    with time_machine.travel(local(3, 23), tick=False):
        assert reminders_due() == 0
        assert reminder_send(reminder_id=reminder.pk) is None
    assert not OutboundMessage.objects.exists()
    with time_machine.travel(local(4, 8), tick=False):
        assert reminders_due() == 1
    assert OutboundMessage.objects.count() == 1


def test_not_sent_after_the_start(ready: Cal) -> None:
    with time_machine.travel(local(2, 9), tick=False):
        appointment = ready.book(local(5, 10))
    with time_machine.travel(local(5, 10, 5), tick=False):  # the worker was down all day
        reminders_due()
    assert Reminder.objects.get(appointment=appointment).status == ReminderStatus.SKIPPED
    assert not OutboundMessage.objects.exists()


def test_sending_twice_sends_once(ready: Cal) -> None:
    with time_machine.travel(local(2, 9), tick=False):
        appointment = ready.book(local(5, 10))
    reminder = Reminder.objects.get(appointment=appointment)
    with time_machine.travel(local(4, 10), tick=False):
        assert reminder_send(reminder_id=reminder.pk) is not None
        assert reminder_send(reminder_id=reminder.pk) is None
        assert reminders_due() == 0
    assert OutboundMessage.objects.count() == 1


def test_one_message_per_reminder_and_channel_in_the_database(ready: Cal) -> None:
    from django.db import IntegrityError, transaction

    with time_machine.travel(local(2, 9), tick=False):
        ready.book(local(5, 10))
    with time_machine.travel(local(4, 10), tick=False):
        reminders_due()
    link = ReminderMessage.objects.get()
    other = OutboundMessage.objects.get()
    other.pk = None
    other.message_id = "<another@x>"
    other.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderMessage.objects.create(
            practice_id=link.practice_id, reminder=link.reminder, channel="email", message=other
        )


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_the_same_moment_send_once(ready: Cal) -> None:
    with time_machine.travel(local(2, 9), tick=False):
        appointment = ready.book(local(5, 10))
    reminder = Reminder.objects.get(appointment=appointment)
    barrier = threading.Barrier(2)
    results: list[object] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(reminder_send(reminder_id=reminder.pk, now=local(4, 10)))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    if connection.vendor == "sqlite":
        # The test database is SQLite's shared in-memory cache, which answers a second writer
        # "table is locked" at once instead of waiting (a file database waits its busy
        # timeout); the loser's task would be re-run by django-ox and find the row sent.
        assert all("locked" in str(e) for e in errors), errors
    else:
        assert not errors, errors
    assert sum(1 for r in results if r is not None) == 1
    assert OutboundMessage.objects.count() == 1
    assert ReminderMessage.objects.count() == 1


# --- templates -----------------------------------------------------------------------------


def test_unknown_placeholder_is_refused_in_hungarian(ready: Cal) -> None:
    with pytest.raises(ValidationError) as error:
        reminder_template_save(
            practice=ready.p.practice_a,
            language="hu",
            subject="Időpont {date}",
            body="Kedves {paciens}! {time}",
            actor=ready.p.owner,
        )
    assert "Ismeretlen helyettesítő: {paciens}" in error.value.message_dict["body"][0]
    with pytest.raises(ValidationError) as error:
        reminder_template_save(
            practice=ready.p.practice_a,
            language="hu",
            subject="Időpont {",
            body="{patient}",
            actor=ready.p.owner,
        )
    assert "kapcsos zárójel" in error.value.message_dict["subject"][0]


def test_own_template_is_used(ready: Cal) -> None:
    reminder_template_save(
        practice=ready.p.practice_a,
        language="hu",
        subject="Holnap {time}-kor várjuk",
        body="Kedves {patient}! {date} {time}, {doctor}. Igen: {confirm_link}",
        actor=ready.p.owner,
    )
    with time_machine.travel(local(2, 9), tick=False):
        ready.book(local(5, 10))
    with time_machine.travel(local(4, 10), tick=False):
        reminders_due()
    message = OutboundMessage.objects.get()
    assert message.subject == "Holnap 10:00-kor várjuk"
    assert message.body_text.startswith("Kedves Kovács Anna! 2026.03.05. 10:00")
    assert "leiratkozhat" in message.body_text  # the opt-out line is always added


def test_rule_refuses_bad_hours(ready: Cal) -> None:
    with pytest.raises(ValidationError) as error:
        rule(ready.p, 24, 48)
    assert "közelebb" in error.value.message_dict["second_hours"][0]
    with pytest.raises(ValidationError) as error:
        rule(ready.p, 24, None, use_email=False)
    assert "csatornát" in error.value.message_dict["use_email"][0]


def test_reminders_never_mix_practices(ready: Cal) -> None:
    # Practice B has no rule: its bookings get no reminder rows.
    from zomanc.scheduling.services import appointment_create

    with time_machine.travel(local(2, 9), tick=False):
        appointment_create(
            practice=ready.p.practice_b,
            actor=ready.p.outsider,
            patient=ready.patient_b,
            doctor=ready.p.doctor_b,
            chair=ready.chair_b,
            company=ready.p.company_b,
            org_unit=ready.p.org_unit_b,
            starts_at=local(5, 10),
            ends_at=local(5, 10, 30),
        )
    assert not Reminder.objects.filter(practice=ready.p.practice_b).exists()


def test_a_worker_dying_mid_send_leaves_nothing_and_the_next_sends_once(
    ready: Cal, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The claim, the outbox row and the (reminder, channel) row commit together: a worker
    that dies after queueing the e-mail (here: an error before its commit) leaves the
    reminder pending and no message; the next run sends it once."""
    from zomanc.reminders import services

    with time_machine.travel(local(2, 9), tick=False):
        appointment = ready.book(local(5, 10))
    reminder = Reminder.objects.get(appointment=appointment)

    class Killed(Exception):
        pass

    real = services.ReminderMessage.objects.create

    def dies(**kwargs: object) -> None:
        real(**kwargs)  # the rows are written ...
        raise Killed  # ... and the worker dies before the commit

    monkeypatch.setattr(services.ReminderMessage.objects, "create", dies)
    with time_machine.travel(local(4, 10), tick=False), pytest.raises(Killed):
        reminder_send(reminder_id=reminder.pk)
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.PENDING
    assert not OutboundMessage.objects.exists() and not ReminderMessage.objects.exists()

    monkeypatch.undo()
    with time_machine.travel(local(4, 10, 1), tick=False):
        assert reminders_due() == 1
        assert reminders_due() == 0
    assert OutboundMessage.objects.count() == 1
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.SENT
