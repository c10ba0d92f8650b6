"""Reads of booking plan items to the calendar (issue 14, "to the chair"): which items an
appointment carries, which appointment each item of a plan is booked to, and the expected
duration of a booking. The writes are in booking_services.py.

An item is **booked** while its appointment (`PlanItem.appointment`) is neither cancelled nor
over: a cancelled appointment frees its items, and an item whose appointment has passed
without it being done (the patient did not come, or it was not reached) may be booked again.
The link itself stays until the item is booked again (the plan page shows the history)."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from zomanc.core.prebuilt import prebuilt
from zomanc.plans.models import PlanItem, PlanStatus, TreatmentPlan
from zomanc.scheduling.hooks import AppointmentLine, Appointments, AppointmentWindow
from zomanc.scheduling.models import Appointment, AppointmentStatus

# The version of a plan line that is in force: only its items are what an appointment
# carries (a draft or superseded version keeps a copy of the link: plan_revise copies items).
IN_FORCE = (PlanStatus.ACCEPTED, PlanStatus.IN_PROGRESS, PlanStatus.COMPLETED)
# Plans whose items may be booked (plan_item_bookable_check says the same in Hungarian).
BOOKABLE_PLAN = (PlanStatus.ACCEPTED, PlanStatus.IN_PROGRESS)


def appointment_is_live(appointment: Appointment, now: dt.datetime | None = None) -> bool:
    """True while the appointment holds its items: not cancelled and not over yet."""
    now = now or timezone.now()
    return appointment.status != AppointmentStatus.CANCELLED and appointment.ends_at > now


def item_label(item: PlanItem, *, hungarian_name: str | None = None) -> str:
    """ "36 MO Kompozit tömés 2 felszín ×2" for the calendar and the messages: the tooth and
    surfaces first, as a dentist reads them."""
    name = hungarian_name or item.name
    where = " ".join(part for part in (str(item.tooth or ""), item.surfaces) if part)
    label = f"{where} {name}" if where else name
    return f"{label} ×{item.quantity}" if item.quantity > 1 else label


def item_duration_minutes(item: PlanItem) -> int:
    """The catalogue's duration of the item's treatment times its quantity (two units of
    "Fogkő eltávolítás (állcsontonként)" take twice as long)."""
    return item.treatment.duration_minutes * item.quantity


def booking_duration_minutes(items: list[PlanItem]) -> int:
    """The expected length of an appointment carrying these items: the sum of their
    catalogue durations × quantity (docs/plans.md, "Booking")."""
    return sum(item_duration_minutes(item) for item in items)


def plan_items_for_appointment(appointment: Appointment) -> list[PlanItem]:
    """The planned items booked to this appointment, of the plan version in force, in plan
    order, with their plan, treatment and option loaded (one query). For the visit opened from
    the appointment: the items to offer for ticking off."""
    items = list(
        PlanItem.objects.filter(
            practice_id=appointment.practice_id,
            appointment_id=appointment.pk,
            plan__status__in=IN_FORCE,
        )
        .select_related("plan", "treatment", "option")
        .order_by("plan_id", "position", "id")
    )
    for item in items:
        item.appointment = appointment
    return items


def _plan_lines(practice_id: int) -> QuerySet[Any]:
    return (
        PlanItem.objects.filter(practice_id=practice_id, plan__status__in=IN_FORCE)
        .order_by("plan_id", "position", "id")
        .values_list(
            "appointment_id",
            "plan_id",
            "plan__language",
            "name",
            "treatment__name",
            "tooth",
            "surfaces",
            "quantity",
            "done_at",
        )
    )


# The calendar week's read: prebuilt (zomanc/core/prebuilt.py, issue 18).
@prebuilt
def _plan_lines_in_window(practice_id: int, start: dt.datetime, end: dt.datetime) -> QuerySet[Any]:
    return _plan_lines(practice_id).filter(
        appointment__starts_at__lt=end, appointment__ends_at__gt=start
    )


def appointment_plan_lines(
    practice_id: int, appointments: Appointments
) -> dict[int, list[AppointmentLine]]:
    """The calendar's hook (scheduling.hooks.APPOINTMENT_LINES): for every appointment of the
    window (or of the ids), its planned items as lines, in one query. A Hungarian quote's
    item shows its own name; an English or German one the catalogue's (Hungarian) name."""
    if isinstance(appointments, AppointmentWindow):
        rows = _plan_lines_in_window(
            practice_id=practice_id, start=appointments.start, end=appointments.end
        )
    else:
        rows = list(_plan_lines(practice_id).filter(appointment_id__in=appointments))
    placeholder = 2_147_483_647  # reverse() once, then substitute the plan's id
    url = reverse("plans:detail", args=[placeholder])
    lines: dict[int, list[AppointmentLine]] = {}
    group = _("Tervezett tételek")
    for appt_id, plan_id, language, name, hu_name, tooth, surfaces, quantity, done_at in rows:
        item = PlanItem(name=name, tooth=tooth, surfaces=surfaces, quantity=quantity)
        text = item_label(item, hungarian_name=name if language == "hu" else hu_name)
        lines.setdefault(appt_id, []).append(
            AppointmentLine(
                text=text,
                url=url.replace(str(placeholder), str(plan_id)),
                done=done_at is not None,
                group=group,
            )
        )
    return lines


@dataclass
class ItemBooking:
    """What the plan page shows of an item's booking."""

    appointment: Appointment
    live: bool  # booked now (not cancelled, not over)


# The plan page's read: prebuilt (zomanc/core/prebuilt.py, issue 18).
@prebuilt
def _booked_items(practice_id: int, plan_id: int) -> QuerySet[PlanItem]:
    return PlanItem.objects.filter(
        practice_id=practice_id, plan_id=plan_id, appointment__isnull=False
    ).select_related("appointment__chair", "appointment__doctor")


def plan_item_bookings(plan: TreatmentPlan) -> dict[int, ItemBooking]:
    """Item id → its appointment, for the plan page (one query, chair and doctor joined)."""
    now = timezone.now()
    items = _booked_items(practice_id=plan.practice_id, plan_id=plan.pk)
    return {
        item.pk: ItemBooking(item.appointment, appointment_is_live(item.appointment, now))
        for item in items
        if item.appointment is not None
    }
