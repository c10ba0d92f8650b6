"""Typed request objects and the view decorator that enforces login + permission.

Views declare what they need with `@member_required(Perm.X)` and receive a `MemberRequest`
whose `member` and `practice` are never None."""

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from zomanc.accounts.models import User
from zomanc.practices.models import Practice, StaffMember
from zomanc.practices.permissions import Perm, member_can


class MemberRequest(HttpRequest):
    user: User
    member: StaffMember
    practice: Practice


P = ParamSpec("P")
View = Callable[Concatenate[MemberRequest, P], HttpResponse]


def member_required(
    *perms: Perm,
) -> Callable[[View[P]], Callable[Concatenate[HttpRequest, P], HttpResponse]]:
    """Login required, an active membership required, and every listed permission."""

    def decorator(view: View[P]) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            member = cast(Any, request).member
            if member is None:
                raise PermissionDenied
            for perm in perms:
                if not member_can(member, perm):
                    raise PermissionDenied
            return view(cast(MemberRequest, request), *args, **kwargs)

        return wrapper

    return decorator


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None
