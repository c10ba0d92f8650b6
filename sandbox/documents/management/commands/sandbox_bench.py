"""Server time of one SOAP call for a patient with 100 documents (issue 4, "Speed").

    python -m django sandbox_bench --settings=sandbox.settings [--documents N] [--calls N]
        [--profile DocumentList] [--sql DocumentList]

Runs in a throw-away database (never the sandbox's own data; on SQLite a temporary file
with the server's pragmas, so commits cost what they cost in the server): seeds, gives a
test patient 100 documents (``sandbox.documents.bench``), then times ``pipeline.handle`` —
parse, XSD validation, WS-Security + SAML signature check, VMátrix, access decisions (+
access log writes), the queries, the answer. Not a test: timings depend on the machine.

Honest on a noisy machine: the calls are interleaved (one of each per round), so a burst
of load hits every operation alike; each row also shows its median as a multiple of the
floor (EligibilityCheck: the framework alone) measured in the same run, the CPU time of
the process beside the wall clock (less disturbed by other processes), and the load
average at the start and the end. The query count is of one call after warm-up, taken
outside the timed calls (capturing SQL slows every query down).
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext, setup_test_environment

from sandbox.documents.bench import FLOOR, Bench, bench_prepare
from sandbox.registry import seed

WARMUP = 5


class Command(BaseCommand):
    help = "Egy SOAP hívás szerveridejének mérése egy 100 dokumentumos betegnél."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--documents", type=int, default=100)
        parser.add_argument("--calls", type=int, default=200)
        parser.add_argument("--profile", metavar="CALL", help="cProfile of CALL's calls")
        parser.add_argument("--sql", metavar="CALL", help="print the SQL of one CALL")

    def handle(self, *args: Any, **options: Any) -> None:
        data = Path(tempfile.mkdtemp(prefix="sandbox-bench-"))
        settings.SANDBOX_DATA_DIR = data
        if connection.vendor == "sqlite":
            connection.settings_dict["TEST"]["NAME"] = str(data / "bench.sqlite3")
        setup_test_environment()
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            seed.seed_demo()
            bench = bench_prepare(n_docs=options["documents"])
            for name in (options["profile"], options["sql"]):
                if name and name not in bench.cases:
                    raise CommandError(f"ismeretlen hívás: {name} ({', '.join(bench.cases)})")
            if options["sql"]:
                self._sql(bench, options["sql"])
            elif options["profile"]:
                self._profile(bench, options["profile"], options["calls"])
            else:
                self._measure(bench, options["documents"], options["calls"])
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)

    def _warm_up(self, bench: Bench, name: str) -> None:
        for _ in range(WARMUP):
            outcome = bench.call(name)
            assert outcome.status == 200, outcome.body[:500]

    def _sql(self, bench: Bench, name: str) -> None:
        self._warm_up(bench, name)
        with CaptureQueriesContext(connection) as captured:
            bench.call(name)
        for i, q in enumerate(captured.captured_queries, 1):
            self.stdout.write(f"{i:3d} {q['time']}s  {q['sql'][:300]}")

    def _profile(self, bench: Bench, name: str, calls: int) -> None:
        self._warm_up(bench, name)
        envelopes = [bench.envelope(name) for _ in range(calls)]
        profiler = cProfile.Profile()
        profiler.enable()
        for envelope in envelopes:
            bench.call(name, envelope)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(25)
        self.stdout.write(out.getvalue())

    def _measure(self, bench: Bench, n_docs: int, calls: int) -> None:
        load_start = os.getloadavg()
        queries: dict[str, int] = {}
        for name in bench.cases:
            self._warm_up(bench, name)
            counts = []
            for _ in range(3):  # the least: not the once-a-second reload of the settings
                with CaptureQueriesContext(connection) as captured:
                    bench.call(name)
                counts.append(len(captured))
            queries[name] = min(counts)
        times: dict[str, list[float]] = {name: [] for name in bench.cases}
        cpu: dict[str, list[float]] = {name: [] for name in bench.cases}
        for _ in range(calls):
            for name in bench.cases:
                # The envelope is the client's work: built outside the timed part.
                envelope = bench.envelope(name)
                started, cpu_started = time.perf_counter(), time.process_time()
                outcome = bench.call(name, envelope)
                times[name].append((time.perf_counter() - started) * 1000)
                cpu[name].append((time.process_time() - cpu_started) * 1000)
                assert outcome.status == 200, outcome.body[:500]
        load_end = os.getloadavg()
        floor = statistics.median(times[FLOOR])
        self.stdout.write(
            f"{connection.vendor}, {n_docs} dokumentum, {calls} hívás műveletenként "
            f"(szerveridő, ms), {os.cpu_count()} CPU; terhelés (load average 1/5/15 perc) "
            f"elején {_load(load_start)}, végén {_load(load_end)}"
        )
        self.stdout.write(
            f"  {'hívás':16s} {'medián':>7s} {'p95':>7s} {'CPU med.':>8s} {'SQL':>4s} {'/alap':>6s}"
        )
        for name, values in times.items():
            values.sort()
            median = statistics.median(values)
            p95 = values[max(0, int(len(values) * 0.95) - 1)]
            self.stdout.write(
                f"  {name:16s} {median:7.2f} {p95:7.2f} {statistics.median(cpu[name]):8.2f} "
                f"{queries[name]:4d} {median / floor:5.2f}×"
            )
        self.stdout.write(f"  (/alap: a medián az {FLOOR} mediánjának hányszorosa)")


def _load(values: tuple[float, float, float]) -> str:
    return "/".join(f"{v:.2f}" for v in values)
