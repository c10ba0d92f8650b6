"""Reads joining plans to the chart and the chair: the patient's open plan items (drawn on the
tooth chart, offered in a visit's entry box) and which recorded procedure matches which
item. Registered into the chart's extension points by plans/clinical_hooks.py.

"Open" is an item still to be carried out in a plan the patient agreed to: the plan accepted
or in progress (a draft, a quote not yet accepted, a superseded or closed version is not what
the patient will have done), the item not done, and common to its phase or of the chosen
option. docs/plans.md ("The chart and the chair") gives the reasons."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from zomanc.clinical.models import Visit
from zomanc.core.prebuilt import prebuilt
from zomanc.patients.models import Patient
from zomanc.plans.models import PlanItem, PlanStatus

OPEN_PLAN_STATUSES = (PlanStatus.ACCEPTED, PlanStatus.IN_PROGRESS)
_MEMO = "_plans_open_items"


@dataclass(frozen=True)
class OpenItem:
    """What the chart and the entry box need of an open plan item (no model instances: the
    patient page reads them on every load)."""

    pk: int
    plan_id: int
    plan_title: str
    plan_version: int
    name: str
    tooth: int | None
    surfaces: str
    canals: int | None
    quantity: int
    treatment_id: int
    family: str
    appointment_id: int | None

    @property
    def where(self) -> str:
        """ "36 MO", "46", "" — the tooth and surfaces as the chart writes them."""
        if self.tooth is None:
            return ""
        return f"{self.tooth} {self.surfaces}".rstrip()


# On every patient page (the chart's planned marks, the entry box): prebuilt
# (zomanc/core/prebuilt.py, issue 18).
@prebuilt
def _open_items(practice_id: int, patient_id: int) -> QuerySet[Any]:
    return (
        PlanItem.objects.filter(
            practice_id=practice_id,
            plan__patient_id=patient_id,
            plan__status__in=OPEN_PLAN_STATUSES,
            done_at__isnull=True,
        )
        .filter(Q(option__isnull=True) | Q(option__chosen=True))
        .order_by("plan__created_at", "plan_id", "phase__position", "position", "id")
        .values_list(
            "pk",
            "plan_id",
            "plan__title",
            "plan__version",
            "name",
            "tooth",
            "surfaces",
            "canals",
            "quantity",
            "treatment_id",
            "treatment__family",
            "appointment_id",
        )
    )


def patient_open_items(patient: Patient) -> list[OpenItem]:
    """The patient's open plan items in plan, phase and item order. One query, made once per
    patient object (the chart and the entry box of one page share it)."""
    memo: list[OpenItem] | None = getattr(patient, _MEMO, None)
    if memo is not None:
        return memo
    rows = _open_items(practice_id=patient.practice_id, patient_id=patient.pk)
    items = [OpenItem(*row) for row in rows]
    setattr(patient, _MEMO, items)
    return items


def chart_planned_marks(patient: Patient) -> list[tuple[int, str, str]]:
    """(tooth, surfaces, name) of each open item on a tooth: what the current chart draws in
    the planned style (clinical/chart_svg.py)."""
    return [
        (item.tooth, item.surfaces, item.name)
        for item in patient_open_items(patient)
        if item.tooth is not None
    ]


def items_for_visit(items: Iterable[OpenItem], visit: Visit) -> list[OpenItem]:
    """The open items in the order a visit offers them: those booked to the appointment the
    visit was opened from first, then the rest in plan order."""
    items = list(items)
    if visit.appointment_id is None:
        return items
    booked = [i for i in items if i.appointment_id == visit.appointment_id]
    return booked + [i for i in items if i.appointment_id != visit.appointment_id]


def _surface_set(surfaces: str) -> frozenset[str]:
    return frozenset(surfaces.upper())


def procedure_matches_item(
    *,
    item_treatment_id: int,
    item_family: str,
    item_tooth: int | None,
    item_surfaces: str,
    treatment_id: int,
    family: str,
    tooth: int | None,
    surfaces: str,
) -> bool:
    """A recorded procedure is the planned item when it is the same catalogue item or of the
    same family (codes: a family's variants differ only by surfaces/canals), on the same
    tooth, with the same surfaces (in any order)."""
    same_kind = treatment_id == item_treatment_id or bool(item_family and family == item_family)
    return (
        same_kind and tooth == item_tooth and _surface_set(surfaces) == _surface_set(item_surfaces)
    )
