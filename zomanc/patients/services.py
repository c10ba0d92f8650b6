"""Writes of patients: create and update, each with its audit entry in the same transaction,
and the audit entry for looking at a patient's record."""

import dataclasses
import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zomanc.accounts.models import User
from zomanc.audit.models import AuditAction
from zomanc.audit.services import audit_changes, audit_record
from zomanc.patients.identifiers import identifier_normalise
from zomanc.patients.models import IdType, Patient, Sex
from zomanc.patients.search import patient_search_name
from zomanc.patients.selectors import patient_find_by_identifier
from zomanc.practices.models import Practice

EARLIEST_BIRTH_DATE = datetime.date(1900, 1, 1)


@dataclasses.dataclass(frozen=True)
class PatientData:
    """Everything a person may set on a patient; the form and the API both build one."""

    family_name: str
    given_name: str
    sex: str
    birth_date: datetime.date
    birth_family_name: str = ""
    birth_given_name: str = ""
    birth_place: str = ""
    mother_name: str = ""
    postal_code: str = ""
    city: str = ""
    street_address: str = ""
    country: str = "HU"
    phone: str = ""
    email: str = ""
    id_type: str = IdType.TAJ
    id_value: str = ""


DATA_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(PatientData))


class DuplicateIdentifierError(Exception):
    """The practice already has a patient with this identifier; `existing` is that patient."""

    def __init__(self, existing: Patient) -> None:
        self.existing = existing
        super().__init__(f"duplicate identifier of patient {existing.pk}")


def _audit_values(patient: Patient) -> dict[str, Any]:
    values = {name: getattr(patient, name) for name in DATA_FIELDS}
    values["birth_date"] = patient.birth_date.isoformat() if patient.birth_date else None
    return values


def _apply(patient: Patient, data: PatientData) -> None:
    """Copy, normalise and validate `data` onto `patient`; ValidationError by field."""
    errors: dict[str, list[ValidationError]] = {}
    for name in DATA_FIELDS:
        value = getattr(data, name)
        setattr(patient, name, value.strip() if isinstance(value, str) else value)
    patient.country = (patient.country or "HU").upper()
    try:
        patient.id_value = identifier_normalise(patient.id_type, patient.id_value)
    except ValidationError as exc:
        errors.setdefault("id_value", []).append(exc)
    today = timezone.localdate()
    if isinstance(patient.birth_date, datetime.date) and not (
        EARLIEST_BIRTH_DATE <= patient.birth_date <= today
    ):
        errors.setdefault("birth_date", []).append(
            ValidationError(
                _("A születési dátum 1900.01.01. és a mai nap közé essen."), code="birth_date"
            )
        )
    if patient.sex not in Sex.values:
        errors.setdefault("sex", []).append(ValidationError(_("Válasszon nemet."), code="sex"))
    patient.search_name = patient_search_name(patient.family_name, patient.given_name)
    try:
        patient.clean_fields(exclude=["practice", "search_name", *errors.keys()])
    except ValidationError as exc:
        for field, field_errors in exc.error_dict.items():
            errors.setdefault(field, []).extend(field_errors)
    if errors:
        raise ValidationError(errors)


def _save_unique(patient: Patient) -> None:
    """Save, turning the unique-identifier constraint into DuplicateIdentifierError. The
    lookup first gives the friendly answer; the constraint settles a race between two desks."""
    existing = patient_find_by_identifier(
        practice=patient.practice,
        id_type=patient.id_type,
        id_value=patient.id_value,
        exclude_id=patient.pk,
    )
    if existing is not None:
        raise DuplicateIdentifierError(existing)
    try:
        with transaction.atomic():
            patient.save()
    except IntegrityError:
        existing = patient_find_by_identifier(
            practice=patient.practice,
            id_type=patient.id_type,
            id_value=patient.id_value,
            exclude_id=patient.pk,
        )
        if existing is None:
            raise
        raise DuplicateIdentifierError(existing) from None


@transaction.atomic
def patient_create(
    *, practice: Practice, actor: User, data: PatientData, request: HttpRequest | None = None
) -> Patient:
    patient = Patient(practice=practice)
    _apply(patient, data)
    _save_unique(patient)
    audit_record(
        practice=practice,
        actor=actor,
        action=AuditAction.CREATE,
        obj=patient,
        patient_id=patient.pk,
        summary=f"Páciens felvétele: {patient}",
        changes=audit_changes({}, _audit_values(patient)),
        request=request,
    )
    return patient


@transaction.atomic
def patient_update(
    *, patient: Patient, actor: User, data: PatientData, request: HttpRequest | None = None
) -> Patient:
    before = _audit_values(patient)
    _apply(patient, data)
    changes = audit_changes(before, _audit_values(patient))
    if not changes:
        return patient  # nothing changed: no write, no audit noise
    _save_unique(patient)
    audit_record(
        practice=patient.practice,
        actor=actor,
        action=AuditAction.UPDATE,
        obj=patient,
        patient_id=patient.pk,
        summary=f"Páciens adatainak módosítása: {patient}",
        changes=changes,
        request=request,
    )
    return patient


def patient_record_viewed(
    *, patient: Patient, actor: User, request: HttpRequest | None = None, via: str = "web"
) -> None:
    """Every look at a patient's record leaves a VIEW entry (who, when, from where)."""
    audit_record(
        practice=patient.practice,
        actor=actor,
        action=AuditAction.VIEW,
        obj=patient,
        patient_id=patient.pk,
        summary=f"Páciens adatlapjának megtekintése ({via}): {patient}",
        request=request,
    )


def patient_data_of(patient: Patient) -> PatientData:
    """The editable data of a stored patient (the edit form's and API update's start)."""
    return PatientData(**{name: getattr(patient, name) for name in DATA_FIELDS})
