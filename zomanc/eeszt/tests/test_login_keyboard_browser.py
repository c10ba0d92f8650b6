"""The EESZT login by keyboard alone in Chromium (issue 19), against the real sandbox and the
real card service on loopback: every field and button of the card and token flows is reached
with Tab (a visible focus ring at every stop, browser.py tab_to), in the order they are read,
and Enter sends. The card is a fake that refuses the PIN (the card service's own tests cover
signing): what matters here is that Enter in the PIN box starts the login."""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse

from zomanc.cardservice.server import make_server
from zomanc.cardservice.tests.fakes import WrongPinCard
from zomanc.eeszt.tests.conftest import Live, fresh_otp
from zomanc.testing.browser import thread_serve

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PAIRING = "parositas-kod"
PASSWORD = "Sandbox-Demo-1"  # the sandbox's printed demo password


@pytest.fixture
def page(
    live: Live, live_server: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from zomanc.testing.browser import member_page

    service = make_server(
        card=WrongPinCard(), origin=live_server.url, pairing_token=PAIRING, port=0
    )
    thread_serve(service)
    settings.ZOMANC_CARD_SERVICE_URL = f"http://127.0.0.1:{service.port}"
    try:
        with member_page(live_server.url, live.personas.client_for(live.personas.doctor2)) as p:
            yield p
    finally:
        service.shutdown()
        service.server_close()


def _login_url(live: Live, method: str) -> str:
    return reverse("eeszt:login") + f"?company={live.personas.company_a.pk}&method={method}"


def test_card_flow_by_keyboard(page: Any, live: Live, live_server: Any) -> None:
    from playwright.sync_api import expect

    from zomanc.testing.browser import tab_to

    page.goto(live_server.url + _login_url(live, "card"))
    box = page.locator("[data-cardservice]")
    expect(box).to_contain_text("nincs párosítva")
    # The method tabs come before the card's own controls.
    passed = tab_to(page, box.get_by_label("Párosító kód"))
    assert passed.index("Mobil token") < len(passed) - 1
    page.keyboard.type(PAIRING)
    page.keyboard.press("Tab")
    expect(box.get_by_role("button", name="Párosítás")).to_be_focused()
    page.keyboard.press("Enter")
    expect(box).to_contain_text("Párosítva")
    pin = page.get_by_label("PIN kód")
    tab_to(page, pin, max_presses=5)
    page.keyboard.type("123456")
    page.keyboard.press("Tab")
    expect(page.locator("#kartya").get_by_role("button", name="Bejelentkezés")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(pin).to_be_focused()
    page.keyboard.press("Enter")
    # Sent: the server asked the sandbox for a challenge, the card refused the PIN.
    error = page.locator("[data-card-error]")
    expect(error).to_be_visible()
    expect(error).to_have_text("Hibás PIN.")
    expect(error).to_have_class("errorlist")


def test_token_flow_by_keyboard(page: Any, live: Live, live_server: Any) -> None:
    from playwright.sync_api import expect

    from zomanc.testing.browser import tab_to

    page.goto(live_server.url + _login_url(live, "card"))
    tabs = page.get_by_role("navigation", name="Belépési mód")
    tab_to(page, tabs.get_by_role("link", name=re.compile("^Token")))
    page.keyboard.press("Enter")
    page.wait_for_url("**method=token*")
    form = page.locator("#token form")
    tab_to(page, form.get_by_label("Ágazati portál jelszó"))
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    expect(form.get_by_label("Egyszer használatos kód")).to_be_focused()
    page.keyboard.type(fresh_otp(live.token_secret("O61234")))
    page.keyboard.press("Tab")
    expect(form.get_by_role("button", name="Bejelentkezés")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    expect(page.locator("header")).to_contain_text(re.compile(r"EESZT: O61234, \d\d:\d\d-ig"))
