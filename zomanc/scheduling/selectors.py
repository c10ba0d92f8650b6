"""Reads of the calendar. Every query starts from the acting member's practice."""

from datetime import datetime
from functools import cache
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q, QuerySet
from django.http import Http404

from zomanc.practices.models import Practice, Role, StaffMember
from zomanc.scheduling.hooks import appointment_lines
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


def with_visits(qs: QuerySet[Appointment]) -> QuerySet[Appointment]:
    """Loads the opened visit with the appointments in a fixed number of queries: a join for
    a one-to-one link, one extra query for a foreign key."""
    relation = visit_relation()
    if relation is None:
        return qs
    accessor, one_to_one = relation
    return qs.select_related(accessor) if one_to_one else qs.prefetch_related(accessor)


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


# What the calendar's grid, blocks and cancelled list read of an appointment and its joined
# rows (zomanc.scheduling.grid, .cells, calendar.html); their other columns are not loaded:
# converting them (on SQLite every datetime is parsed in Python) was ≈ a tenth of the week
# view (docs/benchmarks.md, "Profiles, issue 18"). A field read that is not listed costs a
# query per appointment: test_calendar_reads_no_column_it_did_not_load.
CALENDAR_FIELDS = (
    "practice_id", "starts_at", "ends_at", "note", "status", "cancel_reason",
    "patient__family_name", "patient__given_name", "doctor__display_name",
    "doctor__practice_id", "chair__name", "chair__practice_id", "chair__position",
    "chair__is_active", "treatment__name",
)  # fmt: skip


def calendar_appointments(
    *,
    practice: Practice,
    start: datetime,
    end: datetime,
    chair_id: int | None = None,
    doctor_id: int | None = None,
) -> list[Appointment]:
    """Appointments (cancelled included, the view sets them apart) overlapping [start, end),
    with everything a calendar block shows, in one query (two with a visit FK), plus one per
    registered hook for their extra lines (plans: the planned items booked to them)."""
    qs = Appointment.objects.filter(practice=practice, starts_at__lt=end, ends_at__gt=start)
    if chair_id is not None:
        qs = qs.filter(chair_id=chair_id)
    if doctor_id is not None:
        qs = qs.filter(doctor_id=doctor_id)
    qs = (
        qs.select_related("patient", "doctor", "chair", "treatment")
        .only(*CALENDAR_FIELDS)
        .order_by("starts_at", "id")
    )
    relation = visit_relation()
    foreign_key = relation is not None and not relation[1]
    appointments = list(qs if foreign_key else with_visits(qs))
    opened = _opened_visits(appointments) if foreign_key else {}
    lines = appointment_lines(practice.pk, [a.pk for a in appointments])
    for appointment in appointments:
        appointment.practice = practice
        appointment.lines = lines.get(appointment.pk, ())  # type: ignore[attr-defined]
        appointment.opened_visit = (  # type: ignore[attr-defined]
            opened.get(appointment.pk) if foreign_key else appointment_visit(appointment)
        )
    return appointments


def _opened_visits(appointments: list[Appointment]) -> dict[int, Any]:
    """Appointment id → the newest visit opened from it, in one query, for a visit → appointment
    foreign key. Not `prefetch_related`: it gives every appointment a queryset of its own
    whose cache points back at the appointment, a reference cycle per appointment that only
    the cyclic garbage collector frees — the calendar week's 160 appointments then outlived
    the request (docs/decisions.md, "Web memory"). Only the ids are read: the calendar shows
    whether a visit was opened, not what it holds."""
    relation = visit_relation()
    if relation is None or not appointments:
        return {}
    accessor, _ = relation
    field = Appointment._meta.get_field(accessor).field  # type: ignore[union-attr]
    model = field.model
    ids = [a.pk for a in appointments]
    newest: dict[int, Any] = {}
    for visit in (
        model._default_manager.filter(**{f"{field.name}__in": ids})
        .only("pk", field.attname)
        .order_by("pk")
    ):
        newest[getattr(visit, field.attname)] = visit  # ascending pk: the newest wins
    return newest


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
