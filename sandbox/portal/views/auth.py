"""Bejelentkezés (card / token / mobile token, the IDP's own services), kijelentkezés,
intézményválasztás, the portal's home page."""

from __future__ import annotations

import base64
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sandbox.clock.services import now as sandbox_now
from sandbox.faults.services import maintenance_notices
from sandbox.idp import services as idp
from sandbox.portal import selectors
from sandbox.portal.forms import CardSignatureForm, CardUserForm, MobileLoginForm, TokenLoginForm
from sandbox.portal.session import (
    login_required,
    portal_login,
    portal_logout,
    portal_session,
    set_context,
)

KEY_CARD_USER = "portal.card_user"
KEY_CARD_NONCE = "portal.card_nonce"
KEY_NEXT = "portal.next"


def home(request: HttpRequest) -> HttpResponse:
    # Planned maintenance is announced here too (and in /maintenance/notice.json).
    return render(
        request, "portal/home.html", {"maintenance": maintenance_notices(at=sandbox_now())}
    )


def _login_page(request: HttpRequest, status: int = 200, **forms: Any) -> HttpResponse:
    context = {
        "card_form": forms.get("card_form") or CardUserForm(),
        "token_form": forms.get("token_form") or TokenLoginForm(),
        "mobile_form": forms.get("mobile_form") or MobileLoginForm(),
        "active": forms.get("active", "card"),
    }
    return render(request, "portal/login.html", context, status=status)


def _remember_next(request: HttpRequest) -> None:
    target = request.GET.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        request.session[KEY_NEXT] = target


def login(request: HttpRequest) -> HttpResponse:
    _remember_next(request)
    return _login_page(request)


def _after_login(request: HttpRequest, result: idp.LoginResult) -> HttpResponse:
    target = request.session.pop(KEY_NEXT, None)
    portal_login(request, result)
    if target:
        request.session[KEY_NEXT] = target
    messages.success(
        request,
        _("Sikeres bejelentkezés: %(name)s (%(user)s).")
        % {"name": result.session.user.name, "user": result.session.user.user_id},
    )
    return redirect("portal:choose_context")


@require_POST
def login_card_start(request: HttpRequest) -> HttpResponse:
    """Step 1 of the card login: the user name. The card page asks the card for the rest."""
    form = CardUserForm(request.POST)
    if not form.is_valid():
        return _login_page(request, 400, card_form=form)
    request.session[KEY_CARD_USER] = form.cleaned_data["user_id"]
    return redirect("portal:login_card")


@require_http_methods(["GET", "POST"])
def login_card(request: HttpRequest) -> HttpResponse:
    """Step 2: every GET issues a fresh IDP challenge (2 min, single use) for the browser to
    have signed by the card service; POST brings back the signature and the card's
    certificate and calls the IDP CardLogin with the nonce kept in the session."""
    user_id = request.session.get(KEY_CARD_USER)
    if not user_id:
        return redirect("portal:login")
    error = ""
    form = CardSignatureForm()
    if request.method == "POST":
        form = CardSignatureForm(request.POST)
        nonce_hex = request.session.pop(KEY_CARD_NONCE, "")
        if form.is_valid() and nonce_hex:
            try:
                result = idp.card_login(
                    user_id=user_id,
                    nonce=bytes.fromhex(nonce_hex),
                    algorithm=form.cleaned_data["algorithm"],
                    signature=form.cleaned_data["signature"],
                    certificate_der=form.cleaned_data["certificate"],
                )
            except idp.LoginRefused as exc:
                error = _login_refusal_text(exc)
            else:
                request.session.pop(KEY_CARD_USER, None)
                return _after_login(request, result)
        elif not nonce_hex:
            error = _("A kihívás lejárt; kérjük, próbálja újra.")
        else:
            error = _("A kártyaszolgáltatás válasza hiányos; kérjük, próbálja újra.")
    try:
        challenge = idp.challenge_issue(user_id=user_id)
    except idp.LoginRefused as exc:
        request.session.pop(KEY_CARD_USER, None)
        return _login_page(
            request, 400, card_form=_card_form_with_error(user_id, _login_refusal_text(exc))
        )
    request.session[KEY_CARD_NONCE] = challenge.nonce
    context = {
        "user_id": user_id,
        "challenge_b64": base64.b64encode(bytes.fromhex(challenge.nonce)).decode(),
        "expires_at": challenge.expires_at,
        "error": error,
    }
    return render(request, "portal/login_card.html", context, status=400 if error else 200)


def _card_form_with_error(user_id: str, message: str) -> CardUserForm:
    form = CardUserForm({"user_id": user_id})
    form.is_valid()
    form.add_error("user_id", message)
    return form


def _login_refusal_text(exc: idp.LoginRefused) -> str:
    if exc.code == "AUTH_CERT_INVALID" and "nincs aktiválva" in exc.message:
        return _(
            "%(msg)s Aktiválja a kártyát: lépjen be tokennel vagy mobiltokennel, majd "
            "„Kártya aktiválása”."
        ) % {"msg": exc.message}
    return exc.message


@require_POST
def login_token(request: HttpRequest) -> HttpResponse:
    form = TokenLoginForm(request.POST)
    if form.is_valid():
        try:
            result = idp.token_login(
                user_id=form.cleaned_data["user_id"],
                password=form.cleaned_data["password"],
                otp=form.cleaned_data["otp"],
            )
        except idp.LoginRefused as exc:
            form.add_error(None, exc.message)
        else:
            return _after_login(request, result)
    return _login_page(request, 400, token_form=form, active="token")


@require_POST
def login_mobile(request: HttpRequest) -> HttpResponse:
    form = MobileLoginForm(request.POST)
    if form.is_valid():
        try:
            result = idp.mobile_token_login(
                user_id=form.cleaned_data["user_id"], otp=form.cleaned_data["otp"]
            )
        except idp.LoginRefused as exc:
            form.add_error(None, exc.message)
        else:
            return _after_login(request, result)
    return _login_page(request, 400, mobile_form=form, active="mobile")


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    portal_logout(request)
    messages.success(request, _("Kijelentkezett az Ágazati portálról."))
    return redirect("portal:home")


@login_required
@require_http_methods(["GET", "POST"])
def choose_context(request: HttpRequest) -> HttpResponse:
    portal = request.portal  # type: ignore[attr-defined]
    options = selectors.context_options(user=portal.user)
    error = ""
    if request.method == "POST":
        key = request.POST.get("context", "")
        option = next((o for o in options if o.key == key), None)
        if option is None:
            error = _("Válasszon a felsorolt lehetőségek közül.")
        else:
            set_context(request, option)
            target = request.session.pop(KEY_NEXT, None)
            return redirect(target or "portal:home")
    current = portal_session(request)
    return render(
        request,
        "portal/choose_context.html",
        {
            "options": options,
            "current_key": current.context.key if current and current.context else "",
            "error": error,
        },
        status=400 if error else 200,
    )
