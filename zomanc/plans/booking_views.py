"""The page that books plan items to the calendar: the items ticked on the plan page (GET
?items=…), the calendar's booking form pre-filled (the plan's doctor, the items' catalogue
duration, the only company and org unit), and on POST one service call that makes the
appointment and links the items. Thin: the rules are in booking_services.py.

Who may: booking is making an appointment (`appointment_edit`) for a plan one may see
(`plan_view`) — docs/permissions.md says why there is no separate permission."""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from zomanc.audit.models import AuditAction
from zomanc.audit.services import audit_record
from zomanc.core.forms import form_submit
from zomanc.core.http import MemberRequest, member_required
from zomanc.plans.booking_forms import PlanBookingForm
from zomanc.plans.booking_selectors import booking_duration_minutes, item_duration_minutes
from zomanc.plans.booking_services import booking_items, booking_refusals, plan_items_book
from zomanc.plans.selectors import access_plan
from zomanc.practices.models import OrgUnit
from zomanc.practices.permissions import Perm
from zomanc.scheduling.selectors import doctors_for
from zomanc.scheduling.services import appointment_when

# The services' names of the times, as the form calls them.
SCHEDULE_FIELDS = {"starts_at": "start_time", "ends_at": "end_time"}


def _ids(values: list[str]) -> list[int]:
    """The ticked ids; anything not a small positive number is dropped (then refused as
    "no items" or "no such item" by the service)."""
    ids = []
    for value in values:
        if value.isdigit() and len(value) < 12:
            ids.append(int(value))
    return ids


def _initial(request: MemberRequest, plan: Any, ids: list[int]) -> dict[str, Any]:
    initial: dict[str, Any] = {"items": ids, "day": timezone.localdate()}
    if plan.doctor_id and doctors_for(request.practice).filter(pk=plan.doctor_id).exists():
        initial["doctor"] = plan.doctor_id
    units = list(
        OrgUnit.objects.filter(
            practice=request.practice, is_active=True, company__is_active=True
        ).values_list("pk", "company_id")[:2]
    )
    if len(units) == 1:  # the usual practice: one company, one unit
        initial["org_unit"], initial["company"] = units[0]
    return initial


@member_required(Perm.APPOINTMENT_EDIT, Perm.PLAN_VIEW)
def plan_book(request: MemberRequest, plan_id: int) -> HttpResponse:
    plan = access_plan(request.member, plan_id)
    source = request.POST if request.method == "POST" else request.GET
    ids = _ids(source.getlist("items"))
    if request.method == "POST":
        form = PlanBookingForm(request.POST, plan=plan)
        appointment = form_submit(
            form,
            lambda data: plan_items_book(
                plan=plan,
                item_ids=[item.pk for item in data["items"]],
                actor=request.member,
                chair=data["chair"],
                doctor=data["doctor"],
                company=data["company"],
                org_unit=data["org_unit"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                note=data["note"],
                request=request,
            ),
            SCHEDULE_FIELDS,
        )
        if appointment is not None:
            messages.success(
                request,
                _("Időpont foglalva: %(patient)s, %(when)s.")
                % {"patient": plan.patient, "when": appointment_when(appointment)},
            )
            day = timezone.localtime(appointment.starts_at).date()
            return redirect(f"{reverse('scheduling:week')}?{urlencode({'date': day})}")
    else:
        form = PlanBookingForm(initial=_initial(request, plan, ids), plan=plan)
    try:
        items = booking_items(plan, ids)
    except ValidationError as error:
        items, refusals = [], error.messages
    else:
        # A refused POST shows the service's reasons on the form (the error summary).
        refusals = booking_refusals(items) if request.method != "POST" else []
    audit_record(
        practice=request.practice,
        actor=request.user,
        action=AuditAction.VIEW,
        obj=plan,
        patient_id=plan.patient_id,
        summary=f"Kezelési terv tételeinek foglalása (v{plan.version}): {plan.patient}",
        request=request,
    )
    return render(
        request,
        "plans/plan_book.html",
        {
            "plan": plan,
            "patient": plan.patient,
            "form": form,
            "items": [(item, item_duration_minutes(item)) for item in items],
            "duration": booking_duration_minutes(items),
            "refusals": refusals,
            "calendar_url": f"{reverse('scheduling:week')}?"
            + urlencode({"doctor": plan.doctor_id} if plan.doctor_id else {}),
        },
    )
