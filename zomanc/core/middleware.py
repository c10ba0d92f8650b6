"""Resolves the acting practice and staff membership for every request.

After this middleware, `request.member` is the logged-in user's active StaffMember (or None)
and `request.practice` its Practice. Every tenant-scoped query starts from these two."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from zomanc.practices.models import StaffMember

ACTIVE_PRACTICE_SESSION_KEY = "active_practice_id"


def member_for_request(request: HttpRequest) -> StaffMember | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    memberships = StaffMember.objects.select_related("practice", "user").filter(
        user=user, is_active=True
    )
    wanted = request.session.get(ACTIVE_PRACTICE_SESSION_KEY)
    if wanted is not None:
        chosen = memberships.filter(practice_id=wanted).first()
        if chosen is not None:
            return chosen
    return memberships.order_by("practice_id").first()


class PracticeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        member = member_for_request(request)
        request.member = member  # type: ignore[attr-defined]
        request.practice = member.practice if member else None  # type: ignore[attr-defined]
        return self.get_response(request)
