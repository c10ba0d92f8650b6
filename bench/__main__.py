"""`python -m bench` (make bench) and `python -m bench --quick` (make bench-quick).

Each section runs in its own child process per database (Django reads the database from
the environment at start). The full run writes its table into docs/benchmarks.md; the quick
run (CI) prints it and writes it to a temporary file only, so it never dirties the tree."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import CACHE_DIR, REPO, load_average, log, pg_reachable, pg_url, run_child
from bench.report import render, write_into

FULL = {
    "visits": 1000,
    "sizes": "10000,100000,1000000",
    "queries": 400,
    "clients": "1,10,50",
    "requests": 300,
    "seconds": 10,
    "invoices": 500,
    "pdfs": 20,
    "appointments": 2000,
    "practices": 100,
}
QUICK = {
    "visits": 30,
    "sizes": "10000",
    "queries": 50,
    "clients": "1,10",
    "requests": 30,
    "seconds": 3,
    "invoices": 30,
    "pdfs": 3,
    "appointments": 100,
    "practices": 10,
}
SECTIONS = ("pipeline", "search", "pages", "invoices", "reminders")


def _load() -> str:
    return " / ".join(f"{x:.1f}" for x in load_average())


def bench_run(*, quick: bool, sections: tuple[str, ...] = SECTIONS) -> dict[str, Any]:
    plan = QUICK if quick else FULL
    started = time.monotonic()
    pg = pg_url()
    reason = pg_reachable(pg)
    if reason:
        log(f"PostgreSQL skipped: {pg} is unreachable ({reason})")
    databases: list[tuple[str, str | None]] = [("sqlite", None)]
    if reason is None:
        databases.append(("postgresql", pg))
    results: dict[str, Any] = {
        "meta": {
            "started": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
            "mode": "quick" if quick else "full",
            "cpus": os.cpu_count(),
            "load_before": _load(),
            "postgresql": "reachable" if reason is None else f"skipped ({reason})",
        }
    }
    if "pipeline" in sections:
        runs = [
            (label, url, w) for label, url in databases for w in ((1,) if url is None else (1, 2))
        ]
        results["pipeline"] = []
        for label, url, workers in runs:
            log(f"pipeline: {label}, {workers} worker(s), {plan['visits']} visits")
            r = run_child(
                "bench.pipeline", ["--visits", str(plan["visits"]), "--workers", str(workers)], url
            )
            r.setdefault("label", f"{label}, {workers} worker(s)")
            results["pipeline"].append(r)
    if "search" in sections:
        results["search"] = []
        for label, url in databases:
            log(f"search: {label}, sizes {plan['sizes']}")
            r = run_child(
                "bench.search",
                ["--sizes", str(plan["sizes"]), "--queries", str(plan["queries"])],
                url,
            )
            r.setdefault("label", label)
            results["search"].append(r)
    if "pages" in sections:
        label, url = databases[-1]  # PostgreSQL when reachable: the hosted shape
        log(f"pages: {label}, clients {plan['clients']}")
        results["pages"] = run_child(
            "bench.pages",
            ["--clients", str(plan["clients"]), "--requests", str(plan["requests"]),
             "--seconds", str(plan["seconds"])],
            url,
        )  # fmt: skip
    if "invoices" in sections:
        # Issue 16: invoices → NAV against the NAV sandbox's floor, and PDF rendering; one
        # worker on SQLite, two on PostgreSQL (the reliability scenario's shapes).
        results["invoices"] = []
        for label, url in databases:
            workers = 1 if url is None else 2
            log(f"invoices: {label}, {workers} worker(s), {plan['invoices']} documents")
            r = run_child(
                "bench.invoices",
                ["--invoices", str(plan["invoices"]), "--workers", str(workers),
                 "--pdfs", str(plan["pdfs"])],
                url,
            )  # fmt: skip
            r.setdefault("label", f"{label}, {workers} worker(s)")
            results["invoices"].append(r)
    if "reminders" in sections:
        # Issue 17: a day's reminders queued and sent to the mail catcher, against the
        # catcher's own floor; one worker on SQLite, two on PostgreSQL (as the invoices).
        # Quick: one database (PostgreSQL when reachable, like the pages): its fixed cost —
        # a fresh database migrated, the sandbox started — is most of a small run.
        results["reminders"] = []
        for label, url in databases[-1:] if quick else databases:
            workers = 1 if url is None else 2
            log(f"reminders: {label}, {workers} worker(s), {plan['appointments']} appointments")
            r = run_child(
                "bench.reminders",
                ["--appointments", str(plan["appointments"]),
                 "--practices", str(plan["practices"]), "--workers", str(workers)],
                url,
            )  # fmt: skip
            r.setdefault("label", f"{label}, {workers} worker(s)")
            results["reminders"].append(r)
    results["meta"]["load_after"] = _load()
    results["meta"]["seconds"] = time.monotonic() - started
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="the small version (CI)")
    parser.add_argument("--only", default=",".join(SECTIONS), help=",".join(SECTIONS))
    parser.add_argument("--out", help="write the table into this file (full: docs/benchmarks.md)")
    args = parser.parse_args()
    sections = tuple(s for s in args.only.split(",") if s)
    results = bench_run(quick=args.quick, sections=sections)
    text, _targets = render(results)
    print(text, flush=True)
    if args.out:
        out = Path(args.out)
    elif args.quick or sections != SECTIONS:
        out = Path(tempfile.mkstemp(prefix="zomanc-bench-", suffix=".md")[1])
    else:
        out = REPO / "docs" / "benchmarks.md"
    write_into(out, text)
    # The raw figures: next to a temporary table, or var/bench/last-run.json (not committed).
    raw = out.with_suffix(".json") if out.parent != REPO / "docs" else CACHE_DIR / "last-run.json"
    raw.parent.mkdir(parents=True, exist_ok=True)
    raw.write_text(json.dumps(results, indent=1))
    log(f"table written to {out} ({results['meta']['seconds']:.0f} s)")
    failed = [
        s
        for s in ("pipeline", "search", "invoices", "reminders")
        for r in results.get(s, [])
        if "error" in r
    ] + (["pages"] if "error" in results.get("pages", {}) else [])
    if failed:
        log(f"sections that failed: {failed}")
        sys.exit(1)


if __name__ == "__main__":
    main()
