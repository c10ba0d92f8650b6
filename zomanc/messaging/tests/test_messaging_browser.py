"""The messaging pages in Chromium (issue 19): the practice's e-mail settings, unset (a
warning, not a bare sentence), and the patient page's two messaging cards — consent, with
its forms opened, and the messages, empty — pass the accessibility scan (no serious or
critical axe-core violation)."""

from typing import Any

import pytest
from django.urls import reverse

from zomanc.conftest import Personas
from zomanc.patients.tests.factories import make_patient

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_mail_settings_and_the_patient_cards_pass_the_scan(
    personas: Personas, live_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import expect

    from zomanc.testing.browser import axe_check, member_page

    patient = make_patient(personas.receptionist, family_name="Levél", given_name="Lili")
    with member_page(live_server.url, personas.client_for(personas.owner)) as page:
        page.goto(live_server.url + reverse("messaging:settings"))
        warnings = page.locator(".alert-warning")
        expect(warnings).to_have_count(2)  # neither e-mail nor SMS is set
        expect(warnings.first).to_contain_text("nem küld e-mailt")
        expect(warnings.last).to_contain_text("nem küld SMS-t")
        axe_check(page, label="mail settings, not set")

        page.goto(live_server.url + reverse("patients:detail", args=[patient.pk]))
        cards = page.locator("[data-patient-messages] .empty-state")
        expect(cards).to_contain_text("A páciensnek még nem küldtünk üzenetet.")
        page.locator(".consent-forms > summary").click()
        expect(page.get_by_role("button", name="Hozzájárulás rögzítése")).to_be_visible()
        axe_check(page, label="the patient's consent and messages cards")
