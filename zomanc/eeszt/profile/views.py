"""eProfil (S8): the patient's eProfil from EESZT grouped by category, with create, modify
(a new version, reason required), history and delete of the own institution's entries.

Reached from the activity entry box's "…" menu. Thin: forms check input, the client
adapter talks to EESZT; every view of the profile and every write is audit-logged locally
(ids and categories only, never the assertion)."""

from __future__ import annotations

from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zomanc.audit.models import AuditAction
from zomanc.audit.services import audit_record
from zomanc.clinical.models import Visit, VisitStatus
from zomanc.core.http import MemberRequest, member_required
from zomanc.eeszt.client import profile as eprofil
from zomanc.eeszt.client.ekat import PatientRef
from zomanc.eeszt.client.errors import EesztError, EesztRefused, EesztUnavailable
from zomanc.eeszt.client.wire import CallContext
from zomanc.eeszt.context import (
    ROLE_DOCTOR,
    EesztNotConfigured,
    eeszt_connection,
    eeszt_context_for,
    eeszt_login_redirects,
    eeszt_role_for,
)
from zomanc.eeszt.outbox.services import WIRE_ID_TYPES
from zomanc.eeszt.profile.forms import (
    CATEGORY_LABELS,
    ProfileEntryDeleteForm,
    ProfileEntryForm,
    ProfileEntryUpdateForm,
)
from zomanc.eeszt.refusals import refusal_html
from zomanc.eeszt.setup import selectors
from zomanc.patients.models import IdType, Patient
from zomanc.patients.selectors import access_patient
from zomanc.practices.models import Company
from zomanc.practices.permissions import Perm
from zomanc.practices.selectors import active_companies

AUDIT_TYPE = "eeszt.eprofil"
# Shown on the page; EesztLoginRequired is not here: @eeszt_login_redirects handles it.
HANDLED = (EesztRefused, EesztUnavailable, EesztNotConfigured)


# --- shared with the referral views ------------------------------------------------------


def eeszt_patient_ref(patient: Patient) -> PatientRef | None:
    """The patient as EESZT knows him, or None when he has no identifier EESZT accepts."""
    if patient.id_type not in WIRE_ID_TYPES or not patient.id_value:
        return None
    return PatientRef(WIRE_ID_TYPES[IdType(patient.id_type)], patient.id_value)


def no_identifier_message() -> str:
    return _(
        "A páciensnek nincs TAJ-száma (vagy az EESZT által elfogadott más azonosítója), "
        "ezért az EESZT-funkciók nem érhetők el. Rögzítse az azonosítót a páciens adatlapján."
    )


PROFILE_HELP = {
    "PROFILE_FORBIDDEN": _(
        "A páciens megtiltotta az eProfil használatát: az EESZT-ben nem olvasható és nem "
        "írható. Kérdezze meg közvetlenül (allergiák, gyógyszerek), és rögzítse a kartonban."
    ),
    "NOT_OWNER": _(
        "Ezt a bejegyzést másik intézmény hozta létre, ezért csak az törölheti. Ha hibás, "
        "módosítsa indoklással, vagy jelezze a létrehozó intézménynek."
    ),
    "CODE_UNKNOWN": _(
        "A kód ismeretlen vagy érvénytelen (betegségeknél BNO-kód kell): javítsa, vagy hagyja "
        "üresen és írja le a megnevezésben."
    ),
}


def eeszt_error_text(exc: EesztError, help_texts: dict[str, Any]) -> str:
    """What happened and what to do, in Hungarian; EESZT's code small after it. A page's
    own help (eProfil, e-Beutaló) first, else the one table (eeszt/refusals.py)."""
    if isinstance(exc, EesztUnavailable):
        return format_html(
            '{} <small class="eeszt-code">{}</small>',
            _("Az EESZT most nem érhető el. Próbálja újra néhány perc múlva."),
            exc.code,
        )
    helptext = help_texts.get(exc.code)
    if helptext:
        return format_html('{} <small class="eeszt-code">{}</small>', helptext, exc.code)
    if isinstance(exc, EesztRefused):
        return refusal_html(exc.code, exc.message)
    return str(exc.message)


# --- helpers -------------------------------------------------------------------------


def _company(request: MemberRequest, patient: Patient) -> Company:
    """The company on whose behalf EESZT is called: ?company=, else the patient's open
    visit's, else the practice's first active company."""
    raw = request.GET.get("company") or request.POST.get("company") or ""
    if raw:
        if not raw.isdigit():
            raise Http404
        return selectors.access_eeszt_company(request.member, int(raw))
    visit = (
        Visit.objects.filter(
            practice_id=request.member.practice_id, patient=patient, status=VisitStatus.OPEN
        )
        .select_related("company")
        .first()
    )
    if visit is not None:
        return visit.company
    company = active_companies(practice=request.practice).first()
    if company is None:
        raise Http404
    return company


def _audit(
    request: MemberRequest,
    patient: Patient,
    action: AuditAction,
    summary: str,
    object_id: str = "",
    changes: dict[str, Any] | None = None,
) -> None:
    audit_record(
        practice=request.practice,
        actor=request.user,
        action=action,
        object_type=AUDIT_TYPE,
        object_id=object_id or str(patient.pk),
        patient_id=patient.pk,
        summary=summary,
        changes=changes,
        request=request,
    )


def _list_url(patient: Patient, company: Company) -> str:
    return f"{reverse('eeszt:profile', args=[patient.pk])}?company={company.pk}"


def _entries(
    ctx: CallContext, request: MemberRequest, company: Company, ref: PatientRef
) -> list[eprofil.ProfileEntry]:
    return eprofil.profile_query(eeszt_connection(company), ctx, patient=ref).entries


def _find(entries: list[eprofil.ProfileEntry], entry_id: str) -> eprofil.ProfileEntry:
    for entry in entries:
        if entry.entry_id == entry_id:
            return entry
    raise Http404


class _Setup:
    def __init__(self, request: MemberRequest, patient_id: int) -> None:
        self.patient = access_patient(request.member, patient_id)
        self.company = _company(request, self.patient)
        self.ref = eeszt_patient_ref(self.patient)
        self.is_doctor = eeszt_role_for(request.member) == ROLE_DOCTOR


def _page(request: MemberRequest, setup: _Setup, template: str, **extra: Any) -> HttpResponse:
    return render(
        request,
        template,
        {
            "patient": setup.patient,
            "company": setup.company,
            "is_doctor": setup.is_doctor,
            "list_url": _list_url(setup.patient, setup.company),
            **extra,
        },
    )


def not_configured_shown(view: Any) -> Any:
    """Our side cannot call EESZT for the company (no certificate, no org unit): back to
    the patient with what to set up, never a 500."""

    @wraps(view)
    def wrapper(request: MemberRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response: HttpResponse = view(request, *args, **kwargs)
        except EesztNotConfigured as exc:
            messages.error(request, str(exc.message))
            return redirect(reverse("core:home"))
        return response

    return wrapper


# --- views -----------------------------------------------------------------------------


@member_required(Perm.EESZT_USE)
@not_configured_shown
@eeszt_login_redirects
def profile_list(http_request: HttpRequest, patient_id: int) -> HttpResponse:
    request = cast(MemberRequest, http_request)
    setup = _Setup(request, patient_id)
    if setup.ref is None:
        return _page(request, setup, "eeszt/profile_list.html", error=no_identifier_message())
    ctx = eeszt_context_for(request, setup.company)
    try:
        entries = _entries(ctx, request, setup.company, setup.ref)
    except HANDLED as exc:
        _audit(request, setup.patient, AuditAction.VIEW, f"eProfil lekérdezése: {exc.code}")
        return _page(
            request,
            setup,
            "eeszt/profile_list.html",
            error=eeszt_error_text(exc, PROFILE_HELP),
        )
    _audit(
        request,
        setup.patient,
        AuditAction.VIEW,
        f"eProfil lekérdezése az EESZT-ből ({len(entries)} bejegyzés)",
    )
    own = setup.company.institution_id
    groups = []
    for code, label in CATEGORY_LABELS.items():
        items = [
            {"entry": e, "own": e.institution_id == own} for e in entries if e.category == code
        ]
        groups.append({"code": code, "label": label, "items": items})
    form = ProfileEntryForm()
    return _page(request, setup, "eeszt/profile_list.html", groups=groups, form=form)


@member_required(Perm.EESZT_USE)
@not_configured_shown
@require_POST
@eeszt_login_redirects
def profile_create(http_request: HttpRequest, patient_id: int) -> HttpResponse:
    request = cast(MemberRequest, http_request)
    setup = _Setup(request, patient_id)
    if setup.ref is None or not setup.is_doctor:
        messages.error(
            request,
            no_identifier_message()
            if setup.ref is None
            else _("eProfil bejegyzést csak orvos rögzíthet."),
        )
        return redirect(_list_url(setup.patient, setup.company))
    form = ProfileEntryForm(request.POST)
    error = ""
    if form.is_valid():
        ctx = eeszt_context_for(request, setup.company)
        data = form.cleaned_data
        try:
            answer = eprofil.profile_entry_create(
                eeszt_connection(setup.company),
                ctx,
                patient=setup.ref,
                category=data["category"],
                code=data["code"],
                text=data["text"],
                note=data["note"],
            )
        except HANDLED as exc:
            error = eeszt_error_text(exc, PROFILE_HELP)
        else:
            _audit(
                request,
                setup.patient,
                AuditAction.CREATE,
                f"eProfil bejegyzés rögzítése ({data['category']})",
                answer.entry_id,
            )
            messages.success(request, _("A bejegyzés az eProfilba került."))
            return redirect(_list_url(setup.patient, setup.company))
    return _page(request, setup, "eeszt/profile_entry_form.html", form=form, error=error)


@member_required(Perm.EESZT_USE)
@not_configured_shown
@eeszt_login_redirects
def profile_update(http_request: HttpRequest, patient_id: int, entry_id: str) -> HttpResponse:
    request = cast(MemberRequest, http_request)
    setup = _Setup(request, patient_id)
    if setup.ref is None:
        return redirect(_list_url(setup.patient, setup.company))
    ctx = eeszt_context_for(request, setup.company)
    conn = eeszt_connection(setup.company)
    try:
        entry = _find(_entries(ctx, request, setup.company, setup.ref), entry_id)
    except HANDLED as exc:
        messages.error(request, eeszt_error_text(exc, PROFILE_HELP))
        return redirect(_list_url(setup.patient, setup.company))
    error = ""
    if request.method == "POST" and setup.is_doctor:
        form = ProfileEntryUpdateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                answer = eprofil.profile_entry_update(
                    conn,
                    ctx,
                    entry_id=entry_id,
                    expected_version=data["expected_version"],
                    code=data["code"],
                    text=data["text"],
                    note=data["note"],
                    reason=data["reason"],
                )
            except HANDLED as exc:
                if exc.code == "VERSION_CONFLICT":
                    error = _(
                        "Közben valaki módosította: frissítse az oldalt, nézze át a jelenlegi "
                        "változatot (%(version)s. verzió: „%(text)s”), és ismételje meg a "
                        "módosítást."
                    ) % {"version": entry.version, "text": entry.text}
                else:
                    error = eeszt_error_text(exc, PROFILE_HELP)
            else:
                _audit(
                    request,
                    setup.patient,
                    AuditAction.UPDATE,
                    f"eProfil bejegyzés módosítása ({entry.category}, "
                    f"{answer.version}. verzió): {data['reason']}",
                    entry_id,
                    {"version": [data["expected_version"], answer.version]},
                )
                messages.success(
                    request,
                    _("A bejegyzés új verziója (%(v)s.) az eProfilba került.")
                    % {"v": answer.version},
                )
                return redirect(_list_url(setup.patient, setup.company))
    else:
        # The form shows the entry as EESZT holds it: opening it is a look at the record.
        _audit(
            request,
            setup.patient,
            AuditAction.VIEW,
            f"eProfil bejegyzés megnyitása módosításra ({entry.category})",
            entry_id,
        )
        form = ProfileEntryUpdateForm(
            initial={
                "expected_version": entry.version,
                "code": entry.code,
                "text": entry.text,
                "note": entry.note,
            }
        )
    return _page(
        request, setup, "eeszt/profile_entry_form.html", form=form, entry=entry, error=error
    )


@member_required(Perm.EESZT_USE)
@not_configured_shown
@require_POST
@eeszt_login_redirects
def profile_delete(http_request: HttpRequest, patient_id: int, entry_id: str) -> HttpResponse:
    request = cast(MemberRequest, http_request)
    setup = _Setup(request, patient_id)
    back = redirect(_list_url(setup.patient, setup.company))
    if setup.ref is None or not setup.is_doctor:
        messages.error(request, _("eProfil bejegyzést csak orvos törölhet."))
        return back
    form = ProfileEntryDeleteForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors.get("reason", [])))
        return back
    ctx = eeszt_context_for(request, setup.company)
    try:
        eprofil.profile_entry_delete(
            eeszt_connection(setup.company),
            ctx,
            entry_id=entry_id,
            reason=form.cleaned_data["reason"],
        )
    except HANDLED as exc:
        messages.error(request, eeszt_error_text(exc, PROFILE_HELP))
        return back
    _audit(
        request,
        setup.patient,
        AuditAction.DELETE,
        f"eProfil bejegyzés törlése: {form.cleaned_data['reason']}",
        entry_id,
    )
    messages.success(request, _("A bejegyzést törölte az eProfilból."))
    return back


@member_required(Perm.EESZT_USE)
@not_configured_shown
@eeszt_login_redirects
def profile_history(http_request: HttpRequest, patient_id: int, entry_id: str) -> HttpResponse:
    request = cast(MemberRequest, http_request)
    setup = _Setup(request, patient_id)
    if setup.ref is None:
        return redirect(_list_url(setup.patient, setup.company))
    ctx = eeszt_context_for(request, setup.company)
    conn = eeszt_connection(setup.company)
    try:
        # The entry must be the patient's: the history call alone takes any entry id.
        entry = _find(_entries(ctx, request, setup.company, setup.ref), entry_id)
        versions = eprofil.profile_history(conn, ctx, entry_id=entry_id)
    except HANDLED as exc:
        messages.error(request, eeszt_error_text(exc, PROFILE_HELP))
        return redirect(_list_url(setup.patient, setup.company))
    _audit(
        request,
        setup.patient,
        AuditAction.VIEW,
        f"eProfil bejegyzés előzményei ({len(versions)} verzió)",
        entry_id,
    )
    return _page(
        request,
        setup,
        "eeszt/profile_history.html",
        entry=entry,
        versions=versions,
        category_label=CATEGORY_LABELS.get(entry.category, entry.category),
    )
