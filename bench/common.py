"""Small shared helpers: percentiles, resident memory, running a section in a child process."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CACHE_DIR = REPO / "var" / "bench"
PG_DEFAULT = "postgres://postgres@127.0.0.1:5432/test"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], share: float) -> float | None:
    """The `share` quantile (0.5, 0.95, 0.99) of `values`, inclusive method; None if empty."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def rss_mb(pid: int) -> float | None:
    """Resident memory of a live process in MB (Linux /proc), None if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def cpu_jiffies() -> tuple[int, int]:
    """(busy, total) clock ticks of the whole machine since boot (Linux /proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    total = sum(fields[:8])  # guest time is already counted in user
    return total - idle, total


def cores_busy(since: tuple[int, int]) -> float | None:
    """How many of the machine's cores were busy on average since `since` (cpu_jiffies()):
    2.0 on this 2-core machine means it had no CPU to spare."""
    busy, total = cpu_jiffies()
    if total <= since[1]:
        return None
    return round((busy - since[0]) / (total - since[1]) * (os.cpu_count() or 1), 2)


def load_average() -> tuple[float, float, float]:
    return os.getloadavg()


def pg_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or PG_DEFAULT


def pg_reachable(url: str) -> str | None:
    """None when PostgreSQL answers at `url`, else the reason it does not."""
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # any failure is a reason to skip, printed as such
        return f"{type(exc).__name__}: {exc}".strip()
    return None


def child_env(database_url: str | None) -> dict[str, str]:
    """The environment of a section's child process: SQLite when `database_url` is None."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "SANDBOX_DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(DJANGO_SETTINGS_MODULE="zomanc.settings", ZOMANC_DEBUG="0", PYTHONUNBUFFERED="1")
    env.setdefault("ZOMANC_LOG_LEVEL", "WARNING")
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def run_child(module: str, args: list[str], database_url: str | None) -> dict[str, Any]:
    """Runs `python -m <module> <args>` (a section on one database; Django reads the database
    from the environment at start, so each vendor gets its own process) and returns the JSON
    object it prints last on stdout. Its stderr (progress) passes through."""
    out = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", module, *args],
        cwd=REPO,
        env=child_env(database_url),
        stdout=subprocess.PIPE,
        check=False,
    )
    lines = out.stdout.decode().strip().splitlines()
    if out.returncode != 0 or not lines:
        return {"error": f"{module} exited {out.returncode}", "output": lines[-5:]}
    result: dict[str, Any] = json.loads(lines[-1])
    return result
