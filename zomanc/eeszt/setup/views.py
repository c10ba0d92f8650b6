"""Beállítások / EESZT: per-company EESZT settings, certificate, connection test, checklist
(the EESZT login pages are in login/views.py). Thin: forms check input, services write,
selectors read."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from zomanc.core.forms import form_add_service_error, form_submit
from zomanc.core.http import MemberRequest, member_required
from zomanc.eeszt.context import eeszt_login_url, eeszt_user_id_for
from zomanc.eeszt.models import CertificateStatus
from zomanc.eeszt.setup import selectors, services
from zomanc.eeszt.setup.certificates import CertificateRejected
from zomanc.eeszt.setup.forms import (
    CertificateUploadForm,
    InstitutionForm,
    MemberProfileForm,
    OrgUnitAddForm,
)
from zomanc.practices import services as practice_services
from zomanc.practices.models import Company
from zomanc.practices.permissions import Perm, member_can
from zomanc.practices.selectors import access_staff_member, active_companies


def _optional_url(name: str, *args: Any) -> str:
    """A link into another app's pages when that app provides them (it may land later)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _render_company(
    request: MemberRequest, company: Company, status: int = 200, **forms: Any
) -> HttpResponse:
    settings_row = selectors.eeszt_settings_get(company=company)
    certs = selectors.eeszt_certificates(company=company)
    users = selectors.eeszt_users(company=company)
    context: dict[str, Any] = {
        "company": company,
        "settings_row": settings_row,
        "module_enabled": bool(settings_row and settings_row.module_enabled),
        "active_cert": certs.get(CertificateStatus.ACTIVE),
        "pending_cert": certs.get(CertificateStatus.PENDING),
        "org_units": selectors.eeszt_active_org_units(company=company),
        "refdata_warnings": selectors.eeszt_refdata_warnings(
            settings_row=settings_row, company=company
        ),
        "eeszt_users": users,
        "checklist": selectors.eeszt_checklist(company=company),
        "missing": selectors.eeszt_missing_items(company=company),
        "cert_warnings": [
            w
            for w in selectors.eeszt_certificate_warnings(practice=request.practice)
            if w.company.pk == company.pk
        ],
        "institution_form": forms.get("institution_form")
        or InstitutionForm(
            initial={
                "institution_name": company.institution_name,
                "institution_id": company.institution_id,
            }
        ),
        "org_unit_form": forms.get("org_unit_form") or OrgUnitAddForm(),
        "upload_form": forms.get("upload_form") or CertificateUploadForm(),
        "profile_forms": forms.get("profile_forms")
        or {
            u.member.pk: MemberProfileForm(
                initial={"portal_username": u.portal_username, "login_method": u.login_method},
                prefix=f"m{u.member.pk}",
            )
            for u in users
        },
        "test_stages": forms.get("test_stages"),
        # No login link for a member without an EESZT user id: he cannot log in.
        "eeszt_login_url": eeszt_login_url(
            company=company, next_url=reverse("eeszt:company_settings", args=[company.pk])
        )
        if eeszt_user_id_for(request.member)
        else "",
        "card_service_url": settings.ZOMANC_CARD_SERVICE_URL,
        "staff_url": _optional_url("practices:staff_list"),
        "companies_url": _optional_url("practices:company_edit", company.pk),
    }
    context["user_rows"] = [(u, context["profile_forms"].get(u.member.pk)) for u in users]
    return render(request, "eeszt/settings_company.html", context, status=status)


@require_GET
@member_required(Perm.SETTINGS_EDIT)
def settings_index(request: MemberRequest) -> HttpResponse:
    companies = list(active_companies(practice=request.practice))
    if len(companies) == 1:
        return redirect("eeszt:company_settings", company_id=companies[0].pk)
    return render(request, "eeszt/settings_index.html", {"companies": companies})


@require_GET
@member_required(Perm.SETTINGS_EDIT)
def company_settings(request: MemberRequest, company_id: int) -> HttpResponse:
    company = selectors.access_eeszt_company(request.member, company_id)
    return _render_company(request, company)


@require_POST
@member_required(Perm.SETTINGS_EDIT)
def institution_update(request: MemberRequest, company_id: int) -> HttpResponse:
    company = selectors.access_eeszt_company(request.member, company_id)
    form = InstitutionForm(request.POST)
    if form_submit(
        form,
        lambda data: practice_services.company_update(
            company=company,
            actor=request.user,
            name=company.name,
            institution_name=data["institution_name"],
            institution_id=data["institution_id"],
            request=request,
        ),
    ):
        messages.success(request, _("Az intézmény adatai elmentve."))
        _report_refdata(request, company)
        return redirect("eeszt:company_settings", company_id=company.pk)
    company.refresh_from_db()
    return _render_company(request, company, status=400, institution_form=form)


@require_POST
@member_required(Perm.SETTINGS_EDIT)
def org_unit_add(request: MemberRequest, company_id: int) -> HttpResponse:
    company = selectors.access_eeszt_company(request.member, company_id)
    form = OrgUnitAddForm(request.POST)
    if form_submit(
        form,
        lambda data: practice_services.org_unit_create(
            company=company,
            actor=request.user,
            code=data["code"],
            name=data["name"],
            request=request,
        ),
    ):
        messages.success(request, _("A szervezeti egység felvéve."))
        _report_refdata(request, company)
        return redirect("eeszt:company_settings", company_id=company.pk)
    return _render_company(request, company, status=400, org_unit_form=form)


def _report_refdata(request: MemberRequest, company: Company) -> list[str]:
    """Warns of the company's ids missing from EESZT's reference data; returns the warnings."""
    warnings = services.eeszt_refdata_check(company=company)
    for warning in warnings:
        messages.warning(request, warning)
    return warnings


@require_POST
@member_required(Perm.SETTINGS_EDIT)
def refdata_check(request: MemberRequest, company_id: int) -> HttpResponse:
    company = selectors.access_eeszt_company(request.member, company_id)
    if not _report_refdata(request, company):
        messages.success(request, _("Minden azonosító szerepel az EESZT törzsadatokban."))
    return redirect("eeszt:company_settings", company_id=company.pk)


@require_POST
@member_required(Perm.SETTINGS_EDIT)
def member_profile_update(request: MemberRequest, company_id: int, member_id: int) -> HttpResponse:
    company = selectors.access_eeszt_company(request.member, company_id)
    target = access_staff_member(request.member, member_id)
    form = MemberProfileForm(request.POST, prefix=f"m{target.pk}")
    if form_submit(
        form,
        lambda data: services.eeszt_member_profile_update(
            member=target,
            actor=request.member,
            portal_username=data["portal_username"],
            login_method=data["login_method"],
            request=request,
        ),
    ):
        messages.success(
            request, _("%(name)s EESZT adatai elmentve.") % {"name": target.display_name}
        )
        return redirect("eeszt:company_settings", company_id=company.pk)
    if not member_can(target, Perm.EESZT_USE):
        # No row (no form) on the page for him: the refusal is shown as a message.
        for error in form.non_field_errors():
            messages.error(request, str(error))
    return _render_company(request, company, status=400, profile_forms={target.pk: form})


@require_POST
@member_required(Perm.SETTINGS_EDIT)
def certificate_upload(request: MemberRequest, company_id: int) -> HttpResponse:
    company = selectors.access_eeszt_company(request.member, company_id)
    form = CertificateUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            cert = services.eeszt_certificate_upload(
                company=company,
                actor=request.member,
                data=form.cleaned_data["file"],
                password=form.cleaned_data["sms_code"],
                request=request,
            )
        except CertificateRejected as exc:
            # A code that does not open the file is the code's error, shown at its field.
            form.add_error("sms_code" if exc.code == "WRONG_PASSWORD" else "file", exc.message)
        except ValidationError as exc:
            form_add_service_error(form, exc)
        else:
            if cert.status == CertificateStatus.PENDING:
                messages.warning(
                    request,
                    _(
                        "Az új tanúsítvány rendben van, de a „Kapcsolat ellenőrzése” után lép "
                        "életbe; addig a régi marad használatban."
                    ),
                )
            else:
                messages.success(request, _("A tanúsítvány elmentve, titkosítva."))
            return redirect("eeszt:company_settings", company_id=company.pk)
    return _render_company(request, company, status=400, upload_form=form)


@require_POST
@member_required(Perm.SETTINGS_EDIT)
def connection_test(request: MemberRequest, company_id: int) -> HttpResponse:
    company = selectors.access_eeszt_company(request.member, company_id)
    try:
        outcome = services.eeszt_connection_test(company=company, member=request.member)
    except ValidationError as exc:
        for msg in exc.messages:
            messages.error(request, msg)
        return redirect("eeszt:company_settings", company_id=company.pk)
    if outcome.activated:
        messages.success(
            request,
            _("A tanúsítvány rendben: az új tanúsítvány lett az aktív, a régit lecseréltük."),
        )
    if outcome.problems:
        messages.error(request, _("A kapcsolat ellenőrzése hibát talált, lásd lent."))
    elif outcome.complete:
        messages.success(request, _("A kapcsolat rendben: tanúsítvány, belépés és jogosultság."))
    else:
        messages.warning(
            request,
            _(
                "A tanúsítvány rendben; a belépést és a jogosultságot az EESZT-be belépve "
                "lehet ellenőrizni (lásd lent)."
            ),
        )
    return _render_company(request, company, test_stages=outcome.stages)


@require_POST
@member_required(Perm.SETTINGS_EDIT)
def module_toggle(request: MemberRequest, company_id: int) -> HttpResponse:
    company = selectors.access_eeszt_company(request.member, company_id)
    if request.POST.get("action") == "enable":
        try:
            services.eeszt_module_enable(company=company, actor=request.member, request=request)
        except ValidationError as exc:
            messages.error(request, _("Az EESZT modul még nem kapcsolható be:"))
            for msg in exc.messages:
                messages.error(request, msg)
        else:
            messages.success(request, _("Az EESZT modul bekapcsolva."))
    elif request.POST.get("action") == "disable":
        services.eeszt_module_disable(company=company, actor=request.member, request=request)
        messages.success(request, _("Az EESZT modul kikapcsolva."))
    else:
        messages.error(request, _("Ismeretlen művelet."))
    return redirect("eeszt:company_settings", company_id=company.pk)
