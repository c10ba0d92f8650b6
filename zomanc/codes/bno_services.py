"""Writes and rules of the BNO-10 table: the import from the NEAK CSV and the validation of a
diagnosis code for a patient on a date.

The CSV (zomanc/codes/data/, see PROVENANCE.md there) has the NEAK BNOTORZS columns:
KOD10 (5 characters, "H" filling a missing subdivision: A33H0), JEL ("+" etiology, "*"
manifestation, "" ordinary), NEV, NEM (0 both sexes, 1 male only, 2 female only — checked
against the rows: prostate codes are 1, pregnancy codes 2), KOR_A/KOR_F (age limits in whole
years, both inclusive; KOR_F 99 means "no upper limit"), ERV_KEZD/ERV_VEGE (validity,
YYYYMMDD, both inclusive; 29991231 = still valid)."""

import csv
import datetime as dt
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zomanc.codes.models import BnoCode

BNO_CSV_PATH = Path(__file__).resolve().parent / "data" / "bno10_neak_BNOTORZS_201807.csv"
AGE_NO_UPPER_LIMIT = 99
BNO_FIELDS = ["name", "mark", "sex", "age_min", "age_max", "valid_to", "search_text"]


def text_fold(value: str) -> str:
    """Lower-case, accent-free form for searching ("Fogszuvasodás" → "fogszuvasodas")."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def bno_code_normalize(raw: str) -> str:
    """What a user types ("k02.1", " K0210 ") → the table's 5-character form ("K0210").

    A 4-character code gets the table's trailing "0" (K02.1 is stored as K0210)."""
    code = raw.strip().upper().replace(".", "").replace(" ", "")
    if len(code) == 4:
        code += "0"
    return code


def _date(value: str) -> dt.date:
    return dt.datetime.strptime(value, "%Y%m%d").date()


def bno_rows_read(path: Path = BNO_CSV_PATH) -> Iterator[dict[str, Any]]:
    """The CSV's rows as BnoCode field values."""
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            code = row["KOD10"].strip()
            name = row["NEV"].strip()
            yield {
                "code": code,
                "name": name,
                "mark": row["JEL"].strip(),
                "sex": int(row["NEM"]),
                "age_min": int(row["KOR_A"]),
                "age_max": int(row["KOR_F"]),
                "valid_from": _date(row["ERV_KEZD"]),
                "valid_to": _date(row["ERV_VEGE"]),
                "search_text": text_fold(f"{code} {name}")[:320],
            }


def bno_import(*, path: Path = BNO_CSV_PATH, model: Any = None, batch_size: int = 2000) -> int:
    """Load the table, idempotently: rows are upserted on (code, valid_from), so running it
    again (or on a newer edition) updates names/limits and adds new rows, never duplicates.

    `model` lets the data migration pass its historical model. Returns the number of rows."""
    if model is None:
        model = BnoCode
    rows = [model(**values) for values in bno_rows_read(path)]
    with transaction.atomic():
        model.objects.bulk_create(
            rows,
            batch_size=batch_size,
            update_conflicts=True,
            unique_fields=["code", "valid_from"],
            update_fields=BNO_FIELDS,
        )
    return len(rows)


def age_on(birth_date: dt.date, on_date: dt.date) -> int:
    """Age in completed years on a date (a birthday on 29 February counts from 1 March)."""
    years = on_date.year - birth_date.year
    if (on_date.month, on_date.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def _fmt(day: dt.date) -> str:
    return day.strftime("%Y.%m.%d.")


def bno_validate(code: str, on_date: dt.date, sex: str, age: int) -> BnoCode:
    """The BnoCode row for `code` if it may be recorded on `on_date` for a patient of `sex`
    ("M", "F", "U" as in patients.Sex) and `age` (whole years); otherwise a ValidationError
    with the specific Hungarian reason. An unknown sex ("U") is not refused: the table's
    sex limit cannot be proven wrong for it."""
    normalized = bno_code_normalize(code)
    if not normalized:
        raise ValidationError(_("Adja meg a BNO-kódot."), code="bno_empty")
    candidates = list(BnoCode.objects.filter(code=normalized).order_by("-valid_from"))
    if not candidates:
        raise ValidationError(
            _("Ismeretlen BNO-kód: %(code)s. Válasszon a NEAK BNO-10 törzsből.")
            % {"code": normalized},
            code="bno_unknown",
        )
    row = next((c for c in candidates if c.valid_from <= on_date <= c.valid_to), None)
    if row is None:
        ranges = ", ".join(
            _("%(start)s–%(end)s") % {"start": _fmt(c.valid_from), "end": _fmt(c.valid_to)}
            for c in candidates
        )
        raise ValidationError(
            _(
                "A(z) %(code)s BNO-kód az ellátás napján (%(day)s) nem érvényes; "
                "érvényessége: %(ranges)s"
            )
            % {"code": normalized, "day": _fmt(on_date), "ranges": ranges},
            code="bno_not_valid_on_date",
        )
    if row.sex == 1 and sex == "F":
        raise ValidationError(
            _("A(z) %(code)s BNO-kód csak férfi páciensnél adható meg.") % {"code": row.code},
            code="bno_sex",
        )
    if row.sex == 2 and sex == "M":
        raise ValidationError(
            _("A(z) %(code)s BNO-kód csak női páciensnél adható meg.") % {"code": row.code},
            code="bno_sex",
        )
    too_old = row.age_max < AGE_NO_UPPER_LIMIT and age > row.age_max
    if age < row.age_min or too_old:
        if row.age_max >= AGE_NO_UPPER_LIMIT:
            limits = _("%(min)s éves kortól") % {"min": row.age_min}
        else:
            limits = _("%(min)s–%(max)s éves kor között") % {
                "min": row.age_min,
                "max": row.age_max,
            }
        raise ValidationError(
            _(
                "A(z) %(code)s BNO-kód csak %(limits)s adható meg; "
                "a páciens az ellátás napján %(age)s éves."
            )
            % {"code": row.code, "limits": limits, "age": age},
            code="bno_age",
        )
    return row
