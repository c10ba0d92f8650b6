"""The SMS template editor in Chromium (issue 17): the owner types a Hungarian SMS with
accents and sees it counted as sent (UCS-2, the characters that force it, the segments — the
same figure as the server's), reaches the "Ékezet nélküli változat" button by keyboard (a
visible focus ring) and presses it, sees GSM-7 and fewer segments, saves, and sees the
preview with the real appointment; axe finds nothing serious on the page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from zomanc.conftest import Personas
from zomanc.messaging.sms import sms_accent_free, sms_segments
from zomanc.patients.tests.factories import make_patient
from zomanc.reminders import links
from zomanc.reminders.models import ReminderTemplate
from zomanc.reminders.services import reminder_sms_values
from zomanc.reminders.sms_text import SmsSample, sms_draft_text
from zomanc.scheduling.models import Appointment, Chair
from zomanc.scheduling.services import appointment_create

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HUNGARIAN = (
    "Kedves {patient}! Emlékeztetjük, hogy időpontja lesz nálunk {date} {time}-kor, "
    "{doctor} fogadja. Visszaigazolás: {confirm_link} Ha mégsem jönne, kérjük, mondja le "
    "időben vagy hívjon: {cancel_link} Üdvözlettel: {practice}"
)


@pytest.fixture
def page(personas: Personas, live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from zomanc.testing.browser import member_page

    with member_page(live_server.url, personas.client_for(personas.owner)) as page:
        yield page


def _appointment(p: Personas) -> Appointment:
    patient = make_patient(p.receptionist, family_name="Kovács", given_name="Anna")
    chair = Chair.objects.create(practice=p.practice_a, name="1. szék", position=1)
    start = (timezone.now() + dt.timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    return appointment_create(
        practice=p.practice_a,
        actor=p.receptionist,
        patient=patient,
        doctor=p.doctor,
        chair=chair,
        company=p.company_a,
        org_unit=p.org_unit_a,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=30),
    )


def _server_count(appointment: Appointment, body: str) -> Any:
    """The page's figure, computed as the view does (the preview appointment's values)."""
    values = reminder_sms_values(appointment=appointment, reminder_id=0, language="hu")
    sample = SmsSample(values=values, optout=values["link"])
    return sms_segments(sms_draft_text(body, sample))


def test_hungarian_sms_counted_made_accent_free_saved_and_previewed(
    personas: Personas, live_server: Any, page: Any
) -> None:
    from playwright.sync_api import expect

    from zomanc.testing.browser import axe_check, tab_to

    appointment = _appointment(personas)
    page.goto(live_server.url + reverse("reminders:settings") + "?nyelv=hu")
    editor = page.locator("[data-sms-editor]")
    expect(editor.get_by_role("heading", name="Az emlékeztető SMS szövege")).to_be_visible()
    counter = editor.get_by_role("status")
    expect(counter).to_have_attribute("aria-live", "polite")

    field = editor.get_by_label("Az SMS szövege")
    field.fill(HUNGARIAN)
    expected = _server_count(appointment, HUNGARIAN)
    assert expected.encoding == "UCS-2"
    expect(counter.locator("[data-sms-encoding]")).to_have_text("UCS-2")
    expect(counter.get_by_text("Ékezetes betű miatt UCS-2: 70 karakter/szegmens")).to_be_visible()
    expect(counter.locator("[data-sms-chars]")).to_have_text("á, ő, í")  # é, ö, ü are GSM-7
    expect(counter.locator("[data-sms-segments]")).to_have_text(str(expected.segments))
    expect(counter.locator("[data-sms-units]")).to_have_text(str(expected.units))
    expect(counter.locator("[data-sms-per]")).to_have_text("67")

    # The accent-free variant, by keyboard from the field: Tab to the button, Enter.
    button = editor.get_by_role("button", name="Ékezet nélküli változat")
    field.focus()
    tab_to(page, button)
    page.keyboard.press("Enter")
    plain = sms_accent_free(HUNGARIAN)
    expect(field).to_have_value(plain)
    after = _server_count(appointment, plain)
    assert after.encoding == "GSM-7" and after.segments < expected.segments
    expect(counter.locator("[data-sms-encoding]")).to_have_text("GSM-7")
    expect(counter.locator("[data-sms-ucs2]")).to_be_hidden()
    expect(counter.locator("[data-sms-segments]")).to_have_text(str(after.segments))
    expect(counter.locator("[data-sms-per]")).to_have_text("153")
    assert not ReminderTemplate.objects.exists()  # the variant is not saved by itself

    editor.get_by_role("button", name="SMS sablon mentése").click()
    expect(page.get_by_text("Az SMS sablon elmentve.")).to_be_visible()
    row = ReminderTemplate.objects.get(practice=personas.practice_a, channel="sms")
    assert (row.language, row.body) == ("hu", plain)
    preview = page.locator("[data-sms-preview]")
    expect(preview).to_contain_text("Kedves Kovacs Anna! Emlekeztetjuk, hogy idopontja")
    # Its {confirm_link} and {cancel_link} are the one short link, nothing appended.
    expect(preview).to_contain_text("Udvozlettel: Mosoly Fogaszat")
    expect(preview).to_contain_text(f"Visszaigazolas: {links.short_url(0)} Ha megsem")
    expect(page.locator("[data-sms-preview-count]")).to_have_text(
        f"{after.units} karakter, GSM-7, {after.segments} SMS"
    )
    # The counter after the reload says the same as the server's preview.
    expect(counter.locator("[data-sms-segments]")).to_have_text(str(after.segments))
    expect(editor.get_by_text("saját szöveg")).to_be_visible()
    axe_check(page, label="reminder settings with the SMS editor")
