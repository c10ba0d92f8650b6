"""Touch targets on the chairside tablet (issue 19): at 1024×768 with a touch screen every
button, field, menu item, tab and stand-alone link of the visit screen and the calendar is at
least 44 px tall (and, for icon buttons, wide): measured from the laid-out page in Chromium.
Links inside running text are exempt (WCAG 2.5.5's inline exception)."""

from collections.abc import Iterator
from typing import Any

import pytest

from zomanc.conftest import Personas
from zomanc.testing.furnished import Furnished, furnish

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
TOUCH = 44

# Every visible control but links in running text (a paragraph, a list item of text, a table
# cell's text, help): those are exempt; links that stand alone as controls are measured.
_TARGETS_JS = """(minimum) => {
    const controls = document.querySelectorAll(
        "button, .button, input:not([type=hidden]), select, textarea, summary, "
        + ".mainnav a, .tabs a, .subnav a, .page-actions a, .cal-nav a, .usermenu-links a, "
        + "a.appt-link, a.tile, .cal-free .slot, svg .tooth");
    const small = [];
    for (const el of controls) {
        const box = el.getBoundingClientRect();
        const style = getComputedStyle(el);
        if (box.width === 0 || box.height === 0 || style.visibility === "hidden") continue;
        if (el.matches("input[type=checkbox], input[type=radio]")) {
            // measured by their label, which takes the tap
            const label = el.closest("label");
            if (label && label.getBoundingClientRect().height >= minimum) continue;
        }
        const wide = el.matches(".logout, .contrast-toggle, button.link[aria-label]");
        const name = el.getAttribute("aria-label") || el.textContent || el.name || "";
        if (box.height < minimum - 0.5 || (wide && box.width < minimum - 0.5)) {
            small.push(`${el.tagName.toLowerCase()}.${[...el.classList].join(".")} `
                + `"${name.trim().slice(0, 30)}" `
                + `${Math.round(box.width)}×${Math.round(box.height)}`);
        }
    }
    return small;
}"""


@pytest.fixture
def tablet(personas: Personas, live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from django.conf import settings

    from zomanc.testing.browser import chromium_launch

    client = personas.client_for(personas.doctor)
    with sync_api.sync_playwright() as playwright:
        browser = chromium_launch(playwright)
        try:
            context = browser.new_context(
                viewport={"width": 1024, "height": 768}, locale="hu-HU", has_touch=True
            )
            context.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                        "url": live_server.url,
                    }
                ]
            )
            yield context.new_page()
        finally:
            browser.close()


@pytest.mark.parametrize("page_name", ["visit", "patient", "calendar-day", "calendar-week"])
def test_touch_targets_at_least_44px_on_a_tablet(
    tablet: Any, live_server: Any, personas: Personas, page_name: str
) -> None:
    furnished: Furnished = furnish(personas)
    tablet.goto(live_server.url + furnished.main_pages(personas)[page_name])
    small = tablet.evaluate(_TARGETS_JS, TOUCH)
    assert not small, f"{page_name}: targets under {TOUCH} px:\n" + "\n".join(small)
