"""The browser half of the card service (`eeszt-cardservice.js`) in Debian's Chromium against
the real card service on loopback: the probe must reach it. Chromium's Local Network Access
blocked every request when the script declared `targetAddressSpace: "local"` (the card
service is "loopback"), so the product said "not running" while it ran."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from zomanc.cardservice.server import make_server
from zomanc.cardservice.tests.fakes import WrongPinCard
from zomanc.testing.browser import files_serve, thread_serve

STATIC = Path(__file__).resolve().parents[2] / "static" / "zomanc" / "eeszt-cardservice.js"
PAGE = '<!doctype html><html><body><script src="eeszt-cardservice.js"></script></body></html>'


@pytest.fixture
def page_and_service(tmp_path: Path) -> Iterator[tuple[str, str]]:
    (tmp_path / "index.html").write_text(PAGE)
    shutil.copy(STATIC, tmp_path / "eeszt-cardservice.js")
    site = files_serve(tmp_path)
    origin = f"http://127.0.0.1:{site.server_address[1]}"
    service = make_server(card=WrongPinCard(), origin=origin, pairing_token="parositas", port=0)
    thread_serve(service)
    try:
        yield origin, f"http://127.0.0.1:{service.port}"
    finally:
        for server in (site, service):
            server.shutdown()
            server.server_close()


@pytest.mark.e2e
def test_the_page_reaches_the_loopback_card_service(page_and_service):
    sync_api = pytest.importorskip("playwright.sync_api")
    from zomanc.testing.browser import chromium_launch

    origin, service_url = page_and_service
    with sync_api.sync_playwright() as playwright:
        browser = chromium_launch(playwright)
        try:
            page = browser.new_page()
            page.goto(origin + "/index.html")
            probe = "url => window.ZomancCardService.probe(url)"
            assert page.evaluate(probe, service_url)["state"] == "unpaired"
            page.evaluate("() => window.ZomancCardService.pair('parositas')")
            answer = page.evaluate(probe, service_url)
            assert answer["state"] == "running"
            assert answer["status"]["tokenLabel"] == "eSzemelyi teszt"
        finally:
            browser.close()
