"""e-Beutaló writes (contract §8). SOAP refusals are SoapFaults with the contract's codes;
the portal's "test data" services (issue, revoke) raise ValidationError instead.

Rules (ours where the law is silent, see docs/sandbox-internals.md):
- valid 90 days from issue: an *issued* referral can be booked or used only before
  ``valid_until``; booking counts as use in law, so a booked referral stays usable later;
- target = specialty (the org unit's specialty must match) + optionally one institution;
- one booking per specialty per patient: booking (or using) a referral cancels any other
  booking of the patient in the same specialty (the earlier one goes back to KIADOTT);
- BOOKING_CONFLICT: the referral is booked by *another* institution (only the patient,
  through that institution, can release it);
- statuses KIADOTT → LEFOGLALT → FELHASZNALT → TELJESITETT; VISSZAVONT; LEJART (read-only).
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from sandbox.clock.services import now as sandbox_now
from sandbox.ekat.models import Event, EventStatus
from sandbox.refdata.bno import bno_problem
from sandbox.referral.models import Referral, ReferralStatus
from sandbox.registry.models import SPECIALTIES, Doctor, Institution, OrgUnit, Patient, User
from sandbox.soap.errors import SoapFault


def _new_referral_id(at: dt.datetime) -> str:
    return f"{at.year:04d}{secrets.randbelow(10**14):014d}"


@transaction.atomic
def referral_issue(
    *,
    patient: Patient,
    referring_doctor: Doctor,
    referring_org_unit: OrgUnit,
    target_specialty: str,
    history: str,
    target_institution: Institution | None = None,
    diagnosis_text: str = "",
    diagnosis_code: str = "",
    question: str = "",
    log_number: str = "",
    issued_at: dt.datetime | None = None,
    referral_id: str | None = None,
) -> Referral:
    """Issue a referral from another institution (portal "test data", seed)."""
    at = issued_at or sandbox_now()
    errors: dict[str, str] = {}
    if target_specialty not in SPECIALTIES:
        errors["target_specialty"] = f"Ismeretlen szakma: {target_specialty}."
    if not history.strip():
        errors["history"] = "A rövid kórelőzmény kötelező."
    if not ((diagnosis_text.strip() and diagnosis_code) or question.strip()):
        errors["diagnosis_text"] = "Diagnózis (szöveg + BNO kód) vagy a kérdés megadása kötelező."
    if diagnosis_code:
        problem = bno_problem(diagnosis_code, on=at.date(), sex=patient.sex, age=None)
        if problem:
            errors["diagnosis_code"] = problem
    if errors:
        raise ValidationError(errors)
    return Referral.objects.create(
        referral_id=referral_id or _new_referral_id(at),
        patient=patient,
        referring_doctor=referring_doctor,
        referring_institution=referring_org_unit.institution,
        referring_org_unit=referring_org_unit,
        log_number=log_number or f"N{at:%Y%m%d}-{secrets.randbelow(10**4):04d}",
        target_specialty=target_specialty,
        target_institution=target_institution,
        history=history.strip(),
        diagnosis_text=diagnosis_text.strip(),
        diagnosis_code=diagnosis_code,
        question=question.strip(),
        issued_at=at,
        valid_until=at + dt.timedelta(days=settings.SANDBOX_REFERRAL_VALID_DAYS),
    )


@transaction.atomic
def referral_revoke(*, referral: Referral, reason: str, at: dt.datetime | None = None) -> Referral:
    """Revocation by the issuer, with a reason (correction = revoke + issue a new one)."""
    if not reason.strip():
        raise ValidationError({"reason": "A visszavonás oka kötelező."})
    if referral.status in (ReferralStatus.USED, ReferralStatus.COMPLETED):
        raise ValidationError({"reason": "Felhasznált beutaló már nem vonható vissza."})
    if referral.status != ReferralStatus.REVOKED:
        referral.status = ReferralStatus.REVOKED
        referral.revoked_at = at or sandbox_now()
        referral.revoke_reason = reason.strip()
        referral.save(update_fields=["status", "revoked_at", "revoke_reason"])
    return referral


def _locked(referral_id: str) -> Referral:
    referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("patient", "booked_institution")
        .filter(referral_id=referral_id)
        .first()
    )
    if referral is None:
        raise SoapFault(
            "REFERRAL_NOT_FOUND",
            f"Ismeretlen beutaló-azonosító: {referral_id}.",
            element="referralId",
        )
    return referral


def _target_check(referral: Referral, org_unit: OrgUnit) -> None:
    if referral.target_specialty != org_unit.specialty:
        raise SoapFault(
            "REFERRAL_WRONG_TARGET",
            f"A beutaló {SPECIALTIES.get(referral.target_specialty, referral.target_specialty)} "
            f"szakmára szól, a(z) {org_unit.code} egység szakmája "
            f"{SPECIALTIES.get(org_unit.specialty, org_unit.specialty)}.",
            element="referralId",
        )
    if (
        referral.target_institution_id is not None
        and referral.target_institution_id != org_unit.institution_id
    ):
        raise SoapFault(
            "REFERRAL_WRONG_TARGET",
            "A beutaló másik intézménybe szól.",
            element="referralId",
        )


def _usable_check(referral: Referral, org_unit: OrgUnit, at: dt.datetime) -> None:
    """Common refusals of Book and Use, in this order."""
    if referral.status == ReferralStatus.REVOKED:
        raise SoapFault(
            "REFERRAL_REVOKED",
            f"A beutalót visszavonták: {referral.revoke_reason}",
            element="referralId",
        )
    if referral.status in (ReferralStatus.USED, ReferralStatus.COMPLETED):
        raise SoapFault("REFERRAL_ALREADY_USED", element="referralId")
    _target_check(referral, org_unit)
    if (
        referral.status == ReferralStatus.BOOKED
        and referral.booked_institution_id != org_unit.institution_id
    ):
        raise SoapFault(
            "BOOKING_CONFLICT",
            "A beutalót egy másik intézmény már lefoglalta.",
            element="referralId",
        )
    if referral.status == ReferralStatus.ISSUED and at >= referral.valid_until:
        raise SoapFault(
            "REFERRAL_EXPIRED",
            f"A beutaló {settings.SANDBOX_REFERRAL_VALID_DAYS} napos érvényessége lejárt.",
            element="referralId",
        )


def _cancel_other_bookings(referral: Referral) -> list[str]:
    """Law: no two bookings in one specialty for a patient; rebooking cancels the earlier."""
    others = (
        Referral.objects.select_for_update(of=("self",))
        .filter(
            patient_id=referral.patient_id,
            target_specialty=referral.target_specialty,
            status=ReferralStatus.BOOKED,
        )
        .exclude(pk=referral.pk)
    )
    cancelled = [r.referral_id for r in others]
    others.update(
        status=ReferralStatus.ISSUED,
        booked_institution=None,
        booked_org_unit=None,
        booked_by=None,
        booked_at=None,
    )
    return cancelled


def referral_book(
    *, referral_id: str, user: User, org_unit: OrgUnit, at: dt.datetime
) -> tuple[Referral, list[str]]:
    """→ LEFOGLALT; returns the ids of the bookings it cancelled."""
    referral = _locked(referral_id)
    _usable_check(referral, org_unit, at)
    if referral.status == ReferralStatus.BOOKED:  # by us: booking again changes nothing
        return referral, []
    cancelled = _cancel_other_bookings(referral)
    referral.status = ReferralStatus.BOOKED
    referral.booked_institution = org_unit.institution
    referral.booked_org_unit = org_unit
    referral.booked_by = user
    referral.booked_at = at
    referral.save()
    return referral, cancelled


def referral_use(
    *, referral_id: str, event_id: str, user: User, org_unit: OrgUnit, at: dt.datetime
) -> Referral:
    """→ FELHASZNALT, bound to an eKAT event of the same patient at the caller's
    institution. Use without booking is allowed (law: use = booking or start of care)."""
    referral = _locked(referral_id)
    if referral.status in (ReferralStatus.USED, ReferralStatus.COMPLETED) and (
        referral.event is not None and referral.event.event_id == event_id
    ):
        return referral  # the same use again
    _usable_check(referral, org_unit, at)
    event = Event.objects.filter(event_id=event_id).first()
    if event is None:
        raise SoapFault("EVENT_NOT_FOUND", f"Ismeretlen esemény: {event_id}.", element="eventId")
    if event.status == EventStatus.DELETED:
        raise SoapFault("EVENT_NOT_OPEN", f"Törölt esemény: {event_id}.", element="eventId")
    if event.institution_id != org_unit.institution_id:
        raise SoapFault("NOT_OWNER", "Az esemény egy másik intézményé.", element="eventId")
    if event.patient_id != referral.patient_id:
        raise SoapFault(
            "REFERRAL_WRONG_TARGET",
            "A beutaló és az esemény más-más beteghez tartozik.",
            element="eventId",
        )
    if referral.status == ReferralStatus.ISSUED:
        _cancel_other_bookings(referral)
        referral.booked_institution = org_unit.institution
        referral.booked_org_unit = org_unit
        referral.booked_by = user
        referral.booked_at = at
    referral.status = ReferralStatus.USED
    referral.event = event
    referral.used_at = at
    referral.save()
    return referral


def referral_complete(*, referral_id: str, org_unit: OrgUnit, at: dt.datetime) -> Referral:
    """→ TELJESITETT once the bound event is closed (EventClose does this by itself)."""
    referral = _locked(referral_id)
    if referral.status == ReferralStatus.COMPLETED:
        return referral
    if referral.status == ReferralStatus.REVOKED:
        raise SoapFault("REFERRAL_REVOKED", element="referralId")
    if referral.status != ReferralStatus.USED or referral.event is None:
        raise SoapFault(
            "EVENT_NOT_OPEN",
            "A beutalóhoz még nem tartozik ellátási esemény (ReferralUse).",
            element="referralId",
        )
    if referral.event.institution_id != org_unit.institution_id:
        raise SoapFault(
            "NOT_OWNER", "A beutalót egy másik intézmény használta fel.", element="referralId"
        )
    if referral.event.status != EventStatus.CLOSED:
        raise SoapFault(
            "EVENT_NOT_OPEN",
            "A beutaló az ellátás lezárása (EventClose) után teljesíthető.",
            element="referralId",
        )
    referral.status = ReferralStatus.COMPLETED
    referral.completed_at = at
    referral.save(update_fields=["status", "completed_at"])
    return referral


def referrals_complete_for_event(*, event: Event, at: dt.datetime) -> int:
    """Called by eKAT EventClose: referrals used for this event become TELJESITETT."""
    return Referral.objects.filter(event=event, status=ReferralStatus.USED).update(
        status=ReferralStatus.COMPLETED, completed_at=at
    )
