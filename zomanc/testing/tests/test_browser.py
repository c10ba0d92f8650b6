"""The browser launcher: Chromium's own UI strings follow `lang` (the walk's screenshots show a
Hungarian file input)."""

import pytest


@pytest.mark.e2e
def test_chromium_ui_language_follows_lang() -> None:
    """A file input's label is Chromium's own string ("Choose File" / "Fájl kiválasztása"),
    not in the DOM: the rendered pixels show which language Chromium runs in."""
    sync_api = pytest.importorskip("playwright.sync_api")
    from zomanc.testing.browser import chromium_launch

    def file_input_pixels(lang: str) -> bytes:
        with sync_api.sync_playwright() as playwright:
            browser = chromium_launch(playwright, lang=lang)
            try:
                page = browser.new_page(locale="hu-HU")
                page.set_content("<input type=file id=f>")
                return bytes(page.locator("#f").screenshot())
            finally:
                browser.close()

    english = file_input_pixels("")
    assert file_input_pixels("en-US") == english
    assert file_input_pixels("hu") != english
