"""EESZT beküldések: every report the practice owes EESZT, its state, and a manual retry."""

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zomanc.clinical.models import Visit
from zomanc.core.http import MemberRequest, member_required
from zomanc.eeszt.outbox.forms import OutboxFilterForm
from zomanc.eeszt.outbox.models import OutboxState
from zomanc.eeszt.outbox.selectors import access_outbox_item, outbox_counts, outbox_page
from zomanc.eeszt.outbox.services import outbox_retry_now
from zomanc.practices.permissions import Perm


@member_required(Perm.EESZT_USE)
def outbox_list(request: MemberRequest) -> HttpResponse:
    form = OutboxFilterForm(request.GET or None, practice=request.practice)
    filters: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()  # invalid fields show their error; the valid ones still filter
        filters = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
    try:
        page_number = int(request.GET.get("page", "1"))
    except ValueError:
        page_number = 1
    page = outbox_page(practice=request.practice, filters=filters, page=page_number)
    query = request.GET.copy()
    query.pop("page", None)
    counts = outbox_counts(practice=request.practice, filters=filters)
    # The visit a badge filtered by, named above the table; only from this practice.
    visit = None
    if filters.get("visit"):
        visit = (
            Visit.objects.filter(practice_id=request.practice.pk, pk=filters["visit"])
            .select_related("patient")
            .first()
        )
    return render(
        request,
        "eeszt_outbox/outbox_list.html",
        {
            "form": form,
            "visit": visit,
            "page": page,
            "query": query.urlencode(),
            "counts": [(state, counts[state.value]) for state in OutboxState],
            "retryable": {OutboxState.RETRYING, OutboxState.REFUSED, OutboxState.WAITING_LOGIN},
        },
    )


@require_POST
@member_required(Perm.EESZT_USE)
def outbox_retry(request: MemberRequest, item_id: int) -> HttpResponse:
    item = access_outbox_item(request.member, item_id)
    if item.state == OutboxState.SENT:
        messages.info(request, _("Ez a beküldés már megérkezett az EESZT-be."))
    else:
        outbox_retry_now(item=item)
        messages.success(
            request,
            _("Újraküldés elindítva; az EESZT az ismételt kérést egyszer dolgozza fel."),
        )
    return redirect(request.POST.get("next") or "eeszt_outbox:list")
