"""The recall list's bulk send (recall/send.py): consent per channel, the patient's language,
one message per patient naming his recalls, the opt-out link, "reminded" recorded with the
channel, once a day per recall and channel (a double submit sends nothing), other practices'
keys ignored, and one transaction per patient (a failure leaves nothing half-recorded)."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from zomanc.audit.models import AuditEntry
from zomanc.conftest import Personas
from zomanc.messaging.models import MessageStatus, OutboundMessage
from zomanc.messaging.services import mail_settings_save
from zomanc.messaging.sms_outbox import sms_settings_save
from zomanc.patients.consent_services import (
    patient_channel_opt_in,
    patient_channel_opt_out,
    patient_message_language_set,
)
from zomanc.patients.models import Patient
from zomanc.patients.tests.factories import make_patient
from zomanc.practices.models import Practice
from zomanc.recall import send
from zomanc.recall.due import add_months
from zomanc.recall.models import ContactState, RecallContact, RecallMessage
from zomanc.recall.selectors import recall_selection
from zomanc.recall.send import recall_bulk_send
from zomanc.recall.tests.conftest import Catalogue, book, procedure_done

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
SINCE = add_months(TODAY, -7)


def mail_for(p: Personas, practice: Practice | None = None) -> None:
    practice = practice or p.practice_a
    mail_settings_save(
        practice=practice,
        host="127.0.0.1",
        port=2525,
        security="none",
        username="",
        password="",
        from_email="rendelo@mosoly.example",
        from_name=practice.name,
        reply_to="",
        actor=p.owner if practice == p.practice_a else p.outsider,
    )


def sms_for(p: Personas) -> None:
    sms_settings_save(
        practice=p.practice_a,
        url="http://127.0.0.1:9/sms/api/messages",
        api_key="kulcs",
        sender_name="Mosoly",
        actor=p.owner,
    )


def due(p: Personas, items: Catalogue, name: str, *channels: str, **extra: Any) -> Patient:
    """A patient of practice A whose scaling is due (done seven months ago), consenting to
    `channels`."""
    patient = make_patient(p.receptionist, family_name=name, **extra)
    procedure_done(p, patient, items.scaling, SINCE)
    for channel in channels:
        patient_channel_opt_in(
            patient=patient, channel=channel, method="paper", actor=p.receptionist
        )
    return patient


def sent() -> Any:
    return OutboundMessage.objects.exclude(status=MessageStatus.SUPPRESSED)


def suppressed() -> set[tuple[int, str, str]]:
    """(patient, channel, reason) of the messages recorded as not sent."""
    return set(
        OutboundMessage.objects.filter(status=MessageStatus.SUPPRESSED).values_list(
            "patient_id", "channel", "last_error"
        )
    )


def key(patient: Patient, items: Catalogue, since: dt.date = SINCE) -> str:
    return f"{patient.pk}:{items.scaling.pk}:{since.isoformat()}"


@pytest.fixture
def ready(personas: Personas, items: Catalogue) -> Personas:
    mail_for(personas)
    sms_for(personas)
    Practice.objects.filter(pk=personas.practice_a.pk).update(phone="+36 1 234 5678")
    personas.practice_a.refresh_from_db()
    personas.receptionist.practice.refresh_from_db()
    return personas


def test_each_consented_channel_once_and_reminded(ready: Personas, items: Catalogue) -> None:
    anna = due(ready, items, "Emailes", "email", "sms")
    result = recall_bulk_send(
        member=ready.receptionist, keys=[key(anna, items)], channels=["email", "sms"]
    )
    assert [n.patient for n in result.notified] == [anna] and not result.skipped
    messages = {m.channel: m for m in OutboundMessage.objects.filter(patient=anna)}
    assert set(messages) == {"email", "sms"}
    email, sms = messages["email"], messages["sms"]
    assert email.about_kind == "recall.patient" and email.about_id == str(anna.pk)
    assert email.subject == f"Esedékes kezelés – {ready.practice_a.name}"
    assert f"Kedves {anna.full_name}!" in email.body_text
    assert "Fogkő-eltávolítás (legutóbb: " + SINCE.strftime("%Y.%m.%d.") in email.body_text
    assert "esedékes: " + add_months(SINCE, 6).strftime("%Y.%m.%d.") in email.body_text
    assert "Időpontot a +36 1 234 5678 telefonszámon foglalhat." in email.body_text
    assert "/emlekeztetok/leiratkozas/" in email.body_text
    assert "Fogkő-eltávolítás" in sms.body_text and "+36 1 234 5678" in sms.body_text
    assert "Leiratkozás: http" in sms.body_text
    contact = RecallContact.objects.get(patient=anna)
    assert contact.state == ContactState.REMINDED and contact.channels == "email,sms"
    assert contact.recorded_by == ready.receptionist
    assert RecallMessage.objects.filter(contact=contact).count() == 2
    assert AuditEntry.objects.filter(object_type="recall.recallcontact").count() == 1
    row = recall_selection(ready.receptionist, [key(anna, items)])[0]
    assert row.state == ContactState.REMINDED


def test_no_consent_nothing_on_that_channel_and_named(ready: Personas, items: Catalogue) -> None:
    email_only = due(ready, items, "Csakemail", "email")
    nobody = due(ready, items, "Semmi")
    withdrawn = due(ready, items, "Visszavont", "email")
    patient_channel_opt_out(
        patient=withdrawn, channel="email", how="phone", actor=ready.receptionist
    )
    result = recall_bulk_send(
        member=ready.receptionist,
        keys=[key(p, items) for p in (email_only, nobody, withdrawn)],
        channels=["email", "sms"],
    )
    assert [n.patient for n in result.notified] == [email_only]
    assert result.notified[0].channels == ["email"]
    assert result.notified[0].notes == ["SMS: nincs hozzájárulás"]
    skipped = {s.patient: s.reason for s in result.skipped}
    assert skipped == {
        nobody: "e-mail: nincs hozzájárulás; SMS: nincs hozzájárulás",
        withdrawn: "e-mail: nincs hozzájárulás; SMS: nincs hozzájárulás",
    }
    assert list(sent().values_list("patient_id", "channel")) == [(email_only.pk, "email")]
    assert not RecallContact.objects.filter(patient__in=[nobody, withdrawn]).exists()
    # Each message not sent is in the patient's log, with why.
    assert suppressed() == {
        (email_only.pk, "sms", "nincs hozzájárulás"),
        (nobody.pk, "email", "nincs hozzájárulás"),
        (nobody.pk, "sms", "nincs hozzájárulás"),
        (withdrawn.pk, "email", "leiratkozott"),
        (withdrawn.pk, "sms", "nincs hozzájárulás"),
    }
    log = OutboundMessage.objects.get(patient=nobody, channel="sms")
    assert log.subject == "Visszahívás: Fogkő-eltávolítás"
    assert (log.about_kind, log.about_id) == ("recall.patient", str(nobody.pk))
    assert log.created_by == ready.receptionist


def test_only_the_chosen_channel(ready: Personas, items: Catalogue) -> None:
    anna = due(ready, items, "Kettes", "email", "sms")
    sms_only = due(ready, items, "Smses", "sms")
    result = recall_bulk_send(
        member=ready.receptionist, keys=[key(anna, items), key(sms_only, items)], channels=["email"]
    )
    assert [n.patient for n in result.notified] == [anna]
    assert [(s.patient, s.reason) for s in result.skipped] == [
        (sms_only, "e-mail: nincs hozzájárulás")
    ]
    assert list(sent().values_list("channel", flat=True)) == ["email"]
    assert RecallContact.objects.get(patient=anna).channels == "email"
    # Only the chosen channel is judged: nothing about SMS in anyone's log.
    assert suppressed() == {(sms_only.pk, "email", "nincs hozzájárulás")}


def test_no_address_is_named(ready: Personas, items: Catalogue) -> None:
    patient = due(ready, items, "Cimtelen", "email")
    Patient.objects.filter(pk=patient.pk).update(email="")
    result = recall_bulk_send(
        member=ready.receptionist, keys=[key(patient, items)], channels=["email"]
    )
    assert [(s.patient.pk, s.reason) for s in result.skipped] == [(patient.pk, "e-mail: nincs cím")]
    assert not sent().exists()
    assert suppressed() == {(patient.pk, "email", "nincs e-mail címe")}


def test_a_channel_the_practice_has_not_set_up_is_not_used(
    personas: Personas, items: Catalogue
) -> None:
    mail_for(personas)  # e-mail only: no SMS settings
    anna = due(personas, items, "Mindketto", "email", "sms")
    result = recall_bulk_send(
        member=personas.receptionist, keys=[key(anna, items)], channels=["email", "sms"]
    )
    assert result.notified[0].channels == ["email"]
    assert list(OutboundMessage.objects.values_list("channel", flat=True)) == ["email"]
    assert "Időpontért kérjük, keresse a rendelőt." in OutboundMessage.objects.get().body_text


@pytest.mark.parametrize(
    ("language", "greeting", "booking", "sms"),
    [
        ("en", "Dear ", "please call us on +36 1 234 5678", "Unsubscribe: http"),
        ("de", "Sehr geehrte(r) ", "telefonisch unter +36 1 234 5678", "Abmelden: http"),
        ("hu", "Kedves ", "telefonszámon foglalhat", "Leiratkozás: http"),
    ],
)
def test_in_the_patients_language(
    ready: Personas, items: Catalogue, language: str, greeting: str, booking: str, sms: str
) -> None:
    patient = due(ready, items, "Nyelves", "email", "sms")
    patient_message_language_set(patient=patient, language=language, actor=ready.receptionist)
    recall_bulk_send(
        member=ready.receptionist, keys=[key(patient, items)], channels=["email", "sms"]
    )
    email = OutboundMessage.objects.get(channel="email")
    assert email.language == language
    assert email.body_text.startswith(greeting) and booking in email.body_text
    assert sms in OutboundMessage.objects.get(channel="sms").body_text
    if language == "de":
        assert email.subject.startswith("Eine Behandlung ist fällig")
        assert SINCE.strftime("%d.%m.%Y") in email.body_text


def test_one_message_per_patient_naming_every_selected_recall(
    ready: Personas, items: Catalogue
) -> None:
    from zomanc.recall.models import RecallRule

    RecallRule.objects.create(practice=ready.practice_a, treatment=items.xray, interval_months=6)
    patient = due(ready, items, "Kettos", "email")
    procedure_done(ready, patient, items.xray, SINCE)
    keys = [key(patient, items), f"{patient.pk}:{items.xray.pk}:{SINCE.isoformat()}"]
    result = recall_bulk_send(member=ready.receptionist, keys=keys, channels=["email"])
    assert sorted(result.notified[0].treatments) == sorted([items.scaling.name, items.xray.name])
    email = OutboundMessage.objects.get()
    assert items.scaling.name in email.body_text and items.xray.name in email.body_text
    assert RecallContact.objects.filter(patient=patient, state="reminded").count() == 2
    assert set(RecallMessage.objects.values_list("message_id", flat=True)) == {email.pk}


def test_double_submit_sends_nothing_the_second_time(ready: Personas, items: Catalogue) -> None:
    anna = due(ready, items, "Dupla", "email", "sms")
    keys = [key(anna, items)]
    first = recall_bulk_send(member=ready.receptionist, keys=keys, channels=["email", "sms"])
    again = recall_bulk_send(member=ready.receptionist, keys=keys + keys, channels=["email", "sms"])
    assert len(first.notified) == 1
    assert not again.notified
    assert [s.reason for s in again.skipped] == [
        "e-mail: ma már értesítettük; SMS: ma már értesítettük"
    ]
    assert OutboundMessage.objects.count() == 2
    assert RecallContact.objects.count() == 1


def test_same_day_other_channel_still_goes_and_next_day_again(
    ready: Personas, items: Catalogue
) -> None:
    anna = due(ready, items, "Masnap", "email", "sms")
    keys = [key(anna, items)]
    recall_bulk_send(member=ready.receptionist, keys=keys, channels=["email"])
    # The same day by SMS: a channel not used yet today goes.
    second = recall_bulk_send(member=ready.receptionist, keys=keys, channels=["email", "sms"])
    assert second.notified[0].channels == ["sms"]
    assert second.notified[0].notes == ["e-mail: ma már értesítettük"]
    # The next day the rule starts again (a reminder the day after is the receptionist's call).
    with time_machine.travel(timezone.now() + dt.timedelta(days=1)):
        third = recall_bulk_send(member=ready.receptionist, keys=keys, channels=["email"])
    assert third.notified[0].channels == ["email"]
    assert OutboundMessage.objects.filter(channel="email").count() == 2


def test_the_database_refuses_a_second_message_the_same_day(
    ready: Personas, items: Catalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The constraint is the last word: a send that did not see the first one's rows (the
    race the patient lock prevents) is rolled back whole and reported, nothing half-sent."""
    anna = due(ready, items, "Verseny", "email")
    keys = [key(anna, items)]
    recall_bulk_send(member=ready.receptionist, keys=keys, channels=["email"])
    real_filter = RecallMessage.objects.filter

    def blind(*args: Any, **kwargs: Any) -> Any:
        return real_filter(*args, **kwargs).none()  # the earlier send's rows are not seen

    monkeypatch.setattr(RecallMessage.objects, "filter", blind)
    again = recall_bulk_send(member=ready.receptionist, keys=keys, channels=["email"])
    assert [s.reason for s in again.skipped] == ["ma már értesítettük"]
    assert OutboundMessage.objects.count() == 1
    assert RecallContact.objects.count() == 1


def test_booked_meanwhile_is_skipped(ready: Personas, items: Catalogue) -> None:
    anna = due(ready, items, "Foglalt", "email")
    book(ready, anna, timezone.now() + dt.timedelta(days=3))
    result = recall_bulk_send(
        member=ready.receptionist, keys=[key(anna, items)], channels=["email"]
    )
    assert [s.reason for s in result.skipped] == ["időpontot foglalt"]
    assert not OutboundMessage.objects.exists()


def test_other_practices_and_stale_keys_are_ignored(ready: Personas, items: Catalogue) -> None:
    mail_for(ready, ready.practice_b)
    theirs = make_patient(ready.outsider, family_name="Masiké")
    procedure_done(ready, theirs, items.scaling_b, SINCE)
    patient_channel_opt_in(patient=theirs, channel="email", method="paper", actor=ready.outsider)
    their_key = f"{theirs.pk}:{items.scaling_b.pk}:{SINCE.isoformat()}"
    ours = due(ready, items, "Sajat", "email")
    stale = key(ours, items, SINCE - dt.timedelta(days=30))  # not the current recall
    # Practice A's receptionist posts B's key (and junk): ignored, only counted.
    result = recall_bulk_send(
        member=ready.receptionist,
        keys=[their_key, stale, "nem:kulcs", key(ours, items)],
        channels=["email"],
    )
    assert [n.patient for n in result.notified] == [ours]
    assert result.not_current == 3 and not result.skipped
    assert not OutboundMessage.objects.filter(patient=theirs).exists()
    # And B's owner cannot send A's recall either.
    other = recall_bulk_send(member=ready.outsider, keys=[key(ours, items)], channels=["email"])
    assert other.not_current == 1 and not other.notified
    assert OutboundMessage.objects.count() == 1
    assert not RecallContact.objects.filter(practice=ready.practice_b).exists()


def test_a_failure_leaves_that_patient_unrecorded(
    ready: Personas, items: Catalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One transaction per patient: the e-mail was queued, then the SMS failed unexpectedly —
    the patient has neither message nor "reminded"; the patient before him keeps his."""
    first = due(ready, items, "Elso", "email", "sms")
    second = due(ready, items, "Masodik", "email", "sms")
    real = send.message_sms_queue

    def failing(**kwargs: Any) -> Any:
        if kwargs["patient"] == second:
            raise RuntimeError("the database went away")
        return real(**kwargs)

    monkeypatch.setattr(send, "message_sms_queue", failing)
    with pytest.raises(RuntimeError):
        recall_bulk_send(
            member=ready.receptionist,
            keys=[key(first, items), key(second, items)],
            channels=["email", "sms"],
        )
    assert OutboundMessage.objects.filter(patient=first).count() == 2
    assert RecallContact.objects.filter(patient=first).count() == 1
    assert not OutboundMessage.objects.filter(patient=second).exists()
    assert not RecallContact.objects.filter(patient=second).exists()
    assert not RecallMessage.objects.filter(patient=second).exists()


def test_a_refused_channel_is_named_and_the_other_still_goes(
    ready: Personas, items: Catalogue
) -> None:
    patient = due(ready, items, "Rosszszam", "email", "sms")
    Patient.objects.filter(pk=patient.pk).update(phone="nem szám")
    patient.refresh_from_db()
    result = recall_bulk_send(
        member=ready.receptionist, keys=[key(patient, items)], channels=["email", "sms"]
    )
    assert result.notified[0].channels == ["email"]
    assert result.notified[0].notes == ["SMS: A címzett telefonszáma hibás: nem szám"]
    assert RecallContact.objects.get(patient=patient).channels == "email"


@pytest.mark.django_db(transaction=True)
def test_two_sends_at_once_send_once(ready: Personas, items: Catalogue) -> None:
    """Two receptionists (or two clicks) at the same moment: one message, one entry."""
    anna = due(ready, items, "Egyszerre", "email")
    keys = [key(anna, items)]
    barrier = threading.Barrier(2)
    results: list[send.SendResult] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(
                recall_bulk_send(member=ready.receptionist, keys=keys, channels=["email"])
            )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if connection.vendor == "sqlite":
        # The test database is SQLite's shared in-memory cache, which answers a second writer
        # "table is locked" at once instead of waiting (a file database waits its busy
        # timeout); the loser's page would be an error and a resubmit finds the recall sent.
        assert all("locked" in str(e) for e in errors), errors
    else:
        assert not errors, errors
    assert sum(len(r.notified) for r in results) == 1
    assert OutboundMessage.objects.count() == 1
    assert RecallContact.objects.count() == 1


@pytest.mark.django_db
def test_the_channels_set_up_are_offered_each_on_its_own(personas: Personas) -> None:
    """One read for both (send._channels_set_up); each channel appears only once it is set up,
    and another practice's settings count for nothing."""
    a, b = personas.practice_a.pk, personas.practice_b.pk
    assert send.practice_send_channels(a) == []
    mail_for(personas, personas.practice_b)
    assert send.practice_send_channels(a) == []
    assert send.practice_send_channels(b) == ["email"]
    sms_for(personas)
    assert send.practice_send_channels(a) == ["sms"]
    mail_for(personas)
    assert send.practice_send_channels(a) == ["email", "sms"]
    assert send.practice_send_channels(-1) == []  # no such practice: nothing set up
