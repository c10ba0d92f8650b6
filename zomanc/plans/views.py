"""Pages of treatment plans: a patient's plans, and one plan's editor with its phases,
options, items, totals and status actions. Thin: every write is a service call, every plan
is fetched through access_plan (another practice's id is a 404)."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise as StrPromise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from zomanc.core.forms import form_submit
from zomanc.core.http import MemberRequest, member_required
from zomanc.patients.selectors import access_patient
from zomanc.plans.forms import PlanItemForm, PlanTermsForm, SignatureForm, TitleForm
from zomanc.plans.models import PlanSignature, PlanStatus, TreatmentPlan
from zomanc.plans.selectors import (
    access_plan,
    access_plan_item,
    access_plan_option,
    access_plan_phase,
    open_treatment,
    patient_plans,
    plan_quote,
    plan_versions,
)
from zomanc.plans.services import (
    TERM_FIELDS,
    TRANSITIONS,
    plan_create,
    plan_item_add,
    plan_item_complete,
    plan_item_remove,
    plan_option_add,
    plan_option_choose,
    plan_phase_add,
    plan_revise,
    plan_sign,
    plan_transition,
    plan_update,
)
from zomanc.practices.permissions import Perm, member_can

# Who may ask for which status: issuing, starting and completing is the dentist's; the
# patient's acceptance or refusal is recorded by whoever is with the patient.
TRANSITION_PERM: dict[str, Perm] = {
    PlanStatus.PRESENTED: Perm.PLAN_PRESENT,
    PlanStatus.IN_PROGRESS: Perm.PLAN_PRESENT,
    PlanStatus.COMPLETED: Perm.PLAN_PRESENT,
    PlanStatus.EXPIRED: Perm.PLAN_DECIDE,
    PlanStatus.ACCEPTED: Perm.PLAN_DECIDE,
    PlanStatus.REJECTED: Perm.PLAN_DECIDE,
}
ACTION_LABELS: dict[str, StrPromise] = {
    PlanStatus.PRESENTED: gettext_lazy("Árajánlat kiadása"),
    PlanStatus.ACCEPTED: gettext_lazy("Elfogadta"),
    PlanStatus.REJECTED: gettext_lazy("Elutasította"),
    PlanStatus.EXPIRED: gettext_lazy("Lejártnak jelölés"),
    PlanStatus.IN_PROGRESS: gettext_lazy("Kezelés megkezdése"),
    PlanStatus.COMPLETED: gettext_lazy("Befejezés"),
}


def _refused(request: MemberRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@member_required(Perm.PLAN_VIEW)
def plan_list(request: MemberRequest, patient_id: int) -> HttpResponse:
    patient = access_patient(request.member, patient_id)
    form = None
    if member_can(request.member, Perm.PLAN_DRAFT):
        form = PlanTermsForm(
            request.POST or None,
            member=request.member,
            initial={"language": "hu", "currency": "HUF"},
        )
        if request.method == "POST":
            plan = form_submit(
                form,
                lambda data: plan_create(
                    patient=patient,
                    actor=request.member,
                    request=request,
                    **{f: data[f] for f in TERM_FIELDS},
                ),
            )
            if plan is not None:
                messages.success(request, _("Kezelési terv létrehozva."))
                return redirect("plans:detail", plan.pk)
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "plans/plan_list.html",
        {"patient": patient, "plans": patient_plans(patient), "form": form},
    )


def _detail(request: MemberRequest, plan: TreatmentPlan, **forms: Any) -> HttpResponse:
    editable = plan.status == PlanStatus.DRAFT and member_can(request.member, Perm.PLAN_DRAFT)
    if editable:
        forms.setdefault("item_form", PlanItemForm(plan=plan))
        forms.setdefault("phase_form", TitleForm(prefix="phase"))
        initial = {name: getattr(plan, name) for name in TERM_FIELDS}
        forms.setdefault(
            "terms_form", PlanTermsForm(member=request.member, initial=initial, prefix="terms")
        )
    actions = [
        (status, ACTION_LABELS[status])
        for status in TRANSITIONS[plan.status]
        if status in TRANSITION_PERM and member_can(request.member, TRANSITION_PERM[status])
    ]
    return render(
        request,
        "plans/plan_detail.html",
        {
            "plan": plan,
            "patient": plan.patient,
            "quote": plan_quote(plan),
            "versions": plan_versions(plan),
            "signature": PlanSignature.objects.filter(plan=plan)
            .only("signer_name", "version", "signed_at", "quote_sha256")
            .first(),
            "editable": editable,
            "actions": actions,
            "can_choose": plan.status in (PlanStatus.DRAFT, PlanStatus.PRESENTED)
            and member_can(request.member, Perm.PLAN_DECIDE),
            "can_revise": member_can(request.member, Perm.PLAN_PRESENT)
            and plan.status not in (PlanStatus.DRAFT, PlanStatus.SUPERSEDED, PlanStatus.COMPLETED)
            and not hasattr_next(plan),
            "can_complete_items": plan.status in (PlanStatus.ACCEPTED, PlanStatus.IN_PROGRESS)
            and member_can(request.member, Perm.CLINICAL_EDIT),
            **forms,
        },
    )


def hasattr_next(plan: TreatmentPlan) -> bool:
    return TreatmentPlan.objects.filter(previous=plan).exists()


@member_required(Perm.PLAN_VIEW)
def plan_detail(request: MemberRequest, plan_id: int) -> HttpResponse:
    return _detail(request, access_plan(request.member, plan_id))


@require_POST
@member_required(Perm.PLAN_DRAFT)
def plan_terms(request: MemberRequest, plan_id: int) -> HttpResponse:
    plan = access_plan(request.member, plan_id)
    form = PlanTermsForm(request.POST, member=request.member, prefix="terms")
    if form_submit(
        form,
        lambda data: plan_update(
            plan=plan, actor=request.member, request=request, **{f: data[f] for f in TERM_FIELDS}
        ),
    ):
        messages.success(request, _("A terv adatai mentve."))
        return redirect("plans:detail", plan.pk)
    return _detail(request, plan, terms_form=form)


@require_POST
@member_required(Perm.PLAN_DRAFT)
def phase_add(request: MemberRequest, plan_id: int) -> HttpResponse:
    plan = access_plan(request.member, plan_id)
    form = TitleForm(request.POST, prefix="phase")
    if form_submit(
        form,
        lambda data: plan_phase_add(
            plan=plan, actor=request.member, title=data["title"], request=request
        ),
    ):
        return redirect("plans:detail", plan.pk)
    return _detail(request, plan, phase_form=form)


@require_POST
@member_required(Perm.PLAN_DRAFT)
def option_add(request: MemberRequest, plan_id: int, phase_id: int) -> HttpResponse:
    plan = access_plan(request.member, plan_id)
    phase = access_plan_phase(plan, phase_id)
    form = TitleForm(request.POST, prefix=f"option{phase.pk}")
    try:
        if form.is_valid():
            plan_option_add(
                phase=phase, actor=request.member, title=form.cleaned_data["title"], request=request
            )
        else:
            messages.error(request, _("Adja meg a lehetőség megnevezését."))
    except ValidationError as error:
        _refused(request, error)
    return redirect("plans:detail", plan.pk)


@require_POST
@member_required(Perm.PLAN_DRAFT)
def item_add(request: MemberRequest, plan_id: int) -> HttpResponse:
    plan = access_plan(request.member, plan_id)
    form = PlanItemForm(request.POST, plan=plan)

    def save(data: dict[str, Any]) -> object:
        kind, _sep, pk = data["target"].partition(":")
        option = access_plan_option(plan, int(pk)) if kind == "option" else None
        phase = option.phase if option else access_plan_phase(plan, int(pk))
        return plan_item_add(
            plan=plan,
            phase=phase,
            option=option,
            actor=request.member,
            request=request,
            treatment=data["treatment"],
            tooth=data["tooth"],
            surfaces=data["surfaces"] or "",
            canals=data["canals"],
            quantity=data["quantity"],
            unit_price=data["unit_price"],
            discount_percent=data["discount_percent"],
            discount_amount=data["discount_amount"],
            note=data["note"] or "",
        )

    if form_submit(form, save, {"option": "target", "phase": "target"}):
        return redirect("plans:detail", plan.pk)
    plan = access_plan(request.member, plan_id)
    return _detail(request, plan, item_form=form)


@require_POST
@member_required(Perm.PLAN_DRAFT)
def item_remove(request: MemberRequest, plan_id: int, item_id: int) -> HttpResponse:
    plan = access_plan(request.member, plan_id)
    try:
        plan_item_remove(
            item=access_plan_item(plan, item_id), actor=request.member, request=request
        )
    except ValidationError as error:
        _refused(request, error)
    return redirect("plans:detail", plan.pk)


@require_POST
@member_required(Perm.CLINICAL_EDIT)
def item_complete(request: MemberRequest, plan_id: int, item_id: int) -> HttpResponse:
    plan = access_plan(request.member, plan_id)
    try:
        plan_item_complete(
            item=access_plan_item(plan, item_id), actor=request.member, request=request
        )
    except ValidationError as error:
        _refused(request, error)
    return redirect("plans:detail", plan.pk)


@require_POST
@member_required(Perm.PLAN_DECIDE)
def option_choose(request: MemberRequest, plan_id: int, option_id: int) -> HttpResponse:
    plan = access_plan(request.member, plan_id)
    try:
        plan_option_choose(
            option=access_plan_option(plan, option_id), actor=request.member, request=request
        )
    except ValidationError as error:
        _refused(request, error)
    return redirect("plans:detail", plan.pk)


@require_POST
@member_required(Perm.PLAN_VIEW)
def plan_status(request: MemberRequest, plan_id: int) -> HttpResponse:
    plan = access_plan(request.member, plan_id)
    to = request.POST.get("to", "")
    perm = TRANSITION_PERM.get(to)
    if perm is None:
        messages.error(request, _("Ismeretlen állapot: %(s)s.") % {"s": to})
        return redirect("plans:detail", plan.pk)
    if not member_can(request.member, perm):
        raise PermissionDenied
    try:
        plan_transition(plan=plan, to=to, actor=request.member, request=request)
        messages.success(request, _("A terv állapota: %(s)s.") % {"s": PlanStatus(to).label})
    except ValidationError as error:
        _refused(request, error)
    return redirect("plans:detail", plan.pk)


@require_POST
@member_required(Perm.PLAN_PRESENT)
def plan_new_version(request: MemberRequest, plan_id: int) -> HttpResponse:
    plan = access_plan(request.member, plan_id)
    try:
        new = plan_revise(plan=plan, actor=request.member, request=request)
    except ValidationError as error:
        _refused(request, error)
        return redirect("plans:detail", plan.pk)
    messages.success(
        request, _("Új verzió készült (v%(v)s): szerkeszthető tervezet.") % {"v": new.version}
    )
    return redirect("plans:detail", new.pk)


@member_required(Perm.PLAN_PRINT)
def plan_pdf(request: MemberRequest, plan_id: int) -> HttpResponse:
    from zomanc.plans.pdf import quote_pdf

    plan = access_plan(request.member, plan_id)
    response = HttpResponse(quote_pdf(plan_quote(plan)), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="arajanlat-{plan.pk}-v{plan.version}.pdf"'
    return response


@member_required(Perm.PLAN_DECIDE)
def plan_sign_view(request: MemberRequest, plan_id: int) -> HttpResponse:
    """The patient signs the presented quote on the screen (canvas, static/plans/signature.js)."""
    plan = access_plan(request.member, plan_id)
    if plan.status != PlanStatus.PRESENTED:
        messages.error(request, _("Csak kiadott árajánlat írható alá."))
        return redirect("plans:detail", plan.pk)
    form = SignatureForm(request.POST or None, initial={"signer_name": plan.patient.full_name})
    if form_submit(
        form,
        lambda data: plan_sign(
            plan=plan,
            actor=request.member,
            image_png=data["image"],
            signer_name=data["signer_name"],
            request=request,
        ),
    ):
        messages.success(request, _("Az árajánlatot a páciens aláírta, a terv elfogadva."))
        return redirect("plans:detail", plan.pk)
    plan = access_plan(request.member, plan_id)
    return render(
        request,
        "plans/plan_sign.html",
        {"plan": plan, "patient": plan.patient, "quote": plan_quote(plan), "form": form},
    )


def _signature(request: MemberRequest, plan_id: int) -> PlanSignature:
    plan = access_plan(request.member, plan_id)
    signature = PlanSignature.objects.filter(plan=plan).first()
    if signature is None:
        raise Http404
    return signature


@member_required(Perm.PLAN_PRINT)
def signed_quote_pdf(request: MemberRequest, plan_id: int) -> HttpResponse:
    """The quote exactly as signed (the stored PDF, whose SHA-256 is on the plan page)."""
    signature = _signature(request, plan_id)
    response = HttpResponse(bytes(signature.quote_pdf), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="alairt-arajanlat-{plan_id}-v{signature.version}.pdf"'
    )
    return response


@member_required(Perm.PLAN_VIEW)
def signature_image(request: MemberRequest, plan_id: int) -> HttpResponse:
    return HttpResponse(bytes(_signature(request, plan_id).image_png), content_type="image/png")


@member_required(Perm.PLAN_VIEW)
def open_treatment_view(request: MemberRequest) -> HttpResponse:
    """Open treatment: accepted plans with items not yet done (reception calls from it)."""
    return render(request, "plans/open_treatment.html", {"rows": open_treatment(request.member)})
