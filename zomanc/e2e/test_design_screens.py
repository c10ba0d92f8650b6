"""Screenshots of the main pages at the two sizes the design is made for (issue 19): a laptop
(1366×900) and the chairside tablet in landscape (1024×768). Run by `make test` into a
temporary folder (each page must load and draw, nothing wider than the window); `make guide`
(ZOMANC_GUIDE_DIR=docs/guide, every test in zomanc/e2e) writes them to
docs/guide/img/design-<width>-<page>.png, shown in docs/design.md."""

import os
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

from zomanc.clinical.services.activities import procedure_add
from zomanc.codes.models import TreatmentItem
from zomanc.conftest import Personas
from zomanc.patients.tests.factories import make_patient
from zomanc.testing.furnished import furnish

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SIZES = [(1366, 900), (1024, 768)]
PAGES = ["patients", "patient", "calendar-week", "eeszt-settings", "submissions"]


@pytest.mark.parametrize("width,height", SIZES)
def test_main_pages_screenshots(
    personas: Personas,
    live_server: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    width: int,
    height: int,
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import expect

    from zomanc.testing.browser import chromium_launch

    guide = os.environ.get("ZOMANC_GUIDE_DIR")
    shots = (Path(guide) if guide else tmp_path) / "img"
    shots.mkdir(parents=True, exist_ok=True)
    furnished = furnish(personas)
    for family, given, taj in (
        ("Szabó", "Péter", "908822904"),
        ("Tóth", "Eszter", "058054277"),
        ("Varga", "Zoltán", "698557853"),
    ):
        make_patient(personas.doctor, family_name=family, given_name=given, id_value=taj)
    # Something on the chart: an extraction and a filling in the open visit.
    items = {i.shortcut: i for i in TreatmentItem.objects.filter(practice=personas.practice_a)}
    for shortcut, tooth, surfaces in (("ext", 46, ""), ("töm", 36, "MO")):
        procedure_add(
            visit=furnished.visit,
            treatment=items[shortcut],
            tooth=tooth,
            surfaces=surfaces,
            added_by=personas.doctor.user,
        )
    pages = furnished.main_pages(personas)
    client = personas.client_for(personas.owner)  # the owner: every page, EESZT settings too
    with sync_api.sync_playwright() as playwright:
        browser = chromium_launch(playwright, lang="hu")
        try:
            context = browser.new_context(
                viewport={"width": width, "height": height},
                locale="hu-HU",
                timezone_id="Europe/Budapest",
            )
            context.set_default_timeout(15_000)
            page = context.new_page()
            page.goto(live_server.url + "/accounts/login/")
            expect(page.get_by_role("button", name="Belépés")).to_be_visible()
            page.screenshot(path=str(shots / f"design-{width}-login.png"))
            context.add_cookies(
                [
                    {
                        "name": django_settings.SESSION_COOKIE_NAME,
                        "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                        "url": live_server.url,
                    }
                ]
            )
            for name in PAGES:
                response = page.goto(live_server.url + pages[name])
                assert response is not None and response.status == 200, name
                expect(page.locator("main h1").first).to_be_visible()
                # Nothing wider than the window: no sideways scrolling at either size.
                assert page.evaluate("document.documentElement.scrollWidth") <= width, name
                page.screenshot(path=str(shots / f"design-{width}-{name}.png"))
            # The visit screen: the open visit's entry box with the chart, large and central.
            page.goto(live_server.url + pages["patient"])
            page.locator("#entry-box").scroll_into_view_if_needed()
            page.evaluate("document.getElementById('entry-box').scrollIntoView()")
            expect(page.locator("#entry-box svg.odontogram")).to_be_visible()
            page.screenshot(path=str(shots / f"design-{width}-visit.png"))
        finally:
            browser.close()
    for name in ["login", *PAGES, "visit"]:
        assert (shots / f"design-{width}-{name}.png").stat().st_size > 10_000, name
