"""Reads of the calendar. Every query starts from the acting member's practice."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from zomanc.core.prebuilt import prebuilt
from zomanc.practices.models import Practice, Role, StaffMember
from zomanc.scheduling.hooks import AppointmentLine, AppointmentWindow, appointment_lines
from zomanc.scheduling.models import Appointment, AppointmentStatus, Chair


def access_appointment(member: StaffMember, appointment_id: int) -> Appointment:
    """The appointment with this id in the member's practice; 404 for any other id."""
    appointment = (
        Appointment.objects.select_related(
            "patient", "doctor", "chair", "company", "org_unit", "treatment"
        )
        .filter(practice_id=member.practice_id, pk=appointment_id)
        .first()
    )
    if appointment is None:
        raise Http404
    appointment.practice = member.practice
    return appointment


def access_chair(member: StaffMember, chair_id: int) -> Chair:
    chair = Chair.objects.filter(practice_id=member.practice_id, pk=chair_id).first()
    if chair is None:
        raise Http404
    chair.practice = member.practice
    return chair


def chairs_for(practice: Practice, *, active_only: bool = True) -> QuerySet[Chair]:
    qs = Chair.objects.filter(practice=practice)
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.order_by("position", "name", "id")


def doctors_for(practice: Practice, *, active_only: bool = True) -> QuerySet[StaffMember]:
    """Members who can treat: the doctor role, or anyone with a stamp number (an owner who
    is the practice's dentist; see permissions.member_roles)."""
    qs = StaffMember.objects.filter(practice=practice).filter(
        Q(role=Role.DOCTOR) | ~Q(stamp_number="")
    )
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.order_by("display_name", "id")


@cache
def visit_relation() -> tuple[str, bool] | None:
    """(accessor, is_one_to_one) of the clinical Visit → Appointment link, or None while the
    clinical app has no such field. Looked up, not imported: scheduling must not depend on
    clinical (clinical depends on scheduling)."""
    for rel in Appointment._meta.related_objects:
        if rel.related_model._meta.label_lower == "clinical.visit":
            return rel.get_accessor_name() or "", bool(rel.one_to_one)
    return None


def appointment_visit(appointment: Appointment) -> Any | None:
    """The visit opened from this appointment (the newest when several), or None."""
    relation = visit_relation()
    if relation is None:
        return None
    accessor, one_to_one = relation
    if one_to_one:
        try:
            return getattr(appointment, accessor)
        except ObjectDoesNotExist:
            return None
    visits = list(getattr(appointment, accessor).all())
    return max(visits, key=lambda v: v.pk) if visits else None


@dataclass(slots=True, eq=False)
class CalendarAppointment:
    """What the calendar's grid, blocks and cancelled list show of an appointment, as plain
    values: building ≈ four model instances a row (the appointment and its joined patient,
    doctor, chair, treatment) was the largest part of the week view's CPU
    (docs/benchmarks.md, "Calendar week (session 7)"). The doctor and the chair are model
    instances, one per distinct doctor and chair of the window, shared by their rows: the
    grid's columns are chairs and doctors."""

    pk: int
    starts_at: datetime
    ends_at: datetime
    status: str
    note: str
    cancel_reason: str
    patient_id: int
    patient_name: str  # as str(Patient)
    doctor_id: int
    doctor: StaffMember
    chair_id: int
    chair: Chair
    treatment_name: str | None  # None: no treatment planned
    opened_visit_id: int | None  # the newest visit opened from it
    lines: Sequence[AppointmentLine]


# The columns of the calendar's query (unpacked in this order in calendar_appointments).
_CALENDAR_COLUMNS = (
    "pk", "starts_at", "ends_at", "status", "note", "cancel_reason",
    "patient_id", "patient__family_name", "patient__given_name",
    "doctor_id", "doctor__practice_id", "doctor__display_name",
    "chair_id", "chair__practice_id", "chair__name", "chair__position", "chair__is_active",
    "treatment_id", "treatment__name",
)  # fmt: skip


def _opened_visit_id() -> Subquery | None:
    """The newest visit opened from the row's appointment, as a subquery of the calendar's
    one query (not `prefetch_related`: a queryset per appointment whose cache points back at
    it, a reference cycle per appointment, docs/decisions.md "Web memory"; nor a query of its
    own: each costs ≈ 0.3 ms of Django building SQL). None while clinical has no link."""
    relation = visit_relation()
    if relation is None:
        return None
    accessor, _ = relation
    field = Appointment._meta.get_field(accessor).field  # type: ignore[union-attr]
    visits = field.model._default_manager.filter(**{field.name: OuterRef("pk")})
    return Subquery(visits.order_by("-pk").values("pk")[:1])


def _window(practice_id: int, start: datetime, end: datetime) -> QuerySet[Any]:
    """The calendar's read of the appointments overlapping [start, end), in its columns."""
    qs = Appointment.objects.filter(practice_id=practice_id, starts_at__lt=end, ends_at__gt=start)
    opened = _opened_visit_id()
    if opened is not None:
        qs = qs.annotate(opened_visit_id=opened)
    columns = (*_CALENDAR_COLUMNS, "opened_visit_id") if opened is not None else _CALENDAR_COLUMNS
    return qs.order_by("starts_at", "id").values_list(*columns)


# The calendar's reads, prebuilt (zomanc/core/prebuilt.py, issue 18): the receptionist's
# most reloaded page; Django building the window's query cost more than running it.
@prebuilt
def _window_rows(practice_id: int, start: datetime, end: datetime) -> QuerySet[Any]:
    return _window(practice_id, start, end)


@prebuilt
def _window_rows_of_chair(
    practice_id: int, start: datetime, end: datetime, chair_id: int
) -> QuerySet[Any]:
    return _window(practice_id, start, end).filter(chair_id=chair_id)


@prebuilt
def _window_rows_of_doctor(
    practice_id: int, start: datetime, end: datetime, doctor_id: int
) -> QuerySet[Any]:
    return _window(practice_id, start, end).filter(doctor_id=doctor_id)


@prebuilt
def _all_chairs(practice_id: int) -> QuerySet[Chair]:
    return Chair.objects.filter(practice_id=practice_id).order_by("position", "name", "id")


@prebuilt
def _all_doctors(practice_id: int) -> QuerySet[StaffMember]:
    return (
        StaffMember.objects.filter(practice_id=practice_id)
        .filter(Q(role=Role.DOCTOR) | ~Q(stamp_number=""))
        .order_by("display_name", "id")
    )


def calendar_chairs(practice: Practice) -> list[Chair]:
    """Every chair of the practice, deactivated ones included (the calendar's filters)."""
    return _all_chairs(practice_id=practice.pk)


def calendar_doctors(practice: Practice) -> list[StaffMember]:
    """Everyone who can treat, former ones included (the calendar's filters)."""
    return _all_doctors(practice_id=practice.pk)


def calendar_appointments(
    *,
    practice: Practice,
    start: datetime,
    end: datetime,
    chair_id: int | None = None,
    doctor_id: int | None = None,
) -> list[CalendarAppointment]:
    """Appointments (cancelled included, the view sets them apart) overlapping [start, end),
    with everything a calendar block shows and the opened visit, in one query, plus one per
    registered hook for their extra lines (plans: the planned items booked to them)."""
    if chair_id is None and doctor_id is None:
        rows = _window_rows(practice_id=practice.pk, start=start, end=end)
    elif doctor_id is None:
        rows = _window_rows_of_chair(
            practice_id=practice.pk, start=start, end=end, chair_id=chair_id
        )
    elif chair_id is None:
        rows = _window_rows_of_doctor(
            practice_id=practice.pk, start=start, end=end, doctor_id=doctor_id
        )
    else:
        rows = list(_window(practice.pk, start, end).filter(chair_id=chair_id, doctor_id=doctor_id))
    lines = appointment_lines(practice.pk, AppointmentWindow(start, end)) if rows else {}
    db = Appointment.objects.db
    chairs: dict[int, Chair] = {}
    doctors: dict[int, StaffMember] = {}
    appointments = []
    for (
        pk, starts_at, ends_at, status, note, cancel_reason,
        patient_id, family_name, given_name,
        doctor_pk, doctor_practice, doctor_name,
        chair_pk, chair_practice, chair_name, chair_position, chair_active,
        treatment_id, treatment_name, *visit,
    ) in rows:  # fmt: skip
        chair = chairs.get(chair_pk)
        if chair is None:
            chair = chairs[chair_pk] = Chair.from_db(
                db,
                ["id", "practice_id", "name", "position", "is_active"],
                [chair_pk, chair_practice, chair_name, chair_position, chair_active],
            )
        doctor = doctors.get(doctor_pk)
        if doctor is None:
            doctor = doctors[doctor_pk] = StaffMember.from_db(
                db,
                ["id", "practice_id", "display_name"],
                [doctor_pk, doctor_practice, doctor_name],
            )
        appointments.append(
            CalendarAppointment(
                pk=pk,
                starts_at=starts_at,
                ends_at=ends_at,
                status=status,
                note=note,
                cancel_reason=cancel_reason,
                patient_id=patient_id,
                patient_name=f"{family_name} {given_name}",  # Patient.__str__
                doctor_id=doctor_pk,
                doctor=doctor,
                chair_id=chair_pk,
                chair=chair,
                treatment_name=treatment_name if treatment_id is not None else None,
                opened_visit_id=visit[0] if visit else None,
                lines=lines.get(pk, ()),
            )
        )
    return appointments


def patient_upcoming_appointments(
    *, practice: Practice, patient_id: int, now: datetime, limit: int = 5
) -> list[Appointment]:
    """The patient's next live appointments (for the patient page)."""
    return list(
        Appointment.objects.filter(practice=practice, patient_id=patient_id, ends_at__gt=now)
        .exclude(status=AppointmentStatus.CANCELLED)
        .select_related("doctor", "chair", "treatment")
        .order_by("starts_at", "id")[:limit]
    )


def chair_future_appointment_count(*, chair: Chair, now: datetime) -> int:
    """Live bookings still ahead on a chair (shown before it is deactivated)."""
    return (
        Appointment.objects.filter(practice_id=chair.practice_id, chair=chair, ends_at__gt=now)
        .exclude(status=AppointmentStatus.CANCELLED)
        .count()
    )
