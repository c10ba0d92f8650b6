"""Writing the audit trail. The only way rows get into AuditEntry; nothing updates or deletes."""

from typing import Any

from django.db import models
from django.http import HttpRequest

from zomanc.accounts.models import User
from zomanc.audit.models import AuditAction, AuditEntry
from zomanc.practices.models import Practice


def audit_record(
    *,
    practice: Practice,
    actor: User | None,
    action: AuditAction,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    patient_id: int | None = None,
    summary: str,
    changes: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEntry:
    """Append one entry. Call it inside the same transaction as the change it describes, so a
    rolled-back change leaves no entry and a committed one always has its entry."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    return AuditEntry.objects.create(
        practice=practice,
        actor=actor,
        actor_name=(actor.full_name or actor.email) if actor else "rendszer",
        ip_address=(request.META.get("REMOTE_ADDR") or None) if request else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        patient_id=patient_id,
        summary=summary[:500],
        changes=changes or {},
    )


def audit_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Field-level diff {field: [old, new]} of two value dicts, for update entries."""
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def audit_patients_listed(
    *,
    practice: Practice,
    actor: User,
    what: str,
    query: str,
    patient_ids: list[int],
    page: int = 1,
    request: HttpRequest | None = None,
) -> AuditEntry:
    """A list or search that showed patients: one VIEW entry naming the query and every
    patient returned (their ids in `changes`; the entry has no single patient_id, since it
    is about many). Without it a token holder could page through every patient unseen."""
    shown = f'"{query}"' if query else "(üres keresés)"
    return audit_record(
        practice=practice,
        actor=actor,
        action=AuditAction.VIEW,
        object_type="patients.patient",
        summary=f"{what}: {shown}, {page}. oldal, {len(patient_ids)} páciens",
        changes={"query": query, "page": page, "patient_ids": patient_ids},
        request=request,
    )
