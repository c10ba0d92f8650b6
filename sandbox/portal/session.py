"""Who is logged in to the portal, in which context. The portal keeps no password of its
own: a portal login IS an IDP session (same services, same lockout, same 7 h), and the
Django session only remembers its assertion id and the chosen context."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from sandbox.clock.services import now
from sandbox.idp.models import IdpSession
from sandbox.idp.services import LoginResult, session_logout
from sandbox.portal import selectors
from sandbox.portal.selectors import ContextOption
from sandbox.registry.models import Patient, User

KEY_ASSERTION = "portal.assertion_id"
KEY_CONTEXT = "portal.context"
KEY_OPERATOR = "portal.operator"
KEY_PATIENT = "portal.patient"

View = Callable[..., HttpResponse]


@dataclass
class PortalSession:
    user: User
    idp_session: IdpSession
    context: ContextOption | None

    @property
    def can_download_ssl(self) -> bool:
        """The guide's rule: the menu item exists only in a "CSAK intézmény" context."""
        ctx = self.context
        return bool(
            ctx
            and ctx.institution_only
            and selectors.can_download_ssl(user=self.user, institution=ctx.institution)
        )

    @property
    def is_rights_admin(self) -> bool:
        ctx = self.context
        return bool(ctx and selectors.is_rights_admin(user=self.user, institution=ctx.institution))


def portal_login(request: HttpRequest, result: LoginResult) -> None:
    request.session.cycle_key()  # a new session id at login (fixation)
    request.session[KEY_ASSERTION] = result.session.assertion_id
    request.session.pop(KEY_CONTEXT, None)


def portal_logout(request: HttpRequest) -> None:
    assertion_id = request.session.get(KEY_ASSERTION)
    if assertion_id:
        session_logout(assertion_id=assertion_id)
    for key in (KEY_ASSERTION, KEY_CONTEXT):
        request.session.pop(key, None)


def portal_session(request: HttpRequest) -> PortalSession | None:
    """The logged-in user, or None when not logged in, logged out or the IDP session ended
    (its NotOnOrAfter passed on the sandbox clock)."""
    cached: PortalSession | bool | None = getattr(request, "_portal_session", False)
    if cached is not False:
        return cached if isinstance(cached, PortalSession) else None
    found: PortalSession | None = None
    assertion_id = request.session.get(KEY_ASSERTION)
    if assertion_id:
        idp = (
            IdpSession.objects.select_related("user", "user__doctor")
            .filter(assertion_id=assertion_id, ended_at__isnull=True, not_on_or_after__gt=now())
            .first()
        )
        if idp is not None:
            ctx_key = request.session.get(KEY_CONTEXT)
            context = selectors.context_option_get(user=idp.user, key=ctx_key) if ctx_key else None
            found = PortalSession(user=idp.user, idp_session=idp, context=context)
        else:
            request.session.pop(KEY_ASSERTION, None)
            request.session.pop(KEY_CONTEXT, None)
    request._portal_session = found  # type: ignore[attr-defined]
    return found


def set_context(request: HttpRequest, option: ContextOption) -> None:
    request.session[KEY_CONTEXT] = option.key
    request._portal_session = False  # type: ignore[attr-defined]


def login_required(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        portal = portal_session(request)
        if portal is None:
            messages.info(request, _("Jelentkezzen be az Ágazati portálra."))
            return redirect(f"{_login_url()}?next={request.path}")
        request.portal = portal  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapped


def context_required(view: View) -> View:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.portal.context is None:  # type: ignore[attr-defined]
            messages.info(request, _("Előbb válassza ki az intézményt (intézményválasztás)."))
            return redirect("portal:choose_context")
        return view(request, *args, **kwargs)

    return wrapped


def rights_admin_required(view: View) -> View:
    @context_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.portal.is_rights_admin:  # type: ignore[attr-defined]
            return _forbidden(
                request,
                _(
                    "A VMátrix beállításához az intézmény jogosultság-adminisztrátori "
                    "(INTJOGADIN) joga szükséges."
                ),
            )
        return view(request, *args, **kwargs)

    return wrapped


def ssl_download_required(view: View) -> View:
    @context_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.portal.can_download_ssl:  # type: ignore[attr-defined]
            return _forbidden(
                request,
                _(
                    "Az „EESZT SSL tanúsítvány letöltése” csak akkor érhető el, ha az "
                    "intézményválasztásnál a CSAK intézményt tartalmazó opciót választotta, és "
                    "Önnek van joga hozzá (INTJOGADIN vagy „EESZT SSL tanúsítvány letöltése” "
                    "intézményi jog)."
                ),
            )
        return view(request, *args, **kwargs)

    return wrapped


def operator_required(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.session.get(KEY_OPERATOR):
            return redirect(f"{_operator_login_url()}?next={request.path}")
        return view(request, *args, **kwargs)

    return wrapped


def current_patient(request: HttpRequest) -> Patient | None:
    pk = request.session.get(KEY_PATIENT)
    return Patient.objects.filter(pk=pk).first() if pk else None


def patient_required(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        patient = current_patient(request)
        if patient is None:
            return redirect("portal:patient_choose")
        request.patient = patient  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapped


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    from django.shortcuts import render

    return render(request, "portal/forbidden.html", {"message": message}, status=403)


def _login_url() -> str:
    from django.urls import reverse

    return reverse("portal:login")


def _operator_login_url() -> str:
    from django.urls import reverse

    return reverse("portal:operator_login")
