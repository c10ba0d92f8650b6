"""Writes of the registry: VMátrix grants (the portal's rights admin page calls these)."""

from __future__ import annotations

from django.db import transaction

from sandbox.registry.models import Grant, OrgUnit, Role, User


class GrantRefused(Exception):
    """Why a grant cannot be given or taken (Hungarian, shown next to the form)."""


@transaction.atomic
def grant_add(*, user: User, org_unit: OrgUnit, role: str) -> Grant:
    """The user may act for the org unit's institution and that org unit in this role.
    Idempotent: an existing grant is returned unchanged."""
    if role not in Role.values:
        raise GrantRefused(f"Ismeretlen szerepkör: {role}.")
    grant, _ = Grant.objects.get_or_create(
        user=user, institution_id=org_unit.institution_id, org_unit=org_unit, role=role
    )
    return grant


@transaction.atomic
def grant_remove(*, grant: Grant) -> None:
    """Remove a grant. The last INTJOGADIN of an institution cannot remove itself away:
    nobody could give rights there again."""
    if grant.role == Role.INTJOGADIN:
        others = (
            Grant.objects.select_for_update()
            .filter(institution_id=grant.institution_id, role=Role.INTJOGADIN)
            .exclude(pk=grant.pk)
        )
        if not others.exists():
            raise GrantRefused(
                "Ez az intézmény utolsó jogosultság-adminisztrátori (INTJOGADIN) joga; "
                "előbb adjon ilyen jogot valaki másnak."
            )
    grant.delete()
