"""Demo calendar: two chairs and a realistic working week for the demo doctors.

Booked through the same services as the UI, so the demo can never hold an overlap."""

import random
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from zomanc.codes.models import TreatmentItem
from zomanc.patients.models import Patient
from zomanc.practices.models import OrgUnit, Practice, StaffMember
from zomanc.scheduling.models import Appointment, AppointmentStatus, Chair
from zomanc.scheduling.selectors import chairs_for, doctors_for
from zomanc.scheduling.services import (
    appointment_cancel,
    appointment_create,
    appointment_mark_arrived,
    chair_create,
)

DEMO_CHAIRS = ("1. szék", "2. szék")

# (catalogue shortcut, note) of a typical day's bookings; durations come from the catalogue.
VISIT_MIX = [
    ("konz", "Első vizit, panoráma röntgen kell"),
    ("kontr", "Kontroll a tömés után"),
    ("fk", "Féléves fogkő-eltávolítás"),
    ("töm", "Szuvas 36-os"),
    ("töm2", "Letört tömés a 24-esen"),
    ("töm3", ""),
    ("gyök", "Fájdalom a 46-os fognál éjszaka"),
    ("gyök2", "Gyökérkezelés folytatása"),
    ("ext", "Mozgó 38-as"),
    ("kor", "Korona lenyomatvétel"),
    ("bz", "Gyermek, barázdazárás"),
    ("feh", "Fogfehérítés"),
    ("imp", "Implantátum beültetés, 36-os régió"),
    ("air", ""),
    ("pan", "Panoráma röntgen"),
]

# Each doctor works mornings on some days and afternoons on the others (Mon = 0).
SHIFTS = {
    0: ((time(8, 0), time(14, 0)), (time(12, 0), time(19, 0))),
    1: ((time(12, 0), time(19, 0)), (time(8, 0), time(14, 0))),
    2: ((time(8, 0), time(14, 0)), (time(12, 0), time(19, 0))),
    3: ((time(12, 0), time(19, 0)), (time(8, 0), time(14, 0))),
    4: ((time(8, 0), time(13, 0)), (time(9, 0), time(13, 0))),
}


def demo_chairs_create(practice: Practice) -> list[Chair]:
    existing = {c.name for c in Chair.objects.filter(practice=practice)}
    for name in DEMO_CHAIRS:
        if name not in existing:
            chair_create(practice=practice, name=name, actor=None)
    return list(chairs_for(practice))


@transaction.atomic
def demo_appointments_create(
    practice: Practice,
    *,
    doctors: list[StaffMember] | None = None,
    patients: list[Patient] | None = None,
    week_start: date | None = None,
    seed: int = 2026,
) -> list[Appointment]:
    """Chairs "1. szék" and "2. szék" and Monday–Friday of `week_start`'s week (default: the
    current week) filled with appointments. Does nothing when that week already has
    appointments, so running the demo loader twice changes nothing."""
    chairs = demo_chairs_create(practice)[: len(DEMO_CHAIRS)]
    doctors = (doctors or list(doctors_for(practice)))[: len(chairs)]
    patients = patients or list(Patient.objects.filter(practice=practice).order_by("id")[:60])
    unit = (
        OrgUnit.objects.select_related("company")
        .filter(practice=practice, is_active=True, company__is_active=True)
        .order_by("id")
        .first()
    )
    if not doctors or not patients or unit is None:
        return []

    monday = week_start or timezone.localdate()
    monday -= timedelta(days=monday.weekday())
    week_from = timezone.make_aware(datetime.combine(monday, time(0, 0)))
    week_to = week_from + timedelta(days=7)
    if Appointment.objects.filter(
        practice=practice, starts_at__gte=week_from, starts_at__lt=week_to
    ).exists():
        return []

    treatments = {
        t.shortcut: t for t in TreatmentItem.objects.filter(practice=practice, is_active=True)
    }
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    created: list[Appointment] = []
    patient_cycle = list(patients)
    rng.shuffle(patient_cycle)
    next_patient = 0
    for weekday in range(5):
        day = monday + timedelta(days=weekday)
        for index, (chair, doctor) in enumerate(zip(chairs, doctors, strict=False)):
            shift_start, shift_end = SHIFTS[weekday][index % 2]
            cursor = datetime.combine(day, shift_start)
            end_of_shift = datetime.combine(day, shift_end)
            while True:
                shortcut, note = rng.choice(VISIT_MIX)
                treatment = treatments.get(shortcut)
                minutes = treatment.duration_minutes if treatment else 30
                minutes = max(15, -(-minutes // 15) * 15)  # whole quarter hours
                if cursor + timedelta(minutes=minutes) > end_of_shift:
                    break
                if rng.random() < 0.15:  # a free slot now and then
                    cursor += timedelta(minutes=15 * rng.choice((1, 2, 4)))
                    continue
                patient = patient_cycle[next_patient % len(patient_cycle)]
                next_patient += 1
                starts_at = timezone.make_aware(cursor)
                created.append(
                    appointment_create(
                        practice=practice,
                        actor=None,
                        patient=patient,
                        doctor=doctor,
                        chair=chair,
                        company=unit.company,
                        org_unit=unit,
                        treatment=treatment,
                        starts_at=starts_at,
                        ends_at=starts_at + timedelta(minutes=minutes),
                        note=note,
                    )
                )
                cursor += timedelta(minutes=minutes)
    # A realistic week: a few cancellations, and the patients of the hours already gone by
    # have arrived.
    now = timezone.now()
    upcoming = [a for a in created if a.starts_at > now] or created
    for appointment in rng.sample(upcoming, k=min(3, len(upcoming))):
        appointment_cancel(
            appointment=appointment, actor=None, reason="A páciens telefonon lemondta."
        )
    for appointment in created:
        if appointment.ends_at <= now and appointment.status == AppointmentStatus.BOOKED:
            appointment_mark_arrived(appointment=appointment, actor=None)
    return created
