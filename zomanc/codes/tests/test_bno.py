"""The NEAK BNO-10 table: import, validation on date/sex/age with real rows, picker search."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from zomanc.codes.bno_selectors import bno_search
from zomanc.codes.bno_services import (
    BNO_CSV_PATH,
    age_on,
    bno_code_normalize,
    bno_import,
    bno_validate,
    text_fold,
)
from zomanc.codes.models import BnoCode

DAY = dt.date(2026, 3, 10)
CSV_ROWS = 11636


@pytest.fixture
def bno(db: None) -> None:
    if not BnoCode.objects.filter(code="K0210").exists():
        bno_import()


def test_first_migrate_loaded_the_full_table(bno: None) -> None:
    assert BnoCode.objects.count() == CSV_ROWS


def test_import_is_idempotent_and_refreshes_changed_rows(bno: None) -> None:
    BnoCode.objects.filter(code="K0210").update(name="elrontott", age_max=5)
    call_command("bno_import", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert BnoCode.objects.count() == CSV_ROWS
    row = BnoCode.objects.get(code="K0210")
    assert (row.name, row.age_max) == ("A dentin szuvasodása", 99)


def test_columns_are_read_with_their_meaning(bno: None) -> None:
    prostate = BnoCode.objects.get(code="C61H0")  # NEM 1 = male, KOR_A 14
    assert (prostate.sex, prostate.age_min, prostate.age_max) == (1, 14, 99)
    pregnancy = BnoCode.objects.get(code="O0000")  # NEM 2 = female, 8–60 years
    assert (pregnancy.sex, pregnancy.age_min, pregnancy.age_max) == (2, 8, 60)
    expired = BnoCode.objects.get(code="D1640")
    assert expired.valid_to == dt.date(2000, 5, 31)
    assert BnoCode.objects.get(code="F0010").mark == "*"
    assert BnoCode.objects.get(code="A0220").mark == "+"
    assert BnoCode.objects.get(code="K0210").search_text == "k0210 a dentin szuvasodasa"


def test_csv_in_repo_is_the_shared_copy() -> None:
    assert BNO_CSV_PATH.exists()
    assert (BNO_CSV_PATH.parent / "PROVENANCE.md").read_text().count("sha256") >= 2


def test_dental_code_valid_for_anyone(bno: None) -> None:
    assert bno_validate("k02.1", DAY, "F", 45).code == "K0210"
    assert bno_validate("K0210", DAY, "M", 3).name == "A dentin szuvasodása"


def test_normalize() -> None:
    assert bno_code_normalize(" k02.1 ") == "K0210"
    assert bno_code_normalize("K0210") == "K0210"


@pytest.mark.parametrize("code", ["K99X9", "XXXXX", "K02"])
def test_unknown_code_is_refused(bno: None, code: str) -> None:
    with pytest.raises(ValidationError, match="Ismeretlen BNO-kód") as caught:
        bno_validate(code, DAY, "F", 40)
    assert caught.value.code == "bno_unknown"


def test_empty_code_is_refused(bno: None) -> None:
    with pytest.raises(ValidationError, match="Adja meg a BNO-kódot"):
        bno_validate("  ", DAY, "F", 40)


def test_code_expired_before_the_visit_names_its_validity(bno: None) -> None:
    with pytest.raises(ValidationError) as caught:
        bno_validate("D1640", DAY, "F", 40)
    assert caught.value.messages == [
        "A(z) D1640 BNO-kód az ellátás napján (2026.03.10.) nem érvényes; "
        "érvényessége: 1995.01.01.–2000.05.31."
    ]
    assert bno_validate("D1640", dt.date(2000, 5, 31), "F", 40).code == "D1640"


def test_code_not_yet_valid_on_the_visit_date(bno: None) -> None:
    with pytest.raises(ValidationError, match=r"2018\.07\.01\.–2999\.12\.31\."):
        bno_validate("G0481", dt.date(2018, 6, 30), "M", 40)
    assert bno_validate("G0481", dt.date(2018, 7, 1), "M", 40).code == "G0481"


def test_male_only_code_refused_for_a_woman(bno: None) -> None:
    with pytest.raises(ValidationError, match="csak férfi páciensnél") as caught:
        bno_validate("C61H0", DAY, "F", 60)
    assert caught.value.code == "bno_sex"
    assert bno_validate("C61H0", DAY, "M", 60).code == "C61H0"


def test_female_only_code_refused_for_a_man(bno: None) -> None:
    with pytest.raises(ValidationError, match="csak női páciensnél"):
        bno_validate("C5100", DAY, "M", 60)
    assert bno_validate("C5100", DAY, "F", 60).code == "C5100"


def test_unknown_sex_is_not_refused(bno: None) -> None:
    assert bno_validate("C5100", DAY, "U", 60).code == "C5100"


def test_age_limits_name_the_range(bno: None) -> None:
    with pytest.raises(ValidationError) as caught:
        bno_validate("O0000", DAY, "F", 61)
    assert caught.value.messages == [
        "A(z) O0000 BNO-kód csak 8–60 éves kor között adható meg; "
        "a páciens az ellátás napján 61 éves."
    ]
    with pytest.raises(ValidationError, match="8–60 éves"):
        bno_validate("O0000", DAY, "F", 7)
    assert bno_validate("O0000", DAY, "F", 60).code == "O0000"
    assert bno_validate("O0000", DAY, "F", 8).code == "O0000"


def test_minimum_age_without_upper_limit(bno: None) -> None:
    with pytest.raises(ValidationError, match="csak 14 éves kortól adható meg"):
        bno_validate("C61H0", DAY, "M", 13)


def test_infant_only_code(bno: None) -> None:
    assert bno_validate("L22H0", DAY, "F", 3).code == "L22H0"
    with pytest.raises(ValidationError, match="0–3 éves kor között"):
        bno_validate("L22H0", DAY, "F", 4)


def test_upper_limit_99_means_no_limit(bno: None) -> None:
    assert bno_validate("K0210", DAY, "F", 104).code == "K0210"


def test_age_on_counts_completed_years() -> None:
    born = dt.date(1980, 5, 17)
    assert age_on(born, dt.date(2026, 5, 16)) == 45
    assert age_on(born, dt.date(2026, 5, 17)) == 46


def test_text_fold() -> None:
    assert text_fold("Fogszuvasodás ŐŰ") == "fogszuvasodas ou"


def test_search_by_code_prefix(bno: None) -> None:
    codes = [row.code for row in bno_search("k02")]
    assert codes[:3] == ["K0200", "K0210", "K0220"]
    assert all(code.startswith("K02") for code in codes)


def test_search_by_accent_free_words_dental_first(bno: None) -> None:
    rows = list(bno_search("fogszuvasodas"))
    assert rows and rows[0].code.startswith("K02")
    assert {"K0230", "K0290"} <= {row.code for row in rows}
    gum = list(bno_search("gyulladás"))
    first_non_dental = next(i for i, r in enumerate(gum) if not "K00" <= r.code < "K15")
    assert all(not "K00" <= r.code < "K15" for r in gum[first_non_dental:])


def test_search_with_several_words_requires_all(bno: None) -> None:
    rows = list(bno_search("dentin szuv"))
    assert [row.code for row in rows] == ["K0210"]


def test_search_filters_by_validity_date(bno: None) -> None:
    assert [r.code for r in bno_search("D164", on_date=dt.date(1999, 1, 1))] == ["D1640"]
    assert [r.code for r in bno_search("D164", on_date=DAY)] == ["D1641", "D1642"]
    assert list(bno_search("D1640", on_date=DAY)) == []


def test_empty_search_offers_dental_codes(bno: None) -> None:
    rows = list(bno_search(""))
    assert rows and all("K00" <= row.code < "K15" for row in rows)
