"""Reads of the practice's treatment catalogue (kezelési katalógus)."""

from django.db.models import QuerySet
from django.http import Http404

from zomanc.codes.models import TreatmentItem
from zomanc.practices.models import Practice, StaffMember


def treatment_catalogue(practice: Practice, active_only: bool = True) -> QuerySet[TreatmentItem]:
    """The practice's catalogue by name; only the active items unless asked otherwise."""
    qs = TreatmentItem.objects.filter(practice=practice)
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.order_by("name", "id")


def access_treatment_item(member: StaffMember, item_id: int) -> TreatmentItem:
    """The catalogue item with this id in the member's practice; 404 for any other id."""
    item = TreatmentItem.objects.filter(practice_id=member.practice_id, pk=item_id).first()
    if item is None:
        raise Http404
    item.practice = member.practice
    return item


def treatment_by_shortcut(practice: Practice, shortcut: str) -> TreatmentItem | None:
    """The active item with this keyboard shortcut (case-insensitive), or None."""
    return (
        TreatmentItem.objects.filter(
            practice=practice, is_active=True, shortcut=shortcut.strip().lower()
        )
        .order_by("id")
        .first()
    )
