"""Booking plan items to the calendar (issue 14, "to the chair"): one appointment carrying
the chosen open items of an accepted plan, as long as their catalogue durations, made and
linked in one transaction with the calendar's own service (its conflicts, its checks, its
audit entry) and an audit entry on the plan. Reads are in booking_selectors.py.

Lock order: the plan row first (two receptionists booking the same item queue here; marking
an item done locks it too), then the calendar's chairs and doctors (appointment_create)."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from zomanc.audit.models import AuditAction
from zomanc.audit.services import audit_record
from zomanc.plans.booking_selectors import appointment_is_live, booking_duration_minutes
from zomanc.plans.models import PlanItem, TreatmentPlan
from zomanc.plans.services import plan_item_bookable_check
from zomanc.practices.models import Company, OrgUnit, StaffMember
from zomanc.scheduling.models import Appointment, Chair
from zomanc.scheduling.services import appointment_create, appointment_when

# A booking carries a visit's worth of items; the form offers at most a plan's.
MAX_ITEMS = 50


def booking_items(plan: TreatmentPlan, item_ids: list[int]) -> list[PlanItem]:
    """The plan's items with these ids, in plan order, with what the checks read (one
    query). An id not of this plan is refused by name, never looked up elsewhere."""
    ids = sorted(set(item_ids))
    if not ids:
        raise ValidationError({"items": _("Jelölje ki a foglalandó tételeket.")}, code="no_items")
    if len(ids) > MAX_ITEMS:
        raise ValidationError(
            {"items": _("Egy időpontra legfeljebb %(n)s tétel foglalható.") % {"n": MAX_ITEMS}},
            code="too_many_items",
        )
    items = list(
        PlanItem.objects.filter(practice_id=plan.practice_id, plan=plan, pk__in=ids)
        .select_related("treatment", "phase", "option", "appointment__chair", "appointment__doctor")
        .order_by("phase__position", "position", "id")
    )
    if len(items) != len(ids):
        raise ValidationError({"items": _("Nincs ilyen tétel a tervben.")}, code="unknown_item")
    for item in items:
        item.plan = plan
    return items


def booking_refusals(items: list[PlanItem], now: dt.datetime | None = None) -> list[str]:
    """Why these items cannot be booked now (empty: they can), every reason at once: a done
    item or a plan not accepted (plan_item_bookable_check), an item of an option the patient
    did not choose, an item still booked to an appointment that is not cancelled nor over."""
    now = now or timezone.now()
    messages: list[str] = []
    for item in items:
        try:
            plan_item_bookable_check(item)
        except ValidationError as error:
            messages.extend(m for m in error.messages if m not in messages)
            continue
        if item.option is not None and not item.option.chosen:
            messages.append(
                _("A(z) „%(name)s” tétel nem a páciens által választott lehetőséghez tartozik.")
                % {"name": item.name}
            )
        elif item.appointment is not None and appointment_is_live(item.appointment, now):
            booked = item.appointment
            messages.append(
                _(
                    "A(z) „%(name)s” tétel már foglalva van: %(when)s, %(chair)s, %(doctor)s. "
                    "Előbb mondja le vagy helyezze át azt az időpontot."
                )
                % {
                    "name": item.name,
                    "when": appointment_when(booked),
                    "chair": booked.chair.name,
                    "doctor": booked.doctor.display_name,
                }
            )
    return messages


def _newer_versions(plan: TreatmentPlan) -> list[TreatmentPlan]:
    """The plan's later versions (a draft or presented revision made before this booking):
    their copies of the items carry the booking too, so it survives their acceptance."""
    chain = []
    following = TreatmentPlan.objects.filter(previous=plan).first()
    while following is not None:
        chain.append(following)
        following = TreatmentPlan.objects.filter(previous=following).first()
    return chain


def _copy_key(item: PlanItem) -> tuple[Any, ...]:
    # plan_revise copies phases (by position), options (by label) and items (by position).
    return (
        item.phase.position,
        item.option.label if item.option else None,
        item.position,
        item.treatment_id,
        item.tooth,
        item.surfaces,
    )


@transaction.atomic
def plan_items_book(
    *,
    plan: TreatmentPlan,
    item_ids: list[int],
    actor: StaffMember,
    chair: Chair,
    starts_at: dt.datetime,
    ends_at: dt.datetime | None = None,
    doctor: StaffMember | None = None,
    company: Company,
    org_unit: OrgUnit,
    note: str = "",
    request: HttpRequest | None = None,
) -> Appointment:
    """Books the plan's items `item_ids` to a new appointment of the plan's patient: the
    doctor is the plan's unless given, the end is the start plus the items' catalogue
    durations × quantity unless given. Refused in Hungarian, nothing saved: no or unknown
    items, any of booking_refusals, and whatever the calendar refuses (a chair or doctor
    already booked, an inactive chair, more than 12 hours …). An item booked before to a
    cancelled or past appointment moves to the new one (the audit entry names the old)."""
    if actor.practice_id != plan.practice_id:
        raise ValueError("actor and plan belong to different practices")
    locked = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
    plan.status = locked.status
    items = booking_items(plan, item_ids)
    refusals = booking_refusals(items)
    if refusals:
        raise ValidationError({"items": refusals}, code="not_bookable")
    doctor = doctor or plan.doctor
    if doctor is None:
        raise ValidationError({"doctor": _("Adja meg az orvost.")}, code="required")
    if ends_at is None:
        ends_at = starts_at + dt.timedelta(minutes=booking_duration_minutes(items))
    appointment = appointment_create(
        practice=plan.practice,
        actor=actor,
        patient=plan.patient,
        doctor=doctor,
        chair=chair,
        company=company,
        org_unit=org_unit,
        starts_at=starts_at,
        ends_at=ends_at,
        note=note,
        request=request,
    )
    moved = {item.pk: item.appointment_id for item in items if item.appointment_id}
    PlanItem.objects.filter(pk__in=[item.pk for item in items]).update(appointment=appointment)
    keys = {_copy_key(item) for item in items}
    for newer in _newer_versions(plan):
        copies = [
            copy.pk
            for copy in PlanItem.objects.filter(plan=newer).select_related("phase", "option")
            if copy.done_at is None and _copy_key(copy) in keys
        ]
        PlanItem.objects.filter(pk__in=copies).update(appointment=appointment)
    for item in items:
        item.appointment = appointment
    audit_record(
        practice=plan.practice,
        actor=actor.user,
        action=AuditAction.UPDATE,
        obj=plan,
        patient_id=plan.patient_id,
        summary=_("Tervezett tételek időpontra foglalva: %(when)s – %(items)s")
        % {"when": appointment_when(appointment), "items": ", ".join(i.name for i in items)},
        changes={
            "appointment": appointment.pk,
            "items": [item.pk for item in items],
            **({"moved_from": moved} if moved else {}),
        },
        request=request,
    )
    return appointment
