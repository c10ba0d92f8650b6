"""Writes of the chart: opening, editing, closing and correcting visits.

Every function is keyword-only and transactional; a refusal is a ValidationError whose message
(keyed by form field where there is one) is the Hungarian reason, and nothing of the call is
saved. A closed visit is locked: only visit_correct changes it, with a reason, as a new
revision. The EESZT module adds its outbox writes inside visit_open, visit_close and
visit_correct (marked "EESZT hook") — in the same transaction, which is why these stay single
functions and no signals are used.

The package splits along the life of a visit: visits.py (open, close, e-referral),
activities.py (what is recorded on an open visit), revisions.py (correction after closing),
common.py (the lock and the audit entry they share). Import from the package itself."""

from zomanc.clinical.services.activities import (
    MAX_QUANTITY,
    SECTION_FIELDS,
    SECTION_MAX_LENGTH,
    diagnosis_add,
    diagnosis_remove,
    finding_add,
    finding_remove,
    procedure_add,
    procedure_remove,
    visit_command_apply,
    visit_notes_update,
)
from zomanc.clinical.services.revisions import visit_correct
from zomanc.clinical.services.visits import visit_close, visit_open, visit_referral_set

__all__ = [
    "MAX_QUANTITY",
    "SECTION_FIELDS",
    "SECTION_MAX_LENGTH",
    "diagnosis_add",
    "diagnosis_remove",
    "finding_add",
    "finding_remove",
    "procedure_add",
    "procedure_remove",
    "visit_close",
    "visit_command_apply",
    "visit_correct",
    "visit_notes_update",
    "visit_open",
    "visit_referral_set",
]
