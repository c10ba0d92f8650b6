"""Issue 14's rows of the pages section: a patient with an accepted 40-item treatment plan —
his patient page (the chart with the planned items) and the plan page — and the quote PDF's
rendering time (Hungarian, the same plan).

The plan is built through the product's services as a dentist would (bench/pages.py calls
`plan_data` while it builds the pages' data): a hygiene phase, a conservative phase of
fillings and root canals, and a prosthetic phase offering two options (A: crowns, B: a
bridge of crowns), option A chosen, presented and accepted. `plan_data(items=…)` builds a
smaller plan of the same shape, so a test (bench/tests/test_plans_bench.py) can assert that
the pages' query counts do not grow with the plan."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from typing import Any

from bench.common import percentile

PLAN_ITEMS = 40
# Posterior teeth (premolars and molars, no wisdom teeth): occlusal fillings are valid there.
POSTERIOR = [14, 15, 16, 17, 24, 25, 26, 27, 34, 35, 36, 37, 44, 45, 46, 47]
FRONT = [13, 12, 11, 21, 22, 23, 33, 43, 42, 41, 31, 32]


def _catalogue(practice: Any) -> dict[str, Any]:
    from zomanc.codes.models import TreatmentItem

    rows = [
        ("fk", "Fogkő-eltávolítás", 15000, False, False, ""),
        ("töm", "Kompozit tömés", 18000, True, True, "filling"),
        ("gyök", "Gyökérkezelés", 22000, True, False, "root_canal"),
        ("kor", "Cirkónium korona", 120000, True, False, "crown"),
    ]
    items = {}
    for shortcut, name, price, tooth, surfaces, status in rows:
        items[shortcut], _created = TreatmentItem.objects.get_or_create(
            practice=practice,
            shortcut=f"b{shortcut}",
            defaults={
                "name": f"{name} (bench)",
                "price": Decimal(price),
                "needs_tooth": tooth,
                "needs_surfaces": surfaces,
                "resulting_status": status,
            },
        )
    return items


def _layout(items: int) -> tuple[list[tuple[str, int | None, str]], int, int]:
    """(phase 1 + 2 items, option A's count, option B's count) for `items` in all: about a
    tenth hygiene, the conservative phase half, the two options the rest."""
    hygiene = max(1, items // 20)
    options = max(2, items * 2 // 5)
    a = options // 2
    b = options - a
    conservative = items - hygiene - options
    rows: list[tuple[str, int | None, str]] = [("fk", None, "")] * hygiene
    for n in range(conservative):
        tooth = POSTERIOR[n % len(POSTERIOR)]
        rows.append(("töm", tooth, "O") if n < len(POSTERIOR) else ("gyök", tooth, ""))
    return rows, a, b


def plan_data(p: Any, *, items: int = PLAN_ITEMS, patient: Any = None) -> tuple[Any, Any]:
    """(patient, plan): an accepted plan of `items` items for one of the practice's patients
    (the second one, not the 200-visit patient of the other row, unless given)."""
    from django.utils import timezone

    from zomanc.plans.models import PlanStatus
    from zomanc.plans.services import (
        plan_create,
        plan_item_add,
        plan_option_add,
        plan_option_choose,
        plan_phase_add,
        plan_transition,
    )

    doctor = p.dentist
    patient = patient or p.patients[1]
    catalogue = _catalogue(p.practice)
    plan = plan_create(
        patient=patient,
        actor=doctor,
        doctor=doctor,
        title="Teljes szájrehabilitáció (bench)",
        valid_until=timezone.localdate() + dt.timedelta(days=30),
        advance_percent=Decimal(30),
    )
    rows, a, b = _layout(items)
    hygiene = plan_phase_add(plan=plan, actor=doctor, title="Higiénés kezelés")
    conservative = plan_phase_add(plan=plan, actor=doctor, title="Konzerváló kezelés")
    for shortcut, tooth, surfaces in rows:
        plan_item_add(
            plan=plan,
            phase=hygiene if shortcut == "fk" else conservative,
            actor=doctor,
            treatment=catalogue[shortcut],
            tooth=tooth,
            surfaces=surfaces,
        )
    prosthetic = plan_phase_add(plan=plan, actor=doctor, title="Fogpótlás")
    crowns = plan_option_add(phase=prosthetic, actor=doctor, title="Egyedi koronák")
    bridge = plan_option_add(phase=prosthetic, actor=doctor, title="Híd")
    for option, count in ((crowns, a), (bridge, b)):
        for n in range(count):
            plan_item_add(
                plan=plan,
                phase=prosthetic,
                option=option,
                actor=doctor,
                treatment=catalogue["kor"],
                tooth=FRONT[n % len(FRONT)],
            )
    plan_transition(plan=plan, to=PlanStatus.PRESENTED, actor=doctor)
    plan_option_choose(option=crowns, actor=doctor)
    plan_transition(plan=plan, to=PlanStatus.ACCEPTED, actor=doctor)
    assert plan.items.count() == items
    return patient, plan


def quote_pdf_timing(plan: Any, count: int) -> dict[str, Any]:
    """Renders the plan's quote (Hungarian) `count` times, in process; the first rendering —
    which imports WeasyPrint and loads the fonts — is reported apart, not counted."""
    from zomanc.plans.pdf import quote_pdf
    from zomanc.plans.selectors import plan_quote

    t0 = time.perf_counter()
    pdf = quote_pdf(plan_quote(plan))
    first_ms = 1000 * (time.perf_counter() - t0)
    times = []
    for _ in range(count):
        t0 = time.perf_counter()
        quote_pdf(plan_quote(plan))
        times.append(1000 * (time.perf_counter() - t0))
    p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
    return {
        "items": plan.items.count(),
        "language": str(plan.language),
        "pdfs": count,
        "bytes": len(pdf),
        "first_ms": round(first_ms, 1),
        "ms_p50": None if p50 is None else round(p50, 1),
        "ms_p95": None if p95 is None else round(p95, 1),
    }
