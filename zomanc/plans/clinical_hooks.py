"""What plans add to the chart's pages through clinical.hooks (registered in apps.py): the
open plan items drawn on the current tooth chart, the "plan from the chart" slot under it,
and in an open visit's entry box the open items offered and the "Terv tétele elvégezve?"
question beside a recorded procedure that matches one; and an item carried out by a
procedure that is then removed opens again. The patient page reads the open
items once (one query, plans/clinical_selectors.py) for the chart and the entry box."""

from typing import Any

from django.http import HttpRequest

from zomanc.clinical.models import Visit, VisitProcedure
from zomanc.patients.models import Patient
from zomanc.plans.clinical_selectors import (
    OpenItem,
    chart_planned_marks,
    items_for_visit,
    patient_open_items,
    procedure_matches_item,
)
from zomanc.plans.clinical_services import plan_items_reopen_for_procedure

CHART_TEMPLATE = "plans/_chart_plan_slot.html"
ENTRY_BOX_TEMPLATE = "plans/_entry_box_plan.html"
# Above this many, the entry box shows the open items folded (a 40-item plan).
OFFERS_UNFOLDED = 6


def _family(procedure: VisitProcedure) -> str:
    # The activity block's prefetch annotates it (clinical/selectors.py); else one read.
    family = getattr(procedure, "treatment_family", None)
    return family if family is not None else procedure.treatment.family


def _matches(procedure: VisitProcedure, item: OpenItem) -> bool:
    return procedure_matches_item(
        item_treatment_id=item.treatment_id,
        item_family=item.family,
        item_tooth=item.tooth,
        item_surfaces=item.surfaces,
        treatment_id=procedure.treatment_id,
        family=_family(procedure),
        tooth=procedure.tooth,
        surfaces=procedure.surfaces,
    )


def entry_box_context(request: HttpRequest, patient: Patient, visit: Visit) -> dict[str, Any]:
    """plan_offers: the open items to record with one click (those booked to the visit's
    appointment first); plan_ticks: (procedure, item) — a procedure of this visit that
    matches an open item, offered to tick off (never done by itself). An item matched by a
    procedure is not offered for recording again."""
    items = patient_open_items(patient)
    if not items:
        return {"plan_offers": [], "plan_ticks": []}
    ticks: list[tuple[VisitProcedure, OpenItem]] = []
    matched: set[int] = set()
    for procedure in visit.procedures.all():
        for item in items:
            if item.pk not in matched and _matches(procedure, item):
                ticks.append((procedure, item))
                matched.add(item.pk)
                break
    offers = [item for item in items_for_visit(items, visit) if item.pk not in matched]
    return {
        "plan_offers": offers,
        "plan_ticks": ticks,
        "plan_offers_open": len(offers) <= OFFERS_UNFOLDED
        or any(i.appointment_id and i.appointment_id == visit.appointment_id for i in offers),
    }


def register() -> None:
    from zomanc.clinical import hooks

    if chart_planned_marks not in hooks.CHART_PLANNED:
        hooks.CHART_PLANNED.append(chart_planned_marks)
    if CHART_TEMPLATE not in hooks.CHART_TEMPLATES:
        hooks.CHART_TEMPLATES.append(CHART_TEMPLATE)
    if entry_box_context not in hooks.ENTRY_BOX_CONTEXT:
        hooks.ENTRY_BOX_CONTEXT.append(entry_box_context)
    if ENTRY_BOX_TEMPLATE not in hooks.ENTRY_BOX_PROCEDURE_TEMPLATES:
        hooks.ENTRY_BOX_PROCEDURE_TEMPLATES.append(ENTRY_BOX_TEMPLATE)
    if plan_items_reopen_for_procedure not in hooks.PROCEDURE_REMOVED:
        hooks.PROCEDURE_REMOVED.append(plan_items_reopen_for_procedure)
