"""The demo week: two chairs, a realistic week, booked through the services."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from zomanc.codes.catalogue_demo import demo_treatments_create
from zomanc.conftest import Personas
from zomanc.patients.tests.factories import make_patient
from zomanc.scheduling.demo import demo_appointments_create
from zomanc.scheduling.models import Appointment, AppointmentStatus, Chair

pytestmark = pytest.mark.django_db


def test_demo_week(personas: Personas) -> None:
    demo_treatments_create(personas.practice_a)
    for i in range(12):
        make_patient(personas.receptionist, family_name="Demo", given_name=f"Páciens{i}")
    monday = date(2026, 3, 2)
    wednesday_noon = datetime(2026, 3, 4, 12, 0, tzinfo=ZoneInfo("Europe/Budapest"))
    with time_machine.travel(wednesday_noon, tick=False):
        created = demo_appointments_create(
            personas.practice_a, week_start=monday + timedelta(days=2)
        )
    chairs = list(Chair.objects.filter(practice=personas.practice_a).values_list("name", flat=True))
    assert chairs == ["1. szék", "2. szék"]
    assert len(created) >= 40
    days = {timezone.localtime(a.starts_at).date() for a in created}
    assert days == {monday + timedelta(days=i) for i in range(5)}
    assert {a.doctor for a in created} == {personas.doctor, personas.doctor2}
    assert any(a.treatment is not None for a in created)
    live = list(Appointment.objects.exclude(status=AppointmentStatus.CANCELLED))
    assert len(live) == len(created) - 3
    # Patients of the hours gone by have arrived; cancellations are in the future.
    for a in Appointment.objects.all():
        if a.status == AppointmentStatus.CANCELLED:
            assert a.starts_at > wednesday_noon
        else:
            past = a.ends_at <= wednesday_noon
            assert a.status == (AppointmentStatus.ARRIVED if past else AppointmentStatus.BOOKED)
    for a in live:  # never an overlap on a chair or a doctor
        for b in live:
            if a.pk < b.pk and (a.chair_id == b.chair_id or a.doctor_id == b.doctor_id):
                assert a.ends_at <= b.starts_at or b.ends_at <= a.starts_at
    # Again: nothing new; another practice without patients: nothing.
    assert demo_appointments_create(personas.practice_a, week_start=monday) == []
    assert demo_appointments_create(personas.practice_b, week_start=monday) == []
