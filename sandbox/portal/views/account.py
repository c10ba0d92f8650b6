"""The user's own settings on the portal: card activation (step 5 of the guide), mobile
token registration, token password; and the SMS outbox (the sandbox's "phone")."""

from __future__ import annotations

import base64
import secrets
from io import BytesIO

import pyotp
import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sandbox.idp import services as idp
from sandbox.pki.selectors import CertificateRejected
from sandbox.portal import selectors
from sandbox.portal.forms import (
    CardSignatureForm,
    CardUploadForm,
    MobileTokenConfirmForm,
    PasswordChangeForm,
)
from sandbox.portal.session import login_required

OTP_ISSUER = "EESZT Sandbox"
KEY_ACTIVATION_NONCE = "portal.activation_nonce"
KEY_MOBILE_SECRET = "portal.mobile_secret"  # noqa: S105 — a session key name


def _card_page(
    request: HttpRequest, *, upload_form: CardUploadForm | None = None, error: str = ""
) -> HttpResponse:
    portal = request.portal  # type: ignore[attr-defined]
    nonce = secrets.token_bytes(32)
    request.session[KEY_ACTIVATION_NONCE] = nonce.hex()
    return render(
        request,
        "portal/card_activation.html",
        {
            "certificates": selectors.card_certificates(user=portal.user),
            "upload_form": upload_form or CardUploadForm(),
            "challenge_b64": base64.b64encode(nonce).decode(),
            "error": error,
        },
        status=400 if (error or (upload_form is not None and upload_form.errors)) else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def card_activation(request: HttpRequest) -> HttpResponse:
    """POST = an uploaded certificate file (DER/PEM). Only certificates the sandbox's eID
    CA issued to this very person are accepted (the IDP's card_activate decides)."""
    if request.method == "GET":
        return _card_page(request)
    form = CardUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _card_page(request, upload_form=form)
    return _activate(request, form.cleaned_data["certificate"], upload_form=form)


@login_required
@require_POST
def card_activation_from_service(request: HttpRequest) -> HttpResponse:
    """The card service signed a fresh portal nonce with the card: proof that the card is
    at hand, then its certificate is activated."""
    form = CardSignatureForm(request.POST)
    nonce_hex = request.session.pop(KEY_ACTIVATION_NONCE, "")
    if not form.is_valid() or not nonce_hex:
        return _card_page(request, error=_("A kártyaszolgáltatás válasza hiányos; próbálja újra."))
    der = form.cleaned_data["certificate"]
    if not idp.card_signature_valid(
        certificate_der=der,
        algorithm=form.cleaned_data["algorithm"],
        data=bytes.fromhex(nonce_hex),
        signature=form.cleaned_data["signature"],
    ):
        return _card_page(request, error=_("A kártyával készült aláírás érvénytelen."))
    return _activate(request, der)


def _activate(
    request: HttpRequest, der: bytes, *, upload_form: CardUploadForm | None = None
) -> HttpResponse:
    portal = request.portal  # type: ignore[attr-defined]
    try:
        idp.card_activate(user=portal.user, certificate_der=der)
    except CertificateRejected as exc:
        message = _("A kártya nem aktiválható: %(reason)s") % {"reason": exc}
        if upload_form is not None:
            upload_form.add_error("certificate", message)
            return _card_page(request, upload_form=upload_form)
        return _card_page(request, error=message)
    messages.success(request, _("A kártya aktiválva: ezzel a kártyával bejelentkezhet."))
    return redirect("portal:card_activation")


def qr_data_uri(text: str) -> str:
    """The QR code as an SVG data URI (an <img>, so no inline markup or script is needed)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@login_required
@require_http_methods(["GET", "POST"])
def mobile_token(request: HttpRequest) -> HttpResponse:
    """A new secret is shown (text + QR) and kept in the session until the app's first code
    confirms it; only then does it replace the user's mobile token."""
    portal = request.portal  # type: ignore[attr-defined]
    form = MobileTokenConfirmForm()
    secret = request.session.get(KEY_MOBILE_SECRET)
    if request.method == "POST":
        form = MobileTokenConfirmForm(request.POST)
        if not secret:
            return redirect("portal:mobile_token")
        if form.is_valid():
            try:
                idp.mobile_token_register(
                    user=portal.user, secret=secret, otp=form.cleaned_data["otp"]
                )
            except ValueError as exc:
                form.add_error("otp", str(exc))
            else:
                request.session.pop(KEY_MOBILE_SECRET, None)
                messages.success(
                    request, _("A mobiltoken regisztrálva; ezután ezzel is bejelentkezhet.")
                )
                return redirect("portal:mobile_token")
    elif not secret or request.GET.get("uj"):
        secret = idp.mobile_token_secret_new()
        request.session[KEY_MOBILE_SECRET] = secret
    uri = pyotp.TOTP(secret).provisioning_uri(name=portal.user.user_id, issuer_name=OTP_ISSUER)
    return render(
        request,
        "portal/mobile_token.html",
        {
            "secret": secret,
            "secret_grouped": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "otpauth_uri": uri,
            "qr": qr_data_uri(uri),
            "form": form,
            "registered": bool(portal.user.mobile_secret),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def password(request: HttpRequest) -> HttpResponse:
    portal = request.portal  # type: ignore[attr-defined]
    form = PasswordChangeForm(request.POST or None)
    has_password = bool(portal.user.password_hash)
    if request.method == "POST" and form.is_valid():
        try:
            idp.token_password_change(
                user=portal.user, current=form.cleaned_data["current"], new=form.cleaned_data["new"]
            )
        except idp.PasswordRefused as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, _("A jelszó megváltozott."))
            return redirect("portal:password")
    return render(
        request,
        "portal/password.html",
        {"form": form, "has_password": has_password, "has_token": bool(portal.user.token_secret)},
        status=400 if form.errors else 200,
    )


@login_required
def sms_outbox(request: HttpRequest) -> HttpResponse:
    portal = request.portal  # type: ignore[attr-defined]
    rows = [
        {"msg": m, "phone": selectors.mask_phone(m.phone)}
        for m in selectors.sms_for_user(user=portal.user)[:100]
    ]
    return render(request, "portal/sms.html", {"rows": rows})
