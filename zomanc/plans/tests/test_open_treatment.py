"""The open-treatment list: accepted plans with items not done, their open value, the
patient's last and next appointment; other practices' plans never; fixed query count."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from zomanc.audit.models import AuditAction, AuditEntry
from zomanc.codes.models import TreatmentItem
from zomanc.conftest import Personas
from zomanc.patients.models import Patient
from zomanc.patients.tests.factories import make_patient
from zomanc.plans.models import PlanStatus, TreatmentPlan
from zomanc.plans.selectors import open_treatment
from zomanc.plans.services import (
    plan_create,
    plan_item_add,
    plan_item_complete,
    plan_phase_add,
    plan_transition,
)
from zomanc.scheduling.models import Appointment, AppointmentStatus, Chair

pytestmark = pytest.mark.django_db


def _accepted(personas: Personas, patient: Patient, items: list[TreatmentItem]) -> TreatmentPlan:
    actor = personas.doctor
    plan = plan_create(
        patient=patient, actor=actor, title="T", valid_until=dt.date.today() + dt.timedelta(days=9)
    )
    phase = plan_phase_add(plan=plan, actor=actor, title="F")
    for item in items:
        plan_item_add(plan=plan, phase=phase, actor=actor, treatment=item)
    plan_transition(plan=plan, to=PlanStatus.PRESENTED, actor=actor)
    plan_transition(plan=plan, to=PlanStatus.ACCEPTED, actor=actor)
    return plan


def _appointment(
    personas: Personas,
    patient: Patient,
    chair: Chair,
    days: int,
    status: str = AppointmentStatus.BOOKED,
) -> Appointment:
    start = timezone.now() + dt.timedelta(days=days)
    return Appointment.objects.create(
        practice=personas.practice_a,
        patient=patient,
        doctor=personas.doctor,
        chair=chair,
        company=personas.company_a,
        org_unit=personas.org_unit_a,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=30),
        status=status,
    )


def test_open_treatment_lists_open_value_and_appointments(
    personas: Personas, patient: Patient, catalogue: dict[str, TreatmentItem]
) -> None:
    plan = _accepted(personas, patient, [catalogue["fk"], catalogue["rtg"]])
    plan_item_complete(item=plan.items.get(treatment=catalogue["rtg"]), actor=personas.doctor)
    done = _accepted(personas, make_patient(personas.doctor, family_name="Kész"), [catalogue["fk"]])
    plan_item_complete(item=done.items.get(), actor=personas.doctor)
    chair = Chair.objects.create(practice=personas.practice_a, name="1", position=1)
    past = _appointment(personas, patient, chair, -3)
    _appointment(personas, patient, chair, -1, AppointmentStatus.CANCELLED)
    future = _appointment(personas, patient, chair, 4)
    _appointment(personas, patient, chair, 8)
    with CaptureQueriesContext(connection) as queries:
        rows = open_treatment(personas.receptionist)
    assert len(queries) == 4
    assert [(r.plan.pk, r.open_items, r.open_value) for r in rows] == [(plan.pk, 1, Decimal(15000))]
    assert (rows[0].last_visit, rows[0].next_visit) == (past.starts_at, future.starts_at)


def test_open_treatment_page(
    personas: Personas, patient: Patient, catalogue: dict[str, TreatmentItem]
) -> None:
    _accepted(personas, patient, [catalogue["fk"]])
    url = reverse("plans:open_treatment")
    assert Client().get(url).status_code == 302
    page = personas.client_for(personas.receptionist).get(url).content.decode()
    assert patient.full_name in page and "15\xa0000\xa0Ft" in page
    # The list shows patients: it leaves a VIEW entry naming them (AuditAction.VIEW).
    entry = AuditEntry.objects.filter(action=AuditAction.VIEW).latest("pk")
    assert entry.changes["patient_ids"] == [patient.pk]
    outsider_page = personas.client_for(personas.outsider).get(url).content.decode()
    assert patient.full_name not in outsider_page and "Nincs nyitott kezelés." in outsider_page
