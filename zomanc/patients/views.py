"""Páciensek: list/search, create, view, edit. Thin: forms validate, services write."""

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from zomanc.audit.services import audit_patients_listed
from zomanc.core.http import MemberRequest, member_required
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
from zomanc.practices.permissions import Perm


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


@member_required(Perm.PATIENT_VIEW)
def patient_detail(request: MemberRequest, patient_id: int) -> HttpResponse:
    patient = access_patient(request.member, patient_id)
    patient_record_viewed(patient=patient, actor=request.user, request=request)
    return render(
        request,
        "patients/detail.html",
        {"patient": patient, "age": patient.age_on(timezone.localdate())},
    )


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
