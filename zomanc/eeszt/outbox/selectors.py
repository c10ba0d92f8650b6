"""Reading the outbox for the "EESZT beküldések" page and the visit badges."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from zomanc.eeszt.outbox.models import OutboxItem, OutboxState
from zomanc.practices.models import Practice, StaffMember

PAGE_SIZE = 50


@dataclass(frozen=True)
class OutboxPage:
    items: list[OutboxItem]
    number: int
    has_previous: bool
    has_next: bool


def outbox_filter(*, practice: Practice, filters: dict[str, Any]) -> QuerySet[OutboxItem]:
    items = OutboxItem.objects.filter(practice=practice)
    for key, lookup in (
        ("state", "state"),
        ("kind", "kind"),
        ("company", "company"),
        ("responsible", "responsible"),
        ("patient", "patient_id"),
        ("visit", "visit_id"),
    ):
        if filters.get(key):
            items = items.filter(**{lookup: filters[key]})
    return items


def outbox_page(*, practice: Practice, filters: dict[str, Any], page: int) -> OutboxPage:
    """One page, newest first, with everything a row shows joined in (fixed query count)."""
    page = max(page, 1)
    offset = (page - 1) * PAGE_SIZE
    rows = list(
        outbox_filter(practice=practice, filters=filters)
        .select_related("patient", "responsible", "company", "visit")
        .order_by("-created_at", "-pk")[offset : offset + PAGE_SIZE + 1]
    )
    return OutboxPage(
        items=rows[:PAGE_SIZE],
        number=page,
        has_previous=page > 1,
        has_next=len(rows) > PAGE_SIZE,
    )


def outbox_counts(*, practice: Practice, filters: dict[str, Any]) -> dict[str, int]:
    """Rows per state under the same filters (the state filter itself left out)."""
    without_state = {k: v for k, v in filters.items() if k != "state"}
    counted = (
        outbox_filter(practice=practice, filters=without_state)
        .values("state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {state.value: 0 for state in OutboxState}
    counts.update({row["state"]: row["n"] for row in counted})
    return counts


def access_outbox_item(member: StaffMember, item_id: int) -> OutboxItem:
    return get_object_or_404(OutboxItem, pk=item_id, practice_id=member.practice_id)
