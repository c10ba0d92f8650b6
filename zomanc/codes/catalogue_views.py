"""Pages of the treatment catalogue: everyone may read it (reception quotes prices), only
owners change it (Perm.CATALOGUE_EDIT)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zomanc.codes.catalogue_forms import TreatmentItemForm
from zomanc.codes.catalogue_selectors import (
    access_treatment_item,
    treatment_catalogue,
    treatment_families,
)
from zomanc.codes.catalogue_services import (
    FIELDS,
    treatment_item_create,
    treatment_item_set_active,
    treatment_item_update,
)
from zomanc.core.forms import form_submit
from zomanc.core.http import MemberRequest, member_required
from zomanc.practices.permissions import Perm


@member_required()
def catalogue_list(request: MemberRequest) -> HttpResponse:
    show_inactive = request.GET.get("inaktiv") == "1"
    items = list(treatment_catalogue(request.practice, active_only=not show_inactive))
    return render(
        request,
        "codes/catalogue_list.html",
        {"items": items, "show_inactive": show_inactive},
    )


@member_required(Perm.CATALOGUE_EDIT)
def catalogue_create(request: MemberRequest) -> HttpResponse:
    form = TreatmentItemForm(request.POST or None)
    item = form_submit(
        form,
        lambda data: treatment_item_create(
            practice=request.practice,
            actor=request.member,
            request=request,
            **{field: data[field] for field in FIELDS},
        ),
    )
    if item is not None:
        messages.success(request, _("„%(name)s” felvéve a katalógusba.") % {"name": item.name})
        return redirect("codes:catalogue")
    return render(
        request,
        "codes/catalogue_form.html",
        {"form": form, "item": None, "families": treatment_families(request.practice)},
    )


@member_required(Perm.CATALOGUE_EDIT)
def catalogue_edit(request: MemberRequest, item_id: int) -> HttpResponse:
    item = access_treatment_item(request.member, item_id)
    initial = {field: getattr(item, field) for field in FIELDS}
    form = TreatmentItemForm(request.POST or None, initial=initial)
    if form_submit(
        form,
        lambda data: treatment_item_update(
            item=item, actor=request.member, request=request, **{f: data[f] for f in FIELDS}
        ),
    ):
        messages.success(request, _("„%(name)s” módosítva.") % {"name": item.name})
        return redirect("codes:catalogue")
    return render(
        request,
        "codes/catalogue_form.html",
        {"form": form, "item": item, "families": treatment_families(request.practice)},
    )


@require_POST
@member_required(Perm.CATALOGUE_EDIT)
def catalogue_set_active(request: MemberRequest, item_id: int) -> HttpResponse:
    item = access_treatment_item(request.member, item_id)
    active = request.POST.get("active") == "1"
    try:
        treatment_item_set_active(
            item=item, is_active=active, actor=request.member, request=request
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("codes:catalogue")
    if active:
        messages.success(request, _("„%(name)s” újra aktív.") % {"name": item.name})
    else:
        messages.success(request, _("„%(name)s” inaktiválva.") % {"name": item.name})
    return redirect("codes:catalogue")
