"""The keyboard command parser: examples and properties over valid and invalid lines."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zomanc.clinical.command_line import (
    STATUS_KEYWORDS,
    Command,
    CommandError,
    command_parse,
)
from zomanc.clinical.teeth import ALL_TEETH, SURFACE_STATUSES, tooth_surfaces

SHORTCUTS = ["töm", "ext", "gyök", "kor", "fk", "rtg"]


def test_examples_from_the_brief() -> None:
    assert command_parse("36 MOD töm", SHORTCUTS) == Command(
        kind="procedure", teeth=(36,), surfaces="MOD", shortcut="töm"
    )
    assert command_parse("46 ext", SHORTCUTS) == Command(
        kind="procedure", teeth=(46,), surfaces="", shortcut="ext"
    )
    assert command_parse("11 I töm", SHORTCUTS) == Command(
        kind="procedure", teeth=(11,), surfaces="I", shortcut="töm"
    )
    assert command_parse("18 48 ext", SHORTCUTS) == Command(
        kind="procedure", teeth=(18, 48), surfaces="", shortcut="ext"
    )


def test_status_keywords_quantity_accents_and_case() -> None:
    assert command_parse("16 car", SHORTCUTS) == Command(
        kind="status", teeth=(16,), surfaces="", status="caries"
    )
    assert command_parse("16 do car", SHORTCUTS) == Command(
        kind="status", teeth=(16,), surfaces="OD", status="caries"
    )
    assert command_parse("26 hiany", SHORTCUTS) == Command(
        kind="status", teeth=(26,), surfaces="", status="missing"
    )
    assert command_parse("36 mod TOM", SHORTCUTS) == Command(
        kind="procedure", teeth=(36,), surfaces="MOD", shortcut="töm"
    )
    assert command_parse("rtg x2", SHORTCUTS) == Command(
        kind="procedure", teeth=(), surfaces="", shortcut="rtg", quantity=2
    )
    assert command_parse("fk", SHORTCUTS) == Command(
        kind="procedure", teeth=(), surfaces="", shortcut="fk"
    )


def test_catalogue_shortcut_wins_over_status_keyword() -> None:
    parsed = command_parse("21 kor", SHORTCUTS)
    assert isinstance(parsed, Command) and parsed.kind == "procedure"
    parsed = command_parse("21 kor", ["töm"])
    assert isinstance(parsed, Command) and parsed.kind == "status" and parsed.status == "crown"


def test_bno_diagnosis_alone_or_after_teeth() -> None:
    assert command_parse("K0210", SHORTCUTS) == Command(
        kind="diagnosis", teeth=(), surfaces="", code="K0210"
    )
    assert command_parse("36 k02.1", SHORTCUTS) == Command(
        kind="diagnosis", teeth=(36,), surfaces="", code="K02.1"
    )
    assert command_parse("36, 37 K0400", SHORTCUTS) == Command(
        kind="diagnosis", teeth=(36, 37), surfaces="", code="K0400"
    )
    # A catalogue shortcut shaped like a BNO code stays the procedure.
    parsed = command_parse("36 K021", ["K021"])
    assert isinstance(parsed, Command) and parsed.kind == "procedure"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("36 MOD K0210", "BNO-diagnózishoz nem adható meg felszín"),
        ("K0210 x2", "Mennyiség csak kezelésnél adható meg, diagnózisnál nem"),
        ("36 K02100", "Ismeretlen rövidítés: „K02100”"),
        ("36 xyz", "diagnózis: BNO-kód"),
    ],
)
def test_invalid_diagnosis_lines_get_hungarian_reasons(line: str, message: str) -> None:
    parsed = command_parse(line, SHORTCUTS)
    assert isinstance(parsed, CommandError), parsed
    assert message in parsed.message


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("", "Üres parancs"),
        ("36 MOD", "Hiányzik a kezelés rövidítése"),
        ("19 töm", "A(z) 19 nem FDI fogszám"),
        ("360 töm", "A(z) „360” nem FDI fogszám"),
        ("11 O töm", "A(z) 11. fogon nincs O felszín"),
        ("36 P töm", "A(z) 36. fogon nincs P felszín"),
        ("36 XYZ töm", "Ismeretlen felszínjelölés: „XYZ”"),
        ("36 MOD xyz", "Ismeretlen rövidítés: „xyz”"),
        ("MOD töm", "Felszín csak fogszámmal"),
        ("36 MOD 37 töm", "Értelmezhetetlen rész"),
        ("36 36 ext", "A(z) 36. fog kétszer szerepel"),
        ("36 O kor x2", "Mennyiség"),
        ("36 O hiány", "az egész fogra vonatkozik"),
        ("car", "A fogstátuszhoz fogszám kell"),
        ("16 car x2", "Mennyiség csak kezelésnél"),
        ("rtg x0", "A mennyiség 1 és 99 között"),
    ],
)
def test_invalid_lines_get_hungarian_reasons(line: str, message: str) -> None:
    parsed = command_parse(line, ["töm", "ext", "rtg", "kor"] if "x2" not in line else ["töm"])
    assert isinstance(parsed, CommandError), parsed
    assert message in parsed.message


teeth_lists = st.lists(st.sampled_from(sorted(ALL_TEETH)), min_size=1, max_size=4, unique=True)


@st.composite
def valid_procedure_lines(draw: st.DrawFn) -> tuple[str, list[int], str, str]:
    teeth = draw(teeth_lists)
    # Surfaces every chosen tooth has: M, D, V always; O/I, P/L only when all teeth agree.
    common = set(tooth_surfaces(teeth[0]))
    for tooth in teeth[1:]:
        common &= set(tooth_surfaces(tooth))
    letters = draw(st.lists(st.sampled_from(sorted(common)), unique=True, max_size=len(common)))
    shortcut = draw(st.sampled_from(SHORTCUTS))
    typed = "".join(letters)
    typed = draw(st.sampled_from([typed, typed.lower()]))
    separator = draw(st.sampled_from([" ", "  ", ", "]))
    line = separator.join([*map(str, teeth), *([typed] if typed else []), shortcut])
    return line, teeth, "".join(sorted(letters, key="MOIDVPL".index)), shortcut


@given(valid_procedure_lines())
def test_property_valid_procedure_lines_parse(case: tuple[str, list[int], str, str]) -> None:
    line, teeth, surfaces, shortcut = case
    assert command_parse(line, SHORTCUTS) == Command(
        kind="procedure", teeth=tuple(teeth), surfaces=surfaces, shortcut=shortcut
    )


@given(
    st.sampled_from(sorted(ALL_TEETH)),
    st.sampled_from(sorted(STATUS_KEYWORDS)),
)
def test_property_status_keyword_on_a_tooth(tooth: int, keyword: str) -> None:
    parsed = command_parse(f"{tooth} {keyword}", [])
    assert parsed == Command(
        kind="status", teeth=(tooth,), surfaces="", status=STATUS_KEYWORDS[keyword].value
    )


@given(st.integers(min_value=0, max_value=99).filter(lambda n: n not in ALL_TEETH))
def test_property_non_fdi_numbers_are_refused(number: int) -> None:
    parsed = command_parse(f"{number:02d} töm", SHORTCUTS)
    assert isinstance(parsed, CommandError)
    assert "nem FDI fogszám" in parsed.message


@given(st.sampled_from(sorted(ALL_TEETH)), st.sampled_from("MOIDVPL"))
def test_property_surface_accepted_iff_the_tooth_has_it(tooth: int, letter: str) -> None:
    parsed = command_parse(f"{tooth} {letter} töm", SHORTCUTS)
    if letter in tooth_surfaces(tooth):
        assert isinstance(parsed, Command) and parsed.surfaces == letter
    else:
        assert isinstance(parsed, CommandError)
        assert f"A(z) {tooth}. fogon nincs {letter} felszín" in parsed.message


@given(st.text(max_size=60))
def test_property_any_text_gives_a_command_or_a_reason(line: str) -> None:
    parsed = command_parse(line, SHORTCUTS)
    assert isinstance(parsed, Command | CommandError)
    if isinstance(parsed, CommandError):
        assert parsed.message
    else:
        assert all(tooth in ALL_TEETH for tooth in parsed.teeth)
        if parsed.kind == "status":
            assert parsed.teeth
            assert not parsed.surfaces or parsed.status in SURFACE_STATUSES


bno_codes = st.builds(
    lambda letter, digits, dot, lower: (
        (letter + digits[:2] + ("." if dot and len(digits) > 2 else "") + digits[2:]).lower()
        if lower
        else letter + digits[:2] + ("." if dot and len(digits) > 2 else "") + digits[2:]
    ),
    st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
    st.text("0123456789", min_size=2, max_size=4),
    st.booleans(),
    st.booleans(),
)


@given(st.lists(st.sampled_from(sorted(ALL_TEETH)), max_size=4, unique=True), bno_codes)
def test_property_bno_code_after_any_teeth_is_a_diagnosis(teeth: list[int], code: str) -> None:
    """Any BNO-shaped code (letter, 2–4 digits, optional dot) after valid teeth is one
    diagnosis command carrying the code and the teeth; the BNO table itself is the
    service's business."""
    line = " ".join([*map(str, teeth), code])
    parsed = command_parse(line, SHORTCUTS)
    assert parsed == Command(kind="diagnosis", teeth=tuple(teeth), surfaces="", code=code.upper())


@given(bno_codes, st.sampled_from(["MOD", "O", "x2"]))
def test_property_diagnosis_takes_no_surfaces_or_quantity(code: str, extra: str) -> None:
    line = f"36 {extra} {code}" if extra != "x2" else f"36 {code} {extra}"
    assert isinstance(command_parse(line, SHORTCUTS), CommandError)


@pytest.mark.parametrize(
    ("line", "canals", "quantity"),
    [
        ("46 gyök 3c", 3, 1),
        ("46 gyök 3CS", 3, 1),
        ("46 gyök 2csat", 2, 1),
        ("46 gyök 3c x2", 3, 2),
        ("46 gyök x2 3c", 3, 2),
        ("46 gyök", None, 1),
    ],
)
def test_canal_count_after_the_keyword(line: str, canals: int | None, quantity: int) -> None:
    assert command_parse(line, SHORTCUTS) == Command(
        kind="procedure",
        teeth=(46,),
        surfaces="",
        shortcut="gyök",
        quantity=quantity,
        canals=canals,
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("46 gyök 0c", "A csatornák száma 1 és 6 között lehet"),
        ("46 gyök 12c", "A csatornák száma 1 és 6 között lehet"),
        ("gyök 3c", "Csatornaszám csak fogszámmal együtt adható meg"),
        ("46 car 3c", "Csatornaszám csak kezelésnél adható meg, státusznál nem."),
        ("46 K0210 3c", "Csatornaszám csak kezelésnél adható meg, diagnózisnál nem."),
        ("46 gyök 3c 2c", "A csatornák számát egyszer adja meg"),
    ],
)
def test_bad_canal_counts(line: str, message: str) -> None:
    parsed = command_parse(line, SHORTCUTS)
    assert isinstance(parsed, CommandError)
    assert message in parsed.message
