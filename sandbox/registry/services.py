"""Writes of the registry: VMátrix grants (the portal's rights admin page calls these) and
the operator's test persons."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from sandbox.registry.models import (
    Grant,
    IdType,
    OrgUnit,
    Patient,
    PatientOrigin,
    Role,
    Sex,
    User,
)
from sandbox.registry.validators import taj_is_valid


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


class PersonRefused(Exception):
    """Why a test person cannot be saved (Hungarian, shown next to the form)."""


@transaction.atomic
def patient_save(
    *,
    taj: str,
    name: str,
    birth_date: dt.date,
    sex: str,
    eligibility: str,
    deceased_on: dt.date | None = None,
) -> Patient:
    """The operator adds a test person or edits one (matched by TAJ). The reserved
    "not found" TAJ stays unknown: it plays the register's negative case."""
    from sandbox.eligibility.services import COLOURS
    from sandbox.registry.register import TAJ_NOT_FOUND

    if not taj_is_valid(taj):
        raise PersonRefused(f"A(z) {taj} TAJ szám érvénytelen (ellenőrző számjegy).")
    if taj == TAJ_NOT_FOUND:
        raise PersonRefused(f"A(z) {taj} a „nincs ilyen biztosított” eset fenntartott száma.")
    if eligibility not in COLOURS:
        raise PersonRefused(f"Ismeretlen TB-lámpa szín: {eligibility}.")
    if sex not in Sex.values:
        raise PersonRefused(f"Ismeretlen nem: {sex}.")
    if deceased_on is not None and deceased_on < birth_date:
        raise PersonRefused("A halál dátuma nem lehet korábbi a születésnél.")
    person, _ = Patient.objects.update_or_create(
        id_type=IdType.TAJ,
        id_value=taj,
        defaults={
            "name": name.strip(),
            "birth_date": birth_date,
            "sex": sex,
            "eligibility": eligibility,
            "deceased_on": deceased_on,
            "origin": PatientOrigin.OPERATOR,
        },
    )
    return person
