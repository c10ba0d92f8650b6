"""Páciensek: list/search, create, view, edit. Thin: forms validate, services write."""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from zomanc.audit.services import audit_patients_listed
from zomanc.core.http import MemberRequest, member_required
from zomanc.patients.consent_forms import (
    ConsentOptInForm,
    ConsentOptOutForm,
    MessageLanguageForm,
)
from zomanc.patients.consent_selectors import patient_consent_state
from zomanc.patients.forms import PatientForm
from zomanc.patients.models import Patient
from zomanc.patients.selectors import access_patient, patient_search
from zomanc.patients.services import (
    DATA_FIELDS,
    DuplicateIdentifierError,
    patient_create,
    patient_data_of,
    patient_record_viewed,
    patient_update,
)
from zomanc.practices.permissions import Perm, member_can


def _page_number(raw: str | None) -> int:
    try:
        return max(int(raw or 1), 1)
    except ValueError:
        return 1


@member_required(Perm.PATIENT_VIEW)
def patient_list(request: MemberRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    page = patient_search(
        practice=request.practice, query=query, page=_page_number(request.GET.get("page"))
    )
    audit_patients_listed(
        practice=request.practice,
        actor=request.user,
        what="Páciensek listája",
        query=query,
        patient_ids=[p.pk for p in page.items],
        page=page.page,
        request=request,
    )
    return render(request, "patients/list.html", {"page": page, "query": query})


def _duplicate_error(exc: DuplicateIdentifierError) -> str:
    existing = exc.existing
    return format_html(
        '{} <a href="{}">{}</a>',
        _("Ezzel az azonosítóval már van páciens a rendelőben:"),
        reverse("patients:detail", args=[existing.pk]),
        f"{existing} ({existing.birth_date:%Y.%m.%d.})",
    )


def _save(request: MemberRequest, form: PatientForm, patient: Patient | None) -> HttpResponse:
    """Run the service; a duplicate identifier or a service-level rule becomes a field error
    next to the field, and nothing is saved."""
    try:
        if patient is None:
            patient = patient_create(
                practice=request.practice,
                actor=request.user,
                data=form.patient_data(),
                request=request,
            )
        else:
            patient = patient_update(
                patient=patient,
                actor=request.user,
                data=form.patient_data(),
                request=request,
            )
    except DuplicateIdentifierError as exc:
        form.add_error("id_value", _duplicate_error(exc))
    except ValidationError as exc:
        form.add_error(None, exc)
    else:
        return redirect("patients:detail", patient.pk)
    return render(request, "patients/form.html", {"form": form, "patient": patient})


@member_required(Perm.PATIENT_EDIT)
def patient_create_view(request: MemberRequest) -> HttpResponse:
    form = PatientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return _save(request, form, None)
    return render(request, "patients/form.html", {"form": form, "patient": None})


def patient_detail_render(
    request: MemberRequest,
    patient: Patient,
    forms: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The patient page; `forms`: the consent card's refused form, by its class name, shown
    with its errors in place of the empty one."""
    forms = forms or {}
    patient_record_viewed(patient=patient, actor=request.user, request=request)
    context: dict[str, Any] = {"patient": patient, "age": patient.age_on(timezone.localdate())}
    if member_can(request.member, Perm.CONSENT_VIEW):
        # One query: the card's state, proof and history (asserted in test_consent_views).
        context["consent"] = patient_consent_state(patient)
        context["consent_forms"] = {
            "opt_in": forms.get("ConsentOptInForm") or ConsentOptInForm(),
            "opt_out": forms.get("ConsentOptOutForm") or ConsentOptOutForm(),
            "language": forms.get("MessageLanguageForm")
            or MessageLanguageForm(initial={"language": context["consent"].language}),
        }
    return render(request, "patients/detail.html", context, status=status)


@member_required(Perm.PATIENT_VIEW)
def patient_detail(request: MemberRequest, patient_id: int) -> HttpResponse:
    patient = access_patient(request.member, patient_id)
    return patient_detail_render(request, patient)


@member_required(Perm.PATIENT_EDIT)
def patient_edit(request: MemberRequest, patient_id: int) -> HttpResponse:
    patient = access_patient(request.member, patient_id)
    if request.method == "POST":
        form = PatientForm(request.POST)
        if form.is_valid():
            return _save(request, form, patient)
    else:
        data = patient_data_of(patient)
        form = PatientForm(initial={name: getattr(data, name) for name in DATA_FIELDS})
        # The form shows the whole record: opening it is a look at it.
        patient_record_viewed(
            patient=patient, actor=request.user, request=request, via="szerkesztés"
        )
    return render(request, "patients/form.html", {"form": form, "patient": patient})
