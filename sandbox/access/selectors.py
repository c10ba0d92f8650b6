"""Reads of the access app, for the portal's patient side ("Lakossági portál")."""

from __future__ import annotations

from django.db.models import QuerySet

from sandbox.access.models import AccessLogEntry, BreakglassGrant, DorRestriction, Waiver
from sandbox.registry.models import Patient


def access_log_of_patient(*, patient: Patient) -> QuerySet[AccessLogEntry]:
    """Newest first: who (user, institution, org unit), when, what, outcome, reason."""
    return AccessLogEntry.objects.filter(patient=patient).select_related(
        "user", "institution", "org_unit"
    )


def dor_restrictions_of_patient(*, patient: Patient) -> QuerySet[DorRestriction]:
    return DorRestriction.objects.filter(patient=patient).order_by("-created_at", "-pk")


def waivers_of_patient(*, patient: Patient) -> QuerySet[Waiver]:
    return Waiver.objects.filter(patient=patient).select_related("doctor").order_by("-granted_at")


def breakglass_grants_of_patient(*, patient: Patient) -> QuerySet[BreakglassGrant]:
    return (
        BreakglassGrant.objects.filter(patient=patient)
        .select_related("user", "institution", "org_unit")
        .order_by("-granted_at")
    )
