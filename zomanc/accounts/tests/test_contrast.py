"""The high-contrast switch in the header (issue 19): a logged-in user's own preference, kept
on the user (so it follows them from the front desk to the shared chairside tablet and back),
posted by a plain form; every page then carries <html data-contrast="high">."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from zomanc.accounts.models import User
from zomanc.conftest import Personas

URL = "/accounts/contrast/"


def test_url_name() -> None:
    assert reverse("accounts:contrast") == URL


def test_requires_login(client: Client) -> None:
    response = client.post(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_only_post(personas: Personas) -> None:
    assert personas.client_for(personas.doctor).get(URL).status_code == 405


def test_toggles_and_persists_per_user(personas: Personas) -> None:
    client = personas.client_for(personas.doctor)
    home = client.get("/").content.decode()
    assert "data-contrast" not in home.split(">", 2)[1]
    assert 'class="contrast-toggle" aria-pressed="false"' in home

    response = client.post(URL, {"next": "/patients/"})
    assert response.status_code == 302 and response["Location"] == "/patients/"
    assert User.objects.get(pk=personas.doctor.user_id).high_contrast is True
    page = client.get("/patients/").content.decode()
    assert '<html lang="hu" data-contrast="high">' in page
    assert 'class="contrast-toggle" aria-pressed="true"' in page
    # Another user (same practice) keeps the normal look.
    other = personas.client_for(personas.assistant).get("/").content.decode()
    assert 'data-contrast="high"' not in other

    client.post(URL)
    assert User.objects.get(pk=personas.doctor.user_id).high_contrast is False


def test_next_elsewhere_goes_home(personas: Personas) -> None:
    response = personas.client_for(personas.doctor).post(URL, {"next": "https://example.com/"})
    assert response["Location"] == "/"


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_switch_by_keyboard_changes_the_tokens_and_stays(
    personas: Personas, live_server: Any
) -> None:
    pytest.importorskip("playwright.sync_api")
    from playwright.sync_api import expect

    from zomanc.testing.browser import member_page

    def token(page: Any, name: str) -> str:
        return str(
            page.evaluate(
                f"getComputedStyle(document.documentElement).getPropertyValue('--{name}')"
            )
        ).strip()

    with member_page(live_server.url, personas.client_for(personas.doctor)) as page:
        page.goto(live_server.url + "/patients/")
        assert token(page, "color-text") == "#1b2430"
        switch = page.get_by_role("button", name="Nagy kontraszt")
        expect(switch).to_have_attribute("aria-pressed", "false")
        switch.focus()
        page.keyboard.press("Enter")
        page.wait_for_url(live_server.url + "/patients/")
        switch = page.get_by_role("button", name="Nagy kontraszt")
        expect(switch).to_have_attribute("aria-pressed", "true")
        assert token(page, "color-text") == "#000000"
        assert page.evaluate("getComputedStyle(document.body).color") == "rgb(0, 0, 0)"
        # Kept on the user: a new page (and a new browser tab) opens in high contrast.
        other = page.context.new_page()
        other.goto(live_server.url + "/")
        assert token(other, "color-accent") == "#003a5c"
