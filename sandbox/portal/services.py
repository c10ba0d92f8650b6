"""Writes the portal owns (institution-level rights). Everything else the portal does is a
call into the owning app's services (idp, pki, registry, faults, clock, …)."""

from __future__ import annotations

from django.db import transaction

from sandbox.portal.models import InstitutionRight, InstitutionRightKind
from sandbox.registry.models import Institution, User


@transaction.atomic
def institution_right_add(*, user: User, institution: Institution, right: str) -> InstitutionRight:
    if right not in InstitutionRightKind.values:
        raise ValueError(f"Ismeretlen intézményi jog: {right}.")
    obj, _ = InstitutionRight.objects.get_or_create(user=user, institution=institution, right=right)
    return obj


@transaction.atomic
def institution_right_remove(*, right: InstitutionRight) -> None:
    right.delete()
