"""The reminders section (issue 17, bench/reminders.py): the whole run on a tiny day — fresh
database, the real sandbox's catcher, the ox worker — delivers every message and counts them
at the catcher; a wrong count fails the run; the report draws its row."""

from __future__ import annotations

import os
from typing import Any

import pytest

from bench.common import run_child
from bench.reminders import RunFailed, catcher_check
from bench.report import render


def test_the_section_runs_on_a_tiny_day() -> None:
    # A child process like `python -m bench` runs it: the section makes its own database
    # (next to the configured one: SQLite, or PostgreSQL when DATABASE_URL says so).
    result = run_child(
        "bench.reminders",
        ["--appointments", "6", "--practices", "2"],
        os.environ.get("DATABASE_URL"),
    )
    assert "error" not in result, result
    assert result["ok"] and result["at_catcher"] == 6
    assert result["reminders"] == 6 and result["attempts"] == {"1": 6}
    assert result["queue_cpu_ms_per_reminder"] > 0
    for name in ("keep_alive", "per_message", "one_connection"):
        floor = result["floor"][name]
        assert floor["messages"] == 6 and floor["messages_per_s"]
        # The floor's messages are the pipeline's, byte for byte but the Message-ID.
        assert abs(floor["bytes_mean"] - result["bytes_mean"]) <= 2
    assert result["ratio_to_floor"] and result["worker_cpu_ms_per_message"]
    # Every reminder was due the day before the appointments, at its own time.
    assert result["due_from"] < result["due_until"] < result["day"]


def test_a_wrong_count_at_the_catcher_fails_the_run() -> None:
    expected = {"<a@x>", "<b@x>"}
    assert catcher_check([("<a@x>", 10), ("<b@x>", 12), ("<z@x>", 1)], expected, "t") == [10, 12]
    with pytest.raises(RunFailed, match="1 missing"):
        catcher_check([("<a@x>", 10)], expected, "t")
    with pytest.raises(RunFailed, match="1 more than once"):
        catcher_check([("<a@x>", 10), ("<a@x>", 10), ("<b@x>", 12)], expected, "t")


def test_report_renders_the_reminders_section() -> None:
    floor = {
        "keep_alive": {"messages_per_s": 90.0, "catcher_cpu_ms_per_message": 4.0,
                       "cores_busy": 1.2},
        "per_message": {"messages_per_s": 60.0},
        "one_connection": {"messages_per_s": 40.0},
    }  # fmt: skip
    run = {
        "database": "sqlite", "workers": 1, "appointments": 2000, "practices": 100, "ok": True,
        "booking_ms_per_appointment": 30.0, "queue_ms_per_reminder": 8.5,
        "queue_cpu_ms_per_reminder": 6.25,
        "drain_messages_per_s": 45.0, "floor": floor, "ratio_to_floor": 2.0,
        "worker_cpu_ms_per_message": 12.0, "catcher_cpu_ms_per_message": 4.5,
        "cores_busy": {"delivery": 1.9}, "bytes_mean": 1400, "at_catcher": 2000,
    }  # fmt: skip
    results: dict[str, Any] = {
        "meta": {"started": "x", "mode": "full", "cpus": 2, "load_before": "1", "load_after": "1",
                 "seconds": 1.0, "postgresql": "reachable"},
        "reminders": [run, {"error": "bench.reminders exited 1", "label": "postgresql, 2"}],
    }  # fmt: skip
    text, targets = render(results)
    assert "Appointment reminders" in text and "error: bench.reminders exited 1" in text
    assert (
        "| sqlite, 1 worker(s) | 2,000 / 100 | 30.0 | 8.5 / 6.2 | 45.0 | 90.0 / 60.0 / 40.0 | 2.00 "
        "| 12.0 | 4.5 / 4.0 | 1.90 / 1.20 | 1,400 | 2,000 of 2,000 |" in text
    )
    labels = [t for t, _, _ in targets]
    assert any(t.startswith("reminders to the mail catcher: ratio") for t in labels)
