"""Correcting a closed visit: the changes, with a reason, become its next revision, and the
EESZT module's outbox row for the Ambuláns lap's next version is written in the same
transaction."""

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from zomanc.accounts.models import User
from zomanc.audit.models import AuditAction
from zomanc.clinical.models import Visit, VisitRevision, VisitStatus
from zomanc.clinical.selectors import visit_snapshot
from zomanc.clinical.services.activities import (
    SECTION_FIELDS,
    _command_apply,
    _diagnosis_add,
    _diagnosis_remove,
    _finding_remove,
    _notes_set,
    _procedure_remove,
)
from zomanc.clinical.services.common import _audit
from zomanc.eeszt.outbox.services import outbox_visit_corrected


def _content_key(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The parts of a snapshot a correction can change (to refuse empty corrections)."""
    return {
        "sections": snapshot["sections"],
        "referral": snapshot["referral"],
        "diagnoses": snapshot["diagnoses"],
        "procedures": [{**p, "id": None} for p in snapshot["procedures"]],
        "findings": [{**f, "procedure_id": None} for f in snapshot["findings"]],
    }


@transaction.atomic
def visit_correct(
    *,
    visit: Visit,
    reason: str,
    corrected_by: User,
    sections: dict[str, str] | None = None,
    diagnoses: Sequence[tuple[str, bool]] | None = None,
    remove_procedure_ids: Sequence[int] = (),
    remove_finding_ids: Sequence[int] = (),
    commands: Sequence[str] = (),
    referral: tuple[str, str] | None = None,
    request: HttpRequest | None = None,
) -> Visit:
    """Correct a closed visit: apply the changes and store them as the next revision.

    sections: new text of the given sections; diagnoses: the complete new list of
    (code, is_primary) when given; remove_*_ids: procedures/findings to drop; commands:
    keyboard lines to add procedures/findings; referral: (id, summary). A reason is required
    and a correction that changes nothing is refused."""
    reason = reason.strip()
    if len(reason) < 5:
        raise ValidationError(
            {"reason": [_("A javítás indoklása kötelező (legalább 5 karakter).")]}
        )
    locked = Visit.objects.select_for_update().filter(pk=visit.pk).values_list("status", flat=True)
    if locked.first() != VisitStatus.CLOSED:
        raise ValidationError(
            _("Csak lezárt ellátás javítható; a nyitott ellátás közvetlenül szerkeszthető."),
            code="visit_not_closed",
        )
    before = _content_key(visit_snapshot(visit))

    if sections:
        unknown = set(sections) - set(SECTION_FIELDS)
        if unknown:
            raise TypeError(f"unknown sections: {sorted(unknown)}")
        if _notes_set(visit, sections):
            visit.save(update_fields=[*SECTION_FIELDS, "updated_at"])
    if referral is not None:
        visit.referral_id, visit.referral_summary = referral[0] or None, referral[1] or None
        visit.save(update_fields=["referral_id", "referral_summary", "updated_at"])
    if diagnoses is not None:
        wanted = [(code.strip().upper(), primary) for code, primary in diagnoses if code.strip()]
        if not wanted:
            raise ValidationError({"diagnoses": [_("Legalább egy BNO-diagnózis kell.")]})
        for existing in list(visit.diagnoses.all()):
            _diagnosis_remove(visit, existing, corrected_by, request)
        for code, primary in wanted:
            try:
                _diagnosis_add(visit, code, primary, corrected_by, request)
            except ValidationError as error:
                raise ValidationError({"diagnoses": error.messages}) from None
    for procedure in visit.procedures.filter(pk__in=remove_procedure_ids):
        _procedure_remove(visit, procedure, corrected_by, request)
    for finding in visit.findings.filter(pk__in=remove_finding_ids, procedure__isnull=True):
        _finding_remove(visit, finding, corrected_by, request)
    for line in commands:
        if line.strip():
            try:
                _command_apply(visit, line, corrected_by, request)
            except ValidationError as error:
                raise ValidationError(
                    {"commands": [f"„{line.strip()}”: {m}" for m in error.messages]}
                ) from None

    snapshot = visit_snapshot(visit)
    if _content_key(snapshot) == before:
        raise ValidationError(
            _("A javítás nem változtat semmin: nincs új revízió."), code="no_change"
        )
    visit.revision += 1
    visit.save(update_fields=["revision", "updated_at"])
    snapshot["revision"] = visit.revision
    revision = VisitRevision.objects.create(
        practice_id=visit.practice_id,
        visit=visit,
        number=visit.revision,
        reason=reason,
        content=snapshot,
        created_by=corrected_by,
    )
    _audit(
        visit,
        corrected_by,
        AuditAction.UPDATE,
        visit,
        f"Ellátás javítása: {visit.patient} (revízió {revision.number}): {reason}",
        request,
        {"revision": [revision.number - 1, revision.number]},
    )
    # EESZT (S6): the Ambuláns lap's next version, in this transaction.
    outbox_visit_corrected(visit=visit, revision=revision)
    return visit
