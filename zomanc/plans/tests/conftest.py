"""Fixtures of the plans' tests: the chart's small catalogue (plus a surfaces family and an
aesthetic veneer), a patient, a HUF draft plan, and EUR price list with three languages."""

import datetime as dt
from decimal import Decimal

import pytest

from zomanc.clinical.tests.conftest import catalogue_for
from zomanc.codes.models import TreatmentItem, VariantBasis, VatRate
from zomanc.conftest import Personas
from zomanc.patients.models import Patient
from zomanc.patients.tests.factories import make_patient
from zomanc.plans.models import Currency, PlanPhase, PriceList, TreatmentPlan
from zomanc.plans.services import (
    plan_create,
    plan_phase_add,
    price_list_create,
    price_list_entry_set,
)

TODAY = dt.date(2026, 12, 7)


@pytest.fixture
def catalogue(personas: Personas) -> dict[str, TreatmentItem]:
    items = catalogue_for(personas.practice_a)
    practice = personas.practice_a
    for count, price in ((1, 16000), (2, 22000), (3, 28000)):
        items[f"ktöm{count}"] = TreatmentItem.objects.create(
            practice=practice,
            name=f"Kompozit tömés {count} felszín",
            price=Decimal(price),
            needs_tooth=True,
            needs_surfaces=True,
            resulting_status="filling",
            family="Kompozit tömés (család)",
            variant_basis=VariantBasis.SURFACES,
            variant_count=count,
        )
    items["impl"] = TreatmentItem.objects.create(
        practice=practice,
        name="Implantátum",
        price=Decimal(350000),
        needs_tooth=True,
        resulting_status="implant",
    )
    items["héj"] = TreatmentItem.objects.create(
        practice=practice,
        name="Esztétikai héj",
        price=Decimal(95000),
        needs_tooth=True,
        vat_rate=VatRate.STANDARD_27,
    )
    return items


@pytest.fixture
def patient(personas: Personas) -> Patient:
    return make_patient(personas.doctor, id_value="123456788")


@pytest.fixture
def plan(
    personas: Personas, patient: Patient, catalogue: dict[str, TreatmentItem]
) -> TreatmentPlan:
    return plan_create(
        patient=patient,
        actor=personas.doctor,
        title="Teljes szájrehabilitáció",
        valid_until=TODAY + dt.timedelta(days=30),
    )


@pytest.fixture
def phase(personas: Personas, plan: TreatmentPlan) -> PlanPhase:
    return plan_phase_add(plan=plan, actor=personas.doctor, title="Konzerváló kezelés")


@pytest.fixture
def eur_list(personas: Personas, catalogue: dict[str, TreatmentItem]) -> PriceList:
    price_list = price_list_create(
        practice=personas.practice_a,
        actor=personas.owner,
        name="Dental tourism",
        currency=Currency.EUR,
    )
    names = {
        "töm": ("Kompozit tömés", "Composite filling", "Kompositfüllung", "49.90"),
        "kor": ("Cirkónium korona", "Zirconia crown", "Zirkonkrone", "320.00"),
        "impl": ("Implantátum", "Implant", "Implantat", "890.00"),
        "héj": ("Esztétikai héj", "Aesthetic veneer", "Ästhetisches Veneer", "255.55"),
        "ext": ("Foghúzás", "Extraction", "Zahnextraktion", "35.00"),
    }
    for key, (hu, en, de, price) in names.items():
        price_list_entry_set(
            price_list=price_list,
            treatment=catalogue[key],
            actor=personas.owner,
            price=Decimal(price),
            name_hu=hu,
            name_en=en,
            name_de=de,
        )
    return price_list
