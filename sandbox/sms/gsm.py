"""How many SMS segments a text costs and in which encoding — the gateway's own count (the
sandbox shares no code with the practice system, which has its own).

GSM 03.38's 7-bit alphabet holds é, ö, ü (and É, Ö, Ü) but not á, í, ó, ú, ő, ű: one of those
and the whole message goes as UCS-2. A single GSM-7 message holds 160 septets, a part of a
long one 153 (the user-data header takes 7); UCS-2: 70 and 67 UTF-16 units. The extension
characters (€ [ ] { } \\ ^ ~ | and form feed) take two septets and are never split across
parts; neither is a character outside the BMP (two UTF-16 units)."""

from __future__ import annotations

from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")


@dataclass(frozen=True)
class Segments:
    encoding: str  # "GSM-7" | "UCS-2"
    count: int


def _parts(units: list[int], single: int, multi: int) -> int:
    if sum(units) <= single:
        return 1
    count, used = 1, 0
    for size in units:
        if used + size > multi:
            count, used = count + 1, 0
        used += size
    return count


def segments(text: str) -> Segments:
    if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text):
        units = [2 if c in GSM7_EXTENSION else 1 for c in text]
        return Segments("GSM-7", _parts(units, 160, 153))
    units = [2 if ord(c) > 0xFFFF else 1 for c in text]
    return Segments("UCS-2", _parts(units, 70, 67))
