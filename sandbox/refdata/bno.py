"""The sandbox's own copy of the NEAK BNO-10 table (sandbox/data/, see PROVENANCE.md),
loaded once per process."""

from __future__ import annotations

import csv
import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path

BNO_FILE = Path(__file__).resolve().parent.parent / "data" / "bno10_neak_BNOTORZS_201807.csv"


@dataclass(frozen=True)
class BnoCode:
    code: str
    name: str
    sex: str  # "0" both, "1" male, "2" female
    age_min: int
    age_max: int
    valid_from: dt.date
    valid_to: dt.date


def _date(value: str) -> dt.date:
    return dt.date(int(value[:4]), int(value[4:6]), int(value[6:8]))


@functools.cache
def bno_table() -> dict[str, BnoCode]:
    with BNO_FILE.open(encoding="utf-8", newline="") as fh:
        return {
            row["KOD10"]: BnoCode(
                code=row["KOD10"],
                name=row["NEV"],
                sex=row["NEM"] or "0",
                age_min=int(row["KOR_A"] or 0),
                age_max=int(row["KOR_F"] or 99),
                valid_from=_date(row["ERV_KEZD"]),
                valid_to=_date(row["ERV_VEGE"]),
            )
            for row in csv.DictReader(fh)
        }


def bno_problem(
    code: str, *, on: dt.date, sex: str | None = None, age: int | None = None
) -> str | None:
    """None if ``code`` may be used on that date for that patient, else why not (Hungarian)."""
    entry = bno_table().get(code)
    if entry is None:
        return f"Ismeretlen BNO kód: {code}."
    if not entry.valid_from <= on <= entry.valid_to:
        return f"A(z) {code} BNO kód {on.isoformat()} napon nem érvényes."
    if sex and entry.sex in ("1", "2") and sex != entry.sex:
        return f"A(z) {code} BNO kód nem használható a beteg nemére."
    # KOR_F 99 means "no upper limit" in the NEAK table.
    if age is not None and (age < entry.age_min or (entry.age_max < 99 and age > entry.age_max)):
        return f"A(z) {code} BNO kód nem használható a beteg életkorában."
    return None
