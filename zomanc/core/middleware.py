"""Resolves the acting practice and staff membership for every request.

After this middleware, `request.member` is the logged-in user's active StaffMember (or None),
`request.practice` its Practice and `request.memberships` every active membership of the user
(the practice switcher lists them). Every tenant-scoped query starts from these.

It also enforces the practice's "owners must use two-factor sign-in" switch: an owner without
a confirmed TOTP device is sent to enrolment before anything else, and an owner whose session
was not verified with a code is signed out."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from zomanc.practices.models import Role, StaffMember

ACTIVE_PRACTICE_SESSION_KEY = "active_practice_id"

# Reachable by an owner who still has to enrol: the enrolment page itself, signing out, and
# what the browser loads around them.
_ENROLMENT_EXEMPT_PREFIXES = ("/static/", "/healthz", "/i18n/")


def memberships_for_request(request: HttpRequest) -> list[StaffMember]:
    """All active memberships of the signed-in user, in one query, oldest practice first."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    return list(
        StaffMember.objects.select_related("practice", "user")
        .filter(user_id=user.pk, is_active=True)
        .order_by("practice_id")
    )


def choose_member(request: HttpRequest, memberships: list[StaffMember]) -> StaffMember | None:
    """The membership chosen with the practice switcher, else the first one."""
    wanted = request.session.get(ACTIVE_PRACTICE_SESSION_KEY) if memberships else None
    for membership in memberships:
        if membership.practice_id == wanted:
            return membership
    return memberships[0] if memberships else None


def member_for_request(request: HttpRequest) -> StaffMember | None:
    return choose_member(request, memberships_for_request(request))


def _enrolment_exempt(path: str) -> bool:
    if path.startswith(_ENROLMENT_EXEMPT_PREFIXES):
        return True
    return path in (reverse("accounts:two_factor"), reverse("accounts:logout"))


def owner_2fa_redirect(request: HttpRequest, member: StaffMember | None) -> HttpResponse | None:
    """The enrolment (or sign-in) redirect an owner gets while his practice requires 2FA."""
    if member is None or member.role != Role.OWNER or not member.practice.require_owner_2fa:
        return None
    if _enrolment_exempt(request.path):
        return None
    user: Any = request.user
    if not TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists():
        messages.warning(
            request,
            _(
                "A rendelő tulajdonosainak kötelező a kétlépcsős azonosítás. "
                "Kérjük, állítsa be most."
            ),
        )
        return redirect("accounts:two_factor")
    if not user.is_verified():
        # A session opened before the device existed (or around the code step): start over.
        logout(request)
        return redirect_to_login(request.get_full_path())
    return None


class PracticeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        memberships = memberships_for_request(request)
        member = choose_member(request, memberships)
        request.memberships = memberships  # type: ignore[attr-defined]
        request.member = member  # type: ignore[attr-defined]
        request.practice = member.practice if member else None  # type: ignore[attr-defined]
        enrolment = owner_2fa_redirect(request, member)
        if enrolment is not None:
            return enrolment
        return self.get_response(request)


class RequestTooLargeMiddleware:
    """A browser form over DATA_UPLOAD_MAX_MEMORY_SIZE (or with too many fields) gets a
    Hungarian 413 page, in debug mode too — not Django's English technical 400 page. The
    body is parsed here, before CSRF and the view, so the refusal happens in one place and
    nothing is saved. The API answers its own JSON 413 (zomanc/api/api.py)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and not request.path.startswith("/api/"):
            try:
                request.POST  # noqa: B018 - parsing is the check
            except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
                limit_mb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
                return render(request, "413.html", {"limit_mb": limit_mb}, status=413)
        return self.get_response(request)
