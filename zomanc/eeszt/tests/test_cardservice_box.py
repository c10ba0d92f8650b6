"""The card service box (eeszt/_cardservice_box.html + eeszt-cardservice.js) in Chromium against
the real card service on loopback: a wrong pairing code is said to be wrong (it used to show
the same "not paired" text again, as if nothing had happened), and the PIN box appears only
once the service answers paired (it used to show before pairing)."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from zomanc.cardservice.server import make_server
from zomanc.cardservice.tests.fakes import WrongPinCard
from zomanc.testing.browser import files_serve, thread_serve

STATIC = Path(__file__).resolve().parents[2] / "static" / "zomanc" / "eeszt-cardservice.js"
TOKEN = "parositas-kod"


@pytest.fixture
def box_page(tmp_path: Path) -> Iterator[str]:
    site = files_serve(tmp_path)
    origin = f"http://127.0.0.1:{site.server_address[1]}"
    service = make_server(card=WrongPinCard(), origin=origin, pairing_token=TOKEN, port=0)
    with translation.override("hu"):
        box = render_to_string(
            "eeszt/_cardservice_box.html",
            {"card_service_url": f"http://127.0.0.1:{service.port}", "for_login": True},
        )
    (tmp_path / "index.html").write_text(
        '<!doctype html><html lang="hu"><head><meta charset="utf-8"></head><body>'
        f"{box}"
        '<form data-cardservice-needs-running hidden><label for="pin">PIN kód</label>'
        '<input id="pin"></form>'
        '<script src="eeszt-cardservice.js"></script></body></html>',
        encoding="utf-8",
    )
    shutil.copy(STATIC, tmp_path / "eeszt-cardservice.js")
    thread_serve(service)
    try:
        yield origin + "/index.html"
    finally:
        for server in (site, service):
            server.shutdown()
            server.server_close()


@pytest.mark.e2e
def test_wrong_pairing_code_is_refused_and_the_pin_waits_for_pairing(box_page: str) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    from playwright.sync_api import expect

    from zomanc.testing.browser import chromium_launch

    with sync_api.sync_playwright() as playwright:
        browser = chromium_launch(playwright)
        try:
            page = browser.new_page()
            page.goto(box_page)
            box = page.locator("[data-cardservice]")
            expect(box).to_contain_text("még nincs párosítva")
            pin = page.get_by_label("PIN kód")
            expect(pin).to_be_hidden()  # not before pairing
            # A wrong code: an error beside the field, the field marked invalid, no PIN box.
            box.get_by_label("Párosító kód").fill("rossz-kod")
            box.get_by_role("button", name="Párosítás").click()
            alert = box.get_by_role("alert")
            expect(alert).to_contain_text("A párosító kód nem egyezik")
            expect(box.get_by_label("Párosító kód")).to_have_attribute("aria-invalid", "true")
            expect(pin).to_be_hidden()
            # An empty code is refused before asking the service.
            box.get_by_role("button", name="Párosítás").click()
            expect(alert).to_contain_text("Írja be a párosító kódot.")
            # The right code: paired, the error gone, the PIN box shown.
            box.get_by_label("Párosító kód").fill(TOKEN)
            box.get_by_role("button", name="Párosítás").click()
            expect(box).to_contain_text("Párosítva. A kártyaszolgáltatás elérhető.")
            expect(box).to_contain_text("Kártya az olvasóban: eSzemelyi teszt")
            expect(alert).to_be_hidden()
            expect(pin).to_be_visible()
        finally:
            browser.close()


LOGIN_JS = Path(__file__).resolve().parents[2] / "static" / "zomanc" / "eeszt-login.js"


@pytest.mark.e2e
def test_card_login_progress_is_not_shown_as_an_error(tmp_path: Path) -> None:
    """The card login shows "Aláírás a kártyával…" where its errors go: as a hint, not with
    the error's colour and icon; a refusal there is an error."""
    sync_api = pytest.importorskip("playwright.sync_api")
    from playwright.sync_api import expect

    from zomanc.testing.browser import chromium_launch

    shutil.copy(LOGIN_JS, tmp_path / "eeszt-login.js")
    (tmp_path / "stub.js").write_text(
        # A card service that never answers (progress stays), then one that is down.
        "window.ZomancCardService = { probe: function () {"
        " return window.answer ? Promise.resolve({state: 'down'})"
        " : new Promise(function () {}); } };"
    )
    (tmp_path / "index.html").write_text(
        '<!doctype html><html lang="hu"><head><meta charset="utf-8"></head><body>'
        '<form data-card-login data-msg-working="Aláírás a kártyával…" data-msg-down="Nem fut."'
        ' data-msg-pin="PIN?"><input data-card-pin id="pin">'
        '<p class="errorlist" data-card-error role="alert" hidden></p>'
        '<button type="submit">Bejelentkezés</button></form>'
        '<script src="stub.js"></script><script src="eeszt-login.js"></script></body></html>',
        encoding="utf-8",
    )
    site = files_serve(tmp_path)
    try:
        with sync_api.sync_playwright() as playwright:
            browser = chromium_launch(playwright)
            try:
                page = browser.new_page()
                page.goto(f"http://127.0.0.1:{site.server_address[1]}/index.html")
                page.locator("#pin").fill("123456")
                page.get_by_role("button", name="Bejelentkezés").click()
                box = page.locator("[data-card-error]")
                expect(box).to_have_text("Aláírás a kártyával…")
                expect(box).to_have_class("help")
                page.reload()
                page.evaluate("window.answer = true")
                page.locator("#pin").fill("123456")
                page.get_by_role("button", name="Bejelentkezés").click()
                expect(box).to_have_text("Nem fut.")
                expect(box).to_have_class("errorlist")
            finally:
                browser.close()
    finally:
        site.shutdown()
        site.server_close()
