"""The benchmark's own code works (no timing assertions: figures belong in the table)."""

import pytest

from bench.common import percentile
from bench.data import COLUMNS, patient_rows, rows_valid
from bench.load import load_run
from bench.report import BEGIN, END, render, write_into
from zomanc.codes.validators import taj_is_valid


def test_generator_makes_unique_valid_taj_numbers() -> None:
    rows = list(patient_rows(5000, practice_id=1))
    assert len(rows) == 5000
    assert all(len(row) == len(COLUMNS) for row in rows)
    assert rows_valid(rows)
    assert all(taj_is_valid(row[COLUMNS.index("id_value")]) for row in rows[:50])


def test_generator_is_reproducible() -> None:
    first = [r[:17] for r in patient_rows(20, 1)]
    assert first == [r[:17] for r in patient_rows(20, 1)]


def test_percentile() -> None:
    values = [float(n) for n in range(1, 101)]
    assert percentile(values, 0.5) == pytest.approx(50.5)
    assert percentile(values, 0.95) == pytest.approx(95.05)
    assert percentile([], 0.5) is None


@pytest.mark.django_db
def test_search_section_runs_on_a_tiny_dataset() -> None:
    import random

    from bench.data import load
    from bench.search import _queries, _time_kind

    practice = load(300)
    rng = random.Random(1)
    for kind in ("name", "taj", "birth_date"):
        result = _time_kind(practice, _queries(practice, kind, 6, rng))
        assert result["selector_p95_ms"] is not None
        assert result["sql_p95_ms"] is not None
    taj = _time_kind(practice, _queries(practice, "taj", 6, rng))
    assert taj["rows_per_query"] == 1.0  # every generated TAJ is found by the product's search


def test_load_generator_counts_answers(live_server) -> None:
    result = load_run(live_server.url + "/healthz", clients=2, requests=10, seconds=10)
    assert result["ok"] + sum(result["errors"].values()) == 10


def test_report_renders_and_keeps_the_hand_written_text(tmp_path) -> None:
    results = {
        "meta": {"started": "x", "mode": "quick", "cpus": 2, "load_before": "1", "load_after": "1",
                 "seconds": 1.0, "postgresql": "reachable"},
        "pipeline": [{"error": "boom", "label": "sqlite, 1"}],
        "search": [],
    }  # fmt: skip
    text, targets = render(results)
    assert "Reporting pipeline" in text
    assert targets == []  # nothing measured, nothing judged
    doc = tmp_path / "b.md"
    doc.write_text(f"# Title\n\n{BEGIN}\nold\n{END}\n\nanalysis\n")
    write_into(doc, text)
    written = doc.read_text()
    assert written.startswith("# Title") and written.endswith("analysis\n")
    assert "old" not in written and "Reporting pipeline" in written
