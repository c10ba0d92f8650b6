from typing import Any

from django.http import HttpRequest

from zomanc.practices.permissions import Perm, member_can


def practice(request: HttpRequest) -> dict[str, Any]:
    """Exposes the member and a `can` map so templates hide what the role may not use."""
    member = getattr(request, "member", None)
    return {
        "member": member,
        "practice": getattr(request, "practice", None),
        "can": {perm.value: member_can(member, perm) for perm in Perm},
    }
