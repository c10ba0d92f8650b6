"""The reminder SMS as it is sent, and what the SMS template editor shows about it.

The text is the practice's template (or the built-in one) with the placeholders filled; its
one short link ({link}) opens the appointment's page, which offers the opt-out, and is
appended when the template lacks it — so every SMS lets the patient opt out. A template
written in GSM-7 (the owner took the accents out to pay for fewer segments) keeps the whole
SMS in GSM-7: the filled-in values (the patient's and the doctor's name, the practice) and the
appended link lose the letters GSM-7 lacks too (ő→ö, á→a; é, ö, ü stay), otherwise one "á" in
a name would send the message as UCS-2 and halve its length again. A value that has no GSM-7
form at all (a name in another script) is left as it is: a name is never turned into question
marks.

`zomanc/reminders/static/reminders/sms-editor.js` mirrors `sms_compose` and messaging's
`sms_segments`/`sms_accent_free` for the live counter; `tests/test_sms_editor_js.py` checks
in Chromium that the two agree (every BMP character, and the segment boundaries)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from zomanc.messaging.sms import (
    GSM7,
    GSM7_BASIC,
    GSM7_EXTENSION,
    SmsCount,
    sms_accent_free,
    sms_segments,
)


def sms_is_gsm7(text: str) -> bool:
    return sms_segments(text).encoding == GSM7


def sms_gsm_value(value: str) -> str:
    """`value` with the letters GSM-7 lacks replaced by their nearest (é, ö, ü kept), unless
    that would put a "?" in it (a character with no GSM-7 form): then unchanged."""
    plain = sms_accent_free(value, keep_gsm_accents=True)
    return plain if plain.count("?") == value.count("?") else value


@dataclass(frozen=True)
class SmsSample:
    """The preview appointment's values and what is appended to a template without {link}
    (the short link): what the counter fills in."""

    values: dict[str, str]
    optout: str


_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


def sms_fill(text: str, values: dict[str, str]) -> str:
    """`text` with its {placeholders} filled: str.format_map for a template that passed
    template_clean ({{ and }} are braces), and for one that did not (the editor counts a
    draft while it is typed) an unknown {name} or a lone brace stays as written. The same
    regular expression as sms-editor.js's, so the two count the same text."""

    def one(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        return values.get(match.group(1), token)

    return _PLACEHOLDER.sub(one, text)


# The placeholders filled with the SMS's short link: {link}, and the e-mail's three link names
# (a template saved before {link} existed; services.reminder_sms_values).
SMS_LINK_NAMES = ("link", "confirm_link", "reschedule_link", "cancel_link")


def sms_has_link(text: str) -> bool:
    """Whether `text` has a placeholder of the short link (as sms_fill reads it: "{{link}}" is
    the literal text, not the placeholder)."""
    return any(match.group(1) in SMS_LINK_NAMES for match in _PLACEHOLDER.finditer(text))


def sms_compose(*, body: str, values: dict[str, str], optout_line: str) -> str:
    """The SMS as sent: `body` filled with `values`, and — unless the body has the link
    (sms_has_link), whose page offers the opt-out — a space and `optout_line` (the short
    link itself)."""
    if sms_is_gsm7(body):
        values = {name: sms_gsm_value(value) for name, value in values.items()}
        optout_line = sms_gsm_value(optout_line)
    text = sms_fill(body, values)
    return text if sms_has_link(body) else text + " " + optout_line


def sms_draft_text(body: str, sample: SmsSample | None) -> str:
    """What the editor counts for a template being written: the text as it would be sent with
    the preview's appointment (`sample`), the template taken as the save stores it (LF line
    ends, trimmed); without an appointment, the template alone."""
    body = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    if sample is None:
        return body
    return sms_compose(body=body, values=sample.values, optout_line=sample.optout)


def sms_forcing_chars(text: str) -> list[str]:
    """The distinct characters of `text` that GSM-7 lacks (they make it UCS-2), in order."""
    found: list[str] = []
    for char in text:
        if char not in GSM7_BASIC and char not in GSM7_EXTENSION and char not in found:
            found.append(char)
    return found


def sms_char_shown(char: str) -> str:
    """How the editor names a character: itself, or U+00A0 for an invisible one."""
    if unicodedata.category(char)[0] in "CZ":
        return f"U+{ord(char):04X}"
    return char


@dataclass(frozen=True)
class SmsView:
    """What the editor shows about one text: its count and why it is UCS-2 (if it is)."""

    text: str
    count: SmsCount
    forcing: tuple[str, ...]  # shown (sms_char_shown), distinct, in order

    @property
    def forcing_letters(self) -> bool:
        """A letter among them (an accent) rather than only symbols (an emoji, a dash)."""
        return any(c.isalpha() for c in self.forcing)


def sms_view(text: str) -> SmsView:
    return SmsView(
        text=text,
        count=sms_segments(text),
        forcing=tuple(sms_char_shown(c) for c in sms_forcing_chars(text)),
    )
