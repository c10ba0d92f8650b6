"""The single read-access decision of the sandbox (contract §6).

Order (today's steps marked ✓; the next steps plug in where the comments say):
1. ✓ VMátrix grant for the context (verified by the SOAP pipeline) and a role that allows
   the service;
2. breakglass grant for (user, patient) still valid → allow, flagged;
3. patient waiver for this doctor valid 24 h → allow;
4. DÖR restriction matching the caller → DENIED_BY_SELF_DETERMINATION;
5. sensitive category and caller not a specialist of it → SENSITIVE_CATEGORY;
6. ✓ treating relationship (an open or recent eKAT event of the patient at the acting
   institution; a referral to it — next) → allow; else NO_TREATMENT_RELATIONSHIP.
Every decision is to be written to the patient's access log (next step).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from sandbox.registry.models import Institution, OrgUnit, Patient, Role, User

# Which context roles may read which service at all (step 1).
READ_ROLES: dict[str, frozenset[str]] = {
    "ekat": frozenset({Role.ORVOS, Role.FELHASZNALO}),
}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    code: str | None = None  # fault code when denied
    reason: str = ""
    flagged: bool = False  # breakglass: shown in both audit logs


def _treating_relationship(*, institution: Institution, patient: Patient, at: dt.datetime) -> bool:
    from sandbox.ekat.models import Event, EventStatus

    recent = at - dt.timedelta(days=settings.SANDBOX_TREATMENT_RELATIONSHIP_DAYS)
    return (
        Event.objects.filter(patient=patient, institution=institution)
        .exclude(status=EventStatus.DELETED)
        .filter(Q(status=EventStatus.OPEN) | Q(end_time__gte=recent) | Q(event_time__gte=recent))
        .exists()
    )


def access_decide(
    *,
    user: User,
    institution: Institution,
    org_unit: OrgUnit,
    role: str,
    patient: Patient,
    service: str,
    at: dt.datetime,
    category: str | None = None,
) -> Decision:
    allowed_roles = READ_ROLES.get(service, frozenset())
    if role not in allowed_roles:
        return Decision(
            False, "ROLE_MISSING", f"A(z) '{role}' szerepkör nem olvashatja ezt a szolgáltatást."
        )
    # Steps 2–5 (breakglass, waiver, DÖR, sensitive category) come here, in this order.
    if _treating_relationship(institution=institution, patient=patient, at=at):
        return Decision(True, reason="kezelési kapcsolat")
    return Decision(
        False,
        "NO_TREATMENT_RELATIONSHIP",
        f"A(z) {institution.institution_id} intézménynek nincs nyitott vagy "
        f"{settings.SANDBOX_TREATMENT_RELATIONSHIP_DAYS} napon belüli ellátása a beteggel.",
    )
