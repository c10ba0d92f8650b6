"""Sign-in and account pages. The rules live in services.py; these views only move data
between the session, the forms and the services."""

from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from zomanc.accounts import services
from zomanc.accounts.forms import LoginForm, OTPCodeForm, ZomancPasswordResetForm
from zomanc.accounts.models import SealedTOTPDevice, User
from zomanc.audit.models import AuditAction
from zomanc.core.http import client_ip

PENDING_2FA_SESSION_KEY = "zomanc_pending_2fa"
# The code step must follow the password step promptly; a half-signed-in browser left
# open is not a signed-in one.
PENDING_2FA_MAX_AGE = timedelta(minutes=5)
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("core:home")


def _locked_message(until: datetime) -> str:
    local = timezone.localtime(until)
    return _(
        "Túl sok sikertelen bejelentkezési kísérlet. Biztonsági okból a belépés zárolva; "
        "próbálja újra %(time)s után."
    ) % {"time": formats.time_format(local, "H:i")}


def _complete_login(
    request: HttpRequest, user: User, device: SealedTOTPDevice | None, next_url: str
) -> HttpResponse:
    auth_login(request, user, backend=BACKEND)
    if device is not None:
        otp_login(request, device)
    services.login_throttle_reset(email=user.email)
    services.login_audit_record(
        user=user,
        action=AuditAction.LOGIN,
        summary=(
            _("Bejelentkezés kétlépcsős azonosítással: %(email)s")
            if device
            else _("Bejelentkezés: %(email)s")
        )
        % {"email": user.email},
        request=request,
    )
    return redirect(next_url)


def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(_next_url(request))
    form = LoginForm(request.POST or None)
    next_url = _next_url(request)
    if request.method == "POST" and form.is_valid():
        email = services.normalize_email(form.cleaned_data["email"])
        ip = client_ip(request)
        locked = services.login_locked_until(email=email, ip=ip)
        if locked is not None:
            form.add_error(None, _locked_message(locked))
        else:
            user = authenticate(request, username=email, password=form.cleaned_data["password"])
            if not isinstance(user, User):
                locked = services.login_failure_record(email=email, ip=ip)
                known = User.objects.filter(email=email, is_active=True).first()
                if known is not None:
                    services.login_audit_record(
                        user=known,
                        action=AuditAction.LOGIN_FAILED,
                        summary=_("Sikertelen bejelentkezés (hibás jelszó): %(email)s")
                        % {"email": email},
                        request=request,
                    )
                form.add_error(
                    None,
                    _locked_message(locked)
                    if locked
                    else _("Hibás e-mail cím vagy jelszó. Figyeljen a kis- és nagybetűkre."),
                )
            elif not user.is_superuser and not services.active_memberships(user):
                form.add_error(
                    None,
                    _(
                        "Ehhez a fiókhoz nem tartozik aktív rendelői tagság. "
                        "Kérje a rendelő tulajdonosát, hogy vegye fel munkatársként."
                    ),
                )
            else:
                device = services.user_confirmed_device(user)
                if device is None:
                    return _complete_login(request, user, None, next_url)
                request.session[PENDING_2FA_SESSION_KEY] = {
                    "user_id": user.pk,
                    "at": timezone.now().isoformat(),
                    "next": next_url,
                }
                return redirect("accounts:login_code")
    return render(request, "accounts/login.html", {"form": form, "next": next_url})


def _pending_user(request: HttpRequest) -> tuple[User | None, str]:
    pending: dict[str, Any] | None = request.session.get(PENDING_2FA_SESSION_KEY)
    if not pending:
        return None, ""
    started = datetime.fromisoformat(pending["at"])
    if timezone.now() - started > PENDING_2FA_MAX_AGE:
        del request.session[PENDING_2FA_SESSION_KEY]
        return None, ""
    user = User.objects.filter(pk=pending["user_id"], is_active=True).first()
    return user, pending.get("next") or reverse("core:home")


def login_code_view(request: HttpRequest) -> HttpResponse:
    """Second step: the 6-digit code from the user's authenticator app."""
    user, next_url = _pending_user(request)
    if user is None:
        messages.warning(
            request, _("A bejelentkezés ideje lejárt. Kérjük, adja meg újra a jelszavát.")
        )
        return redirect("accounts:login")
    form = OTPCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ip = client_ip(request)
        locked = services.login_locked_until(email=user.email, ip=ip)
        if locked is not None:
            form.add_error("code", _locked_message(locked))
        else:
            device = services.user_confirmed_device(user)
            if device is not None and device.verify_token(form.cleaned_data["code"]):
                del request.session[PENDING_2FA_SESSION_KEY]
                return _complete_login(request, user, device, next_url)
            locked = services.login_failure_record(email=user.email, ip=ip)
            services.login_audit_record(
                user=user,
                action=AuditAction.LOGIN_FAILED,
                summary=_("Sikertelen bejelentkezés (hibás kód): %(email)s")
                % {"email": user.email},
                request=request,
            )
            form.add_error(
                "code",
                _locked_message(locked)
                if locked
                else _(
                    "A kód hibás vagy lejárt. Írja be az alkalmazásban most látható kódot "
                    "(ellenőrizze a telefon óráját is)."
                ),
            )
    return render(request, "accounts/login_code.html", {"form": form})


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default); records the sign-out in the user's practices."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            user = User.objects.get(pk=request.user.pk)
            services.login_audit_record(
                user=user,
                action=AuditAction.LOGOUT,
                summary=_("Kijelentkezés: %(email)s") % {"email": user.email},
                request=request,
            )
        return super().post(request, *args, **kwargs)


@login_required
def two_factor_view(request: HttpRequest) -> HttpResponse:
    """Enrolment (QR code + confirm with a code) and switching the second factor off."""
    user = User.objects.get(pk=request.user.pk or 0)
    required = services.user_requires_2fa(user)
    confirmed = services.user_confirmed_device(user)
    form = OTPCodeForm(request.POST or None)
    if confirmed is None:
        device = services.totp_device_start(user=user)
        if request.method == "POST" and form.is_valid():
            if services.totp_device_confirm(
                user=user, device=device, token=form.cleaned_data["code"], request=request
            ):
                otp_login(request, device)
                messages.success(
                    request,
                    _(
                        "A kétlépcsős azonosítás be van kapcsolva. Ezentúl belépéskor "
                        "a jelszó után a kódot is kérjük."
                    ),
                )
                return redirect("accounts:two_factor")
            form.add_error(
                "code",
                _(
                    "A kód nem egyezik. Olvassa be újra a QR-kódot, és az alkalmazásban most "
                    "látható kódot írja be."
                ),
            )
        context = {
            "form": form,
            "enabled": False,
            "required": required,
            "qr_data_uri": services.totp_qr_data_uri(device),
            "secret": services.totp_secret_display(device),
        }
        return render(request, "accounts/two_factor.html", context)

    if request.method == "POST" and form.is_valid():
        if required:
            form.add_error(
                None,
                _(
                    "A rendelő tulajdonosainak kötelező a kétlépcsős azonosítás, "
                    "ezért nem kapcsolható ki."
                ),
            )
        elif services.totp_device_remove(
            user=user, token=form.cleaned_data["code"], request=request
        ):
            messages.success(request, _("A kétlépcsős azonosítás ki van kapcsolva."))
            return redirect("accounts:two_factor")
        else:
            form.add_error("code", _("A kód hibás vagy lejárt."))
    return render(
        request,
        "accounts/two_factor.html",
        {"form": form, "enabled": True, "required": required},
    )


class PasswordResetView(auth_views.PasswordResetView):
    form_class = ZomancPasswordResetForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        # Whoever proved he owns the mailbox may sign in at once, even if the account was
        # locked by wrong guesses.
        services.login_throttle_reset(email=form.user.email)
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change_form.html"
    success_url = reverse_lazy("accounts:password_change_done")


@login_required
@require_POST
def contrast_toggle(request: HttpRequest) -> HttpResponse:
    """The header's "Nagy kontraszt" button: flips the user's preference and goes back to
    the page it was pressed on (a plain form post: works without script)."""
    user: User = request.user  # type: ignore[assignment]
    services.user_contrast_set(user=user, high=not user.high_contrast)
    return redirect(_next_url(request))
