"""The accessibility scan (issue 19): axe-core in Chromium finds no serious or critical
violation on the main pages, as the owner sees them (every menu item) and on the login page.
The setup walk (zomanc/e2e/test_setup_walk.py) scans each page it visits too; this is the
quick one to iterate with."""

from typing import Any

import pytest

from zomanc.conftest import Personas
from zomanc.testing.furnished import furnish

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_main_pages_have_no_serious_violations(personas: Personas, live_server: Any) -> None:
    pytest.importorskip("playwright.sync_api")
    from zomanc.testing.browser import axe_report, axe_violations, member_page

    pages = furnish(personas).main_pages(personas)
    found: list[str] = []
    with member_page(live_server.url, personas.client_for(personas.owner)) as page:
        for name, path in pages.items():
            page.goto(live_server.url + path)
            failing = [v for v in axe_violations(page) if v["impact"] in ("serious", "critical")]
            if failing:
                found.append(f"== {name} {path}\n{axe_report(failing)}")
        page.context.clear_cookies()
        page.goto(live_server.url + "/accounts/login/")
        failing = [v for v in axe_violations(page) if v["impact"] in ("serious", "critical")]
        if failing:
            found.append(f"== login\n{axe_report(failing)}")
    assert not found, "\n".join(found)


HIGH_CONTRAST_PAGES = ["patient", "calendar-week", "eeszt-settings", "submissions", "visit"]


def test_high_contrast_pages_have_no_serious_violations(
    personas: Personas, live_server: Any
) -> None:
    """The high-contrast look (the header's switch) passes the same scan: colour contrast
    among the rules."""
    pytest.importorskip("playwright.sync_api")
    from zomanc.testing.browser import axe_report, axe_violations, member_page

    pages = furnish(personas).main_pages(personas)
    user = personas.owner.user
    user.high_contrast = True
    user.save()
    found: list[str] = []
    with member_page(live_server.url, personas.client_for(personas.owner)) as page:
        for name in HIGH_CONTRAST_PAGES:
            page.goto(live_server.url + pages[name])
            assert page.locator("html").get_attribute("data-contrast") == "high"
            failing = [v for v in axe_violations(page) if v["impact"] in ("serious", "critical")]
            if failing:
                found.append(f"== {name}\n{axe_report(failing)}")
    assert not found, "\n".join(found)
