"""`{% eeszt_header_status %}`: who is logged in to EESZT and until when, for base.html."""

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
        return {"eeszt_sessions": [], "eeszt_show_none": False, "request": request}
    sessions = eeszt_header_sessions(member=member)
    # "Not logged in" is only worth saying where EESZT is switched on (one cheap query).
    show_none = (
        not sessions
        and EesztSettings.objects.filter(
            practice_id=member.practice_id, module_enabled=True
        ).exists()
    )
    return {
        "eeszt_sessions": sessions,
        "eeszt_many": len(sessions) > 1,
        "eeszt_show_none": show_none,
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
