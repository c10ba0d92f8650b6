"""`{% eeszt_header_status %}`: who is logged in to EESZT and until when, for base.html, and
a login link for each company with the module on where the member is not logged in;
`{% eeszt_maintenance_windows %}`: EESZT's planned maintenance to announce (the banner)."""

from typing import Any

from django import template
from django.utils import timezone

from zomanc.eeszt.login.selectors import eeszt_header_status_load
from zomanc.eeszt.maintenance import maintenance_upcoming
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


@register.simple_tag(takes_context=True)
def eeszt_maintenance_windows(context: template.Context) -> list[dict[str, Any]]:
    """EESZT's planned maintenance windows to announce (eeszt/maintenance.py), for members
    who work with EESZT; nothing for anyone else (no request, no read of the notice)."""
    request = context.get("request")
    member = getattr(request, "member", None)
    if member is None or not member_can(member, Perm.EESZT_USE):
        return []
    now = timezone.now()
    return [
        {
            "start": timezone.localtime(w.start),
            "end": timezone.localtime(w.end),
            "message": w.message,
            "running": w.start <= now,
        }
        for w in maintenance_upcoming(now=now)
    ]
