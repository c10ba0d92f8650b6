"""Beállítások: the practice, its companies and org units, its staff. Owners only
(Perm.SETTINGS_EDIT); every id in a URL goes through an access_* selector."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zomanc.core.forms import form_submit
from zomanc.core.http import MemberRequest, member_required
from zomanc.practices import selectors, services
from zomanc.practices.forms import (
    CompanyForm,
    LogoForm,
    OrgUnitForm,
    PracticeForm,
    StaffCreateForm,
    StaffEditForm,
)
from zomanc.practices.logo import practice_logo, practice_logo_remove, practice_logo_set
from zomanc.practices.models import PracticeLogo
from zomanc.practices.permissions import Perm

settings_required = member_required(Perm.SETTINGS_EDIT)


def _message_errors(request: MemberRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _settings_page(
    request: MemberRequest, template: str, section: str, **context: Any
) -> HttpResponse:
    return render(request, template, {"section": section, **context})


# --- practice ---------------------------------------------------------------------------


@settings_required
def practice_settings(request: MemberRequest) -> HttpResponse:
    practice = request.practice
    initial = {
        "name": practice.name,
        "phone": practice.phone,
        "require_owner_2fa": practice.require_owner_2fa,
    }
    form = PracticeForm(request.POST or None, initial=initial)
    if form_submit(
        form,
        lambda data: services.practice_update(
            practice=practice,
            actor=request.user,
            name=data["name"],
            phone=data["phone"],
            require_owner_2fa=data["require_owner_2fa"],
            request=request,
        ),
    ):
        messages.success(request, _("A rendelő beállításai elmentve."))
        return redirect("practices:settings")
    return _practice_page(request, form=form)


def _practice_page(request: MemberRequest, **forms: Any) -> HttpResponse:
    practice = request.practice
    if "form" not in forms:
        initial = {
            "name": practice.name,
            "phone": practice.phone,
            "require_owner_2fa": practice.require_owner_2fa,
        }
        forms["form"] = PracticeForm(initial=initial)
    forms.setdefault("logo_form", LogoForm())
    logo = (
        PracticeLogo.objects.filter(practice=practice)
        .only("content_type", "width", "height", "uploaded_at")
        .first()
    )
    return _settings_page(
        request, "practices/practice_settings.html", "practice", logo=logo, **forms
    )


@require_POST
@settings_required
def practice_logo_upload(request: MemberRequest) -> HttpResponse:
    """Uploads the practice's logo (printed on its quotes), or removes it."""
    if "remove" in request.POST:
        if practice_logo_remove(practice=request.practice, actor=request.user, request=request):
            messages.success(request, _("A logó törölve."))
        return redirect("practices:settings")
    form = LogoForm(request.POST, request.FILES)
    if form_submit(
        form,
        lambda data: practice_logo_set(
            practice=request.practice, actor=request.user, image=data["logo"], request=request
        ),
    ):
        messages.success(request, _("A logó feltöltve; az árajánlatok fejlécében jelenik meg."))
        return redirect("practices:settings")
    return _practice_page(request, logo_form=form)


@settings_required
def practice_logo_image(request: MemberRequest) -> HttpResponse:
    """The stored logo, as uploaded (the settings page shows it)."""
    logo = practice_logo(request.practice.pk)
    if logo is None:
        raise Http404
    return HttpResponse(bytes(logo.image), content_type=logo.content_type)


# --- companies and org units ------------------------------------------------------------


@settings_required
def company_list(request: MemberRequest) -> HttpResponse:
    companies = selectors.company_list(practice=request.practice)
    return _settings_page(request, "practices/company_list.html", "companies", companies=companies)


@settings_required
def company_create(request: MemberRequest) -> HttpResponse:
    form = CompanyForm(request.POST or None)
    if form_submit(
        form,
        lambda data: services.company_create(
            practice=request.practice, actor=request.user, request=request, **data
        ),
    ):
        messages.success(request, _("A cég elmentve."))
        return redirect("practices:company_list")
    return _settings_page(
        request, "practices/company_form.html", "companies", form=form, company=None
    )


@settings_required
def company_edit(request: MemberRequest, company_id: int) -> HttpResponse:
    company = selectors.access_company(request.member, company_id)
    initial = {
        "name": company.name,
        "institution_name": company.institution_name,
        "institution_id": company.institution_id,
    }
    form = CompanyForm(request.POST or None, initial=initial)
    if form_submit(
        form,
        lambda data: services.company_update(
            company=company, actor=request.user, request=request, **data
        ),
    ):
        messages.success(request, _("A cég elmentve."))
        return redirect("practices:company_list")
    return _settings_page(
        request, "practices/company_form.html", "companies", form=form, company=company
    )


@require_POST
@settings_required
def company_deactivate(request: MemberRequest, company_id: int) -> HttpResponse:
    company = selectors.access_company(request.member, company_id)
    services.company_deactivate(company=company, actor=request.user, request=request)
    messages.success(request, _("A cég inaktív: %(name)s") % {"name": company.name})
    return redirect("practices:company_list")


@require_POST
@settings_required
def company_reactivate(request: MemberRequest, company_id: int) -> HttpResponse:
    company = selectors.access_company(request.member, company_id)
    services.company_reactivate(company=company, actor=request.user, request=request)
    messages.success(request, _("A cég újra aktív: %(name)s") % {"name": company.name})
    return redirect("practices:company_list")


@settings_required
def org_unit_create(request: MemberRequest, company_id: int) -> HttpResponse:
    company = selectors.access_company(request.member, company_id)
    form = OrgUnitForm(request.POST or None)
    if form_submit(
        form,
        lambda data: services.org_unit_create(
            company=company, actor=request.user, request=request, **data
        ),
    ):
        messages.success(request, _("A szervezeti egység elmentve."))
        return redirect("practices:company_list")
    return _settings_page(
        request,
        "practices/org_unit_form.html",
        "companies",
        form=form,
        company=company,
        org_unit=None,
    )


@settings_required
def org_unit_edit(request: MemberRequest, org_unit_id: int) -> HttpResponse:
    org_unit = selectors.access_org_unit(request.member, org_unit_id)
    form = OrgUnitForm(request.POST or None, initial={"code": org_unit.code, "name": org_unit.name})
    if form_submit(
        form,
        lambda data: services.org_unit_update(
            org_unit=org_unit, actor=request.user, request=request, **data
        ),
    ):
        messages.success(request, _("A szervezeti egység elmentve."))
        return redirect("practices:company_list")
    return _settings_page(
        request,
        "practices/org_unit_form.html",
        "companies",
        form=form,
        company=org_unit.company,
        org_unit=org_unit,
    )


@require_POST
@settings_required
def org_unit_deactivate(request: MemberRequest, org_unit_id: int) -> HttpResponse:
    org_unit = selectors.access_org_unit(request.member, org_unit_id)
    services.org_unit_deactivate(org_unit=org_unit, actor=request.user, request=request)
    messages.success(request, _("A szervezeti egység inaktív: %(name)s") % {"name": org_unit})
    return redirect("practices:company_list")


@require_POST
@settings_required
def org_unit_reactivate(request: MemberRequest, org_unit_id: int) -> HttpResponse:
    org_unit = selectors.access_org_unit(request.member, org_unit_id)
    try:
        services.org_unit_reactivate(org_unit=org_unit, actor=request.user, request=request)
    except ValidationError as exc:
        _message_errors(request, exc)
    else:
        messages.success(
            request, _("A szervezeti egység újra aktív: %(name)s") % {"name": org_unit}
        )
    return redirect("practices:company_list")


# --- staff ------------------------------------------------------------------------------


@settings_required
def staff_list(request: MemberRequest) -> HttpResponse:
    staff = selectors.staff_member_list(practice=request.practice)
    return _settings_page(request, "practices/staff_list.html", "staff", staff=staff)


@settings_required
def staff_create(request: MemberRequest) -> HttpResponse:
    form = StaffCreateForm(request.POST or None)
    if form_submit(
        form,
        lambda data: services.staff_member_create(
            practice=request.practice, actor=request.user, request=request, **data
        ),
    ):
        email = form.cleaned_data["email"]
        messages.success(request, _("Munkatárs felvéve: %(email)s") % {"email": email})
        return redirect("practices:staff_list")
    return _settings_page(
        request, "practices/staff_form.html", "staff", form=form, staff_member=None
    )


@settings_required
def staff_edit(request: MemberRequest, staff_member_id: int) -> HttpResponse:
    staff_member = selectors.access_staff_member(request.member, staff_member_id)
    initial = {
        "role": staff_member.role,
        "display_name": staff_member.display_name,
        "stamp_number": staff_member.stamp_number,
    }
    form = StaffEditForm(request.POST or None, initial=initial)
    if form_submit(
        form,
        lambda data: services.staff_member_update(
            member=staff_member, actor=request.user, request=request, **data
        ),
    ):
        messages.success(request, _("A munkatárs adatai elmentve."))
        return redirect("practices:staff_list")
    return _settings_page(
        request, "practices/staff_form.html", "staff", form=form, staff_member=staff_member
    )


@require_POST
@settings_required
def staff_deactivate(request: MemberRequest, staff_member_id: int) -> HttpResponse:
    staff_member = selectors.access_staff_member(request.member, staff_member_id)
    try:
        services.staff_member_deactivate(member=staff_member, actor=request.user, request=request)
    except ValidationError as exc:
        _message_errors(request, exc)
    else:
        messages.success(
            request, _("Munkatárs inaktiválva: %(name)s") % {"name": staff_member.display_name}
        )
    return redirect("practices:staff_list")


@require_POST
@settings_required
def staff_reactivate(request: MemberRequest, staff_member_id: int) -> HttpResponse:
    staff_member = selectors.access_staff_member(request.member, staff_member_id)
    services.staff_member_reactivate(member=staff_member, actor=request.user, request=request)
    messages.success(
        request, _("Munkatárs újra aktív: %(name)s") % {"name": staff_member.display_name}
    )
    return redirect("practices:staff_list")
