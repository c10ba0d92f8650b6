"""VMátrix (step 7 of the guide): the institution's rights admin (INTJOGADIN) assigns users
to org units with roles, and gives institution-level rights (SSL certificate download)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sandbox.portal import selectors
from sandbox.portal.forms import GrantAddForm, InstitutionRightAddForm
from sandbox.portal.services import institution_right_add, institution_right_remove
from sandbox.portal.session import rights_admin_required
from sandbox.registry.models import Role
from sandbox.registry.services import GrantRefused, grant_add, grant_remove


def _page(request: HttpRequest, status: int = 200, **forms: Any) -> HttpResponse:
    institution = request.portal.context.institution  # type: ignore[attr-defined]
    return render(
        request,
        "portal/vmatrix.html",
        {
            "institution": institution,
            "grants": selectors.institution_grants(institution=institution),
            "rights": selectors.institution_rights(institution=institution),
            "grant_form": forms.get("grant_form") or GrantAddForm(institution=institution),
            "right_form": forms.get("right_form") or InstitutionRightAddForm(),
            "roles": Role.choices,
        },
        status=status,
    )


@rights_admin_required
def vmatrix(request: HttpRequest) -> HttpResponse:
    return _page(request)


@rights_admin_required
@require_POST
def grant_create(request: HttpRequest) -> HttpResponse:
    institution = request.portal.context.institution  # type: ignore[attr-defined]
    form = GrantAddForm(request.POST, institution=institution)
    if form.is_valid():
        user, unit, role = (form.cleaned_data[k] for k in ("user_id", "org_unit", "role"))
        try:
            grant_add(user=user, org_unit=unit, role=role)
        except GrantRefused as exc:
            form.add_error("role", str(exc))
        else:
            messages.success(
                request,
                _("%(user)s jogot kapott: %(unit)s, %(role)s.")
                % {"user": user.user_id, "unit": unit.code, "role": Role(role).label},
            )
            return redirect("portal:vmatrix")
    return _page(request, 400, grant_form=form)


@rights_admin_required
@require_POST
def grant_delete(request: HttpRequest, pk: int) -> HttpResponse:
    institution = request.portal.context.institution  # type: ignore[attr-defined]
    grant = get_object_or_404(selectors.institution_grants(institution=institution), pk=pk)
    try:
        grant_remove(grant=grant)
    except GrantRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("%(user)s joga törölve: %(unit)s, %(role)s.")
            % {
                "user": grant.user.user_id,
                "unit": grant.org_unit.code,
                "role": Role(grant.role).label,
            },
        )
    return redirect("portal:vmatrix")


@rights_admin_required
@require_POST
def right_create(request: HttpRequest) -> HttpResponse:
    institution = request.portal.context.institution  # type: ignore[attr-defined]
    form = InstitutionRightAddForm(request.POST)
    if form.is_valid():
        user = form.cleaned_data["user_id"]
        institution_right_add(user=user, institution=institution, right=form.cleaned_data["right"])
        messages.success(request, _("%(user)s intézményi jogot kapott.") % {"user": user.user_id})
        return redirect("portal:vmatrix")
    return _page(request, 400, right_form=form)


@rights_admin_required
@require_POST
def right_delete(request: HttpRequest, pk: int) -> HttpResponse:
    institution = request.portal.context.institution  # type: ignore[attr-defined]
    right = get_object_or_404(selectors.institution_rights(institution=institution), pk=pk)
    institution_right_remove(right=right)
    messages.success(request, _("Intézményi jog törölve."))
    return redirect("portal:vmatrix")
