"""SMS text arithmetic for the template editor and the gateway adapter: how many segments a
text costs, in which encoding, and an accent-free variant that fits GSM-7.

GSM 03.38's 7-bit alphabet has é, ö, ü (É, Ö, Ü) but not á, í, ó, ú, ő, ű: one of those and
the whole message is sent as UCS-2, which halves the length — 70 characters in one SMS, 67
per part of a long one, against GSM-7's 160 and 153 (a long message's parts carry a 7-octet
header). GSM-7's extension characters (€ [ ] { } \\ ^ ~ | and form feed) cost two septets;
a character outside the BMP (an emoji) two UTF-16 units; neither is split across parts.
The sandbox's gateway counts the same way with its own code (the two share none)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

GSM7 = "GSM-7"
UCS2 = "UCS-2"

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

# Typography that word processors and phones put into texts and GSM-7 lacks.
_PUNCTUATION = {
    "„": '"',
    "”": '"',
    "“": '"',
    "»": '"',
    "«": '"',
    "‘": "'",
    "’": "'",
    "‚": "'",
    "–": "-",
    "—": "-",
    "…": "...",
    "\u00a0": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\t": " ",
}
# Hungarian letters GSM-7 lacks, to the nearest one it has (keep_gsm_accents=True).
_NEAREST_GSM = {"ő": "ö", "Ő": "Ö", "ű": "ü", "Ű": "Ü"}


@dataclass(frozen=True)
class SmsCount:
    """What the editor shows: "2 SMS (UCS-2), 110 / 134 karakter"."""

    encoding: str  # GSM7 | UCS2
    segments: int
    units: int  # septets (GSM-7) or UTF-16 units (UCS-2) the text takes
    per_segment: int  # 160/70 for one message, 153/67 per part of a long one
    remaining: int  # units left in the last segment before another one starts

    @property
    def is_unicode(self) -> bool:
        return self.encoding == UCS2


def _is_gsm7(text: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text)


def sms_segments(text: str) -> SmsCount:
    """The segment count of ``text`` as a gateway sends it (an empty text: 0 segments)."""
    if _is_gsm7(text):
        encoding, single, multi = GSM7, 160, 153
        sizes = [2 if c in GSM7_EXTENSION else 1 for c in text]
    else:
        encoding, single, multi = UCS2, 70, 67
        sizes = [2 if ord(c) > 0xFFFF else 1 for c in text]
    units = sum(sizes)
    if units == 0:
        return SmsCount(encoding, 0, 0, single, single)
    if units <= single:
        return SmsCount(encoding, 1, units, single, single - units)
    segments, used = 1, 0
    for size in sizes:
        if used + size > multi:  # a character is never split: it starts the next part
            segments, used = segments + 1, 0
        used += size
    return SmsCount(encoding, segments, units, multi, multi - used)


def sms_accent_free(text: str, *, keep_gsm_accents: bool = False) -> str:
    """The text without the characters that force UCS-2, so it goes as GSM-7.

    By default every accent goes (á→a, é→e, ő→o, ű→u: what "ékezet nélkül" means to a
    Hungarian reader); with ``keep_gsm_accents`` the letters GSM-7 has stay (é, ö, ü) and
    ő/ű become ö/ü — still GSM-7, and easier to read. Typographic quotes and dashes become
    their plain forms; whatever has no GSM-7 form is left out or replaced by "?"."""
    out: list[str] = []
    for char in text:
        char = _PUNCTUATION.get(char, char)
        if keep_gsm_accents:
            char = _NEAREST_GSM.get(char, char)
            if _is_gsm7(char):
                out.append(char)
                continue
        if char.isascii() and _is_gsm7(char):
            out.append(char)
            continue
        if len(char) > 1:  # an expanded punctuation mark ("...")
            out.append(char)
            continue
        base = "".join(
            c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c)
        )
        out.append(base if base and _is_gsm7(base) else "?")
    return "".join(out)
