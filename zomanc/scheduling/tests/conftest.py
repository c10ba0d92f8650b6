"""Calendar fixtures on top of the shared personas: chairs, patients and a `book` helper
that goes through the real service."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from zomanc.conftest import Personas
from zomanc.patients.models import Patient
from zomanc.patients.tests.factories import make_patient
from zomanc.scheduling.models import Appointment, Chair
from zomanc.scheduling.services import appointment_create

DAY = date(2026, 3, 2)  # a Monday


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@dataclass
class Cal:
    p: Personas
    chair1: Chair
    chair2: Chair
    chair_b: Chair
    anna: Patient
    bela: Patient
    patient_b: Patient

    def book(
        self,
        start: datetime,
        minutes: int = 30,
        *,
        chair: Chair | None = None,
        doctor: Any = None,
        patient: Patient | None = None,
        **extra: Any,
    ) -> Appointment:
        return appointment_create(
            practice=self.p.practice_a,
            actor=self.p.receptionist,
            patient=patient or self.anna,
            doctor=doctor or self.p.doctor,
            chair=chair or self.chair1,
            company=self.p.company_a,
            org_unit=self.p.org_unit_a,
            starts_at=start,
            ends_at=start + timedelta(minutes=minutes),
            **extra,
        )


@pytest.fixture
def cal(personas: Personas) -> Cal:
    return Cal(
        p=personas,
        chair1=Chair.objects.create(practice=personas.practice_a, name="1. szék", position=1),
        chair2=Chair.objects.create(practice=personas.practice_a, name="2. szék", position=2),
        chair_b=Chair.objects.create(practice=personas.practice_b, name="B szék", position=1),
        anna=make_patient(personas.receptionist, family_name="Kovács", given_name="Anna"),
        bela=make_patient(personas.receptionist, family_name="Nagy", given_name="Béla"),
        patient_b=make_patient(personas.outsider, family_name="Idegen", given_name="Ida"),
    )


Book = Callable[..., Appointment]
