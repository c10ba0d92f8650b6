"""Recall pages: the list ("Esedékes visszahívások") and its contact entries, a patient's
recalls with his own intervals, and the practice's rules. Thin: forms check, services write,
selectors read; every read of patients leaves its audit entry."""

import functools
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.context_processors import csrf
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zomanc.audit.services import audit_patients_listed
from zomanc.codes.models import TreatmentItem
from zomanc.core.forms import form_submit
from zomanc.core.http import MemberRequest, member_required
from zomanc.patients.selectors import access_patient
from zomanc.patients.services import patient_record_viewed
from zomanc.practices.permissions import Perm
from zomanc.recall import hooks
from zomanc.recall.forms import (
    BulkSendForm,
    ContactForm,
    FilterForm,
    OwnIntervalForm,
    RecallRuleForm,
    RuleIntervalForm,
)
from zomanc.recall.list_rows import RecallRows
from zomanc.recall.selectors import (
    RecallFilters,
    RecallRow,
    access_recall_rule,
    patient_own_intervals,
    patient_recalls,
    practice_recall_doctors,
    practice_recall_rules,
    recall_list,
)
from zomanc.recall.send import MAX_KEYS, practice_send_channels, recall_bulk_send
from zomanc.recall.services import (
    patient_recall_interval_set,
    recall_contact_record,
    recall_rule_delete,
    recall_rule_set,
)


def _booking_url(row: RecallRow, back: str, form_url: str = "") -> str:
    """The calendar's booking form (`form_url`, reversed once a page by the list) with the
    patient, the doctor who did the item last and the item itself (its duration) filled in;
    back to this page after booking. `urlencode` of these, in this order: the ids are digits
    (nothing to quote) and `back` is quoted once a page, not once a row."""
    doctor = row.doctor
    with_doctor = f"&doctor={doctor.pk}" if doctor is not None and doctor.is_active else ""
    return (
        f"{form_url or reverse('scheduling:appointment_create')}?patient={row.patient.pk}"
        f"&treatment={row.due.treatment_id}&{_next_query(back)}{with_doctor}"
    )


@functools.lru_cache(maxsize=64)
def _next_query(back: str) -> str:
    return urlencode({"next": back})


def _page_number(raw: str | None) -> int:
    """`?page=`: anything but a number is the first page (the selector clamps the rest)."""
    try:
        return int(raw or 1)
    except ValueError:
        return 1


@member_required(Perm.RECALL_RUN)
def recall_list_view(request: MemberRequest) -> HttpResponse:
    today = timezone.localdate()
    doctors = practice_recall_doctors(request.member)
    form = FilterForm(request.GET or None, today=today, doctors=doctors)
    valid = form.is_valid()
    filters = RecallFilters(
        month=form.month_value() if valid else None,
        doctor_id=form.cleaned_data.get("doctor") if valid else None,
        state=form.cleaned_data.get("state", "") if valid else "",
    )
    result = recall_list(request.member, filters, page=_page_number(request.GET.get("page")))
    back = request.get_full_path()
    # The filters as they came, without the page: the pager's links add their own.
    query = request.GET.copy()
    query.pop("page", None)
    audit_patients_listed(
        practice=request.practice,
        actor=request.user,
        what="Esedékes visszahívások",
        query=query.urlencode(),
        patient_ids=[row.patient.pk for row in result.rows],
        page=result.page,
        request=request,
    )
    booking = reverse("scheduling:appointment_create")
    rows = [(row, _booking_url(row, back, booking)) for row in result.rows]
    bulk = bool(hooks.BULK_ACTION_TEMPLATES)
    # The rows' markup built once a page in Python (list_rows.py: the template's loop with a
    # form per row was ≈ 98 % of the page).
    rows_html = (
        RecallRows(back=back, csrf_token=csrf(request)["csrf_token"], bulk=bulk).render(rows)
        if rows
        else ""
    )
    return render(
        request,
        "recall/list.html",
        {
            "filter_form": form,
            "result": result,
            "rows": rows,
            "rows_html": mark_safe(rows_html),  # every field escaped in list_rows
            "today": today,
            "back": back,
            "query": query.urlencode(),
            "first": result.start + 1,
            "last": result.start + len(result.rows),
            "bulk_actions": hooks.BULK_ACTION_TEMPLATES,
            "send_form": BulkSendForm(channels=practice_send_channels(request.practice.pk))
            if bulk
            else None,
        },
    )


def _back(request: MemberRequest) -> str:
    back = request.POST.get("next", "")
    if not back.startswith("/") or back.startswith("//"):
        back = reverse("recall:list")
    return back


@require_POST
@member_required(Perm.RECALL_RUN)
def recall_send(request: MemberRequest) -> HttpResponse:
    """The list's bulk send: the ticked recalls (`recall`, Due.key values) get their message on
    the chosen channels; the page says who was notified and who was skipped, and why."""
    back = _back(request)
    keys = [k for k in request.POST.getlist("recall") if k]
    form = BulkSendForm(request.POST, channels=practice_send_channels(request.practice.pk))
    if not keys:
        messages.error(request, _("Jelöljön ki legalább egy pácienst a listában."))
        return redirect(back)
    if len(keys) > MAX_KEYS:
        messages.error(
            request, _("Egyszerre legfeljebb %(n)s visszahívás küldhető.") % {"n": MAX_KEYS}
        )
        return redirect(back)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(back)
    result = recall_bulk_send(
        member=request.member, keys=keys, channels=form.chosen(), request=request
    )
    return render(request, "recall/send_result.html", {"result": result, "back": back})


@require_POST
@member_required(Perm.RECALL_RUN)
def recall_contact(request: MemberRequest) -> HttpResponse:
    """One row's contact form (its fields carry the row's prefix, named in `prefix`)."""
    prefix = request.POST.get("prefix", "")
    form = ContactForm(request.POST, prefix=prefix or None)
    back = _back(request)
    if form.is_valid():
        patient = access_patient(request.member, form.cleaned_data["patient"])
        treatment = get_object_or_404(
            TreatmentItem, practice_id=request.practice.pk, pk=form.cleaned_data["treatment"]
        )
        contact = form_submit(
            form,
            lambda data: recall_contact_record(
                actor=request.member,
                patient=patient,
                treatment=treatment,
                since=data["since"],
                state=data["state"],
                note=data["note"],
                request=request,
            ),
        )
        if contact is not None:
            messages.success(
                request,
                _("Rögzítve: %(patient)s – %(state)s.")
                % {"patient": patient, "state": contact.get_state_display()},
            )
            return redirect(back)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))
    return redirect(back)


@member_required(Perm.RECALL_RUN)
def patient_recall_view(request: MemberRequest, patient_id: int) -> HttpResponse:
    """A patient's recalls with their contact history, and his own intervals."""
    patient = access_patient(request.member, patient_id)
    form = OwnIntervalForm(request.POST or None, practice=request.practice)
    if request.method == "POST":
        saved = form_submit(
            form,
            lambda data: (
                patient_recall_interval_set(
                    actor=request.member,
                    patient=patient,
                    treatment=data["treatment"],
                    interval_months=data["interval_months"],
                    request=request,
                ),
            ),
        )
        if saved is not None:
            messages.success(request, _("A saját visszahívási időköz mentve."))
            return redirect("recall:patient", patient.pk)
    else:
        patient_record_viewed(
            patient=patient, actor=request.user, request=request, via="visszahívás"
        )
    back = request.get_full_path()
    recalls = patient_recalls(request.member, patient)
    return render(
        request,
        "recall/patient.html",
        {
            "patient": patient,
            "recalls": [(row, _booking_url(row, back)) for row in recalls],
            "own_intervals": patient_own_intervals(request.member, patient),
            "form": form,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@member_required(Perm.RECALL_RULES_EDIT)
def rule_list(request: MemberRequest) -> HttpResponse:
    form = RecallRuleForm(request.POST or None, practice=request.practice)
    if request.method == "POST":
        rule = form_submit(
            form,
            lambda data: recall_rule_set(
                actor=request.member,
                treatment=data["treatment"],
                interval_months=data["interval_months"],
                request=request,
            ),
        )
        if rule is not None:
            messages.success(request, _("Szabály mentve: %(name)s.") % {"name": rule.treatment})
            return redirect("recall:rules")
    rules = practice_recall_rules(request.member)
    return render(
        request,
        "recall/rules.html",
        {
            "form": form,
            "rules": [
                (
                    rule,
                    RuleIntervalForm(
                        initial={"interval_months": rule.interval_months}, prefix=f"r{rule.pk}"
                    ),
                )
                for rule in rules
            ],
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@require_POST
@member_required(Perm.RECALL_RULES_EDIT)
def rule_edit(request: MemberRequest, rule_id: int) -> HttpResponse:
    rule = access_recall_rule(request.member, rule_id)
    if request.POST.get("delete"):
        recall_rule_delete(actor=request.member, rule=rule, request=request)
        messages.success(request, _("Szabály törölve: %(name)s.") % {"name": rule.treatment})
        return redirect("recall:rules")
    form = RuleIntervalForm(request.POST, prefix=f"r{rule.pk}")
    saved = form_submit(
        form,
        lambda data: recall_rule_set(
            actor=request.member,
            treatment=rule.treatment,
            interval_months=data["interval_months"],
            request=request,
        ),
    )
    if saved is None:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"{rule.treatment}: {error}")
    else:
        messages.success(request, _("Szabály mentve: %(name)s.") % {"name": rule.treatment})
    return redirect("recall:rules")
