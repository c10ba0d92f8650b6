"""The single read-access decision of the sandbox (contract §6).

``access_decide`` applies, in this order and nowhere else:
1. VMátrix grant for the context (verified by the SOAP pipeline) and a role that may read
   the service → else ROLE_MISSING;
2. a breakglass grant of (user, patient) still valid → allow, flagged;
3. a patient waiver for this doctor, valid 24 h → allow;
4. a DÖR restriction matching the caller (institution, user, or the item's category)
   → DENIED_BY_SELF_DETERMINATION;
5. a sensitive item and the caller is not a specialist of its field → SENSITIVE_CATEGORY;
6. treating relationship (an open or recent eKAT event of the patient at the acting
   institution, or a live referral to it) → allow; else NO_TREATMENT_RELATIONSHIP.
Every decision — allowed, denied, breakglass — is written to the patient's access log.

An item's *category* is the specialty code of the care it comes from (an event's specialty,
a document's event specialty); it is *sensitive* when the category is in
``SENSITIVE_SPECIALTIES`` or the caller says so (a document with confidentiality "V").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.db.models import Q

from sandbox.access.models import (
    AccessLogEntry,
    BreakglassGrant,
    DorRestriction,
    DorScope,
    Outcome,
    Waiver,
)
from sandbox.registry.models import (
    SENSITIVE_SPECIALTIES,
    SPECIALTIES,
    Institution,
    OrgUnit,
    Patient,
    Role,
    User,
)
from sandbox.soap.errors import SoapFault

# Which context roles may read which service at all (step 1).
READ_ROLES: dict[str, frozenset[str]] = {
    "ekat": frozenset({Role.ORVOS, Role.FELHASZNALO}),
    "documents": frozenset({Role.ORVOS, Role.FELHASZNALO}),
    "profile": frozenset({Role.ORVOS, Role.FELHASZNALO}),
}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    code: str | None = None  # fault code when denied
    reason: str = ""
    flagged: bool = False  # breakglass: shown in both audit logs
    entry: AccessLogEntry | None = None  # the access log row written for it


def treating_relationship(*, institution: Institution, patient: Patient, at: dt.datetime) -> bool:
    """Domain doc [ours]: an open or recent (SANDBOX_TREATMENT_RELATIONSHIP_DAYS) eKAT event
    of the patient at the institution, or a live referral to it (see
    ``sandbox.referral.selectors.referral_relates``)."""
    from sandbox.ekat.models import Event, EventStatus
    from sandbox.referral.selectors import referral_relates

    recent = at - dt.timedelta(days=settings.SANDBOX_TREATMENT_RELATIONSHIP_DAYS)
    if (
        Event.objects.filter(patient=patient, institution=institution)
        .exclude(status=EventStatus.DELETED)
        .filter(Q(status=EventStatus.OPEN) | Q(end_time__gte=recent) | Q(event_time__gte=recent))
        .exists()
    ):
        return True
    return referral_relates(institution=institution, patient=patient, at=at)


class _Facts:
    """The patient-side facts the rules ask about, for one caller at one moment. Each is
    read at most once (when a rule first needs it), so deciding the several groups of a
    list costs no more queries than deciding one item."""

    def __init__(self, *, user: User, institution: Institution, patient: Patient, at: dt.datetime):
        self.user, self.institution, self.patient, self.at = user, institution, patient, at

    @cached_property
    def breakglass(self) -> BreakglassGrant | None:
        at = self.at
        return (
            BreakglassGrant.objects.filter(
                user=self.user, patient=self.patient, granted_at__lte=at, valid_until__gt=at
            )
            .order_by("-valid_until")
            .first()
        )

    @cached_property
    def waiver(self) -> bool:
        at = self.at
        return (
            self.user.doctor_id is not None
            and Waiver.objects.filter(
                patient=self.patient,
                doctor_id=self.user.doctor_id,
                granted_at__lte=at,
                valid_until__gt=at,
                revoked_at__isnull=True,
            ).exists()
        )

    @cached_property
    def restrictions(self) -> list[DorRestriction]:
        """DÖR restrictions in force naming the caller, or any category (matched per item
        by ``restriction_for``); in id order, as a single ``.first()`` would pick."""
        at = self.at
        return list(
            DorRestriction.objects.filter(patient=self.patient, effective_from__lte=at)
            .filter(Q(effective_until__isnull=True) | Q(effective_until__gt=at))
            .filter(
                Q(scope=DorScope.INSTITUTION, value=self.institution.institution_id)
                | Q(scope=DorScope.USER, value=self.user.user_id)
                | Q(scope=DorScope.CATEGORY)
            )
            .order_by("pk")
        )

    def restriction_for(self, category: str | None) -> DorRestriction | None:
        for r in self.restrictions:
            if r.scope != DorScope.CATEGORY or (category and r.value == category):
                return r
        return None

    @cached_property
    def treating(self) -> bool:
        return treating_relationship(institution=self.institution, patient=self.patient, at=self.at)


def _decide(
    facts: _Facts, *, role: str, service: str, category: str | None, sensitive: bool
) -> Decision:
    """Contract §6, in its order (no writes: the caller logs the decision)."""
    user, institution = facts.user, facts.institution
    doctor_specialties: list[str] = list(user.doctor.specialties) if user.doctor else []
    category_label = SPECIALTIES.get(category or "", category or "")

    # Step 1 — the pipeline has verified the VMátrix grant and that the role is held.
    if role not in READ_ROLES.get(service, frozenset()):
        return Decision(
            False, "ROLE_MISSING", f"A(z) '{role}' szerepkör nem olvashatja ezt a szolgáltatást."
        )
    # Step 2 — breakglass overrides every patient-side rule, but is always flagged.
    if (grant := facts.breakglass) is not None:
        return Decision(
            True,
            reason=f"sürgősségi hozzáférés ({grant.reason_code}) "
            f"{grant.valid_until.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC-ig",
            flagged=True,
        )
    # Step 3 — the patient's written waiver for this doctor (24 h).
    if facts.waiver:
        return Decision(True, reason="a beteg 24 órás felmentése")
    # Step 4 — DÖR: a restriction in force that names the caller or the item's category.
    if (restriction := facts.restriction_for(category)) is not None:
        return Decision(
            False,
            "DENIED_BY_SELF_DETERMINATION",
            f"A beteg önrendelkezése ({restriction.get_scope_display()}: {restriction.value}) "
            "megtiltja a hozzáférést.",
        )
    # Step 5 — especially sensitive data: only a specialist of that field.
    if sensitive and (category is None or category not in doctor_specialties):
        return Decision(
            False,
            "SENSITIVE_CATEGORY",
            f"Különösen érzékeny adat ({category_label or 'korlátozott'}): csak az adott "
            "szakterület orvosa láthatja.",
        )
    # Step 6 — treating relationship.
    if facts.treating:
        return Decision(True, reason="kezelési kapcsolat")
    return Decision(
        False,
        "NO_TREATMENT_RELATIONSHIP",
        f"A(z) {institution.institution_id} intézménynek nincs nyitott vagy "
        f"{settings.SANDBOX_TREATMENT_RELATIONSHIP_DAYS} napon belüli ellátása és élő "
        "beutalója a beteghez.",
    )


def _log_entry(
    decision: Decision,
    *,
    facts: _Facts,
    org_unit: OrgUnit,
    role: str,
    service: str,
    operation: str,
    item: str,
    category: str | None,
) -> AccessLogEntry:
    """The (unsaved) access log row of a decision."""
    return AccessLogEntry(
        patient=facts.patient,
        at=facts.at,
        user=facts.user,
        institution=facts.institution,
        org_unit=org_unit,
        role=role,
        service=service,
        operation=operation,
        item=item[:100],
        category=category or "",
        outcome=(
            Outcome.BREAKGLASS
            if decision.flagged
            else Outcome.ALLOWED
            if decision.allowed
            else Outcome.DENIED
        ),
        code=decision.code or "",
        reason=decision.reason,
        breakglass=decision.flagged,
    )


def _with_entry(decision: Decision, entry: AccessLogEntry) -> Decision:
    return Decision(decision.allowed, decision.code, decision.reason, decision.flagged, entry)


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
    sensitive: bool | None = None,
    operation: str = "",
    item: str = "",
) -> Decision:
    """Decide one read and log it. ``category``/``sensitive`` describe the item (None = the
    patient's data as a whole: only the patient-level steps can deny)."""
    if sensitive is None:
        sensitive = category in SENSITIVE_SPECIALTIES
    facts = _Facts(user=user, institution=institution, patient=patient, at=at)
    decision = _decide(facts, role=role, service=service, category=category, sensitive=sensitive)
    entry = _log_entry(
        decision,
        facts=facts,
        org_unit=org_unit,
        role=role,
        service=service,
        operation=operation,
        item=item,
        category=category,
    )
    entry.save(force_insert=True)
    return _with_entry(decision, entry)


def access_fault(decision: Decision) -> SoapFault:
    """The SOAP fault of a refusal whose log entry survives the rollback of the call."""
    fault = SoapFault(decision.code or "NO_TREATMENT_RELATIONSHIP", decision.reason)
    entry = decision.entry
    if entry is not None:

        def keep() -> None:
            entry.pk = None
            entry._state.adding = True
            entry.save(force_insert=True)

        fault.after_rollback.append(keep)
    return fault


@dataclass(frozen=True)
class Caller:
    """Who reads (from the SOAP context)."""

    user: User
    institution: Institution
    org_unit: OrgUnit
    role: str


def access_decide_groups(
    *,
    caller: Caller,
    patient: Patient,
    service: str,
    operation: str,
    at: dt.datetime,
    groups: dict[tuple[str, bool], int],
    noun: str,
) -> dict[tuple[str, bool], Decision]:
    """A list read: one decision (and one log row) per (category, sensitive) group of the
    items found — the rules depend on nothing else. The facts are read once for all
    groups and the log rows written in one INSERT, so the query count does not grow with
    the number of items or groups. No items: one patient-level decision, keyed
    ("", False)."""
    facts = _Facts(user=caller.user, institution=caller.institution, patient=patient, at=at)
    # (key, category or None for the patient-level decision, sensitive, logged item)
    wanted: list[tuple[tuple[str, bool], str | None, bool, str]] = (
        [(key, key[0], key[1], f"{count} {noun}") for key, count in sorted(groups.items())]
        if groups
        else [(("", False), None, False, f"0 {noun}")]
    )
    decisions: dict[tuple[str, bool], Decision] = {}
    entries = []
    for key, category, sensitive, item in wanted:
        decision = _decide(
            facts, role=caller.role, service=service, category=category, sensitive=sensitive
        )
        entry = _log_entry(
            decision,
            facts=facts,
            org_unit=caller.org_unit,
            role=caller.role,
            service=service,
            operation=operation,
            item=item,
            category=category,
        )
        entries.append(entry)
        decisions[key] = _with_entry(decision, entry)
    AccessLogEntry.objects.bulk_create(entries)
    return decisions
