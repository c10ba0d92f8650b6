"""The main menu in Chromium (issue 12 item 10, issue 19): one line at 1366 px (laptop) and at
1024 px (the chairside tablet, landscape), nothing cut off at the right edge, every item a
touch target of at least 44 px, and the API keys under the user's own account menu, not
among the clinical items. Measured from the laid-out page (bounding boxes), against a live
server with the project's stylesheet."""

from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from zomanc.conftest import Personas
from zomanc.eeszt.models import EesztSettings

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _session_cookie(client: Client, live_server: Any) -> Any:
    return {
        "name": django_settings.SESSION_COOKIE_NAME,
        "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }


@pytest.mark.parametrize("width,height", [(1366, 900), (1024, 768)])
def test_main_menu_is_one_line(
    personas: Personas, live_server: Any, width: int, height: int
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    from playwright.sync_api import expect

    from zomanc.testing.browser import chromium_launch

    # The widest header: the owner (every menu item) with the EESZT status shown.
    EesztSettings.objects.update_or_create(
        company=personas.company_a,
        defaults={"practice": personas.practice_a, "module_enabled": True},
    )
    owner = personas.owner
    owner.display_name = "Dr. Kovács-Szentgyörgyi Annamária"
    owner.save()
    client = personas.client_for(owner)
    with sync_api.sync_playwright() as playwright:
        browser = chromium_launch(playwright)
        try:
            context = browser.new_context(
                viewport={"width": width, "height": height}, locale="hu-HU"
            )
            context.add_cookies([_session_cookie(client, live_server)])
            page = context.new_page()
            page.goto(live_server.url + "/")
            assert page.url == live_server.url + "/", page.url
            nav = page.get_by_role("navigation", name="Főmenü")
            links = nav.get_by_role("link")
            names = links.all_inner_texts()
            assert names == [
                "Páciensek",
                "Naptár",
                "EESZT beküldések",
                "Számlák",
                "Beállítások",
                "Napló",
            ]
            # The treatments' group (issue 14): a summary in the line, its links drop down.
            group = nav.locator("details.navgroup > summary")
            expect(group).to_have_text("Kezelések")
            boxes = [link.bounding_box() for link in links.all()] + [group.bounding_box()]
            assert all(box is not None for box in boxes)
            tops = {round(box["y"]) for box in boxes if box}
            assert len(tops) == 1, f"menu wraps at {width}px: {boxes}"
            assert all(box["height"] >= 44 for box in boxes if box)
            right = max(box["x"] + box["width"] for box in boxes if box)
            assert right <= width
            # The header's user part is on screen too (not pushed past the right edge).
            for control in (
                page.get_by_role("button", name="Kijelentkezés"),
                page.locator(".usermenu > summary"),
            ):
                box = control.bounding_box()
                assert box and box["x"] >= 0 and box["x"] + box["width"] <= width
            if width >= 1366:  # the whole header on one line: the menu and the user's part
                header = page.locator("header.topbar").bounding_box()
                assert header and header["height"] <= 60, header
            group.click()
            panel = nav.locator(".navgroup-panel").get_by_role("link")
            assert panel.all_inner_texts() == [
                "Nyitott kezelések",
                "Esedékes visszahívások",
                "Katalógus",
                "Árlisták",
                "Árajánlatok kimutatása",
            ]
            for box in (link.bounding_box() for link in panel.all()):
                assert box and box["x"] >= 0 and box["x"] + box["width"] <= width
                assert box["height"] >= 40
            group.click()
            expect(panel.first).to_be_hidden()
            # API keys: not in the main menu, but in the account menu.
            expect(nav.get_by_role("link", name="API kulcsok")).to_have_count(0)
            page.locator(".usermenu > summary").click()
            expect(
                page.locator(".usermenu").get_by_role("link", name="API kulcsok")
            ).to_be_visible()
            expect(page.locator(".usermenu").get_by_role("link", name="Saját fiók")).to_be_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= width
        finally:
            browser.close()
