"""Reads of the registry."""

from __future__ import annotations

from sandbox.registry.models import Doctor, Grant, Institution, OrgUnit, Patient, User


def user_get(*, user_id: str) -> User | None:
    return User.objects.select_related("doctor").filter(user_id=user_id).first()


def institution_get(*, institution_id: str) -> Institution | None:
    return Institution.objects.filter(institution_id=institution_id).first()


def org_unit_get(*, code: str) -> OrgUnit | None:
    return OrgUnit.objects.select_related("institution").filter(code=code).first()


def doctor_get(*, stamp: str) -> Doctor | None:
    return Doctor.objects.filter(stamp=stamp).first()


def patient_get(*, id_type: str, id_value: str) -> Patient | None:
    return Patient.objects.filter(id_type=id_type, id_value=id_value).first()


def grant_roles(*, user: User, org_unit: OrgUnit) -> set[str]:
    """Roles the user holds for this org unit (its institution implied)."""
    return set(
        Grant.objects.filter(
            user=user, org_unit=org_unit, institution_id=org_unit.institution_id
        ).values_list("role", flat=True)
    )
