"""Test helpers to make patients through the real service (audit entry included)."""

import datetime
import random
from typing import Any

from zomanc.codes.validators import taj_generate
from zomanc.patients.models import IdType, Patient
from zomanc.patients.services import PatientData, patient_create
from zomanc.practices.models import StaffMember

_rng = random.Random(20260517)


def patient_data(**overrides: Any) -> PatientData:
    values: dict[str, Any] = {
        "family_name": "Kovács",
        "given_name": "Anna",
        "sex": "F",
        "birth_date": datetime.date(1980, 5, 17),
        "birth_place": "Budapest",
        "mother_name": "Szabó Mária",
        "postal_code": "1117",
        "city": "Budapest",
        "street_address": "Október huszonharmadika utca 8.",
        "phone": "+36 30 123 4567",
        "email": "anna.kovacs@example.test",
        "id_type": IdType.TAJ,
        "id_value": taj_generate(_rng),
    }
    values.update(overrides)
    return PatientData(**values)


def make_patient(member: StaffMember, **overrides: Any) -> Patient:
    return patient_create(
        practice=member.practice, actor=member.user, data=patient_data(**overrides)
    )
