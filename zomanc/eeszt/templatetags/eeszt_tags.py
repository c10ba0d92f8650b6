"""`{% eeszt_header_status %}`: who is logged in to EESZT and until when, for base.html, and
a login link for each company with the module on where the member is not logged in."""

from typing import Any

from django import template

from zomanc.eeszt.models import EesztSettings
from zomanc.eeszt.selectors import eeszt_header_sessions
from zomanc.practices.permissions import Perm, member_can

register = template.Library()


@register.inclusion_tag("eeszt/_header_status.html", takes_context=True)
def eeszt_header_status(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    member = getattr(request, "member", None)
    if member is None or not member_can(member, Perm.EESZT_USE):
        return {"eeszt_sessions": [], "eeszt_login_companies": [], "request": request}
    sessions = eeszt_header_sessions(member=member)
    logged_in = {s.company_id for s in sessions}
    # "Not logged in" is only worth saying where EESZT is switched on (one cheap query).
    login_companies = [
        row.company
        for row in EesztSettings.objects.filter(practice_id=member.practice_id, module_enabled=True)
        .select_related("company")
        .order_by("company__name")
        if row.company_id not in logged_in and row.company.is_active
    ]
    return {
        "eeszt_sessions": sessions,
        "eeszt_many": len(sessions) + len(login_companies) > 1,
        "eeszt_login_companies": login_companies,
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
