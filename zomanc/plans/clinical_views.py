"""Pages joining plans to the chart and the chair. Thin: scope by practice (access_*), check
the form, call one service (plans/clinical_services.py), answer.

- chart_plan: under the patient's tooth chart, the form that plans a treatment for the teeth
  picked on the chart into one of the patient's draft plans (htmx fragment; a page without
  JavaScript).
- item_perform / item_tick: buttons of an open visit's entry box; they answer htmx with the
  re-rendered activity block, like the entry box's own buttons (clinical/views.py)."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zomanc.audit.models import AuditAction
from zomanc.audit.services import audit_record
from zomanc.clinical.models import Visit, VisitProcedure
from zomanc.clinical.selectors import access_visit
from zomanc.clinical.views import activity_context
from zomanc.core.forms import form_add_service_error
from zomanc.core.http import MemberRequest, member_required
from zomanc.patients.models import Patient
from zomanc.patients.selectors import access_patient
from zomanc.plans.clinical_forms import ChartPlanForm
from zomanc.plans.clinical_services import (
    plan_item_perform,
    plan_item_tick,
    plan_items_add_for_teeth,
)
from zomanc.plans.models import PlanItem, PlanOption, PlanPhase
from zomanc.practices.permissions import Perm


def _target(patient: Patient, value: str) -> tuple[PlanPhase, PlanOption | None]:
    """The phase (and option) a "phase:ID" / "option:ID" names, among the patient's plans."""
    kind, _sep, raw = value.partition(":")
    if not raw.isdigit():
        raise Http404
    if kind == "option":
        option = (
            PlanOption.objects.filter(
                practice_id=patient.practice_id, phase__plan__patient_id=patient.pk, pk=int(raw)
            )
            .select_related("phase__plan")
            .first()
        )
        if option is None:
            raise Http404
        return option.phase, option
    phase = (
        PlanPhase.objects.filter(
            practice_id=patient.practice_id, plan__patient_id=patient.pk, pk=int(raw)
        )
        .select_related("plan")
        .first()
    )
    if phase is None:
        raise Http404
    return phase, None


@member_required(Perm.PLAN_DRAFT)
def chart_plan(request: MemberRequest, patient_id: int) -> HttpResponse:
    patient = access_patient(request.member, patient_id)
    patient.practice = request.practice
    fragment = bool(request.htmx)  # type: ignore[attr-defined]
    form = ChartPlanForm(request.POST or None, patient=patient)
    added: list[PlanItem] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        phase, option = _target(patient, data["target"])
        phase.plan.patient = patient
        try:
            added = plan_items_add_for_teeth(
                phase=phase,
                option=option,
                actor=request.member,
                treatment=data["treatment"],
                teeth=data["teeth"],
                surfaces=data["surfaces"] or "",
                canals=data["canals"],
                note=data["note"] or "",
                request=request,
            )
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            text = _("Felvéve a tervbe (%(plan)s): %(items)s") % {
                "plan": phase.plan.title,
                "items": ", ".join(f"{i.tooth or ''} {i.surfaces} {i.name}".strip() for i in added),
            }
            if not fragment:
                messages.success(request, text)
                return HttpResponseRedirect(reverse("plans:detail", args=[phase.plan_id]))
            # A fresh form for the next teeth, keeping the plan and the treatment chosen.
            form = ChartPlanForm(
                initial={"target": data["target"], "treatment": data["treatment"]},
                patient=patient,
            )
    if request.method != "POST":
        audit_record(
            practice=request.practice,
            actor=request.user,
            action=AuditAction.VIEW,
            obj=patient,
            patient_id=patient.pk,
            summary=f"Kezelés tervezése a fogtérképről (tervezetek): {patient}",
            request=request,
        )
    refused = request.method == "POST" and not added
    context: dict[str, Any] = {"patient": patient, "form": form, "added": added}
    if fragment:
        # htmx swaps only a 2xx answer: a refusal comes back as 200 with the form's errors.
        return render(request, "plans/_chart_plan.html", context)
    return render(request, "plans/chart_plan.html", context, status=400 if refused else 200)


def _visit_item(request: MemberRequest, visit_id: int, item_id: int) -> tuple[Visit, PlanItem]:
    """The visit (the member's practice) and a plan item of the same patient; 404 otherwise."""
    visit = access_visit(request.member, visit_id)
    visit.practice = request.practice
    item = (
        PlanItem.objects.filter(
            practice_id=request.practice.pk, plan__patient_id=visit.patient_id, pk=item_id
        )
        .select_related("plan", "option", "treatment")
        .first()
    )
    if item is None:
        raise Http404
    return visit, item


def _answer(request: MemberRequest, visit: Visit, error: ValidationError | None) -> HttpResponse:
    reasons = list(error.messages) if error is not None else []
    if request.htmx:  # type: ignore[attr-defined]
        return render(
            request,
            "clinical/_activity.html",
            activity_context(request, visit.patient, errors={"plan": reasons}),
        )
    for reason in reasons:
        messages.error(request, reason)
    return HttpResponseRedirect(reverse("patients:detail", args=[visit.patient_id]) + "#activity")


@require_POST
@member_required(Perm.CLINICAL_EDIT)
def item_perform(request: MemberRequest, visit_id: int, item_id: int) -> HttpResponse:
    """One click on an offered plan item: its procedure recorded in the visit, the item done."""
    visit, item = _visit_item(request, visit_id, item_id)
    try:
        plan_item_perform(item=item, visit=visit, actor=request.member, request=request)
    except ValidationError as error:
        return _answer(request, visit, error)
    return _answer(request, visit, None)


@require_POST
@member_required(Perm.CLINICAL_EDIT)
def item_tick(
    request: MemberRequest, visit_id: int, item_id: int, procedure_id: int
) -> HttpResponse:
    """ "Terv tétele elvégezve?" — yes: the item done by a procedure recorded in the visit."""
    visit, item = _visit_item(request, visit_id, item_id)
    procedure = (
        VisitProcedure.objects.filter(visit=visit, pk=procedure_id)
        .select_related("treatment")
        .first()
    )
    if procedure is None:
        raise Http404
    procedure.visit = visit
    try:
        plan_item_tick(item=item, procedure=procedure, actor=request.member, request=request)
    except ValidationError as error:
        return _answer(request, visit, error)
    return _answer(request, visit, None)
