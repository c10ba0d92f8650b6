"""Pages of treatment plans: a patient's plans, and one plan's editor with its phases,
options, items, totals and status actions. Thin: every write is a service call, every plan
is fetched through access_plan (another practice's id is a 404)."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.backends.utils import csrf_input
from django.utils import timezone
from django.utils.functional import Promise as StrPromise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from zomanc.audit.models import AuditAction
from zomanc.audit.services import audit_patients_listed, audit_record
from zomanc.codes.catalogue_selectors import access_treatment_item, treatment_catalogue
from zomanc.core.forms import form_submit
from zomanc.core.http import MemberRequest, member_required
from zomanc.patients.selectors import access_patient
from zomanc.plans.booking_selectors import BOOKABLE_PLAN, plan_item_bookings
from zomanc.plans.forms import (
    PlanItemForm,
    PlanTermsForm,
    PriceListEntryForm,
    PriceListForm,
    SignatureForm,
    TitleForm,
)
from zomanc.plans.item_rows import PlanItemRows
from zomanc.plans.models import PlanSignature, PlanStatus, TreatmentPlan
from zomanc.plans.selectors import (
    access_plan,
    access_plan_item,
    access_plan_option,
    access_plan_phase,
    access_price_list,
    conversion_report,
    open_treatment,
    patient_plans,
    plan_quote,
    plan_signature,
    plan_versions,
    practice_price_lists,
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
    price_list_create,
    price_list_entry_set,
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


def _viewed(request: MemberRequest, plan: TreatmentPlan | None, patient: Any, what: str) -> None:
    """A plan shows the patient's treatment and prices: every look leaves a VIEW entry
    (audit/tests/test_audit_coverage.py walks every view for it)."""
    audit_record(
        practice=request.practice,
        actor=request.user,
        action=AuditAction.VIEW,
        obj=plan if plan is not None else patient,
        patient_id=patient.pk,
        summary=f"{what}: {patient}",
        request=request,
    )


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
    _viewed(request, None, patient, "Kezelési tervek megtekintése")
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
    _viewed(request, plan, plan.patient, f"Kezelési terv (v{plan.version}) megtekintése")
    versions = plan_versions(plan)
    can_complete_items = plan.status in (
        PlanStatus.ACCEPTED,
        PlanStatus.IN_PROGRESS,
    ) and member_can(request.member, Perm.CLINICAL_EDIT)
    # Booking items to the calendar (plans/booking_views.py): each item's appointment.
    bookings = plan_item_bookings(plan)
    can_book = plan.status in BOOKABLE_PLAN and member_can(request.member, Perm.APPOINTMENT_EDIT)
    return render(
        request,
        "plans/plan_detail.html",
        {
            "plan": plan,
            "patient": plan.patient,
            "quote": plan_quote(plan),
            "versions": versions,
            "signature": plan_signature(plan),
            "editable": editable,
            "actions": actions,
            "can_choose": plan.status in (PlanStatus.DRAFT, PlanStatus.PRESENTED)
            and member_can(request.member, Perm.PLAN_DECIDE),
            # A newer version exists when the chain goes on past this plan (no query of its own).
            "can_revise": member_can(request.member, Perm.PLAN_PRESENT)
            and plan.status not in (PlanStatus.DRAFT, PlanStatus.SUPERSEDED, PlanStatus.COMPLETED)
            and versions[-1].pk == plan.pk,
            "can_book": can_book,
            # The item tables' rows, built in Python (zomanc/plans/item_rows.py).
            "item_rows": PlanItemRows(
                plan=plan,
                bookings=bookings,
                editable=editable,
                can_complete_items=can_complete_items,
                can_book=can_book,
                can_view_visits=member_can(request.member, Perm.CLINICAL_VIEW),
                csrf_field=lambda: csrf_input(request),
            ),
            **forms,
        },
    )


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
    _viewed(request, plan, plan.patient, f"Árajánlat (PDF, v{plan.version}) megtekintése")
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
    _viewed(request, plan, plan.patient, "Árajánlat megnyitása aláírásra")
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
    _viewed(request, plan, plan.patient, "Aláírt árajánlat megtekintése")
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
    signature = _signature(request, plan_id)
    if not signature.image_png:  # accepted by a signed paper: plans:signed_paper serves it
        raise Http404
    return HttpResponse(bytes(signature.image_png), content_type="image/png")


@member_required(Perm.PLAN_VIEW)
def open_treatment_view(request: MemberRequest) -> HttpResponse:
    """Open treatment: accepted plans with items not yet done (reception calls from it)."""
    rows = open_treatment(request.member)
    audit_patients_listed(
        practice=request.practice,
        actor=request.user,
        what="Nyitott kezelések listája",
        query="",
        patient_ids=[row.plan.patient_id for row in rows],
        request=request,
    )
    return render(request, "plans/open_treatment.html", {"rows": rows})


@member_required(Perm.PLAN_VIEW)
def price_lists(request: MemberRequest) -> HttpResponse:
    """The practice's price lists; owners (catalogue_edit) add new ones."""
    form = PriceListForm(request.POST or None)
    if request.method == "POST":
        if not member_can(request.member, Perm.CATALOGUE_EDIT):
            raise PermissionDenied
        created = form_submit(
            form,
            lambda data: price_list_create(
                practice=request.practice,
                actor=request.member,
                name=data["name"],
                currency=data["currency"],
                request=request,
            ),
        )
        if created is not None:
            return redirect("plans:price_list", created.pk)
    return render(
        request,
        "plans/price_lists.html",
        {"price_lists": practice_price_lists(request.member), "form": form},
    )


@member_required(Perm.PLAN_VIEW)
def price_list_detail(request: MemberRequest, price_list_id: int) -> HttpResponse:
    """A price list's prices and names per catalogue item; owners set them row by row."""
    price_list = access_price_list(request.member, price_list_id)
    form = PriceListEntryForm(request.POST or None)
    if request.method == "POST":
        if not member_can(request.member, Perm.CATALOGUE_EDIT):
            raise PermissionDenied
        if form.is_valid():
            treatment = access_treatment_item(request.member, form.cleaned_data["treatment"])
            try:
                price_list_entry_set(
                    price_list=price_list,
                    treatment=treatment,
                    actor=request.member,
                    price=form.cleaned_data["price"],
                    name_hu=form.cleaned_data["name_hu"],
                    name_en=form.cleaned_data["name_en"],
                    name_de=form.cleaned_data["name_de"],
                    request=request,
                )
                messages.success(request, _("„%(name)s” ára mentve.") % {"name": treatment.name})
                return redirect("plans:price_list", price_list.pk)
            except ValidationError as error:
                _refused(request, error)
        else:
            messages.error(request, _("Adjon meg érvényes árat."))
    entries = {e.treatment_id: e for e in price_list.entries.all()}
    rows = [(item, entries.get(item.pk)) for item in treatment_catalogue(request.practice)]
    return render(request, "plans/price_list.html", {"price_list": price_list, "rows": rows})


@member_required(Perm.PLAN_REPORT)
def conversion_report_view(request: MemberRequest) -> HttpResponse:
    """Per doctor and month: quotes presented, accepted, rejected, value, conversion rate."""
    today = timezone.localdate()
    try:
        year = int(request.GET.get("ev", today.year))
        month = int(request.GET.get("ho", today.month))
        if not (2000 <= year <= 2100 and 1 <= month <= 12):
            raise ValueError
    except ValueError:
        messages.error(request, _("Érvénytelen év vagy hónap."))
        year, month = today.year, today.month
    return render(
        request,
        "plans/conversion_report.html",
        {"rows": conversion_report(request.member, year, month), "year": year, "month": month},
    )
