"""What every writer of the chart starts with: the lock that keeps a closed visit closed, and
the audit entry of a change to a visit (filed under the visit's patient)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from zomanc.accounts.models import User
from zomanc.audit.models import AuditAction
from zomanc.audit.services import audit_record
from zomanc.clinical.models import Visit, VisitStatus


def _closed_refusal() -> ValidationError:
    return ValidationError(
        _(
            "A lezárt ellátás nem szerkeszthető. Módosításhoz használja a „Javítás” "
            "funkciót, indoklással: az új revízióként kerül a kartonba."
        ),
        code="visit_closed",
    )


def _lock_open(visit: Visit) -> None:
    """Re-read the visit's status under a row lock: a visit closed by someone else a moment
    ago must not take this edit."""
    current = Visit.objects.select_for_update().filter(pk=visit.pk).values_list("status", flat=True)
    status = current.first()
    if status != VisitStatus.OPEN:
        visit.status = status or visit.status
        raise _closed_refusal()


def _audit(
    visit: Visit,
    actor: User,
    action: AuditAction,
    obj: Any,
    summary: str,
    request: HttpRequest | None,
    changes: dict[str, Any] | None = None,
) -> None:
    audit_record(
        practice=visit.practice,
        actor=actor,
        action=action,
        obj=obj,
        patient_id=visit.patient_id,
        summary=summary,
        changes=changes,
        request=request,
    )
