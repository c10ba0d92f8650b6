"""Keyboard-only use in Chromium (issue 19): the visit's entry box and the calendar are
reached and used with Tab, Shift+Tab and Enter alone, the focus ring is visible at every
stop (tab_to asserts it), and the order follows the page: skip link, menu, the page's own
controls. The EESZT login's is in zomanc/eeszt/tests/test_login_keyboard_browser.py."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from zomanc.conftest import Personas
from zomanc.testing.furnished import Furnished, furnish

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def furnished(personas: Personas) -> Furnished:
    return furnish(personas)


@pytest.fixture
def page(personas: Personas, live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from zomanc.testing.browser import member_page

    with member_page(live_server.url, personas.client_for(personas.doctor)) as page:
        yield page


def test_entry_box_command_by_keyboard(page: Any, live_server: Any, furnished: Furnished) -> None:
    from playwright.sync_api import expect

    from zomanc.testing.browser import focused, tab_to

    page.goto(live_server.url + reverse("patients:detail", args=[furnished.patient.pk]))
    line = page.locator("form.command-line input[name=line]")
    # The command line has the focus when the visit opens: type at once.
    expect(line).to_be_focused()
    # Backwards from it: the page's own controls, then the header (the account menu before
    # the main menu), and the skip link is the first stop of the page.
    back = tab_to(page, page.locator("a.skip-link"), key="Shift+Tab")
    assert back.index("Kijelentkezés") < back.index("Páciensek") < back.index("Ugrás a tartalomra")
    # The skip link leads past the menu: the command line is a few stops into the content.
    page.keyboard.press("Enter")
    passed = tab_to(page, line, max_presses=15)
    assert "Páciensek" not in passed, passed
    page.keyboard.type("46 ext")
    page.keyboard.press("Enter")
    recorded = page.locator("#entry-box li", has_text="Foghúzás")
    expect(recorded.locator("strong")).to_have_text("46")
    expect(page.locator("form.command-line input[name=line]")).to_have_value("")
    # The box was re-drawn: the focus is back on the command line, ready for the next one.
    expect(page.locator("form.command-line input[name=line]")).to_be_focused()
    assert (focused(page) or {}).get("visible")


def test_calendar_by_keyboard(page: Any, live_server: Any, furnished: Furnished) -> None:
    from playwright.sync_api import expect

    from zomanc.testing.browser import tab_to

    today = timezone.localdate()
    page.goto(live_server.url + reverse("scheduling:day"))
    # Next day and back, by the calendar's own navigation.
    nav = page.get_by_role("navigation", name="Naptár lapozása")
    passed = tab_to(page, nav.get_by_role("link", name="Következő nap →"))
    assert passed.index("Naptár") < passed.index("← Előző nap") < passed.index("Ma")
    page.keyboard.press("Enter")
    tomorrow = today + dt.timedelta(days=1)
    page.wait_for_url(f"**date={tomorrow:%Y-%m-%d}*")
    tab_to(page, nav.get_by_role("link", name="← Előző nap"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"**date={today:%Y-%m-%d}*")
    # The week: from its day header to that day.
    tab_to(page, nav.get_by_role("link", name="Heti nézet"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/naptar/het/**")
    day_link = page.locator("thead th.cal-day a").first
    tab_to(page, day_link)
    page.keyboard.press("Enter")
    page.wait_for_url("**/naptar/nap/**")
    # Today's appointment: reached by Tab, opened with Enter in the side panel, whose
    # heading takes the focus (the next Tab is inside the panel, not past 40 free slots).
    page.goto(live_server.url + reverse("scheduling:day"))
    appointment = page.locator("a.appt-link", has_text=furnished.patient.full_name)
    tab_to(page, appointment)
    page.keyboard.press("Enter")
    panel = page.locator("#cal-panel")
    expect(panel.get_by_role("heading", level=2)).to_have_text(furnished.patient.full_name)
    expect(panel.get_by_role("heading", level=2)).to_be_focused()
    tab_to(page, panel.get_by_role("button", name="Ellátás megnyitása"), max_presses=8)
