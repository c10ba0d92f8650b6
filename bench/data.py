"""Fake patients for the search benchmark, generated fast and loaded in bulk.

Every TAJ has a correct check digit (zomanc.codes.validators.taj_generate) and is unique
within a dataset. FAKE DATA ONLY: a generated TAJ may belong to a real person, so these
numbers never leave the benchmark's own databases (nothing here talks to EESZT).

The datasets are cached between runs (issue 7): a PostgreSQL database
`zomanc_bench_<size>` on the benchmark's server and a SQLite file
`var/bench/patients-<size>.sqlite3`, each with one practice whose name carries
DATASET_VERSION and the size — a dataset made by another version of this generator is made
again. The schema is migrated on every use (a no-op when nothing changed)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

from zomanc.codes.validators import taj_generate, taj_is_valid
from zomanc.core.management.commands.demo_load import FAMILY_NAMES, FEMALE_NAMES, MALE_NAMES
from zomanc.patients.search import patient_search_name

DATASET_VERSION = 1
SEED = 7
COLUMNS = (
    "practice_id",
    "family_name",
    "given_name",
    "birth_family_name",
    "birth_given_name",
    "sex",
    "birth_date",
    "birth_place",
    "mother_name",
    "postal_code",
    "city",
    "street_address",
    "country",
    "phone",
    "email",
    "id_type",
    "id_value",
    "search_name",
    "created_at",
    "updated_at",
)
_FIRST_BIRTH = dt.date(1925, 1, 1)
_BIRTH_DAYS = (dt.date(2024, 12, 31) - _FIRST_BIRTH).days


def practice_name(size: int) -> str:
    return f"Benchmark practice v{DATASET_VERSION} ({size} patients)"


def patient_rows(count: int, practice_id: int, seed: int = SEED) -> Iterator[tuple[Any, ...]]:
    """`count` patient rows in COLUMNS order: Hungarian names, birth dates 1925–2024, unique
    valid TAJ numbers."""
    rng = random.Random(seed)  # noqa: S311 - fake data, reproducible
    names = [(family, given, sex) for family in FAMILY_NAMES for given, sex in _given_names()]
    keys = {(f, g): patient_search_name(f, g) for f, g, _ in names}
    seen: set[str] = set()
    now = dt.datetime.now(dt.UTC)
    for _ in range(count):
        family, given, sex = names[rng.randrange(len(names))]
        taj = taj_generate(rng)
        while taj in seen:
            taj = taj_generate(rng)
        seen.add(taj)
        born = _FIRST_BIRTH + dt.timedelta(days=rng.randrange(_BIRTH_DAYS))
        yield (
            practice_id, family, given, "", "", sex, born, "", "", "", "", "", "HU", "", "",
            "TAJ", taj, keys[(family, given)], now, now,
        )  # fmt: skip


def _given_names() -> list[tuple[str, str]]:
    return [(n, "F") for n in FEMALE_NAMES] + [(n, "M") for n in MALE_NAMES]


def rows_valid(rows: list[tuple[Any, ...]]) -> bool:
    """Every TAJ valid and unique (the generator's promise; tested)."""
    tajs = [row[COLUMNS.index("id_value")] for row in rows]
    return len(set(tajs)) == len(tajs) and all(taj_is_valid(t) for t in tajs)


def load(count: int, practice: Any = None, seed: int = SEED) -> Any:
    """Creates `count` patients (and, unless given, their practice) in the current default
    database, in bulk (PostgreSQL COPY; SQLite executemany in one transaction). Returns the
    practice."""
    from django.db import connection, transaction

    from zomanc.patients.models import Patient
    from zomanc.practices.models import Practice

    with transaction.atomic():
        if practice is None:
            practice = Practice.objects.create(name=practice_name(count))
        table = Patient._meta.db_table
        rows = patient_rows(count, practice.pk, seed)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                raw = cursor.cursor  # the psycopg cursor under Django's wrapper
                with raw.copy(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(COLUMNS))
                sql = f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({marks})"  # noqa: S608
                batch: list[tuple[Any, ...]] = []
                for row in rows:
                    batch.append(row)
                    if len(batch) == 20_000:
                        cursor.executemany(sql, batch)
                        batch.clear()
                if batch:
                    cursor.executemany(sql, batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return practice
