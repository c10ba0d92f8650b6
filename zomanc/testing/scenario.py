"""What the reliability scenarios share (the EESZT one, zomanc/eeszt/scenario.py, and the NAV
one, zomanc/nav/scenario.py): a fresh database next to the configured one, real
`manage.py ox_worker` processes started ahead and SIGKILLed on cue, the sandbox's
maintenance window, the conductor that spaces the disturbances as delivery progresses, and
the measuring helpers. Each scenario supplies what is its own: the modules its workers load
before they wait, how many rows are delivered so far, whether a row is being sent now, and
the sandbox fault service.

No models are imported at module level: the benchmark imports this before Django's setup."""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import os
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from django.db import connection, connections
from django.utils import timezone

REPO = Path(__file__).resolve().parents[2]


class WorkerConfig(Protocol):
    """The fields of a scenario's config the harness reads."""

    @property
    def workers(self) -> int: ...
    @property
    def concurrency(self) -> int: ...
    @property
    def poll_interval(self) -> float: ...
    @property
    def lease_seconds(self) -> float: ...
    @property
    def kills(self) -> int: ...
    @property
    def maintenance_seconds(self) -> float: ...
    @property
    def progress_step(self) -> int: ...
    @property
    def share_http_503(self) -> float: ...
    @property
    def share_hang(self) -> float: ...
    @property
    def timeout_seconds(self) -> float: ...
    @property
    def retry_after_seconds(self) -> int: ...


def log_to(name: str) -> Callable[[str], None]:
    def log(message: str) -> None:
        print(f"[{name} {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    return log


class ScenarioProbe:
    """Measurement hooks for the benchmark (bench/pipeline.py, bench/invoices.py), called with
    the live processes: the workers once they poll and once every row is final (before they
    stop), then `after` while the sandbox and the run's database are still there (`setup`:
    what the scenario created — its practice, company, users). Its dict goes into the result
    as `probe`."""

    def workers_at_rest(self, pids: list[int]) -> None:
        return None

    def workers_loaded(self, pids: list[int]) -> None:
        return None

    def after(self, sandbox: Any, setup: Any) -> dict[str, Any]:
        return {}


# --- the fresh database ------------------------------------------------------------------


@contextlib.contextmanager
def fresh_database(tmp: Path) -> Iterator[dict[str, str]]:
    """Points this process at a new empty database and yields the environment the workers
    need to use the same one. PostgreSQL: a uniquely named database on the configured
    server, dropped at the end. SQLite: a new file under `tmp` (ZOMANC_DATA_DIR)."""
    db = connections["default"].settings_dict
    connections.close_all()
    original = db["NAME"]
    if db["ENGINE"].endswith("postgresql"):
        import psycopg
        from psycopg.conninfo import make_conninfo

        name = f"zomanc_scenario_{os.getpid()}_{secrets.token_hex(4)}"
        parts = {"host": db.get("HOST"), "port": db.get("PORT"), "user": db.get("USER")}
        parts["password"] = db.get("PASSWORD")
        server = make_conninfo(dbname="postgres", **{k: str(v) for k, v in parts.items() if v})
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        db["NAME"] = name
        url = urlsplit(os.environ["DATABASE_URL"])
        env = {"DATABASE_URL": urlunsplit(url._replace(path=f"/{name}"))}
        try:
            yield env
        finally:
            connections.close_all()
            db["NAME"] = original
            with psycopg.connect(server, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        data_dir = tmp / "zomanc"
        data_dir.mkdir()
        db["NAME"] = str(data_dir / "zomanc.sqlite3")
        try:
            yield {"ZOMANC_DATA_DIR": str(data_dir)}
        finally:
            connections.close_all()
            db["NAME"] = original


def worker_environment(db_env: dict[str, str], **extra: str) -> dict[str, str]:
    """This process's environment for the workers: the fresh database's, no DEBUG (it keeps
    every query in memory: not how workers run), quiet logs, and the scenario's settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "ZOMANC_DATA_DIR", "DJANGO_SETTINGS_MODULE")
    }
    env.update(db_env)
    env.update(
        DJANGO_SETTINGS_MODULE="zomanc.settings",
        PYTHONUNBUFFERED="1",
        ZOMANC_LOG_LEVEL="WARNING",
        ZOMANC_DEBUG="0",
        **extra,
    )
    return env


# --- workers -----------------------------------------------------------------------------


def _die_with_parent() -> None:
    """Workers go when the scenario goes, even if it is killed (Linux prctl). The signal
    comes when the *thread* that started the worker ends: the conductor thread lives until the
    run is over for that reason."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


# A worker process that loads Django and the delivery code, then waits for a line on stdin
# before it runs `manage.py ox_worker <args>`: replacements are started ahead and released
# the moment a worker is killed, so a run measures delivery and recovery, not how long
# Python takes to import Django on a busy machine.
_LAUNCHER = """
import importlib
import sys
import django
django.setup()
for name in sys.argv[1].split(","):
    importlib.import_module(name)
from django.core.management import execute_from_command_line
sys.stdin.readline()
execute_from_command_line(["manage.py", "ox_worker", *sys.argv[2:]])
"""


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a live process (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Run[C: WorkerConfig]:
    """The live processes of one run and what happened to them.

    `preload`: modules a worker imports before it waits; `delivered`: rows delivered so far
    (the conductor spaces the disturbances by it); `in_flight`: whether a row is being sent
    now (a kill waits up to 2 s for one); `fault_service`: the sandbox fault rule the
    maintenance window goes into."""

    config: C
    tmp: Path
    worker_env: dict[str, str]
    preload: tuple[str, ...]
    delivered: Callable[[], int]
    in_flight: Callable[[], bool]
    fault_service: str = "*"
    log: Callable[[str], None] = field(default=log_to("scenario"))
    workers: list[subprocess.Popen[bytes] | None] = field(default_factory=list)
    worker_logs: list[Path] = field(default_factory=list)
    heartbeats: list[Path] = field(default_factory=list)
    spares: list[subprocess.Popen[bytes]] = field(default_factory=list)
    worker_cpu: float = 0.0
    kills_done: int = 0
    kills_in_flight: int = 0  # kills that caught at least one row being sent
    maintenance_windows: int = 0
    plan_done: bool = False
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def spawn(self) -> subprocess.Popen[bytes]:
        config = self.config
        n = len(self.worker_logs)
        log_path = self.tmp / f"worker-{n}.log"
        self.worker_logs.append(log_path)
        heartbeat = self.tmp / f"worker-{n}.heartbeat"
        self.heartbeats.append(heartbeat)
        args = [sys.executable, "-c", _LAUNCHER, ",".join(self.preload)]
        args += ["--concurrency", str(config.concurrency), "--interval", str(config.poll_interval)]
        args += ["--lock-timeout", str(config.lease_seconds), "--heartbeat-file", str(heartbeat)]
        with log_path.open("wb") as out:
            return subprocess.Popen(  # noqa: S603 - our own interpreter and command
                args,
                cwd=REPO,
                env=self.worker_env,
                stdin=subprocess.PIPE,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )

    def release(self, slot: int, process: subprocess.Popen[bytes]) -> None:
        assert process.stdin is not None
        process.stdin.write(b"go\n")
        process.stdin.close()
        while len(self.workers) <= slot:
            self.workers.append(None)
        self.workers[slot] = process

    def ready(self, timeout: float = 120) -> None:
        """Waits for each worker's first poll (its heartbeat file): Django's start-up on a
        busy machine takes seconds, and the kills should hit working workers."""
        deadline = time.monotonic() + timeout
        while not all(path.exists() for path in self.heartbeats[: len(self.workers)]):
            dead = [p for p in self.workers if p is not None and p.poll() is not None]
            if dead:
                raise RuntimeError(f"a worker stopped at start; see {self.worker_logs}")
            if time.monotonic() > deadline:
                raise RuntimeError("the workers did not start in time")
            time.sleep(0.1)

    def start(self, processes: list[subprocess.Popen[bytes]]) -> None:
        for slot, process in enumerate(processes):
            self.release(slot, process)
        self.ready()

    def pids(self) -> list[int]:
        return [w.pid for w in self.workers if w is not None and w.poll() is None]

    def stop_all(self) -> None:
        for process in self.workers:
            if process is not None and process.poll() is None:
                self.worker_cpu += process_cpu_seconds(process.pid)
                process.send_signal(signal.SIGTERM)
        for process in self.spares:
            process.kill()
        for process in [*self.workers, *self.spares]:
            if process is None:
                continue
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)

    def kill(self, n: int) -> None:
        """SIGKILLs a worker (round robin), preferably while a row is being sent, and
        releases a new one in its place at once."""
        in_flight = False
        until = time.monotonic() + 2.0
        while time.monotonic() < until and not self.stop.is_set():
            if self.in_flight():
                in_flight = True
                break
            time.sleep(0.02)
        slot = n % self.config.workers
        with self.lock:
            process = self.workers[slot]
            assert process is not None
            cpu = process_cpu_seconds(process.pid)
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
            self.worker_cpu += cpu
            self.kills_done += 1
            self.kills_in_flight += int(in_flight)
            self.log(f"SIGKILL worker {slot} (pid {process.pid}); row in flight: {in_flight}")
            self.release(slot, self.spares.pop(0))
            if self.kills_done < self.config.kills:
                self.spares.append(self.spawn())

    def maintenance(self, sandbox: Any) -> None:
        now = timezone.now()
        until = now + dt.timedelta(seconds=self.config.maintenance_seconds)
        sandbox.admin(
            "faults",
            {
                "service": self.fault_service,
                "maintenance_from": now.isoformat(),
                "maintenance_until": until.isoformat(),
            },
        )
        self.maintenance_windows += 1
        self.log(f"maintenance window for {self.config.maintenance_seconds} s")
        self.stop.wait(self.config.maintenance_seconds)

    def conductor(self, sandbox: Any) -> None:
        """Kills and the maintenance window, one after another as delivery progresses (run in
        its own thread; it lives until `stop` is set: the workers it started die with it)."""
        config = self.config
        plan = ["kill"] * config.kills
        if config.maintenance_seconds:
            plan.insert(min(1, len(plan)), "maintenance")
        kills = 0
        try:
            mark = 0
            for step in plan:
                while self.delivered() < mark + config.progress_step:
                    if self.stop.wait(0.1):
                        return
                if step == "kill":
                    self.kill(kills)
                    kills += 1
                else:
                    self.maintenance(sandbox)
                mark = self.delivered()
            self.plan_done = True
        finally:
            connection.close()
            self.stop.wait()

    def log_findings(self) -> dict[str, int]:
        needles = ("Traceback", "database is locked", "OperationalError", "IntegrityError")
        found: Counter[str] = Counter()
        for path in self.worker_logs:
            text = path.read_text(errors="replace") if path.exists() else ""
            for needle in needles:
                found[needle] += text.count(needle)
        return {k: v for k, v in found.items() if v}


def faults_set(sandbox: Any, config: WorkerConfig, service: str = "*") -> None:
    """The acceptance mix: a share of HTTP 503s (with Retry-After) and of accept-then-time-out
    (processed, then the connection held past the client's timeout)."""
    if not (config.share_http_503 or config.share_hang):
        return
    # The sandbox rolls "hang" only for requests the 503 roll let through.
    hang = config.share_hang / (1 - config.share_http_503) if config.share_http_503 < 1 else 0
    rule: dict[str, object] = {
        "service": service,
        "share_http_503": config.share_http_503,
        "share_hang": min(hang, 1.0),
        # Longer than the client's timeout: the client gives up first, as in real life.
        "hang_seconds": int(config.timeout_seconds) + 2,
        "retry_after_seconds": config.retry_after_seconds,
    }
    sandbox.admin("faults", rule)


# --- measuring ---------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 3)
    return round(statistics.quantiles(values, n=100, method="inclusive")[int(share * 100) - 1], 3)


def ox_task_counts() -> dict[str, int]:
    from django_ox.models import OxTask

    return dict(Counter(OxTask.objects.values_list("status", flat=True)))


def cpu_seconds(run: Run[Any], sandbox: Any) -> dict[str, float]:
    """Where the machine's time went (Linux /proc; a killed worker's up to its kill)."""
    return {
        "workers": round(run.worker_cpu, 1),
        "sandbox": round(process_cpu_seconds(sandbox.process.pid), 1),
        "scenario": round(sum(os.times()[:2]), 1),
    }
