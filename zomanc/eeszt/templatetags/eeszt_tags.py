"""`{% eeszt_header_status %}`: who is logged in to EESZT and until when, for base.html, and
a login link for each company with the module on where the member is not logged in."""

from typing import Any

from django import template

from zomanc.eeszt.selectors import eeszt_header_status_load
from zomanc.practices.permissions import Perm, member_can

register = template.Library()


@register.inclusion_tag("eeszt/_header_status.html", takes_context=True)
def eeszt_header_status(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    member = getattr(request, "member", None)
    if member is None or not member_can(member, Perm.EESZT_USE):
        return {"eeszt_sessions": [], "eeszt_login_companies": [], "request": request}
    sessions, login_companies = eeszt_header_status_load(member=member)
    return {
        "eeszt_sessions": sessions,
        "eeszt_many": len(sessions) + len(login_companies) > 1,
        "eeszt_login_companies": login_companies,
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
