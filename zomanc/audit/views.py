"""Napló: the owner's view of his practice's audit trail (read-only; nothing edits it)."""

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render

from zomanc.audit.forms import AuditFilterForm
from zomanc.audit.selectors import audit_entry_page
from zomanc.core.http import MemberRequest, member_required
from zomanc.practices.permissions import Perm


@member_required(Perm.AUDIT_VIEW)
def audit_list(request: MemberRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None, practice=request.practice)
    filters: dict[str, Any] = {}
    if form.is_bound:
        # Invalid fields are reported next to themselves; the valid ones still filter.
        form.is_valid()
        filters = form.cleaned_data
    try:
        page_number = int(request.GET.get("page", "1"))
    except ValueError:
        page_number = 1
    page = audit_entry_page(practice=request.practice, filters=filters, page=page_number)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/audit_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )
