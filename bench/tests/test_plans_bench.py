"""Issue 14's bench rows: the plan data builds an accepted plan of the asked size through the
product's services; the patient page and the plan page answer with a query count that does
not grow with the plan (5 items or 40: the same count, asserted — the bench's web CPU per
answer is then the page's Python, not a query per item); the quote PDF timing runs."""

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.plans import PLAN_ITEMS, plan_data, quote_pdf_timing
from zomanc.conftest import make_member
from zomanc.patients.tests.factories import make_patient
from zomanc.plans.models import PlanStatus
from zomanc.practices.models import Practice, Role

pytestmark = pytest.mark.django_db


def _practice() -> Any:
    practice = Practice.objects.create(name="Bench Fogászat")
    dentist = make_member(practice, "fogorvos@bench.test", "Dr. Bench Anna", Role.DOCTOR, "58013")
    return SimpleNamespace(practice=practice, dentist=dentist, patients=[])


def _count(client: Client, url: str) -> int:
    client.get(url)  # warm: the session, the menu and fragment caches, as in the bench
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def test_plan_data_builds_an_accepted_plan_of_the_asked_size() -> None:
    p = _practice()
    patient, plan = plan_data(p, items=PLAN_ITEMS, patient=make_patient(p.dentist))
    assert plan.status == PlanStatus.ACCEPTED and plan.items.count() == 40
    assert plan.patient_id == patient.pk and plan.valid_until > dt.date.today()
    assert {phase.title for phase in plan.phases.all()} == {
        "Higiénés kezelés",
        "Konzerváló kezelés",
        "Fogpótlás",
    }
    assert plan.phases.get(title="Fogpótlás").options.filter(chosen=True).count() == 1


def test_patient_and_plan_pages_query_counts_do_not_grow_with_the_plan() -> None:
    p = _practice()
    client = Client()
    client.force_login(p.dentist.user)
    counts: dict[tuple[str, int], int] = {}
    for items in (5, PLAN_ITEMS):
        patient, plan = plan_data(p, items=items, patient=make_patient(p.dentist))
        counts["patient page", items] = _count(client, f"/patients/{patient.pk}/")
        counts["plan page", items] = _count(client, f"/tervek/{plan.pk}/")
    assert counts["patient page", 5] == counts["patient page", PLAN_ITEMS], counts
    assert counts["plan page", 5] == counts["plan page", PLAN_ITEMS], counts


def test_quote_pdf_timing_runs() -> None:
    p = _practice()
    _patient, plan = plan_data(p, items=5, patient=make_patient(p.dentist))
    result = quote_pdf_timing(plan, 2)
    assert result["pdfs"] == 2 and result["items"] == 5 and result["language"] == "hu"
    assert result["ms_p50"] > 0 and result["bytes"] > 1000


def _cell(cpu: float) -> dict[str, Any]:
    return {"rps": 1.0, "p50_ms": 1.0, "p95_ms": 2.0, "p99_ms": 3.0, "cpu_ms": cpu, "ok": 10,
            "errors": {}}  # fmt: skip


def test_report_judges_each_page_against_five_bare_views_and_shows_the_quote_pdf() -> None:
    from bench.report import render

    pages = {
        "database": "postgresql",
        "server": "gunicorn gthread, 2 workers × 4 threads",
        "pages": {
            "bare view": {"1": _cell(2.0)},
            "patient page (200 visits)": {"1": _cell(12.0)},
            "plan page (40 items)": {"1": _cell(9.9)},
            "calendar week": {"1": _cell(30.0)},
        },
        "web_rss_mb": {"at rest": [100.0, 101.0]},
        "quote_pdf": {"items": 40, "language": "hu", "pdfs": 10, "bytes": 45000,
                      "first_ms": 900.0, "ms_p50": 210.5, "ms_p95": 230.0},
    }  # fmt: skip
    meta = {"started": "x", "mode": "full", "cpus": 2, "load_before": "1", "load_after": "1",
            "seconds": 1.0, "postgresql": "reachable"}  # fmt: skip
    text, targets = render({"meta": meta, "pages": pages})
    judged = {t: (m, ok) for t, m, ok in targets}
    assert judged["web CPU ≤ 5× the bare view's (plan page (40 items), 1 client)"] == (
        "9.9 ms = ×5.0 (bare 2.0 ms)",
        True,
    )
    assert judged["web CPU ≤ 5× the bare view's (calendar week, 1 client)"][1] is False
    assert judged["web CPU ≤ 5× the bare view's (patient page (200 visits), 1 client)"][1] is False
    assert not any("(bare view, 1 client)" in t for t in judged)
    assert "Quote PDF (hu, a 40-item plan" in text and "210.5 ms p50" in text
    assert judged["quote PDF rendering (hu, 40 items) — no target set yet"] == (
        "210.5 ms p50",
        None,
    )
    # A quick run lists them unjudged.
    _text, quick = render({"meta": {**meta, "mode": "quick"}, "pages": pages})
    assert all(ok is None for _t, _m, ok in quick)
