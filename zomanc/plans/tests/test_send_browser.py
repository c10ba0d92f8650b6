"""The quote by e-mail end to end, in Chromium: the receptionist sends the quote from the plan
page, django-ox's worker delivers it over SMTP to the sandbox's mail catcher (the real
runsandbox process), and the catcher's "Elküldött levelek" page shows the message with the
quote PDF attached, its text with the patient's name, and the HTML body in its sandboxed
frame."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse
from django_ox.testing import run_tasks

from zomanc.codes.models import TreatmentItem
from zomanc.conftest import Personas
from zomanc.messaging.models import MessageStatus, OutboundMessage
from zomanc.messaging.services import mail_settings_save
from zomanc.patients.models import Patient
from zomanc.plans.services import plan_transition
from zomanc.plans.tests.test_pdf import _plan
from zomanc.testing.sandbox import SandboxProcess

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(personas: Personas, live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    pytest.importorskip("playwright.sync_api")
    # The test reads the database while Playwright's event loop runs in this thread.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from zomanc.testing.browser import member_page

    with member_page(live_server.url, personas.client_for(personas.receptionist)) as page:
        yield page


def test_quote_sent_delivered_and_read_in_the_catcher(
    personas: Personas,
    patient: Patient,
    catalogue: dict[str, TreatmentItem],
    sandbox_server: SandboxProcess,
    live_server: Any,
    page: Any,
) -> None:
    from playwright.sync_api import expect

    assert sandbox_server.smtp_port
    mail_settings_save(
        practice=personas.practice_a,
        host="127.0.0.1",
        port=sandbox_server.smtp_port,
        security="none",
        username="mosoly-rendelo",
        password="catcher-accepts-any",
        from_email="rendelo@mosoly.example",
        from_name="Mosoly Fogászat",
        reply_to="",
        actor=personas.owner,
    )
    # A recipient of this run only: the session's sandbox keeps other tests' mail.
    address = f"beteg-{uuid.uuid4().hex[:8]}@example.hu"
    Patient.objects.filter(pk=patient.pk).update(email=address)
    plan = plan_transition(
        plan=_plan(personas, patient, catalogue, "hu", None),
        to="presented",
        actor=personas.doctor,
    )

    page.goto(live_server.url + reverse("plans:detail", args=[plan.pk]))
    page.get_by_role("button", name="Árajánlat küldése e-mailben").click()
    expect(page.get_by_text(f"Az árajánlat küldésre vár: {address}")).to_be_visible()
    message = OutboundMessage.objects.get(recipient=address)
    assert message.status == MessageStatus.QUEUED

    run_tasks(max_tasks=5)  # the worker, as ox_worker runs it
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT, message.last_error

    # The patient page's message log shows it sent.
    page.goto(live_server.url + reverse("patients:detail", args=[patient.pk]))
    card = page.locator("[data-patient-messages]")
    expect(card).to_contain_text(message.subject)
    expect(card).to_contain_text("Elküldve")

    # The catcher: listed, opened, the PDF attached and downloadable.
    page.goto(f"{sandbox_server.http_url}/levelek/?to={address}")
    expect(page.get_by_role("heading", name="Elküldött levelek")).to_be_visible()
    page.get_by_role("link", name=message.subject).click()
    expect(page.locator("[data-mail-subject]")).to_have_text(message.subject)
    expect(page.locator("[data-mail-text]")).to_contain_text(f"Kedves {patient.full_name}!")
    expect(page.get_by_text(message.message_id).first).to_be_visible()
    expect(page.get_by_text("bejelentkezve: mosoly-rendelo")).to_be_visible()
    frame = page.frame_locator("iframe.mail-frame")
    expect(frame.locator("body")).to_contain_text("Mellékelten küldjük")
    link = page.locator("[data-mail-attachments] a")
    expect(link).to_have_text(f"arajanlat-{plan.pk}-v{plan.version}.pdf")
    with page.expect_download() as download_info:
        link.click()
    path = download_info.value.path()
    with open(path, "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
