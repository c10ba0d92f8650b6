from typing import Any

from django.http import HttpRequest

from zomanc.practices.permissions import Perm, member_can


def practice(request: HttpRequest) -> dict[str, Any]:
    """Exposes the member and a `can` map so templates hide what the role may not use, and the
    user's memberships for the practice switcher (already loaded by the middleware: no query)."""
    member = getattr(request, "member", None)
    return {
        "member": member,
        "practice": getattr(request, "practice", None),
        "memberships": getattr(request, "memberships", []),
        "can": {perm.value: member_can(member, perm) for perm in Perm},
    }
