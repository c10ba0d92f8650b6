"""Belépés az EESZT-be (S3): the login page per company with its three methods, the card
login's challenge endpoint, and logging out. Thin: forms check input, zomanc.eeszt.login.services
talks to EESZT, selectors read.

Every EESZT user (Perm.EESZT_USE: owners, doctors, assistants — receptionists do not use
EESZT) logs in for himself; another practice's company id is a 404."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import time_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from zomanc.core.http import MemberRequest, member_required
from zomanc.eeszt import sessions
from zomanc.eeszt.login import selectors as login_selectors
from zomanc.eeszt.login import services as eeszt_login
from zomanc.eeszt.login.forms import CardLoginForm, MobileLoginForm, TokenLoginForm
from zomanc.eeszt.models import CertificateStatus, EesztSession, LoginMethod
from zomanc.eeszt.setup import selectors
from zomanc.practices.models import Company
from zomanc.practices.permissions import Perm, member_can
from zomanc.practices.selectors import active_companies

CHALLENGE_SESSION_KEY = "eeszt_card_challenge"
METHODS = [m.value for m in LoginMethod]


def _next_url(request: MemberRequest, raw: str | None) -> str:
    """Only a local address: "next" must not send the user to another site."""
    if raw and url_has_allowed_host_and_scheme(
        raw, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return raw
    return reverse("core:home")


def _company_from_query(request: MemberRequest) -> Company | None:
    raw = request.GET.get("company", "")
    if raw:
        if not raw.isdigit():
            raise Http404
        return selectors.access_eeszt_company(request.member, int(raw))
    companies = list(active_companies(practice=request.practice))
    return companies[0] if len(companies) == 1 else None


def _render(
    request: MemberRequest,
    company: Company,
    *,
    next_url: str,
    method: str | None = None,
    failure: eeszt_login.EesztLoginFailed | None = None,
    status: int = 200,
    **forms: Any,
) -> HttpResponse:
    member = request.member
    profile_method = getattr(getattr(member, "eeszt_profile", None), "login_method", "")
    if method not in METHODS:
        method = profile_method if profile_method in METHODS else LoginMethod.CARD.value
    session = sessions.eeszt_session_active(member=member, company=company)
    has_certificate = selectors.eeszt_certificates(company=company).get(CertificateStatus.ACTIVE)
    context: dict[str, Any] = {
        "company": company,
        "next_url": next_url,
        "method": method,
        "methods": [(m, LoginMethod(m).label) for m in METHODS],
        "eeszt_user_id": eeszt_login.eeszt_user_id_for(member),
        "session": session,
        "has_certificate": has_certificate is not None,
        "can_edit_settings": member_can(member, Perm.SETTINGS_EDIT),
        "settings_url": reverse("eeszt:company_settings", args=[company.pk]),
        "portal_url": settings.EESZT_PORTAL_URL,
        "failure": failure,
        "card_service_url": settings.ZOMANC_CARD_SERVICE_URL,
        "challenge_url": reverse("eeszt:login_challenge", args=[company.pk]),
        "token_form": forms.get("token_form") or TokenLoginForm(),
        "mobile_form": forms.get("mobile_form") or MobileLoginForm(),
        "session_hours": settings.EESZT_SESSION_HOURS,
    }
    return render(request, "eeszt/login.html", context, status=status)


@require_GET
@never_cache
@member_required(Perm.EESZT_USE)
def login_page(request: MemberRequest) -> HttpResponse:
    next_url = _next_url(request, request.GET.get("next"))
    company = _company_from_query(request)
    if company is None:
        companies = list(active_companies(practice=request.practice))
        return render(
            request,
            "eeszt/login_choose.html",
            {"companies": companies, "next_url": next_url},
        )
    return _render(request, company, next_url=next_url, method=request.GET.get("method"))


def _success(request: MemberRequest, session: EesztSession, next_url: str) -> HttpResponse:
    messages.success(
        request,
        _("Belépett az EESZT-be (%(company)s) %(user)s felhasználóként, %(until)s-ig.")
        % {
            "company": session.company.name,
            "user": session.eeszt_user_id,
            "until": time_format(timezone.localtime(session.not_on_or_after), "H:i"),
        },
    )
    return redirect(next_url)


def _failure_status(failure: eeszt_login.EesztLoginFailed) -> int:
    if failure.code.startswith("HTTP_") or failure.code in {"TRANSPORT", "BAD_RESPONSE"}:
        return 503
    return 400


def _login_answer(
    request: MemberRequest,
    company: Company,
    *,
    next_url: str,
    method: str,
    login: Callable[[], EesztSession],
) -> HttpResponse:
    """Runs one login method: on to `next_url`, or the login page again on that method with
    EESZT's (or our) reason."""
    try:
        session = login()
    except eeszt_login.EesztLoginFailed as failure:
        return _render(
            request,
            company,
            next_url=next_url,
            method=method,
            failure=failure,
            status=_failure_status(failure),
        )
    return _success(request, session, next_url)


@require_POST
@never_cache
@member_required(Perm.EESZT_USE)
def login_challenge(request: MemberRequest, company_id: int) -> HttpResponse:
    """Card login, step 1 (called by the page's script): a fresh IDP nonce, remembered in the
    server-side session so that step 2 signs exactly what EESZT issued."""
    company = selectors.access_eeszt_company(request.member, company_id)
    try:
        challenge = eeszt_login.eeszt_login_challenge(member=request.member, company=company)
    except eeszt_login.EesztLoginFailed as failure:
        return JsonResponse(
            {"error": failure.code, "message": failure.message}, status=_failure_status(failure)
        )
    nonce_b64 = base64.b64encode(challenge.nonce).decode()
    request.session[CHALLENGE_SESSION_KEY] = {
        "company": company.pk,
        "nonce": nonce_b64,
        "expires": challenge.expires_at.isoformat(),
    }
    return JsonResponse({"challenge": nonce_b64, "expiresAt": challenge.expires_at.isoformat()})


@require_POST
@never_cache
@member_required(Perm.EESZT_USE)
def login_card(request: MemberRequest, company_id: int) -> HttpResponse:
    company = selectors.access_eeszt_company(request.member, company_id)
    next_url = _next_url(request, request.POST.get("next"))
    # Single use: whatever happens now, the next attempt asks for a new challenge.
    stored = request.session.pop(CHALLENGE_SESSION_KEY, None)
    form = CardLoginForm(request.POST)

    def login() -> EesztSession:
        if not stored or stored.get("company") != company.pk:
            raise eeszt_login.EesztLoginFailed(
                "CHALLENGE_EXPIRED",
                _(
                    "Nincs érvényes kártyás kihívás ehhez a belépéshez (lejárt vagy már "
                    "felhasználták). Kattintson újra a Bejelentkezés gombra."
                ),
            )
        if not form.is_valid():
            raise eeszt_login.EesztLoginFailed(
                "BAD_SIGNATURE",
                _("A kártyaszolgáltatás válasza hibás vagy hiányos. Próbálja újra."),
            )
        expires = parse_datetime(str(stored.get("expires", ""))) or timezone.now()
        return eeszt_login.eeszt_login_card(
            member=request.member,
            company=company,
            nonce=base64.b64decode(stored["nonce"]),
            challenge_expires_at=expires
            if timezone.is_aware(expires)
            else timezone.make_aware(expires, dt.UTC),
            signature=form.cleaned_data["signature"],
            certificate_der=form.cleaned_data["certificate"],
            algorithm=form.cleaned_data["algorithm"],
            request=request,
        )

    return _login_answer(request, company, next_url=next_url, method=LoginMethod.CARD, login=login)


@require_POST
@never_cache
@member_required(Perm.EESZT_USE)
def login_token(request: MemberRequest, company_id: int) -> HttpResponse:
    company = selectors.access_eeszt_company(request.member, company_id)
    next_url = _next_url(request, request.POST.get("next"))
    form = TokenLoginForm(request.POST)
    if not form.is_valid():
        return _render(
            request, company, next_url=next_url, method="token", status=400, token_form=form
        )
    return _login_answer(
        request,
        company,
        next_url=next_url,
        method="token",
        login=lambda: eeszt_login.eeszt_login_token(
            member=request.member,
            company=company,
            password=form.cleaned_data["password"],
            otp=form.cleaned_data["otp"],
            request=request,
        ),
    )


@require_POST
@never_cache
@member_required(Perm.EESZT_USE)
def login_mobile(request: MemberRequest, company_id: int) -> HttpResponse:
    company = selectors.access_eeszt_company(request.member, company_id)
    next_url = _next_url(request, request.POST.get("next"))
    form = MobileLoginForm(request.POST)
    if not form.is_valid():
        return _render(
            request, company, next_url=next_url, method="mobile", status=400, mobile_form=form
        )
    return _login_answer(
        request,
        company,
        next_url=next_url,
        method="mobile",
        login=lambda: eeszt_login.eeszt_login_mobile(
            member=request.member, company=company, otp=form.cleaned_data["otp"], request=request
        ),
    )


@require_POST
@member_required()
def session_end(request: MemberRequest, session_id: int) -> HttpResponse:
    """ "Kilépés az EESZT-ből" from the header: ends one's own EESZT login only. EESZT is told
    when it can be reached; the login ends here in any case."""
    session = login_selectors.access_eeszt_session(request.member, session_id)
    if session.ended_at is None:
        confirmed = eeszt_login.eeszt_logout(session=session, request=request)
        if confirmed:
            messages.success(
                request,
                _("Kilépett az EESZT-ből (%(company)s).") % {"company": session.company.name},
            )
        else:
            messages.warning(
                request,
                _(
                    "Kilépett az EESZT-ből (%(company)s) ebben a programban. Az EESZT most nem "
                    "volt elérhető, ezért ott a belépése legfeljebb %(until)s-ig még érvényes "
                    "lehet; a Zománc már nem használja."
                )
                % {
                    "company": session.company.name,
                    "until": time_format(timezone.localtime(session.not_on_or_after), "H:i"),
                },
            )
    return redirect(_next_url(request, request.POST.get("next")))
