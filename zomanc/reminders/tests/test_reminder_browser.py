"""The reminder walk in Chromium (issue 17, Done means): the owner sets the reminder rule on
its settings page and books an appointment for tomorrow on the calendar's form; django-ox's
worker (run_tasks, as ox_worker runs it) turns the due reminder into an e-mail and delivers it
to the sandbox's mail catcher (the real runsandbox process); the patient, in a browser of his
own without any login, opens the message on the catcher's page, clicks "Visszaigazolás" and
confirms; the owner's calendar shows the appointment confirmed by the patient."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django_ox.testing import run_tasks

from zomanc.conftest import Personas
from zomanc.messaging.models import MessageStatus, OutboundMessage
from zomanc.patients.consent_services import patient_channel_opt_in
from zomanc.patients.tests.factories import make_patient
from zomanc.reminders.models import Reminder, ReminderStatus
from zomanc.reminders.tests.conftest import mail_settings
from zomanc.scheduling.models import Appointment, Chair
from zomanc.testing.sandbox import SandboxProcess

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BUDAPEST = zoneinfo.ZoneInfo("Europe/Budapest")


@pytest.fixture
def page(personas: Personas, live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from zomanc.testing.browser import member_page

    with member_page(live_server.url, personas.client_for(personas.owner)) as page:
        yield page


def test_rule_booking_worker_catcher_confirm_calendar(
    personas: Personas,
    sandbox_server: SandboxProcess,
    live_server: Any,
    settings: Any,
    page: Any,
) -> None:
    from playwright.sync_api import expect

    from zomanc.testing.browser import axe_check

    assert sandbox_server.smtp_port
    settings.ZOMANC_BASE_URL = live_server.url  # the links in the message lead here
    # A fixed working-day morning, the clock running: outside quiet hours whenever the suite
    # runs (a booking for tomorrow 10:00 is inside the 24-hour window: reminded at once).
    today = dt.datetime.now(BUDAPEST).date() + dt.timedelta(days=1)
    tomorrow = today + dt.timedelta(days=1)
    traveller = time_machine.travel(dt.datetime.combine(today, dt.time(11, 0), BUDAPEST))
    traveller.start()
    try:
        mail_settings(personas, sandbox_server.smtp_port)
        address = f"beteg-{uuid.uuid4().hex[:8]}@example.hu"  # this run's mail only
        patient = make_patient(
            personas.receptionist, family_name="Emlék", given_name="Elek", email=address
        )
        patient_channel_opt_in(
            patient=patient, channel="email", method="paper", actor=personas.receptionist
        )
        chair = Chair.objects.create(practice=personas.practice_a, name="1. szék", position=1)

        # The owner sets the rule.
        page.goto(live_server.url + reverse("reminders:settings"))
        expect(page.get_by_role("heading", name="Emlékeztető szabály")).to_be_visible()
        page.get_by_label("Emlékeztetők küldése").check()
        page.get_by_label("Első emlékeztető: ennyi órával az időpont előtt").fill("24")
        page.get_by_label("E-mailben").check()
        page.get_by_role("button", name="Szabály mentése").click()
        expect(page.get_by_text("Az emlékeztető szabály elmentve.")).to_be_visible()
        axe_check(page, label="reminder settings")

        # ... and books tomorrow 10:00 on the calendar's form.
        query = f"?patient={patient.pk}&doctor={personas.doctor.pk}&chair={chair.pk}"
        page.goto(live_server.url + reverse("scheduling:appointment_create") + query)
        page.fill("input[name=day]", tomorrow.isoformat())
        page.fill("input[name=start_time]", "10:00")
        page.fill("input[name=end_time]", "10:30")
        page.get_by_role("button", name="Foglalás").click()
        expect(page.get_by_text("Időpont foglalva")).to_be_visible()
        appointment = Appointment.objects.get(patient=patient)
        reminder = Reminder.objects.get(appointment=appointment)
        assert reminder.status == ReminderStatus.PENDING

        run_tasks(max_tasks=10)  # the worker: the reminder becomes a message, then delivered
        reminder.refresh_from_db()
        assert reminder.status == ReminderStatus.SENT, reminder.note
        message = OutboundMessage.objects.get(recipient=address)
        assert message.status == MessageStatus.SENT, message.last_error

        # The patient, in a browser of his own (no login), reads it in the catcher.
        patient_context = page.context.browser.new_context(locale="hu-HU")
        try:
            mail = patient_context.new_page()
            mail.goto(f"{sandbox_server.http_url}/levelek/?to={address}")
            mail.get_by_role("link", name=message.subject).click()
            text = mail.locator("[data-mail-text]")
            expect(text).to_contain_text("Kedves Emlék Elek!")
            expect(text).to_contain_text(f"{tomorrow:%Y.%m.%d.} 10:00")
            confirm = text.locator("a[href*='/emlekeztetok/e/']").first
            confirm.click()
            patient_page = mail
            if "/emlekeztetok/e/" not in mail.url:  # the catcher may open it in a new tab
                patient_page = patient_context.pages[-1]
            expect(patient_page.get_by_text("Megerősíti az időpontját?")).to_be_visible()
            axe_check(patient_page, label="the patient's confirm page")
            patient_page.get_by_role("button", name="Igen, megerősítem").click()
            expect(patient_page.locator("[data-reminder-result]")).to_contain_text(
                "az időpontját visszaigazolta"
            )
            # The same link again: used.
            patient_page.go_back()
            patient_page.reload()
            expect(patient_page.get_by_text("Ezt a linket már használta")).to_be_visible()
        finally:
            patient_context.close()

        # The owner's calendar shows it confirmed.
        page.goto(live_server.url + reverse("scheduling:week") + f"?date={tomorrow.isoformat()}")
        expect(page.get_by_text("Visszaigazolta a páciens")).to_be_visible()
    finally:
        traveller.stop()
