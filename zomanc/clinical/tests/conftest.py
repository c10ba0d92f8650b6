"""Fixtures of the chart's tests: real NEAK BNO rows, patients made through the patients
service, a small treatment catalogue per practice, and an open visit."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from zomanc.clinical.models import Visit
from zomanc.clinical.services import visit_open
from zomanc.codes.bno_services import bno_import
from zomanc.codes.models import BnoCode, TreatmentItem, VatRate
from zomanc.conftest import Personas
from zomanc.patients.models import Patient
from zomanc.patients.tests.factories import make_patient
from zomanc.practices.models import Practice


@pytest.fixture
def bno(db: None) -> None:
    """The full NEAK table (the first migrate loads it; a transactional test elsewhere may
    have flushed it, so load it again then — idempotent, about a second)."""
    if not BnoCode.objects.filter(code="K0210").exists():
        bno_import()


def catalogue_for(practice: Practice) -> dict[str, TreatmentItem]:
    rows = [
        ("töm", "Kompozit tömés", 18000, True, True, "filling", VatRate.EXEMPT),
        ("ext", "Foghúzás", 12000, True, False, "missing", VatRate.EXEMPT),
        ("gyök", "Gyökérkezelés csatornánként", 22000, True, False, "root_canal", VatRate.EXEMPT),
        ("kor", "Cirkónium korona", 120000, True, False, "crown", VatRate.EXEMPT),
        ("fk", "Fogkő-eltávolítás", 15000, False, False, "", VatRate.EXEMPT),
        ("rtg", "Intraorális röntgen", 5000, False, False, "", VatRate.EXEMPT),
        ("feh", "Fogfehérítés", 60000, False, False, "", VatRate.STANDARD_27),
    ]
    return {
        shortcut: TreatmentItem.objects.create(
            practice=practice,
            shortcut=shortcut,
            name=name,
            price=Decimal(price),
            needs_tooth=tooth,
            needs_surfaces=surfaces,
            resulting_status=status,
            vat_rate=vat,
        )
        for shortcut, name, price, tooth, surfaces, status, vat in rows
    }


@pytest.fixture
def catalogue(personas: Personas) -> dict[str, TreatmentItem]:
    return catalogue_for(personas.practice_a)


@pytest.fixture
def catalogue_b(personas: Personas) -> dict[str, TreatmentItem]:
    return catalogue_for(personas.practice_b)


@pytest.fixture
def patient(personas: Personas) -> Patient:
    """Kovács Anna, female, born 1980-05-17, with a TAJ."""
    return make_patient(personas.doctor, id_value="123456788")


@pytest.fixture
def patient_b(personas: Personas) -> Patient:
    return make_patient(personas.doctor_b, family_name="Bé", given_name="Borbála")


def open_visit_for(personas: Personas, patient: Patient, **kwargs: object) -> Visit:
    return visit_open(
        patient=patient,
        doctor=personas.doctor,
        company=personas.company_a,
        org_unit=personas.org_unit_a,
        opened_by=personas.assistant.user,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
def visit(personas: Personas, patient: Patient, bno: None, catalogue: object) -> Visit:
    return open_visit_for(
        personas,
        patient,
        started_at=timezone.make_aware(dt.datetime(2026, 3, 10, 9, 30)),
    )
