""" "Tesztadatok" (operator): referrals and documents from other providers for a test
patient, so every feature of the practice system can be tried. Calls the referral and
documents apps' own services (the same rules as their SOAP operations)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sandbox.clock.services import now
from sandbox.documents.services import document_add_from_provider
from sandbox.portal.forms import DocumentAddForm, PersonForm, ReferralIssueForm
from sandbox.portal.session import operator_required
from sandbox.referral.models import Referral
from sandbox.referral.services import referral_issue, referral_revoke
from sandbox.registry.models import Doctor, Institution, OrgUnit, Patient, PatientOrigin, User
from sandbox.registry.register import RESERVED
from sandbox.registry.services import PersonRefused, patient_save
from sandbox.soap.errors import SoapFault


def _page(request: HttpRequest, status: int = 200, **forms: Any) -> HttpResponse:
    recent = Referral.objects.select_related(
        "patient", "referring_institution", "target_institution"
    ).order_by("-issued_at", "-pk")[:15]
    at = now()
    return render(
        request,
        "portal/testdata.html",
        {
            "reserved": RESERVED,
            "person_form": forms.get("person_form") or _person_form(request),
            "persons": Patient.objects.exclude(origin=PatientOrigin.SEED).order_by("-pk")[:15],
            "referral_form": forms.get("referral_form") or ReferralIssueForm(),
            "document_form": forms.get("document_form") or DocumentAddForm(),
            "recent_referrals": [{"r": r, "status": r.status_at(at)} for r in recent],
        },
        status=status,
    )


def _person_form(request: HttpRequest) -> PersonForm:
    """Empty, or filled with the person named by ``?szemely=<TAJ>`` (the edit links)."""
    taj = request.GET.get("szemely", "")
    person = Patient.objects.filter(id_type="TAJ", id_value=taj).first() if taj else None
    if person is None:
        return PersonForm()
    return PersonForm(
        initial={
            "taj": person.id_value,
            "name": person.name,
            "birth_date": person.birth_date,
            "sex": person.sex,
            "eligibility": person.eligibility,
            "deceased_on": person.deceased_on,
        }
    )


@operator_required
@require_POST
def person_save(request: HttpRequest) -> HttpResponse:
    form = PersonForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            person = patient_save(
                taj=d["taj"],
                name=d["name"],
                birth_date=d["birth_date"],
                sex=d["sex"],
                eligibility=d["eligibility"],
                deceased_on=d["deceased_on"],
            )
        except PersonRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Tesztszemély mentve: %(name)s (%(taj)s).")
                % {"name": person.name, "taj": person.id_value},
            )
            return redirect("portal:testdata")
    return _page(request, 400, person_form=form)


def _apply_errors(form: Any, exc: ValidationError) -> None:
    for field, messages_ in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, messages_)


@operator_required
def testdata(request: HttpRequest) -> HttpResponse:
    return _page(request)


@operator_required
@require_POST
def referral_create(request: HttpRequest) -> HttpResponse:
    form = ReferralIssueForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        target = (
            get_object_or_404(Institution, institution_id=d["target_institution"])
            if d["target_institution"]
            else None
        )
        try:
            referral = referral_issue(
                patient=get_object_or_404(Patient, pk=d["patient"]),
                referring_doctor=get_object_or_404(Doctor, stamp=d["referring_doctor"]),
                referring_org_unit=get_object_or_404(OrgUnit, code=d["referring_org_unit"]),
                target_specialty=d["target_specialty"],
                target_institution=target,
                history=d["history"],
                diagnosis_text=d["diagnosis_text"],
                diagnosis_code=d["diagnosis_code"],
                question=d["question"],
                issued_at=now() - dt.timedelta(days=d["days_ago"]),
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request, _("Beutaló kiállítva: %(id)s.") % {"id": referral.referral_id}
            )
            return redirect("portal:testdata")
    return _page(request, 400, referral_form=form)


@operator_required
@require_POST
def referral_revoke_view(request: HttpRequest, referral_id: str) -> HttpResponse:
    referral = get_object_or_404(Referral, referral_id=referral_id)
    try:
        referral_revoke(
            referral=referral, reason=request.POST.get("reason") or _("Tesztadat: visszavonva.")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms))
    else:
        messages.success(request, _("Beutaló visszavonva: %(id)s.") % {"id": referral_id})
    return redirect("portal:testdata")


@operator_required
@require_POST
def document_create(request: HttpRequest) -> HttpResponse:
    form = DocumentAddForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        author = get_object_or_404(User, user_id=d["author"], doctor__isnull=False)
        try:
            version = document_add_from_provider(
                patient=get_object_or_404(Patient, pk=d["patient"]),
                org_unit=get_object_or_404(OrgUnit, code=d["org_unit"]),
                author=author,
                title=d["title"],
                text=d["text"],
                doc_type=d["doc_type"],
                confidentiality=d["confidentiality"],
                diagnoses=d["diagnoses"],
                at=now() - dt.timedelta(days=d["days_ago"]),
            )
        except SoapFault as exc:
            form.add_error(None, f"{exc.code}: {exc.message}")
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request, _("Dokumentum hozzáadva: %(id)s.") % {"id": version.versioned_id}
            )
            return redirect("portal:testdata")
    return _page(request, 400, document_form=form)
