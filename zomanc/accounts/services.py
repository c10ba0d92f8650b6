"""Sign-in rules: throttling of failed attempts, the TOTP second factor, set-password e-mails
and the sign-in audit entries. Views stay thin; management commands can call these too."""

import base64
from dataclasses import dataclass
from datetime import datetime, timedelta

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from zomanc.accounts.models import LoginThrottle, SealedTOTPDevice, ThrottleScope, User
from zomanc.audit.models import AuditAction
from zomanc.audit.services import audit_record
from zomanc.practices.models import Practice, Role, StaffMember

# 5 wrong passwords (or codes) for one account in 15 minutes lock that account for 15 minutes.
# One address gets more room: a practice's whole staff usually shares one NAT address, and a
# receptionist mistyping should not lock the doctors out.
LOGIN_WINDOW = timedelta(minutes=15)
LOGIN_LOCK = timedelta(minutes=15)
ACCOUNT_FAILURE_LIMIT = 5
IP_FAILURE_LIMIT = 20


def normalize_email(email: str) -> str:
    return email.strip().lower()


def _throttle_keys(*, email: str, ip: str | None) -> list[tuple[ThrottleScope, str, int]]:
    keys = [(ThrottleScope.ACCOUNT, normalize_email(email), ACCOUNT_FAILURE_LIMIT)]
    if ip:
        keys.append((ThrottleScope.IP, ip, IP_FAILURE_LIMIT))
    return keys


def login_locked_until(*, email: str, ip: str | None) -> datetime | None:
    """When the account or the address may try again, or None if it may try now."""
    now = timezone.now()
    condition = Q()
    for scope, key, _limit in _throttle_keys(email=email, ip=ip):
        condition |= Q(scope=scope, key=key)
    until = (
        LoginThrottle.objects.filter(condition, locked_until__gt=now)
        .order_by("-locked_until")
        .values_list("locked_until", flat=True)
        .first()
    )
    return until


@transaction.atomic
def login_failure_record(*, email: str, ip: str | None) -> datetime | None:
    """Count one failed attempt (wrong password or wrong code); returns the lock end when this
    attempt locked the account or the address."""
    now = timezone.now()
    locked: datetime | None = None
    for scope, key, limit in _throttle_keys(email=email, ip=ip):
        row, _created = LoginThrottle.objects.select_for_update().get_or_create(
            scope=scope, key=key, defaults={"window_started_at": now}
        )
        if row.window_started_at <= now - LOGIN_WINDOW:
            row.failures = 0
            row.window_started_at = now
        row.failures += 1
        if row.failures >= limit:
            row.locked_until = now + LOGIN_LOCK
            row.failures = 0
            row.window_started_at = now
            locked = max(locked, row.locked_until) if locked else row.locked_until
        row.save()
    return locked


def login_throttle_reset(*, email: str) -> None:
    """A successful sign-in (or a password reset) clears the account's counter. The address
    counter is left alone: one valid account must not reset an attacker's address budget."""
    LoginThrottle.objects.filter(scope=ThrottleScope.ACCOUNT, key=normalize_email(email)).update(
        failures=0, locked_until=None, window_started_at=timezone.now()
    )


def active_memberships(user: User) -> list[StaffMember]:
    return list(StaffMember.objects.select_related("practice").filter(user=user, is_active=True))


@transaction.atomic
def login_audit_record(
    *,
    user: User,
    action: AuditAction,
    summary: str,
    request: HttpRequest | None = None,
) -> None:
    """One entry in every practice the user works for: each owner sees his own staff's
    sign-ins (and failed attempts) in his practice's log."""
    for member in active_memberships(user):
        audit_record(
            practice=member.practice,
            actor=user,
            action=action,
            obj=user,
            summary=summary,
            request=request,
        )


# --- TOTP second factor ---------------------------------------------------------------


def user_confirmed_device(user: User) -> SealedTOTPDevice | None:
    return SealedTOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def user_requires_2fa(user: User) -> bool:
    """An owner of a practice that turned on "kétlépcsős azonosítás kötelező" must use TOTP."""
    return StaffMember.objects.filter(
        user=user, is_active=True, role=Role.OWNER, practice__require_owner_2fa=True
    ).exists()


def totp_device_start(*, user: User) -> SealedTOTPDevice:
    """The unconfirmed device shown during enrolment (reused on reload, so the QR code the
    user already scanned stays valid until he confirms it)."""
    device = SealedTOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = SealedTOTPDevice.objects.create(user=user, name="Zománc", confirmed=False)
    return device


@transaction.atomic
def totp_device_confirm(
    *, user: User, device: SealedTOTPDevice, token: str, request: HttpRequest | None = None
) -> bool:
    """Confirms the device when `token` is a current code from it."""
    if device.user_id != user.pk or device.confirmed or not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    login_audit_record(
        user=user,
        action=AuditAction.UPDATE,
        summary=f"Kétlépcsős azonosítás bekapcsolva: {user.email}",
        request=request,
    )
    return True


@transaction.atomic
def totp_device_remove(*, user: User, token: str, request: HttpRequest | None = None) -> bool:
    """Turns the second factor off after a current code proves the user still holds it."""
    device = user_confirmed_device(user)
    if device is None or not device.verify_token(token):
        return False
    SealedTOTPDevice.objects.filter(user=user).delete()
    login_audit_record(
        user=user,
        action=AuditAction.UPDATE,
        summary=f"Kétlépcsős azonosítás kikapcsolva: {user.email}",
        request=request,
    )
    return True


def totp_qr_data_uri(device: SealedTOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG data URI (CSP allows data: images, nothing else)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    svg = image.to_string()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def totp_secret_display(device: SealedTOTPDevice) -> str:
    """The secret in groups of four base32 characters, for typing it in by hand."""
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


# --- set-password e-mail for new staff --------------------------------------------------


@dataclass(frozen=True)
class LinkBase:
    protocol: str
    domain: str


def _link_base(request: HttpRequest | None) -> LinkBase:
    if request is not None:
        return LinkBase("https" if request.is_secure() else "http", request.get_host())
    protocol, _sep, domain = settings.ZOMANC_BASE_URL.partition("://")
    return LinkBase(protocol, domain.rstrip("/"))


def user_invite_send(
    *, user: User, practice: Practice, invited_by: User | None, request: HttpRequest | None = None
) -> None:
    """Sends the new colleague a link to set his own password (the password-reset token: it
    becomes invalid once a password is set)."""
    base = _link_base(request)
    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    context = {
        "user": user,
        "practice": practice,
        "invited_by": invited_by,
        "link": f"{base.protocol}://{base.domain}{path}",
    }
    subject = render_to_string("accounts/email/invite_subject.txt", context).strip()
    body = render_to_string("accounts/email/invite.txt", context)
    send_mail(subject, body, None, [user.email])


def user_contrast_set(*, user: User, high: bool) -> User:
    """Switches the user's high-contrast look on or off (their own display preference: not
    audited, it touches no patient and no permission)."""
    user.high_contrast = high
    user.save(update_fields=["high_contrast"])
    return user
