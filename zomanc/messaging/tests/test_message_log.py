"""The patient's message log: what went out (sent, delivered), what failed, what waits (a
retry, a row held back by the practice's rate limit) and what was not sent by decision — no
consent, opted out, no address — recorded by the sender as a "suppressed" row; one query
however many messages, each practice its own."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zomanc.conftest import Personas
from zomanc.messaging.models import MailSettings, MessageStatus, OutboundMessage
from zomanc.messaging.selectors import patient_messages
from zomanc.messaging.services import (
    _claim,
    message_deliver,
    message_email_queue,
    message_suppressed_record,
    message_sweep,
    suppressed_reason,
)
from zomanc.messaging.tests.conftest import configure
from zomanc.patients.consent_services import patient_channel_opt_in, patient_channel_opt_out
from zomanc.patients.models import Patient
from zomanc.patients.tests.factories import make_patient
from zomanc.testing.smtp_server import SmtpServer


def suppress(personas: Personas, patient: Patient, channel: str = "sms") -> OutboundMessage:
    return message_suppressed_record(
        practice=patient.practice,
        patient=patient,
        channel=channel,
        subject="Időpont-emlékeztető: 2026.03.05. 10:00",
        about_kind="reminders.reminder",
        about_id=5,
    )


def test_the_reason_says_why_nothing_went_out(personas: Personas) -> None:
    never = make_patient(personas.receptionist, phone="+36 20 123 4567", email="a@example.hu")
    assert suppressed_reason(never, "sms") == "nincs hozzájárulás"
    left = make_patient(personas.receptionist, phone="+36 20 123 4568")
    patient_channel_opt_in(patient=left, channel="sms", method="paper", actor=personas.owner)
    assert suppressed_reason(left, "sms") == ""  # open: the caller names its own reason
    patient_channel_opt_out(patient=left, channel="sms", how="phone")
    assert suppressed_reason(left, "sms") == "leiratkozott"
    assert suppressed_reason(left, "email") == "nincs hozzájárulás"  # only SMS was withdrawn
    no_phone = make_patient(personas.receptionist, phone="+36 20 123 4569", email="b@example.hu")
    patient_channel_opt_in(patient=no_phone, channel="sms", method="paper", actor=personas.owner)
    patient_channel_opt_in(patient=no_phone, channel="email", method="paper", actor=personas.owner)
    Patient.objects.filter(pk=no_phone.pk).update(phone="", email="")  # the addresses removed
    no_phone.refresh_from_db()
    assert suppressed_reason(no_phone, "sms") == "nincs telefonszáma"
    assert suppressed_reason(no_phone, "email") == "nincs e-mail címe"


def test_a_suppressed_message_is_final_and_never_sent(
    personas: Personas, smtp_server: SmtpServer
) -> None:
    configure(personas, smtp_server.port)
    patient = make_patient(personas.receptionist, email="eva@example.hu")
    patient_channel_opt_in(patient=patient, channel="email", method="paper", actor=personas.owner)
    patient_channel_opt_out(patient=patient, channel="email", how="phone")
    row = suppress(personas, patient, "email")
    assert row.status == MessageStatus.SUPPRESSED and row.last_error == "leiratkozott"
    assert row.recipient == "eva@example.hu" and row.attempts == 0
    assert (row.about_kind, row.about_id) == ("reminders.reminder", "5")
    assert _claim(row.pk) is None and message_deliver(message_id=row.pk) is None
    assert message_sweep() == 0
    assert not smtp_server.received
    # A caller's own reason is kept as given.
    other = message_suppressed_record(
        practice=personas.practice_a,
        patient=patient,
        channel="sms",
        subject="x",
        reason="A rendelőnek nincs SMS-beállítása",
    )
    assert other.last_error == "A rendelőnek nincs SMS-beállítása"


def test_suppressed_only_for_the_patients_own_practice(personas: Personas) -> None:
    patient_a = make_patient(personas.receptionist)
    with pytest.raises(ValueError):
        message_suppressed_record(
            practice=personas.practice_b, patient=patient_a, channel="email", subject="x"
        )
    with pytest.raises(ValueError):
        message_suppressed_record(
            practice=personas.practice_a, patient=patient_a, channel="fax", subject="x"
        )
    suppress(personas, patient_a)
    # The log is read within the practice: B sees none of A's patient's messages.
    assert patient_messages(practice_id=personas.practice_b.pk, patient_id=patient_a.pk) == []
    assert len(patient_messages(practice_id=personas.practice_a.pk, patient_id=patient_a.pk)) == 1


def _queries(client: object, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)  # type: ignore[attr-defined]
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_patient_page_shows_sent_failed_waiting_and_not_sent_in_a_fixed_number_of_queries(
    personas: Personas, smtp_server: SmtpServer
) -> None:
    configure(personas, smtp_server.port)
    MailSettings.objects.update(rate_per_minute=1)
    patient = make_patient(personas.receptionist, email="eva@example.hu")
    client = personas.client_for(personas.receptionist)
    url = reverse("patients:detail", args=[patient.pk])
    client.get(url)
    suppress(personas, patient)
    few, _page = _queries(client, url)

    def mail(subject: str, to: str = "eva@example.hu") -> OutboundMessage:
        return message_email_queue(
            practice=personas.practice_a, recipient=to, subject=subject, text="x", patient=patient
        )

    sent = mail("Árajánlat")
    message_deliver(message_id=sent.pk)
    failed = mail("Számla", to="eva@perm.invalid")
    message_deliver(message_id=failed.pk)  # over the budget of one a minute: waits
    waiting = OutboundMessage.objects.get(pk=failed.pk)
    assert waiting.status == MessageStatus.QUEUED and waiting.next_attempt_at is not None
    for _ in range(5):
        suppress(personas, patient)
    many, page = _queries(client, url)
    assert many == few  # one query for the card, however many messages
    assert "Árajánlat" in page and "Elküldve" in page
    assert "Számla" in page and "Küldésre vár" in page and "küldés legkorábban" in page
    assert "Nem ment ki" in page and "nincs hozzájárulás" in page and "data-suppressed" in page
    assert "Időpont-emlékeztető: 2026.03.05. 10:00" in page and "SMS" in page
    # The failed one, once its turn came.
    OutboundMessage.objects.filter(pk=failed.pk).update(next_attempt_at=None)
    OutboundMessage.objects.filter(pk=sent.pk).update(claimed_at=None)
    message_deliver(message_id=failed.pk)
    _n, page = _queries(client, url)
    assert "Sikertelen" in page and "550" in page


def test_another_practices_patient_page_shows_only_its_own_log(personas: Personas) -> None:
    patient_a = make_patient(personas.receptionist)
    patient_b = make_patient(personas.doctor_b, family_name="Bé")
    suppress(personas, patient_a)
    page = (
        personas.client_for(personas.doctor_b)
        .get(reverse("patients:detail", args=[patient_b.pk]))
        .content.decode()
    )
    assert "Nem ment ki" not in page and "A páciensnek még nem küldtünk üzenetet." in page
    response = personas.client_for(personas.doctor_b).get(
        reverse("patients:detail", args=[patient_a.pk])
    )
    assert response.status_code == 404
