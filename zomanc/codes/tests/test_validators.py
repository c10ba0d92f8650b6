import random

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from zomanc.codes.validators import (
    eu_card_normalise,
    icao_check_digit,
    other_id_normalise,
    passport_generate,
    passport_normalise,
    taj_check_digit,
    taj_format,
    taj_generate,
    taj_is_valid,
    taj_normalise,
)


@pytest.mark.parametrize("value", ["111111110", "123456788", "987654322"])
def test_taj_known_valid_vectors(value: str) -> None:
    assert taj_normalise(value) == value


@pytest.mark.parametrize(
    ("value", "code"), [("111111111", "taj_checksum"), ("000000000", "taj_zeros")]
)
def test_taj_known_invalid_vectors(value: str, code: str) -> None:
    with pytest.raises(ValidationError) as exc:
        taj_normalise(value)
    assert exc.value.code == code


def test_taj_accepts_spaces_and_hyphens() -> None:
    assert taj_normalise(" 123 456 788 ") == "123456788"
    assert taj_normalise("123-456-788") == "123456788"
    assert taj_normalise("123 - 456 - 788") == "123456788"


@pytest.mark.parametrize(
    ("value", "code", "words"),
    [
        ("12345678", "taj_length", "9 számjegy"),
        ("1234567888", "taj_length", "9 számjegy"),
        ("12345678A", "taj_nondigit", "számjegyeket"),
        ("１２３４５６７８８", "taj_nondigit", "számjegyeket"),  # full-width digits are not ASCII
        ("123456789", "taj_checksum", "ellenőrző számjegye"),
        ("000 000 000", "taj_zeros", "csupa nulla"),
        ("", "taj_required", "Adja meg"),
        # The probe's "-111111110" was accepted: a leading or trailing separator is a typo.
        ("-111111110", "taj_separator", "számjegycsoportok között"),
        ("111111110-", "taj_separator", "számjegycsoportok között"),
        ("- 123 456 788", "taj_separator", "számjegycsoportok között"),
    ],
)
def test_taj_says_which_rule_failed(value: str, code: str, words: str) -> None:
    with pytest.raises(ValidationError) as exc:
        taj_normalise(value)
    assert exc.value.code == code
    assert words in exc.value.messages[0]


def test_taj_format() -> None:
    assert taj_format("123456788") == "123 456 788"
    assert taj_format("AB12") == "AB12"


def test_taj_check_digit_refuses_bad_input() -> None:
    with pytest.raises(ValueError):
        taj_check_digit("1234567")


valid_tajs = (
    st.text(alphabet="0123456789", min_size=8, max_size=8)
    .map(lambda first: first + str(taj_check_digit(first)))
    .filter(lambda taj: taj != "000000000")
)


@given(valid_tajs)
def test_every_generated_valid_taj_passes(taj: str) -> None:
    assert taj_is_valid(taj)
    assert taj_normalise(taj_format(taj)) == taj


@given(valid_tajs, st.integers(0, 8), st.integers(1, 9))
def test_any_single_digit_change_fails(taj: str, position: int, delta: int) -> None:
    changed_digit = (int(taj[position]) + delta) % 10
    changed = taj[:position] + str(changed_digit) + taj[position + 1 :]
    assert changed != taj
    assert not taj_is_valid(changed)


@given(st.integers(0, 2**32))
def test_taj_generate_is_valid_and_deterministic(seed: int) -> None:
    taj = taj_generate(random.Random(seed))
    assert taj_is_valid(taj)
    assert taj == taj_generate(random.Random(seed))


# --- passport -----------------------------------------------------------------------------


def test_icao_specimen_check_digit() -> None:
    # ICAO 9303 part 3 specimen: document number L898902C3, check digit 6.
    assert icao_check_digit("L898902C3") == 6
    assert icao_check_digit("L898902C3<") == 6  # the filler counts 0


@pytest.mark.parametrize("value", ["L898902C36", "l898902c3 6", "L898902C3-6", "L898902C3<6"])
def test_passport_valid_inputs(value: str) -> None:
    assert passport_normalise(value) == "L898902C36"


def test_passport_short_number_with_fillers() -> None:
    number = "AB1234"
    check = icao_check_digit(number + "<<<")
    assert passport_normalise(f"{number}<<<{check}") == f"{number}{check}"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("L898902C35", "passport_checksum"),
        ("L898902C3X", "passport_check_missing"),
        ("L898902C3456", "passport_length"),
        ("L", "passport_length"),
        ("L8989Ő2C36", "passport_chars"),
        ("", "passport_required"),
    ],
)
def test_passport_invalid(value: str, code: str) -> None:
    with pytest.raises(ValidationError) as exc:
        passport_normalise(value)
    assert exc.value.code == code


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=9))
def test_passport_property_own_check_digit_passes_others_fail(number: str) -> None:
    check = icao_check_digit(number)
    assert passport_normalise(number + str(check)) == number + str(check)
    for wrong in set(range(10)) - {check}:
        assert not _passport_ok(number + str(wrong))


def _passport_ok(value: str) -> bool:
    try:
        passport_normalise(value)
    except ValidationError:
        return False
    return True


def test_passport_generate() -> None:
    assert _passport_ok(passport_generate(random.Random(1)))


# --- EU card, other -------------------------------------------------------------------------


def test_eu_card() -> None:
    assert eu_card_normalise("80 348 0000 1234") == "8034800001234"
    with pytest.raises(ValidationError):
        eu_card_normalise("A" * 21)
    with pytest.raises(ValidationError):
        eu_card_normalise("12#4")


def test_other_id() -> None:
    assert other_id_normalise("ab 12/3") == "AB12/3"
    with pytest.raises(ValidationError):
        other_id_normalise("")
    with pytest.raises(ValidationError):
        other_id_normalise("x" * 41)
