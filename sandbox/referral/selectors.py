"""e-Beutaló reads."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q, QuerySet

from sandbox.referral.models import Referral, ReferralStatus
from sandbox.registry.models import Institution, Patient


def referral_relates(*, institution: Institution, patient: Patient, at: dt.datetime) -> bool:
    """A referral that makes a treating relationship (access step 6): addressed to the
    institution (or booked / used there), and live — issued and not expired, booked, used,
    or completed within the recent-care window."""
    recent = at - dt.timedelta(days=settings.SANDBOX_TREATMENT_RELATIONSHIP_DAYS)
    return (
        Referral.objects.filter(patient=patient)
        .filter(Q(target_institution=institution) | Q(booked_institution=institution))
        .filter(
            Q(status=ReferralStatus.ISSUED, valid_until__gt=at)
            | Q(status__in=[ReferralStatus.BOOKED, ReferralStatus.USED])
            | Q(status=ReferralStatus.COMPLETED, completed_at__gte=recent)
        )
        .exists()
    )


def _related() -> QuerySet[Referral]:
    return Referral.objects.select_related(
        "patient",
        "referring_doctor",
        "referring_institution",
        "referring_org_unit",
        "target_institution",
        "booked_institution",
        "event",
    )


def referrals_visible_to(*, institution: Institution, patient: Patient) -> QuerySet[Referral]:
    """What ``ReferralQuery`` by patient returns to an institution: referrals addressed to
    it or to any provider (no target institution), and those it issued, booked or used."""
    return (
        _related()
        .filter(patient=patient)
        .filter(
            Q(target_institution__isnull=True)
            | Q(target_institution=institution)
            | Q(referring_institution=institution)
            | Q(booked_institution=institution)
        )
        .order_by("-issued_at", "referral_id")
    )


def referral_get(*, referral_id: str) -> Referral | None:
    return _related().filter(referral_id=referral_id).first()


def referrals_of_patient(*, patient: Patient) -> QuerySet[Referral]:
    """All of a patient's referrals (the portal's patient side)."""
    return _related().filter(patient=patient).order_by("-issued_at", "referral_id")
