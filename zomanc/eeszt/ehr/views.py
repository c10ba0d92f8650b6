"""S7 (EHR documents + breakglass) and S10 (insurance light) views. Thin: the wire is in
`client/`, the rules in `ehr.py`. Every EESZT call is made as the logged-in member (no EESZT
login → the login page and back, `@eeszt_login_redirects`)."""

from __future__ import annotations

import re
from typing import Any, cast

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from zomanc.audit.models import AuditAction
from zomanc.audit.services import audit_record
from zomanc.core.http import MemberRequest, member_required
from zomanc.eeszt.client import documents
from zomanc.eeszt.client.errors import (
    EesztError,
    EesztLoginRequired,
    EesztRefused,
    EesztUnavailable,
)
from zomanc.eeszt.context import (
    EesztNotConfigured,
    eeszt_connection,
    eeszt_context_for,
    eeszt_login_redirects,
)
from zomanc.eeszt.ehr.forms import BreakglassForm
from zomanc.eeszt.ehr.services import (
    cda_render,
    ehr_breakglass,
    ehr_companies,
    ehr_company_pick,
    patient_eeszt_blocker,
    patient_eeszt_ref,
)
from zomanc.eeszt.eligibility.services import eligibility_cached, eligibility_fetch
from zomanc.eeszt.refusals import refusal_html
from zomanc.patients.models import IdType, Patient
from zomanc.patients.selectors import access_patient
from zomanc.practices.models import Company
from zomanc.practices.permissions import Perm, member_can

DOC_TYPES = {
    "11": gettext_lazy("Ambuláns lap"),
    "12": gettext_lazy("Zárójelentés"),
    "13": gettext_lazy("Lelet"),
    "14": gettext_lazy("Képalkotó vizsgálat lelete"),
    "99": gettext_lazy("Egyéb dokumentum"),
}
WITHHELD_REASONS = {
    "NO_TREATMENT_RELATIONSHIP": gettext_lazy(
        "nincs ellátási kapcsolat (nyitott vagy friss eKAT esemény, beutaló) az intézménnyel"
    ),
    "DENIED_BY_SELF_DETERMINATION": gettext_lazy(
        "a páciens önrendelkezési nyilatkozata (DÖR) tiltja"
    ),
    "SENSITIVE_CATEGORY": gettext_lazy(
        "különösen érzékeny kategória (csak az adott szakterület orvosa láthatja)"
    ),
}


def eeszt_error_text(exc: EesztError) -> str:
    """The Hungarian text shown for a failed EESZT call (never a 500): what happened and what
    to do next from the one table (eeszt/refusals.py), EESZT's code small after it."""
    if isinstance(exc, EesztNotConfigured):
        return exc.message
    if isinstance(exc, EesztUnavailable):
        return format_html(
            '{} <small class="eeszt-code">{}</small>',
            _("Az EESZT most nem érhető el. Próbálja újra néhány perc múlva."),
            exc.code,
        )
    return refusal_html(exc.code, exc.message)


def _company_for(request: MemberRequest) -> tuple[list[Company], Company | None]:
    companies = ehr_companies(request.member.practice_id)
    return companies, ehr_company_pick(
        companies, request.GET.get("company") or request.POST.get("company")
    )


def _base_context(
    request: MemberRequest, patient: Patient, companies: list[Company], company: Company | None
) -> dict[str, Any]:
    blocker = patient_eeszt_blocker(patient)
    error = ""
    if not blocker and company is None:
        error = _("A rendelő egyik cégénél sincs bekapcsolva az EESZT modul (Beállítások / EESZT).")
    return {
        "patient": patient,
        "companies": companies,
        "company": company,
        "blocker": blocker,
        "error": error,
        "can_breakglass": member_can(request.member, Perm.EESZT_BREAKGLASS),
    }


def _document_list_page(
    request: MemberRequest,
    patient: Patient,
    companies: list[Company],
    company: Company | None,
    *,
    form: BreakglassForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = _base_context(request, patient, companies, company)
    context["form"] = form or BreakglassForm()
    ref = patient_eeszt_ref(patient)
    if context["blocker"] or context["error"] or company is None or ref is None:
        return render(request, "eeszt/ehr_documents.html", context, status=status)
    try:
        conn = eeszt_connection(company)
        ctx = eeszt_context_for(request, company)
        listing = documents.document_list(conn, ctx, patient=ref)
    except EesztLoginRequired:
        raise
    except EesztError as exc:
        context["error"] = eeszt_error_text(exc)
        return render(request, "eeszt/ehr_documents.html", context, status=status)
    audit_record(
        practice=request.member.practice,
        actor=request.user,
        action=AuditAction.VIEW,
        object_type="eeszt.document_list",
        object_id=str(patient.pk),
        patient_id=patient.pk,
        summary=_("EESZT dokumentumlista megtekintése (%(n)d látható, %(w)d visszatartott)%(bg)s")
        % {
            "n": len(listing.documents),
            "w": listing.withheld,
            "bg": _(", sürgősségi hozzáféréssel") if listing.breakglass else "",
        },
        request=request,
    )
    context.update(
        documents=[
            {"meta": d, "type_label": DOC_TYPES.get(d.doc_type, d.doc_type)}
            for d in sorted(listing.documents, key=lambda d: d.created_at, reverse=True)
        ],
        withheld=listing.withheld,
        withheld_reasons=[
            (WITHHELD_REASONS.get(code, code), count)
            for code, count in sorted(listing.withheld_reasons.items())
        ],
        breakglass_active=listing.breakglass,
    )
    return render(request, "eeszt/ehr_documents.html", context, status=status)


@member_required(Perm.EESZT_USE)
@eeszt_login_redirects
def ehr_documents(http_request: HttpRequest, patient_id: int) -> HttpResponse:
    request = cast(MemberRequest, http_request)
    patient = access_patient(request.member, patient_id)
    companies, company = _company_for(request)
    return _document_list_page(request, patient, companies, company)


@require_POST
@member_required(Perm.EESZT_USE)
@eeszt_login_redirects
def ehr_breakglass_view(http_request: HttpRequest, patient_id: int) -> HttpResponse:
    request = cast(MemberRequest, http_request)
    patient = access_patient(request.member, patient_id)
    if not member_can(request.member, Perm.EESZT_BREAKGLASS):
        return HttpResponseForbidden(_("Sürgősségi hozzáférést csak orvos kérhet."))
    companies, company = _company_for(request)
    form = BreakglassForm(request.POST)
    if not form.is_valid() or company is None or patient_eeszt_blocker(patient):
        return _document_list_page(request, patient, companies, company, form=form, status=400)
    try:
        grant = ehr_breakglass(
            conn=eeszt_connection(company),
            ctx=eeszt_context_for(request, company),
            company=company,
            patient=patient,
            actor=request.member,
            reason_code=form.cleaned_data["reason_code"],
            justification=form.cleaned_data["justification"],
            request=request,
        )
    except EesztLoginRequired:
        raise
    except EesztRefused as exc:
        if exc.code == "BREAKGLASS_REASON_REQUIRED":
            form.add_error(
                "justification",
                _("Az EESZT szerint az indoklás hiányzik vagy túl rövid: %(message)s")
                % {"message": exc.message},
            )
        else:
            form.add_error(None, eeszt_error_text(exc))
        return _document_list_page(request, patient, companies, company, form=form, status=400)
    except EesztError as exc:
        form.add_error(None, eeszt_error_text(exc))
        return _document_list_page(request, patient, companies, company, form=form, status=400)
    messages.success(
        request,
        _("Sürgősségi hozzáférés engedélyezve eddig: %(until)s. A hozzáférés naplózva van.")
        % {"until": timezone.localtime(grant.valid_until).strftime("%Y.%m.%d. %H:%M")},
    )
    url = reverse("eeszt:ehr_documents", args=[patient.pk])
    return redirect(f"{url}?company={company.pk}")


# EESZT's document id: 18 digits (documents.xsd DocumentId); anything else is no document.
DOCUMENT_ID = re.compile(r"[0-9]{18}")


@member_required(Perm.EESZT_USE)
@eeszt_login_redirects
def ehr_document(http_request: HttpRequest, patient_id: int, document_id: str) -> HttpResponse:
    request = cast(MemberRequest, http_request)
    patient = access_patient(request.member, patient_id)
    if not DOCUMENT_ID.fullmatch(document_id):
        # Checked before any call: a NUL byte or any other non-id never reaches the SOAP layer.
        raise Http404
    companies, company = _company_for(request)
    context = _base_context(request, patient, companies, company)
    if context["blocker"] or context["error"] or company is None:
        return render(request, "eeszt/ehr_document.html", context)
    version_raw = request.GET.get("version", "")
    version = int(version_raw) if version_raw.isdigit() and int(version_raw) > 0 else None
    try:
        doc = documents.document_get(
            eeszt_connection(company),
            eeszt_context_for(request, company),
            document_id=document_id,
            version=version,
        )
    except EesztLoginRequired:
        raise
    except EesztError as exc:
        context["error"] = eeszt_error_text(exc)
        return render(request, "eeszt/ehr_document.html", context)
    audit_record(
        practice=request.member.practice,
        actor=request.user,
        action=AuditAction.VIEW,
        object_type="eeszt.document",
        object_id=doc.meta.versioned_id,
        patient_id=patient.pk,
        summary=_("EESZT dokumentum megtekintése: %(title)s (%(id)s)%(bg)s")
        % {
            "title": doc.meta.title,
            "id": doc.meta.versioned_id,
            "bg": _(", sürgősségi hozzáféréssel") if doc.breakglass else "",
        },
        request=request,
    )
    if doc.mime_type == "application/pdf":
        response = HttpResponse(doc.content, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{doc.meta.versioned_id}.pdf"'
        response["X-Content-Type-Options"] = "nosniff"
        return response
    context.update(
        meta=doc.meta,
        type_label=DOC_TYPES.get(doc.meta.doc_type, doc.meta.doc_type),
        breakglass_active=doc.breakglass,
    )
    try:
        context["cda"] = cda_render(doc.content)
    except ValueError:
        context["error"] = _("A dokumentum törzse nem olvasható CDA dokumentum.")
    return render(request, "eeszt/ehr_document.html", context)


@require_http_methods(["GET", "POST"])
@member_required(Perm.EESZT_USE)
@eeszt_login_redirects
def ehr_eligibility(http_request: HttpRequest, patient_id: int) -> HttpResponse:
    """The insurance light as an htmx fragment. GET only reads today's cached answer (no
    EESZT call: it is loaded lazily with every patient page); POST asks EESZT."""
    request = cast(MemberRequest, http_request)
    patient = access_patient(request.member, patient_id)
    context: dict[str, Any] = {"patient": patient, "light": None, "error": ""}
    if patient.id_type != IdType.TAJ or not patient.id_value:
        context["error"] = _(
            "A TB-jogviszony csak TAJ szám alapján kérdezhető le; a páciensnek nincs TAJ száma."
        )
        context["no_taj"] = True
        return render(request, "eeszt/ehr_eligibility.html", context)
    if request.method == "GET":
        context["light"] = eligibility_cached(patient)
        return render(request, "eeszt/ehr_eligibility.html", context)
    _companies, company = _company_for(request)
    if company is None:
        context["error"] = _(
            "A rendelő egyik cégénél sincs bekapcsolva az EESZT modul (Beállítások / EESZT)."
        )
    else:
        try:
            context["light"] = eligibility_fetch(
                conn=eeszt_connection(company),
                ctx=eeszt_context_for(request, company),
                patient=patient,
                actor=request.member,
                request=request,
            )
        except EesztLoginRequired:
            raise
        except EesztError as exc:
            context["error"] = eeszt_error_text(exc)
    if not request.headers.get("HX-Request"):
        if context["error"]:
            messages.error(request, context["error"])
        return redirect("patients:detail", patient.pk)
    return render(request, "eeszt/ehr_eligibility.html", context)
