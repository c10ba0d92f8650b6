"""Seed: referrals of Nagy Bence (111111110) to the demo institution — one valid (FOG), one
expired, one revoked, one for another specialty (SZAJSEB) — issued by the other
institution's internist."""

from __future__ import annotations

import datetime as dt

from sandbox.clock.services import now as sandbox_now
from sandbox.referral.models import Referral, ReferralStatus
from sandbox.referral.services import referral_issue
from sandbox.registry.models import Doctor, IdType, Institution, OrgUnit, Patient

REFERRAL_TAJ = "111111110"
VALID = "202500000000000401"
EXPIRED = "202500000000000402"
REVOKED = "202500000000000403"
OTHER_SPECIALTY = "202500000000000404"

# (id, specialty, days ago, history, diagnosis text, BNO, question)
REFERRALS = [
    (
        VALID,
        "FOG",
        10,
        "Két hete fennálló fogfájás a bal alsó fogívben.",
        "Fogszuvasodás",
        "K0210",
        "",
    ),
    (EXPIRED, "FOG", 100, "Fogkő, ínyvérzés.", "", "", "Fogkő-eltávolítás indokolt-e?"),
    (REVOKED, "FOG", 20, "Fogfájás.", "Fogszuvasodás", "K0210", ""),
    (OTHER_SPECIALTY, "SZAJSEB", 5, "Áttörés alatti bölcsességfog.", "", "", "Műtéti eltávolítás?"),
]


def seed_referrals() -> None:
    now = sandbox_now()
    patient = Patient.objects.get(id_type=IdType.TAJ, id_value=REFERRAL_TAJ)
    demo = Institution.objects.get(institution_id="506097")
    for referral_id, specialty, days, history, diag_text, bno, question in REFERRALS:
        if Referral.objects.filter(referral_id=referral_id).exists():
            continue
        at = (now - dt.timedelta(days=days)).replace(microsecond=0)
        referral = referral_issue(
            patient=patient,
            referring_doctor=Doctor.objects.get(stamp="70002"),
            referring_org_unit=OrgUnit.objects.get(code="010600001"),
            target_specialty=specialty,
            target_institution=demo,
            history=history,
            diagnosis_text=diag_text,
            diagnosis_code=bno,
            question=question,
            log_number=f"BEL-{referral_id[-4:]}",
            issued_at=at,
            referral_id=referral_id,
        )
        if referral_id == REVOKED:
            Referral.objects.filter(pk=referral.pk).update(
                status=ReferralStatus.REVOKED,
                revoked_at=at + dt.timedelta(days=1),
                revoke_reason="Téves beutaló, újat adtunk ki.",
            )
