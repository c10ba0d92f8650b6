import dataclasses
import datetime

import pytest
from django.core.exceptions import ValidationError

from zomanc.audit.models import AuditAction, AuditEntry
from zomanc.conftest import Personas
from zomanc.patients.models import IdType, Patient
from zomanc.patients.services import (
    DuplicateIdentifierError,
    patient_create,
    patient_data_of,
    patient_record_viewed,
    patient_update,
)
from zomanc.patients.tests.factories import make_patient, patient_data


def test_create_normalises_and_audits(personas: Personas) -> None:
    patient = patient_create(
        practice=personas.practice_a,
        actor=personas.receptionist.user,
        data=patient_data(id_value="123 456-788", family_name=" Kovács "),
    )
    assert patient.id_value == "123456788"
    assert patient.family_name == "Kovács"
    assert patient.search_name == "kovacs anna"
    entry = AuditEntry.objects.get(action=AuditAction.CREATE, patient_id=patient.pk)
    assert entry.practice == personas.practice_a
    assert entry.actor == personas.receptionist.user
    assert entry.changes["id_value"] == [None, "123456788"]
    assert entry.changes["birth_date"] == [None, "1980-05-17"]


def test_create_without_taj(personas: Personas) -> None:
    patient = make_patient(personas.receptionist, id_type=IdType.UNKNOWN, id_value="")
    assert patient.id_value == ""
    second = make_patient(personas.receptionist, id_type=IdType.UNKNOWN, id_value="")
    assert second.pk != patient.pk  # several patients without identifier are fine


def test_invalid_taj_is_refused_and_nothing_saved(personas: Personas) -> None:
    with pytest.raises(ValidationError) as exc:
        make_patient(personas.receptionist, id_value="111111111")
    assert "ellenőrző számjegye" in exc.value.message_dict["id_value"][0]
    assert not Patient.objects.exists()
    assert not AuditEntry.objects.exists()


def test_duplicate_taj_in_same_practice_refused(personas: Personas) -> None:
    first = make_patient(personas.receptionist, id_value="123456788")
    with pytest.raises(DuplicateIdentifierError) as exc:
        make_patient(personas.doctor, id_value="123 456 788", given_name="Béla")
    assert exc.value.existing == first
    assert Patient.objects.count() == 1


def test_same_taj_in_other_practice_is_allowed(personas: Personas) -> None:
    make_patient(personas.receptionist, id_value="123456788")
    other = make_patient(personas.outsider, id_value="123456788")
    assert other.practice == personas.practice_b


def test_update_records_field_changes(personas: Personas) -> None:
    patient = make_patient(personas.receptionist, id_value="123456788")
    data = dataclasses.replace(
        patient_data_of(patient), family_name="Kovácsné Tóth", phone="+36 1 555 1234"
    )
    updated = patient_update(patient=patient, actor=personas.doctor.user, data=data)
    assert updated.search_name == "kovacsne toth anna"
    entry = AuditEntry.objects.get(action=AuditAction.UPDATE, patient_id=patient.pk)
    assert entry.changes == {
        "family_name": ["Kovács", "Kovácsné Tóth"],
        "phone": ["+36 30 123 4567", "+36 1 555 1234"],
    }
    patient.refresh_from_db()
    assert patient.family_name == "Kovácsné Tóth"


def test_update_without_changes_writes_nothing(personas: Personas) -> None:
    patient = make_patient(personas.receptionist)
    patient_update(patient=patient, actor=personas.doctor.user, data=patient_data_of(patient))
    assert not AuditEntry.objects.filter(action=AuditAction.UPDATE).exists()


def test_update_to_existing_taj_refused(personas: Personas) -> None:
    make_patient(personas.receptionist, id_value="123456788")
    second = make_patient(personas.receptionist, id_value="987654322")
    data = dataclasses.replace(patient_data_of(second), id_value="123456788")
    with pytest.raises(DuplicateIdentifierError):
        patient_update(patient=second, actor=personas.doctor.user, data=data)
    second.refresh_from_db()
    assert second.id_value == "987654322"
    assert not AuditEntry.objects.filter(action=AuditAction.UPDATE).exists()


def test_birth_date_in_future_refused(personas: Personas) -> None:
    with pytest.raises(ValidationError) as exc:
        make_patient(personas.receptionist, birth_date=datetime.date(2999, 1, 1))
    assert "birth_date" in exc.value.message_dict


def test_blank_name_and_bad_email_refused(personas: Personas) -> None:
    with pytest.raises(ValidationError) as exc:
        make_patient(personas.receptionist, family_name="   ", email="nem-email")
    assert set(exc.value.message_dict) >= {"family_name", "email"}


def test_passport_patient(personas: Personas) -> None:
    patient = make_patient(personas.receptionist, id_type=IdType.PASSPORT, id_value="l898902c36")
    assert patient.id_value == "L898902C36"
    assert patient.identifier_display == "L898902C36"


def test_record_view_is_audited(personas: Personas) -> None:
    patient = make_patient(personas.receptionist)
    patient_record_viewed(patient=patient, actor=personas.doctor.user)
    entry = AuditEntry.objects.get(action=AuditAction.VIEW)
    assert entry.patient_id == patient.pk
    assert entry.actor == personas.doctor.user
