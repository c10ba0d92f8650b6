"""The BNO picker endpoint (htmx): rows to click in the diagnosis entry."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from zomanc.clinical.selectors import access_visit, visit_local_date
from zomanc.codes.bno_selectors import bno_search
from zomanc.core.http import MemberRequest, member_required
from zomanc.practices.permissions import Perm


@require_GET
@member_required(Perm.CLINICAL_VIEW)
def bno_picker(request: MemberRequest) -> HttpResponse:
    """?q=… (code prefix or name words), optional ?visit=<id> to offer only the codes valid on
    that visit's date (another practice's visit id: 404)."""
    visit_id = request.GET.get("visit", "")
    on_date = timezone.localdate()
    if visit_id.isdigit():
        on_date = visit_local_date(access_visit(request.member, int(visit_id)))
    query = request.GET.get("q", "") or request.GET.get("code", "")
    rows = list(bno_search(query, on_date=on_date))
    return render(
        request, "codes/_bno_picker.html", {"rows": rows, "query": query, "on_date": on_date}
    )
