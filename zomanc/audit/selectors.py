"""Reading the audit trail: the owner's filtered, newest-first view of his own practice."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from zomanc.audit.models import AuditEntry
from zomanc.practices.models import Practice

PAGE_SIZE = 50
# Past this the OFFSET would overflow the database's bigint (a 30-digit ?page= was a 500);
# a million pages of 50 is more than any practice's trail.
MAX_PAGE = 1_000_000


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    number: int
    has_previous: bool
    has_next: bool


def _day_start(day: date) -> datetime:
    # Days are the practice's days (Europe/Budapest), not UTC days.
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_entry_filter(*, practice: Practice, filters: dict[str, Any]) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.filter(practice=practice)
    if filters.get("date_from"):
        entries = entries.filter(at__gte=_day_start(filters["date_from"]))
    if filters.get("date_to"):
        entries = entries.filter(at__lt=_day_start(filters["date_to"] + timedelta(days=1)))
    if filters.get("user"):
        entries = entries.filter(actor_id=filters["user"])
    if filters.get("action"):
        entries = entries.filter(action=filters["action"])
    if filters.get("patient_id"):
        entries = entries.filter(patient_id=filters["patient_id"])
    if filters.get("object_type"):
        entries = entries.filter(object_type=filters["object_type"])
    return entries.order_by("-at", "-pk")


def audit_entry_page(*, practice: Practice, filters: dict[str, Any], page: int) -> AuditPage:
    """One page in one query. No total count: COUNT(*) over a table that only ever grows
    gets slower every day, and "older / newer" is all a reviewer needs."""
    page = min(max(page, 1), MAX_PAGE)
    offset = (page - 1) * PAGE_SIZE
    rows = list(
        audit_entry_filter(practice=practice, filters=filters)[offset : offset + PAGE_SIZE + 1]
    )
    return AuditPage(
        entries=rows[:PAGE_SIZE],
        number=page,
        has_previous=page > 1,
        has_next=len(rows) > PAGE_SIZE,
    )
