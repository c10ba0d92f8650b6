"""The SMS editor's JavaScript (reminders/static/reminders/sms-editor.js) counts exactly as the
Python does (messaging/sms.py, reminders/sms_text.py): run in Debian's Chromium — the browser
the owner types in — against the Python's results on every BMP character (GSM-7 membership,
its cost, the accent-free variants both ways, how a UCS-2 character is named, letter or not),
on the segment boundaries of both encodings, and on whole drafts as the page counts them
(placeholders filled, GSM-7 values, the opt-out line, line ends, stripping)."""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from zomanc.messaging.sms import GSM7_BASIC, GSM7_EXTENSION, sms_accent_free, sms_segments
from zomanc.reminders import wording
from zomanc.reminders.sms_text import SMS_LINK_NAMES, SmsSample, sms_draft_text, sms_view

pytestmark = pytest.mark.e2e

JS = Path(__file__).resolve().parents[1] / "static" / "reminders" / "sms-editor.js"
ASTRAL = ["😀", "👍🏽", "𝐀", "𝅗𝅥", "\U0001d15e", "𠀋", "\U000e0041"]


@pytest.fixture(scope="module")
def js() -> Iterator[Any]:
    pytest.importorskip("playwright.sync_api")
    from playwright.sync_api import sync_playwright

    from zomanc.testing.browser import chromium_launch

    with sync_playwright() as playwright:
        browser = chromium_launch(playwright)
        try:
            page = browser.new_page()
            page.set_content("<!doctype html><title>sms</title>")
            page.add_script_tag(path=str(JS))
            yield page
        finally:
            browser.close()


def _chars() -> list[str]:
    bmp = [chr(c) for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF]
    return bmp + [c for text in ASTRAL for c in text]


def test_every_character_is_treated_the_same(js: Any) -> None:
    chars = _chars()
    python = [
        [
            c in GSM7_BASIC or c in GSM7_EXTENSION,
            sms_segments(c).units,
            sms_accent_free(c),
            sms_accent_free(c, keep_gsm_accents=True),
            list(sms_view(c).forcing),
            c.isalpha(),
        ]
        for c in chars
    ]
    browser = js.evaluate(
        """chars => chars.map(c => [
            zomancSms.isGsm7(c), zomancSms.segments(c).units, zomancSms.accentFree(c, false),
            zomancSms.accentFree(c, true), zomancSms.forcing(c), /^\\p{L}$/u.test(c)])""",
        chars,
    )
    differ, newer = [], 0
    for c, p, b in zip(chars, python, browser, strict=True):
        if p[:4] != b[:4]:  # what is sent and counted: always the same
            differ.append((f"U+{ord(c):04X}", p, b))
        elif p != b:
            # How a character is named (its code point, e.g. U+200B, if invisible) and if it is a
            # letter come from each side's Unicode tables; Chromium's ICU is newer than
            # Python's, so only a character Python does not know yet may differ (wording).
            assert unicodedata.category(c) == "Cn", (f"U+{ord(c):04X}", p, b)
            newer += 1
    assert not differ, f"{len(differ)} characters differ, e.g. {differ[:10]}"
    assert newer < 500  # a handful of code points assigned after Python's Unicode


def _boundaries() -> list[str]:
    texts = ["", "a", "Kedves Péter!", "Időpontja holnap 10:00-kor.", "„Igen” – …"]
    for unit, single, multi in (("a", 160, 153), ("á", 70, 67)):
        for n in (single - 1, single, single + 1, multi * 2, multi * 2 + 1, multi * 3 + 1):
            texts.append(unit * n)
    # A two-unit character at a part's edge is never split: it starts the next part.
    texts += ["a" * 152 + "€" + "a" * 10, "a" * 153 + "€" + "a" * 10, "€" * 80, "€" * 81]
    texts += ["á" * 66 + "😀" + "á" * 5, "á" * 67 + "😀" + "á" * 5, "😀" * 35, "😀" * 36]
    texts += [wording.SMS_BODY[lang] for lang in wording.SMS_BODY]
    texts += [sms_accent_free(wording.SMS_BODY["hu"]), "sor1\nsor2\r\f^{}\\[~]|€"]
    return texts


def test_segments_agree_on_the_boundaries(js: Any) -> None:
    texts = _boundaries()
    python = [dataclasses.asdict(sms_segments(t)) for t in texts]
    browser = js.evaluate("texts => texts.map(t => zomancSms.segments(t))", texts)
    assert browser == python


def test_drafts_are_counted_as_sent(js: Any) -> None:
    values = {name: f"<{name}>" for name in wording.SMS_PLACEHOLDERS}
    values |= {"patient": "Kovács Őrs", "doctor": "Dr. Éles Ede", "practice": "Mosoly Fogászat"}
    for name in SMS_LINK_NAMES:  # all filled with the short link, as the server does
        values[name] = "http://127.0.0.1:8000/s/0z-EASXrUlbKUu-nu/"
    sample = SmsSample(values=values, optout=values["link"])
    drafts = [
        *wording.SMS_BODY.values(),
        *(sms_accent_free(body) for body in wording.SMS_BODY.values()),
        "  Kedves {patient}!\r\nIdopont: {date} {time}\r{confirm_link}\n\n",
        "{{patient}} {patient}}} {{{date}",
        "Nincs {nev} ilyen {, csak {patient} és }",
        "\x1c\u3000 Szia {patient} \x85\ufeff",
        "Иван {patient}",
        # The short link appended or not: {link} or an e-mail link name, but not "{{link}}".
        "Idopont {time}: {link}",
        "Idopont {time}: {cancel_link}",
        "Idopont {time}: {{link}} {linkx} {Link}",
        "",
    ]
    python = [[sms_draft_text(d, sample), sms_draft_text(d, None)] for d in drafts]
    browser = js.evaluate(
        """([drafts, data]) => drafts.map(d => [
            zomancSms.sentText(d, data), zomancSms.sentText(d, null)])""",
        [drafts, {"values": sample.values, "optout": sample.optout}],
    )
    assert browser == python
    assert python[-4][0].count("http") == 1 and python[-3][0].count("http") == 1
    assert python[-2][0].endswith("{Link} " + values["link"])
    # The GSM-7 draft really came out GSM-7 with the accented names filled in.
    assert sms_segments(python[3][0]).encoding == "GSM-7"
