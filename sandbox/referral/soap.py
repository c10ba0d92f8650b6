"""The e-Beutaló SOAP service (contract §8)."""

from __future__ import annotations

from lxml import etree

from sandbox.access.models import Outcome
from sandbox.access.services import access_log_write
from sandbox.referral import selectors, services
from sandbox.referral.models import Referral
from sandbox.registry.lookups import patient_resolve
from sandbox.registry.models import Role
from sandbox.soap.context import CallContext
from sandbox.soap.errors import SoapFault
from sandbox.soap.registry import register_service
from sandbox.soap.xmlutil import Builder

referral = register_service("referral", title="e-Beutaló")
USERS = {Role.ORVOS, Role.FELHASZNALO}


def referral_element(b: Builder, r: Referral, ctx: CallContext) -> etree._Element:
    return b(
        "referral",
        b("referralId", r.referral_id),
        b("status", r.status_at(ctx.now)),
        b("issuedAt", r.issued_at),
        b("validUntil", r.valid_until),
        b("logNumber", r.log_number),
        b("patient", b("idType", r.patient.id_type), b("id", r.patient.id_value)),
        b("patientName", r.patient.name),
        b("referringStamp", r.referring_doctor.stamp),
        b("referringDoctorName", r.referring_doctor.name),
        b("referringInstitutionId", r.referring_institution.institution_id),
        b("referringOrgUnitId", r.referring_org_unit.code),
        b("targetSpecialty", r.target_specialty),
        b.opt("targetInstitutionId", r.target_institution and r.target_institution.institution_id),
        b("history", r.history),
        b.opt("diagnosisText", r.diagnosis_text),
        b.opt("diagnosis", r.diagnosis_code),
        b.opt("question", r.question),
        b.opt("bookedInstitutionId", r.booked_institution and r.booked_institution.institution_id),
        b.opt("bookedOrgUnitId", r.booked_org_unit and r.booked_org_unit.code),
        b.opt("bookedAt", r.booked_at),
        b.opt("eventId", r.event and r.event.event_id),
        b.opt("usedAt", r.used_at),
        b.opt("completedAt", r.completed_at),
        b.opt("revokedAt", r.revoked_at),
        b.opt("revokeReason", r.revoke_reason),
    )


@referral.operation("ReferralQuery", roles=USERS)
def referral_query(ctx: CallContext, req: etree._Element) -> etree._Element:
    """Referrals of a patient (addressed to the caller or to anyone), or one by its id."""
    referral_id = req.findtext(ctx.q("referralId"))
    if referral_id:
        found = selectors.referral_get(referral_id=referral_id)
        if found is None:
            raise SoapFault(
                "REFERRAL_NOT_FOUND",
                f"Ismeretlen beutaló-azonosító: {referral_id}.",
                element="referralId",
            )
        referrals = [found]
        patient = found.patient
    else:
        patient = patient_resolve(
            id_type=req.findtext(f"{ctx.q('patient')}/{ctx.q('idType')}") or "",
            id_value=req.findtext(f"{ctx.q('patient')}/{ctx.q('id')}") or "",
        )
        referrals = list(
            selectors.referrals_visible_to(institution=ctx.institution, patient=patient)
        )
    # A referral is patient data: the lookup shows in the patient's access log.
    access_log_write(
        patient=patient,
        at=ctx.now,
        user=ctx.require_user(),
        institution=ctx.institution,
        org_unit=ctx.require_org_unit(),
        role=ctx.role or "",
        service="referral",
        operation="ReferralQuery",
        item=referral_id or f"{len(referrals)} beutaló",
        outcome=Outcome.ALLOWED,
        reason="beutaló lekérdezése",
    )
    return ctx.b("ReferralQueryResponse", [referral_element(ctx.b, r, ctx) for r in referrals])


@referral.operation("ReferralBook", roles=USERS, write=True)
def referral_book(ctx: CallContext, req: etree._Element) -> etree._Element:
    """Book the referral at the caller's org unit (cancels the patient's other booking in
    the same specialty)."""
    booked, cancelled = services.referral_book(
        referral_id=req.findtext(ctx.q("referralId")) or "",
        user=ctx.require_user(),
        org_unit=ctx.require_org_unit(),
        at=ctx.now,
    )
    b = ctx.b
    return b(
        "ReferralBookResponse",
        b("referralId", booked.referral_id),
        b("status", booked.status),
        [b("cancelledReferralId", c) for c in cancelled],
    )


@referral.operation("ReferralUse", roles=USERS, write=True)
def referral_use(ctx: CallContext, req: etree._Element) -> etree._Element:
    """Use the referral for an eKAT event of the caller's institution (start of care)."""
    used = services.referral_use(
        referral_id=req.findtext(ctx.q("referralId")) or "",
        event_id=req.findtext(ctx.q("eventId")) or "",
        user=ctx.require_user(),
        org_unit=ctx.require_org_unit(),
        at=ctx.now,
    )
    b = ctx.b
    return b("ReferralUseResponse", b("referralId", used.referral_id), b("status", used.status))


@referral.operation("ReferralComplete", roles=USERS, write=True)
def referral_complete(ctx: CallContext, req: etree._Element) -> etree._Element:
    """Mark the referral fulfilled once its event is closed."""
    done = services.referral_complete(
        referral_id=req.findtext(ctx.q("referralId")) or "",
        org_unit=ctx.require_org_unit(),
        at=ctx.now,
    )
    b = ctx.b
    return b(
        "ReferralCompleteResponse", b("referralId", done.referral_id), b("status", done.status)
    )
