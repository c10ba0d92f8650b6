"""Fixtures of the recall tests: histories written through the real clinical services (a
visit opened, a procedure recorded, a diagnosis, closed), rules, appointments."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from zomanc.clinical.models import Visit
from zomanc.clinical.services import diagnosis_add, procedure_add, visit_close, visit_open
from zomanc.clinical.tests.conftest import bno, catalogue_for  # noqa: F401 (fixture)
from zomanc.codes.models import TreatmentItem
from zomanc.conftest import Personas
from zomanc.patients.models import Patient
from zomanc.practices.models import StaffMember
from zomanc.recall.models import RecallRule
from zomanc.scheduling.models import Appointment, Chair
from zomanc.scheduling.services import appointment_create


def aware(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def procedure_done(
    personas: Personas,
    patient: Patient,
    treatment: TreatmentItem,
    day: dt.date,
    doctor: StaffMember | None = None,
    close: bool = True,
) -> Visit:
    """A visit on `day` with `treatment` recorded, closed unless `close` is False."""
    practice_b = patient.practice_id == personas.practice_b.pk
    doctor = doctor or (personas.doctor_b if practice_b else personas.doctor)
    visit = visit_open(
        patient=patient,
        doctor=doctor,
        company=personas.company_b if practice_b else personas.company_a,
        org_unit=personas.org_unit_b if practice_b else personas.org_unit_a,
        started_at=aware(day),
        opened_by=doctor.user,
    )
    procedure_add(visit=visit, treatment=treatment, added_by=doctor.user)
    if close:
        diagnosis_add(visit=visit, code="K0510", added_by=doctor.user)
        visit_close(visit=visit, closed_by=doctor.user, closed_at=aware(day, 10))
    return visit


def book(personas: Personas, patient: Patient, when: dt.datetime) -> Appointment:
    chair, _ = Chair.objects.get_or_create(practice=personas.practice_a, name="1. szék")
    return appointment_create(
        practice=personas.practice_a,
        actor=personas.receptionist,
        patient=patient,
        doctor=personas.doctor,
        chair=chair,
        company=personas.company_a,
        org_unit=personas.org_unit_a,
        starts_at=when,
        ends_at=when + dt.timedelta(minutes=30),
    )


@dataclass
class Catalogue:
    scaling: TreatmentItem
    xray: TreatmentItem
    filling: TreatmentItem
    scaling_b: TreatmentItem


@pytest.fixture
def items(personas: Personas, bno: None) -> Catalogue:  # noqa: F811
    a = catalogue_for(personas.practice_a)
    b = catalogue_for(personas.practice_b)
    RecallRule.objects.create(practice=personas.practice_a, treatment=a["fk"], interval_months=6)
    RecallRule.objects.create(practice=personas.practice_b, treatment=b["fk"], interval_months=6)
    return Catalogue(scaling=a["fk"], xray=a["rtg"], filling=a["töm"], scaling_b=b["fk"])
