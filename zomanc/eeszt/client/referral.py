"""e-Beutaló (contract §8): query by patient or id, book, use for an eKAT event, complete."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from zomanc.eeszt.client.ekat import PatientRef
from zomanc.eeszt.client.wire import CallContext, Connection, call

# Contract statuses: KIADOTT → LEFOGLALT → FELHASZNALT → TELJESITETT; VISSZAVONT; LEJART.
ISSUED, BOOKED, USED, COMPLETED, REVOKED, EXPIRED = (
    "KIADOTT",
    "LEFOGLALT",
    "FELHASZNALT",
    "TELJESITETT",
    "VISSZAVONT",
    "LEJART",
)


@dataclass(frozen=True)
class Referral:
    referral_id: str
    status: str
    issued_at: dt.datetime
    valid_until: dt.datetime
    log_number: str
    patient: PatientRef
    patient_name: str
    referring_stamp: str
    referring_doctor_name: str
    referring_institution_id: str
    referring_org_unit_id: str
    target_specialty: str
    target_institution_id: str  # "" = any provider of the specialty
    history: str
    diagnosis_text: str
    diagnosis: str
    question: str
    booked_institution_id: str
    booked_org_unit_id: str
    booked_at: dt.datetime | None
    event_id: str
    used_at: dt.datetime | None
    completed_at: dt.datetime | None
    revoked_at: dt.datetime | None
    revoke_reason: str


@dataclass(frozen=True)
class ReferralAnswer:
    referral_id: str
    status: str
    cancelled: tuple[str, ...] = ()  # Book: the patient's other bookings it cancelled


def _referral(r: Any) -> Referral:
    return Referral(
        referral_id=r.referralId,
        status=r.status,
        issued_at=r.issuedAt,
        valid_until=r.validUntil,
        log_number=r.logNumber,
        patient=PatientRef(r.patient.idType, r.patient.id),
        patient_name=r.patientName,
        referring_stamp=r.referringStamp,
        referring_doctor_name=r.referringDoctorName,
        referring_institution_id=r.referringInstitutionId,
        referring_org_unit_id=r.referringOrgUnitId,
        target_specialty=r.targetSpecialty,
        target_institution_id=r.targetInstitutionId or "",
        history=r.history,
        diagnosis_text=r.diagnosisText or "",
        diagnosis=r.diagnosis or "",
        question=r.question or "",
        booked_institution_id=r.bookedInstitutionId or "",
        booked_org_unit_id=r.bookedOrgUnitId or "",
        booked_at=r.bookedAt,
        event_id=r.eventId or "",
        used_at=r.usedAt,
        completed_at=r.completedAt,
        revoked_at=r.revokedAt,
        revoke_reason=r.revokeReason or "",
    )


def referral_query(
    conn: Connection,
    ctx: CallContext,
    *,
    patient: PatientRef | None = None,
    referral_id: str | None = None,
) -> list[Referral]:
    """By patient (those addressed to the caller's institution or to anyone, and those it
    issued or booked) or by id — exactly one of the two."""
    if (patient is None) == (referral_id is None):
        raise TypeError("give either patient or referral_id")
    params: dict[str, Any] = (
        {"patient": patient.wire()} if patient is not None else {"referralId": referral_id}
    )
    result = call(conn, "referral", "ReferralQuery", ctx=ctx, **params)
    # zeep unwraps a response whose only child is the repeated element: a list (or None).
    items = result if isinstance(result, list) else getattr(result, "referral", None)
    return [_referral(r) for r in (items or [])]


def referral_book(
    conn: Connection, ctx: CallContext, *, request_id: str | None = None, referral_id: str
) -> ReferralAnswer:
    result = call(
        conn, "referral", "ReferralBook", ctx=ctx, request_id=request_id, referralId=referral_id
    )
    return ReferralAnswer(
        referral_id=result.referralId,
        status=result.status,
        cancelled=tuple(result.cancelledReferralId or ()),
    )


def referral_use(
    conn: Connection,
    ctx: CallContext,
    *,
    request_id: str | None = None,
    referral_id: str,
    event_id: str,
) -> ReferralAnswer:
    """Binds the referral to the eKAT event → FELHASZNALT (using it again for the same event
    answers the same)."""
    result = call(
        conn,
        "referral",
        "ReferralUse",
        ctx=ctx,
        request_id=request_id,
        referralId=referral_id,
        eventId=event_id,
    )
    return ReferralAnswer(referral_id=result.referralId, status=result.status)


def referral_complete(
    conn: Connection, ctx: CallContext, *, request_id: str | None = None, referral_id: str
) -> ReferralAnswer:
    result = call(
        conn,
        "referral",
        "ReferralComplete",
        ctx=ctx,
        request_id=request_id,
        referralId=referral_id,
    )
    return ReferralAnswer(referral_id=result.referralId, status=result.status)
