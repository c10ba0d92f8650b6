"""Writes of the access app: breakglass, DÖR restrictions, waivers, non-decision log rows.

The portal (patient side) calls the DÖR / waiver services; the SOAP ``Breakglass``
operation calls ``breakglass_open``. Times default to the sandbox clock.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from sandbox.access.models import (
    AccessLogEntry,
    BreakglassGrant,
    BreakglassReason,
    DorRestriction,
    DorScope,
    Outcome,
    Waiver,
)
from sandbox.clock.services import now as sandbox_now
from sandbox.registry.models import SPECIALTIES, Doctor, Institution, OrgUnit, Patient, User
from sandbox.soap.errors import SoapFault

BREAKGLASS_MIN_JUSTIFICATION = 20


@transaction.atomic
def breakglass_open(
    *,
    user: User,
    institution: Institution,
    org_unit: OrgUnit,
    role: str,
    patient: Patient,
    reason_code: str,
    justification: str,
    at: dt.datetime,
) -> BreakglassGrant:
    """Contract §6: doctors only (the SOAP operation admits role ORVOS only), a reason code
    from our list and a justification — for EGYEB at least 20 characters."""
    justification = justification.strip()
    if reason_code not in BreakglassReason.values:
        raise SoapFault("SCHEMA_INVALID", f"Ismeretlen ok: {reason_code}.", element="reasonCode")
    if not justification:
        raise SoapFault(
            "BREAKGLASS_REASON_REQUIRED",
            "A sürgősségi hozzáféréshez szöveges indoklás is kell.",
            element="justification",
        )
    if reason_code == BreakglassReason.OTHER and len(justification) < BREAKGLASS_MIN_JUSTIFICATION:
        raise SoapFault(
            "BREAKGLASS_REASON_REQUIRED",
            f"„Egyéb” ok esetén az indoklás legalább {BREAKGLASS_MIN_JUSTIFICATION} karakter.",
            element="justification",
        )
    grant = BreakglassGrant.objects.create(
        user=user,
        patient=patient,
        institution=institution,
        org_unit=org_unit,
        reason_code=reason_code,
        justification=justification,
        granted_at=at,
        valid_until=at + dt.timedelta(hours=settings.SANDBOX_BREAKGLASS_HOURS),
    )
    access_log_write(
        patient=patient,
        at=at,
        user=user,
        institution=institution,
        org_unit=org_unit,
        role=role,
        service="access",
        operation="Breakglass",
        item=f"sürgősségi hozzáférés {grant.valid_until.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC-ig",
        outcome=Outcome.BREAKGLASS,
        reason=f"{BreakglassReason(reason_code).label}: {justification}",
        breakglass=True,
    )
    return grant


def access_log_write(
    *,
    patient: Patient,
    at: dt.datetime,
    user: User,
    institution: Institution,
    org_unit: OrgUnit,
    role: str,
    service: str,
    operation: str,
    outcome: str,
    item: str = "",
    category: str = "",
    code: str = "",
    reason: str = "",
    breakglass: bool = False,
) -> AccessLogEntry:
    """A log row that is not an ``access_decide`` outcome (breakglass opened, a referral
    lookup, a refusal because the patient forbade the eProfil)."""
    return AccessLogEntry.objects.create(
        patient=patient,
        at=at,
        user=user,
        institution=institution,
        org_unit=org_unit,
        role=role,
        service=service,
        operation=operation,
        item=item[:100],
        category=category,
        outcome=outcome,
        code=code,
        reason=reason,
        breakglass=breakglass,
    )


def _dor_value_check(scope: str, value: str) -> None:
    from sandbox.registry.models import Institution as Inst
    from sandbox.registry.models import User as Usr

    if scope == DorScope.INSTITUTION and not Inst.objects.filter(institution_id=value).exists():
        raise ValidationError({"value": f"Ismeretlen intézmény: {value}."})
    if scope == DorScope.USER and not Usr.objects.filter(user_id=value).exists():
        raise ValidationError({"value": f"Ismeretlen felhasználó: {value}."})
    if scope == DorScope.CATEGORY and value not in SPECIALTIES:
        raise ValidationError({"value": f"Ismeretlen adatkategória: {value}."})
    if scope not in DorScope.values:
        raise ValidationError({"scope": f"Ismeretlen korlátozás-típus: {scope}."})


@transaction.atomic
def dor_restriction_add(
    *, patient: Patient, scope: str, value: str, at: dt.datetime | None = None
) -> DorRestriction:
    """The patient restricts an institution, a user or a category. It applies
    ``SANDBOX_DOR_DELAY_HOURS`` later (0: at once — our reading of "within 24 h")."""
    _dor_value_check(scope, value)
    at = at or sandbox_now()
    return DorRestriction.objects.create(
        patient=patient,
        scope=scope,
        value=value,
        created_at=at,
        effective_from=at + dt.timedelta(hours=settings.SANDBOX_DOR_DELAY_HOURS),
    )


@transaction.atomic
def dor_restriction_lift(
    *, restriction: DorRestriction, at: dt.datetime | None = None
) -> DorRestriction:
    """Lifting takes effect with the same delay as setting."""
    at = at or sandbox_now()
    if restriction.lifted_at is None:
        restriction.lifted_at = at
        restriction.effective_until = max(
            at + dt.timedelta(hours=settings.SANDBOX_DOR_DELAY_HOURS), restriction.effective_from
        )
        restriction.save(update_fields=["lifted_at", "effective_until"])
    return restriction


@transaction.atomic
def waiver_grant(*, patient: Patient, doctor: Doctor, at: dt.datetime | None = None) -> Waiver:
    """The patient's written waiver: this doctor sees restricted data for 24 h."""
    at = at or sandbox_now()
    return Waiver.objects.create(
        patient=patient,
        doctor=doctor,
        granted_at=at,
        valid_until=at + dt.timedelta(hours=settings.SANDBOX_WAIVER_HOURS),
    )


@transaction.atomic
def waiver_revoke(*, waiver: Waiver, at: dt.datetime | None = None) -> Waiver:
    if waiver.revoked_at is None:
        waiver.revoked_at = at or sandbox_now()
        waiver.save(update_fields=["revoked_at"])
    return waiver
