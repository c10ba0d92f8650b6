"""Section 2, patient search at 10k, 100k and 1M patients: p50/p95 of name-prefix, TAJ and
birth-date searches through the product's selector (`patient_search`: plan, queryset, one
page of model instances) against the bare SQL of the same query (the SQL Django compiles
for that page, executed and fetched on a raw cursor) in the same run.

Run: `python -m bench.search --sizes 10000,100000,1000000 --queries 200` on the database
of DATABASE_URL (PostgreSQL) or SQLite (prints one JSON object)."""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.common import CACHE_DIR, log, percentile


def _use_database(size: int) -> bool:
    """Points the default connection at the cached dataset of `size` (created empty if
    missing). Returns True when it already existed."""
    from django.db import connections

    db = connections["default"].settings_dict
    connections.close_all()
    if db["ENGINE"].endswith("postgresql"):
        import psycopg

        name = f"zomanc_bench_{size}"
        url = urlsplit(os.environ["DATABASE_URL"])
        admin_url = url._replace(path="/postgres").geturl()
        with psycopg.connect(admin_url, autocommit=True) as admin:
            found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not found:
                admin.execute(f'CREATE DATABASE "{name}"')
        db["NAME"] = name
        return bool(found)
    path = Path(CACHE_DIR) / f"patients-{size}.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    existed = path.exists()
    db["NAME"] = str(path)
    return existed


def _drop_database(size: int) -> None:
    from django.db import connections

    db = connections["default"].settings_dict
    connections.close_all()
    if db["ENGINE"].endswith("postgresql"):
        import psycopg

        url = urlsplit(os.environ["DATABASE_URL"])
        with psycopg.connect(url._replace(path="/postgres").geturl(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "zomanc_bench_{size}" WITH (FORCE)')
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{CACHE_DIR}/patients-{size}.sqlite3{suffix}").unlink(missing_ok=True)


def _migrate() -> bool:
    """Migrates the current database; True when a migration was applied."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    def applied() -> int:
        if MigrationRecorder.Migration._meta.db_table not in connection.introspection.table_names():
            return 0
        return MigrationRecorder.Migration.objects.count()

    before = applied()
    call_command("migrate", interactive=False, verbosity=0)
    return applied() != before


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def dataset(size: int) -> tuple[Any, dict[str, Any]]:
    """The practice of the cached dataset of `size` patients, generating it when missing
    or made by another generator version."""
    from bench.data import load, practice_name
    from zomanc.practices.models import Practice

    existed = _use_database(size)
    if _migrate():
        _analyze()  # a migration may have rebuilt an index: the planner needs its statistics
    practice = Practice.objects.filter(name=practice_name(size)).first()
    info: dict[str, Any] = {"cached": practice is not None}
    if practice is None:
        if existed:  # another generator version: start clean
            _drop_database(size)
            _use_database(size)
            _migrate()
        log(f"generating {size} patients (cached for later runs)")
        t0 = time.perf_counter()
        practice = load(size)
        info["generated_seconds"] = round(time.perf_counter() - t0, 1)
        log(f"{size} patients in {info['generated_seconds']} s")
    return practice, info


def _queries(practice: Any, kind: str, count: int, rng: random.Random) -> list[str]:
    from django.db.models import Max, Min

    from bench.data import FAMILY_NAMES, _given_names
    from zomanc.patients.models import Patient
    from zomanc.patients.search import search_key

    if kind == "name":
        given = _given_names()
        out = []
        for n in range(count):
            family = search_key(rng.choice(FAMILY_NAMES))
            # Alternately what a receptionist types first ("kov") and a narrower one
            # ("kovacs an").
            out.append(family[:3] if n % 2 else f"{family} {search_key(rng.choice(given)[0])[:2]}")
        return out
    if kind == "taj":
        bounds = Patient.objects.filter(practice=practice).aggregate(lo=Min("pk"), hi=Max("pk"))
        ids = [rng.randint(bounds["lo"], bounds["hi"]) for _ in range(count)]
        tajs = list(Patient.objects.filter(pk__in=ids).values_list("id_value", flat=True))
        # Typed with the usual spaces half of the time.
        return [f"{t[:3]} {t[3:6]} {t[6:]}" if n % 2 else t for n, t in enumerate(tajs)]
    return [
        f"{1925 + rng.randrange(100)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        for _ in range(count)
    ]


def _time_kind(practice: Any, queries: list[str]) -> dict[str, Any]:
    from django.db import connection

    from zomanc.patients.selectors import PAGE_SIZE, patient_search, patient_search_queryset

    compiled = [
        patient_search_queryset(practice, q)[: PAGE_SIZE + 1].query.sql_with_params()
        for q in queries
    ]
    for q in queries[:5]:  # warm caches and the connection
        patient_search(practice=practice, query=q)
    selector: list[float] = []
    bare: list[float] = []
    found = 0
    with connection.cursor() as cursor:
        for n, (q, (sql, params)) in enumerate(zip(queries, compiled, strict=True)):
            # Alternately first: neither side always finds the pages the other just read.
            for side in (0, 1) if n % 2 else (1, 0):
                t0 = time.perf_counter()
                if side == 0:
                    found += len(patient_search(practice=practice, query=q).items)
                    selector.append(time.perf_counter() - t0)
                else:
                    cursor.execute(sql, params)
                    cursor.fetchall()
                    bare.append(time.perf_counter() - t0)
        plan = _plan(cursor, *compiled[0])
    return {
        "selector_p50_ms": _ms(percentile(selector, 0.5)),
        "selector_p95_ms": _ms(percentile(selector, 0.95)),
        "sql_p50_ms": _ms(percentile(bare, 0.5)),
        "sql_p95_ms": _ms(percentile(bare, 0.95)),
        "rows_per_query": round(found / len(queries), 1),
        "plan": plan,
    }


def _plan(cursor: Any, sql: str, params: Any) -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        cursor.execute("EXPLAIN " + sql, params)
        lines = [row[0].strip() for row in cursor.fetchall()]
        return " / ".join(line for line in lines if "Scan" in line or "Sort" in line)[:200]
    cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
    return " / ".join(str(row[-1]) for row in cursor.fetchall())[:200]


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


def search_run(*, sizes: list[int], queries: int) -> dict[str, Any]:
    from django.db import connection

    result: dict[str, Any] = {"database": connection.vendor, "sizes": {}}
    for size in sizes:
        practice, info = dataset(size)
        rng = random.Random(size)  # noqa: S311 - reproducible queries
        kinds = {}
        for kind in ("name", "taj", "birth_date"):
            kinds[kind] = _time_kind(practice, _queries(practice, kind, queries, rng))
        result["sizes"][str(size)] = {**info, "kinds": kinds}
        log(
            f"search {connection.vendor} {size}: "
            + ", ".join(f"{k} p95 {v['selector_p95_ms']} ms" for k, v in kinds.items())
        )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    import django

    django.setup()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(json.dumps(search_run(sizes=sizes, queries=args.queries)), flush=True)


if __name__ == "__main__":
    main()
