"""eProfil reads."""

from __future__ import annotations

from django.db.models import QuerySet

from sandbox.profile.models import ProfileEntry, ProfileEntryVersion
from sandbox.registry.models import Patient


def profile_entries(*, patient: Patient, category: str | None = None) -> QuerySet[ProfileEntry]:
    """Current (not deleted) entries with their current version, one query."""
    qs = (
        ProfileEntry.objects.filter(patient=patient, deleted=False)
        .select_related(
            "institution",
            "created_by",
            "current",
            "current__institution",
            "current__user",
        )
        .order_by("category", "created_at", "entry_id")
    )
    if category:
        qs = qs.filter(category=category)
    return qs


def profile_entry_get(*, entry_id: str) -> ProfileEntry | None:
    return ProfileEntry.objects.select_related("patient").filter(entry_id=entry_id).first()


def profile_history(*, entry: ProfileEntry) -> QuerySet[ProfileEntryVersion]:
    return (
        ProfileEntryVersion.objects.filter(entry=entry)
        .select_related("institution", "user")
        .order_by("version")
    )


def profile_is_forbidden(*, patient: Patient) -> bool:
    from sandbox.profile.models import ProfileProhibition

    return ProfileProhibition.objects.filter(patient=patient).exists()
