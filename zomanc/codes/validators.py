"""Patient identifier validators: TAJ, passport (ICAO 9303 check digit), EU card, other.

Pure functions, no database. Each `*_normalise` returns the stored form or raises Django's
ValidationError whose message says, in Hungarian, which rule failed (the form shows it next to
the field; the API returns it in its 422 body). The `code` of the error names the rule so tests
and API clients need not parse the text.

Passport input format (decided here, see docs/decisions.md): the document number as printed
(up to 9 letters/digits) followed by its ICAO 9303 check digit, i.e. the first 10 characters of
the machine-readable zone's second line, e.g. ``L898902C36``. Spaces, hyphens and ``<`` fillers
are accepted and dropped; ``<`` counts 0 in the check sum, so dropping it changes nothing.
"""

import random
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

TAJ_LENGTH = 9
_SEPARATORS = re.compile(r"[\s\-]+")
# Spaces and hyphens only between groups of digits: "123-456-788" is a TAJ as printed,
# "-111111110" or "123456788-" is a typo (a sign, a lost digit), not a separator.
_TAJ_GROUPS = re.compile(r"[0-9]+(?:[\s\-]+[0-9]+)*")


# --- TAJ (társadalombiztosítási azonosító jel) -------------------------------------------


def taj_check_digit(first_eight: str) -> int:
    """d9 = (3·(d1+d3+d5+d7) + 7·(d2+d4+d6+d8)) mod 10 for the first eight digits."""
    if len(first_eight) != TAJ_LENGTH - 1 or not first_eight.isascii() or not first_eight.isdigit():
        raise ValueError("taj_check_digit needs exactly eight ASCII digits")
    digits = [int(c) for c in first_eight]
    odd = digits[0] + digits[2] + digits[4] + digits[6]
    even = digits[1] + digits[3] + digits[5] + digits[7]
    return (3 * odd + 7 * even) % 10


def taj_normalise(value: str) -> str:
    """The 9-digit stored form of a TAJ typed with or without spaces/hyphens.

    Rules are checked in the order a person would fix them: characters, length, the
    all-zero placeholder, then the check digit."""
    compact = _SEPARATORS.sub("", value or "")
    if not compact:
        raise ValidationError(_("Adja meg a TAJ számot."), code="taj_required")
    if not (compact.isascii() and compact.isdigit()):
        raise ValidationError(
            _("A TAJ szám csak számjegyeket tartalmazhat (szóköz és kötőjel megengedett)."),
            code="taj_nondigit",
        )
    if not _TAJ_GROUPS.fullmatch(value.strip()):
        raise ValidationError(
            _("A TAJ számban szóköz és kötőjel csak a számjegycsoportok között állhat."),
            code="taj_separator",
        )
    if len(compact) != TAJ_LENGTH:
        raise ValidationError(
            _("A TAJ szám pontosan 9 számjegyből áll (most %(count)d van benne).")
            % {"count": len(compact)},
            code="taj_length",
        )
    if compact == "0" * TAJ_LENGTH:
        # 000000000 passes the check-digit formula, but it is the "unknown" placeholder.
        raise ValidationError(_("A 000000000 nem valódi TAJ szám (csupa nulla)."), code="taj_zeros")
    if taj_check_digit(compact[:8]) != int(compact[8]):
        raise ValidationError(
            _("A TAJ szám ellenőrző számjegye hibás: elírás lehet benne."),
            code="taj_checksum",
        )
    return compact


def taj_is_valid(value: str) -> bool:
    try:
        taj_normalise(value)
    except ValidationError:
        return False
    return True


def taj_format(value: str) -> str:
    """`123456788` → `123 456 788`; anything that is not 9 digits is returned unchanged."""
    if len(value) == TAJ_LENGTH and value.isdigit():
        return f"{value[:3]} {value[3:6]} {value[6:]}"
    return value


def taj_generate(rng: random.Random) -> str:
    """A random TAJ with a correct check digit, for demo and benchmark data.

    FAKE DATA ONLY: a generated number may well belong to a real person. Generated numbers
    must never be sent to a real service (EESZT, NEAK); only the sandbox may see them."""
    while True:
        first = f"{rng.randrange(10**8):08d}"
        candidate = first + str(taj_check_digit(first))
        if candidate != "0" * TAJ_LENGTH:
            return candidate


# --- Passport (ICAO 9303) ----------------------------------------------------------------

PASSPORT_NUMBER_MAX = 9
_ICAO_WEIGHTS = (7, 3, 1)


def icao_char_value(char: str) -> int:
    """ICAO 9303 character values: digits as themselves, A=10 … Z=35, the filler `<` = 0."""
    if char == "<":
        return 0
    if char.isascii() and char.isdigit():
        return int(char)
    if char.isascii() and char.isalpha() and char.isupper():
        return ord(char) - ord("A") + 10
    raise ValueError(f"not an MRZ character: {char!r}")


def icao_check_digit(data: str) -> int:
    """Weights 7, 3, 1 repeating, sum mod 10."""
    return sum(icao_char_value(c) * _ICAO_WEIGHTS[i % 3] for i, c in enumerate(data)) % 10


def passport_normalise(value: str) -> str:
    """Document number + ICAO check digit (e.g. `L898902C36`), stored upper case without
    spaces, hyphens or `<` fillers."""
    compact = re.sub(r"[\s\-<]+", "", value or "").upper()
    if not compact:
        raise ValidationError(_("Adja meg az útlevélszámot."), code="passport_required")
    if not re.fullmatch(r"[A-Z0-9]+", compact) or not compact.isascii():
        raise ValidationError(
            _("Az útlevélszám csak betűket (A–Z) és számjegyeket tartalmazhat."),
            code="passport_chars",
        )
    if len(compact) < 2 or len(compact) > PASSPORT_NUMBER_MAX + 1:
        raise ValidationError(
            _(
                "Az útlevélszám után írja az ellenőrző számjegyet is (a gépi olvasású sor "
                "első 10 karaktere, pl. L898902C36): legfeljebb 9 karakter + 1 számjegy."
            ),
            code="passport_length",
        )
    number, check = compact[:-1], compact[-1]
    if not check.isdigit():
        raise ValidationError(
            _("Az útlevélszám utolsó karaktere az ellenőrző számjegy: számjegynek kell lennie."),
            code="passport_check_missing",
        )
    if icao_check_digit(number) != int(check):
        raise ValidationError(
            _("Az útlevélszám ellenőrző számjegye hibás (ICAO 9303): elírás lehet benne."),
            code="passport_checksum",
        )
    return compact


def passport_generate(rng: random.Random) -> str:
    """A random passport number with its check digit, for demo data (fake, never sent out)."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    number = rng.choice(letters) + rng.choice(letters) + f"{rng.randrange(10**7):07d}"
    return number + str(icao_check_digit(number))


# --- European Health Insurance Card and other identifiers ---------------------------------

EU_CARD_MAX = 20
OTHER_ID_MAX = 40


def eu_card_normalise(value: str) -> str:
    """The EHIC card's identification number (field 8): letters and digits, at most 20.

    Member states use different formats without a common check digit, so only the shape is
    checked."""
    compact = _SEPARATORS.sub("", value or "").upper()
    if not compact:
        raise ValidationError(
            _("Adja meg az európai egészségbiztosítási kártya számát."), code="eu_card_required"
        )
    if not re.fullmatch(rf"[A-Z0-9]{{1,{EU_CARD_MAX}}}", compact) or not compact.isascii():
        raise ValidationError(
            _("A kártyaszám legfeljebb 20 betű (A–Z) és számjegy lehet."), code="eu_card_chars"
        )
    return compact


def other_id_normalise(value: str) -> str:
    """Any other identifier (e.g. a foreign ID card): letters, digits, `/` and `.`, at most 40."""
    compact = _SEPARATORS.sub("", value or "").upper()
    if not compact:
        raise ValidationError(_("Adja meg az azonosítót."), code="other_required")
    if len(compact) > OTHER_ID_MAX or not re.fullmatch(r"[A-Z0-9/.]+", compact):
        raise ValidationError(
            _("Az azonosító legfeljebb 40 karakter: betűk (A–Z), számjegyek, / és . jel."),
            code="other_chars",
        )
    return compact
