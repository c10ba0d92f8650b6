"""'Árajánlat küldése e-mailben': the quote PDF queued to the patient's address in the
quote's language, delivered to a real SMTP server by the outbox; refused in Hungarian with
nothing queued (a draft, no e-mail address, no mail settings); who may send; another
practice's plan is a 404."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from django.urls import reverse
from pypdf import PdfReader

from zomanc.audit.models import AuditEntry
from zomanc.codes.models import TreatmentItem
from zomanc.conftest import Personas
from zomanc.messaging.models import MessageStatus, OutboundMessage
from zomanc.messaging.services import message_deliver
from zomanc.messaging.tests.conftest import configure
from zomanc.patients.models import Patient
from zomanc.plans.models import TreatmentPlan
from zomanc.plans.services import plan_transition
from zomanc.plans.tests.test_pdf import _plan, _text
from zomanc.testing.smtp_server import SmtpServer

pytestmark = pytest.mark.django_db


def presented(
    personas: Personas, patient: Patient, catalogue: dict[str, TreatmentItem], language: str
) -> TreatmentPlan:
    plan = _plan(personas, patient, catalogue, language, None)
    return plan_transition(plan=plan, to="presented", actor=personas.doctor)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def url(plan: TreatmentPlan) -> str:
    return reverse("plans:send_email", args=[plan.pk])


@pytest.mark.parametrize(
    "language,subject,greeting",
    [
        ("hu", "Árajánlat – ", "Kedves "),
        ("en", "Your quote – ", "Dear "),
        ("de", "Ihr Kostenvoranschlag – ", "Sehr geehrte(r) "),
    ],
)
def test_sent_in_the_quotes_language_with_the_pdf(
    personas: Personas,
    patient: Patient,
    catalogue: dict[str, TreatmentItem],
    smtp_server: SmtpServer,
    language: str,
    subject: str,
    greeting: str,
) -> None:
    configure(personas, smtp_server.port)
    Patient.objects.filter(pk=patient.pk).update(email="beteg@example.hu")
    plan = presented(personas, patient, catalogue, language)
    client = personas.client_for(personas.receptionist)
    response = client.post(url(plan), follow=True)
    assert "Az árajánlat küldésre vár: beteg@example.hu" in response.content.decode()
    message = OutboundMessage.objects.get()
    assert (message.about_kind, message.about_id) == ("plans.quote", str(plan.pk))
    assert message.patient_id == patient.pk and message.language == language
    assert message.created_by == personas.receptionist
    assert AuditEntry.objects.filter(
        object_type="messaging.outboundmessage", patient_id=patient.pk
    ).exists()

    message_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    (got,) = smtp_server.received
    assert got.rcpt_tos == ["beteg@example.hu"]
    assert got.message["Subject"].startswith(subject)
    body = got.message.get_body(preferencelist=("plain",))
    assert body is not None and body.get_content().startswith(greeting + patient.full_name)
    (pdf,) = list(got.message.iter_attachments())
    assert pdf.get_content_type() == "application/pdf"
    assert str(pdf.get_filename()).endswith(f"-{plan.pk}-v{plan.version}.pdf")
    text = _text(pdf.get_content())
    assert patient.family_name in text
    assert len(PdfReader(io.BytesIO(pdf.get_content())).pages) >= 1


def test_refused_in_hungarian_nothing_queued(
    personas: Personas, patient: Patient, catalogue: dict[str, TreatmentItem]
) -> None:
    client = personas.client_for(personas.doctor)
    plan = presented(personas, patient, catalogue, "hu")
    Patient.objects.filter(pk=patient.pk).update(email="")
    page = client.post(url(plan), follow=True).content.decode()
    assert "A páciensnek nincs e-mail címe" in page
    Patient.objects.filter(pk=patient.pk).update(email="beteg@example.hu")
    page = client.post(url(plan), follow=True).content.decode()
    assert "A rendelőnek nincs e-mail beállítása" in page
    configure(personas, 25)
    draft = _plan(personas, patient, catalogue, "hu", None)
    page = client.post(url(draft), follow=True).content.decode()
    assert "Tervezetet nem küldünk ki" in page
    assert not OutboundMessage.objects.exists()


def test_the_button_shows_for_senders_only(
    personas: Personas, patient: Patient, catalogue: dict[str, TreatmentItem]
) -> None:
    plan = presented(personas, patient, catalogue, "hu")
    detail = reverse("plans:detail", args=[plan.pk])
    for member in (personas.owner, personas.doctor, personas.receptionist):
        assert "Árajánlat küldése e-mailben" in (
            personas.client_for(member).get(detail).content.decode()
        )
    assert "Árajánlat küldése e-mailben" not in (
        personas.client_for(personas.assistant).get(detail).content.decode()
    )


def test_requires_login(
    personas: Personas, patient: Patient, catalogue: dict[str, TreatmentItem]
) -> None:
    from django.test import Client

    plan = presented(personas, patient, catalogue, "hu")
    response = Client().post(url(plan))
    assert response.status_code == 302 and "login" in response["Location"]


def test_requires_plan_send(
    personas: Personas, patient: Patient, catalogue: dict[str, TreatmentItem]
) -> None:
    configure(personas, 25)
    Patient.objects.filter(pk=patient.pk).update(email="beteg@example.hu")
    plan = presented(personas, patient, catalogue, "hu")
    assert personas.client_for(personas.assistant).post(url(plan)).status_code == 403
    assert personas.client_for(personas.receptionist).get(url(plan)).status_code == 405
    assert not OutboundMessage.objects.exists()


def test_hides_other_practice(
    personas: Personas, patient: Patient, catalogue: dict[str, TreatmentItem]
) -> None:
    configure(personas, 25, practice="b")
    plan = presented(personas, patient, catalogue, "hu")
    assert personas.client_for(personas.outsider).post(url(plan)).status_code == 404
    assert not OutboundMessage.objects.exists()
