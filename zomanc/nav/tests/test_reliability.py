"""Every invoice reaches NAV exactly once (issue 16, "Done means").

The acceptance test runs the invoice reliability scenario (zomanc/nav/scenario.py) as its
own process against real processes: the sandbox (NAV on its own TLS port), `manage.py
ox_worker`s killed with SIGKILL, a fresh database (SQLite with one worker; PostgreSQL with
two workers when DATABASE_URL is set, as in CI's second run). The EESZT scenario's runner
(zomanc/eeszt/outbox/tests/test_reliability.py) is the model."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[3]
INVOICES = 500
KILLS = 3


def _scenario(*args: str) -> dict[str, Any]:
    process = subprocess.Popen(
        [sys.executable, str(REPO / "manage.py"), "nav_scenario", *args],
        cwd=REPO,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out, err = process.communicate(timeout=540)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGTERM)  # the command cleans up: workers, sandbox, db
        out, err = process.communicate(timeout=60)
        pytest.fail("the scenario did not finish in 9 minutes:\n" + err[-4000:])
    lines = [line for line in out.splitlines() if line.startswith("{")]
    assert lines, f"no result (exit {process.returncode}):\n{err[-4000:]}"
    result: dict[str, Any] = json.loads(lines[-1])
    print(json.dumps(result, indent=1, ensure_ascii=False))  # the figures, in the test log
    return result


@pytest.mark.e2e
def test_every_invoice_reaches_nav_exactly_once_under_faults_and_kills() -> None:
    postgres = bool(os.environ.get("DATABASE_URL"))
    workers = 2 if postgres else 1
    result = _scenario(
        "--invoices", str(INVOICES), "--workers", str(workers), "--kills", str(KILLS)
    )  # 30 % HTTP 503, 10 % accept-then-time-out and a maintenance window are the defaults
    assert result["database"] == ("postgresql" if postgres else "sqlite")
    config = result["config"]
    assert (config["share_http_503"], config["share_hang"]) == (0.30, 0.10)
    assert config["workers"] == workers

    # The documents: invoices, modifications and stornos, through the billing services.
    assert result["documents"] == {"CREATE": 400, "MODIFY": 50, "STORNO": 50}

    # The disturbances really happened.
    faults = result["sandbox"]["faults"]
    assert faults.get("http_503", 0) > 0 and faults.get("hang", 0) > 0
    assert faults.get("maintenance", 0) > 0
    assert result["kills"]["done"] >= KILLS
    assert result["kills"]["with_row_in_flight"] >= 1

    # Every row DONE, each with its own request id and its own NAV transaction; answers lost
    # after NAV accepted were found by looking them up, not by sending again.
    rows = result["rows"]
    assert not result["timed_out"], rows["not_final"]
    assert rows["by_state"] == {"done": INVOICES}, rows
    assert rows["request_ids"] == rows["transaction_ids"] == INVOICES
    assert sum(rows["found_by"].values()) > 0

    # Counted at the sandbox (its transaction list and each transaction's state, asked over
    # NAV's API): exactly the rows' transactions, one report each, every one DONE.
    nav = result["nav"]
    assert nav["transactions"] == nav["distinct_transactions"] == nav["reports"] == INVOICES
    assert nav["report_states"] == {"DONE": INVOICES}
    assert nav["not_ours"] == 0 and nav["ours_missing"] == 0

    # Numbers MF-<year>-000001 … 000500: no gap, none twice.
    numbers = result["numbers"]
    assert numbers["count"] == INVOICES and numbers["gapless"] and numbers["distinct"]
    assert numbers["first"].endswith("-000001") and numbers["last"].endswith("-000500")

    assert result["problems"] == [] and result["ok"]
