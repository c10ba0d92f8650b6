"""The SMS segment counter and the accent-free variant (for the template editor)."""

from __future__ import annotations

import pytest

from zomanc.messaging.sms import GSM7, UCS2, sms_accent_free, sms_segments


@pytest.mark.parametrize(
    "text,encoding,segments,remaining",
    [
        ("", GSM7, 0, 160),
        ("a" * 160, GSM7, 1, 0),
        ("a" * 161, GSM7, 2, 153 * 2 - 161),
        ("a" * 306, GSM7, 2, 0),
        ("a" * 307, GSM7, 3, 152),
        # é, ö, ü are GSM-7: no UCS-2 for them.
        ("Kérjük, jöjjön idöben" + "a" * 139, GSM7, 1, 0),
        # ő and ű force UCS-2: 70 / 67.
        ("ő" * 70, UCS2, 1, 0),
        ("ű" + "a" * 70, UCS2, 2, 67 * 2 - 71),
        ("á" * 134, UCS2, 2, 0),
        ("á" * 135, UCS2, 3, 66),
        # The extension characters take two septets and are never split across parts.
        ("€" * 80, GSM7, 1, 0),
        ("€" * 81, GSM7, 2, 153 - 5 * 2),  # 76 in the first part, 5 in the second
        ("a" * 152 + "€" + "a" * 10, GSM7, 2, 153 - 12),  # the € opens part two
        # An emoji is two UTF-16 units.
        ("😀" * 35, UCS2, 1, 0),
        ("😀" * 36, UCS2, 2, 67 - 3 * 2),  # 33 in part one, 3 in part two
    ],
)
def test_segments(text: str, encoding: str, segments: int, remaining: int) -> None:
    count = sms_segments(text)
    assert (count.encoding, count.segments) == (encoding, segments)
    assert count.remaining == remaining


def test_a_hungarian_reminder_halves() -> None:
    text = "Emlékeztető: időpontja holnap 9:00-kor a Mosoly Fogászaton. Lemondás: 06 1 234 5678"
    assert sms_segments(text).encoding == UCS2
    assert sms_segments(text).segments == 2
    plain = sms_accent_free(text)
    assert plain == (
        "Emlekezteto: idopontja holnap 9:00-kor a Mosoly Fogaszaton. Lemondas: 06 1 234 5678"
    )
    assert (sms_segments(plain).encoding, sms_segments(plain).segments) == (GSM7, 1)


def test_accent_free_every_hungarian_letter() -> None:
    assert sms_accent_free("áéíóöőúüű ÁÉÍÓÖŐÚÜŰ") == "aeiooouuu AEIOOOUUU"


def test_keep_gsm_accents_keeps_e_o_u_umlaut() -> None:
    text = "Kérjük, jöjjön időben, üdvözlettel: Fűrész Ábel"
    variant = sms_accent_free(text, keep_gsm_accents=True)
    assert variant == "Kérjük, jöjjön idöben, üdvözlettel: Füresz Abel".replace("Füresz", "Fürész")
    assert sms_segments(variant).encoding == GSM7


def test_typography_becomes_plain() -> None:
    assert sms_accent_free("„Igen” – válaszoljon…") == '"Igen" - valaszoljon...'
    assert sms_segments(sms_accent_free("„Igen” – válaszoljon…")).encoding == GSM7


def test_unmappable_becomes_question_mark() -> None:
    assert sms_accent_free("ok 😀 中 Ω ž") == "ok ? ? Ω z"  # Ω is GSM-7
