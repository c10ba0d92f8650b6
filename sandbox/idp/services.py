"""Logins, sessions, lockout. Each login path ends in ``session_issue`` or raises
``LoginRefused`` (after recording the failure, so it survives the refusal)."""

from __future__ import annotations

import base64
import datetime as dt
import secrets
import time
from dataclasses import dataclass

import pyotp
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import IntegrityError, transaction

from sandbox.clock.services import now
from sandbox.idp.models import (
    AuthMethod,
    CardActivation,
    Challenge,
    IdpSession,
    LoginFailure,
    UsedOtp,
    UserLock,
)
from sandbox.idp.saml import assertion_build
from sandbox.pki.models import CertKind
from sandbox.pki.selectors import CertificateRejected, issued_certificate_check
from sandbox.registry.models import Grant, User
from sandbox.registry.selectors import user_get


class LoginRefused(Exception):
    def __init__(self, code: str, message: str):
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")


@dataclass(frozen=True)
class LoginResult:
    session: IdpSession
    assertion: bytes


def _lock_check(user: User, at: dt.datetime) -> None:
    lock = UserLock.objects.filter(user=user).first()
    if lock is not None and lock.until > at:
        minutes = max(1, int((lock.until - at).total_seconds() // 60) + 1)
        raise LoginRefused(
            "AUTH_LOCKED",
            f"Túl sok sikertelen bejelentkezés: {user.user_id} még kb. {minutes} percig zárolva.",
        )


def _fail(user: User, code: str, message: str) -> LoginRefused:
    """Record a failed login (committed even though the call answers with a fault) and
    lock the user after the fifth within the window."""
    at = now()
    with transaction.atomic():
        LoginFailure.objects.create(user=user, at=at)
        window = at - dt.timedelta(minutes=settings.SANDBOX_LOCKOUT_WINDOW_MINUTES)
        recent = LoginFailure.objects.filter(user=user, at__gt=window).count()
        if recent >= settings.SANDBOX_LOCKOUT_FAILURES:
            UserLock.objects.update_or_create(
                user=user,
                defaults={"until": at + dt.timedelta(minutes=settings.SANDBOX_LOCKOUT_MINUTES)},
            )
    return LoginRefused(code, message)


def _user(user_id: str) -> User:
    user = user_get(user_id=user_id)
    if user is None:
        raise LoginRefused("AUTH_FAILED", "Sikertelen bejelentkezés: ismeretlen felhasználó.")
    _lock_check(user, now())
    return user


def session_issue(*, user: User, method: str) -> LoginResult:
    issued = now()
    not_after = issued + dt.timedelta(hours=settings.SANDBOX_SESSION_HOURS)
    roles = sorted(set(Grant.objects.filter(user=user).values_list("role", flat=True)))
    attributes = {
        "name": [user.name],
        "stamp": [user.stamp] if user.stamp else [],
        "roles": roles,
        "specialties": list(user.doctor.specialties) if user.doctor else [],
    }
    assertion_id, assertion = assertion_build(
        subject=user.user_id,
        method=method,
        issuer=settings.SANDBOX_SAML_ISSUER,
        audience=settings.SANDBOX_SAML_AUDIENCE,
        issued_at=issued,
        not_on_or_after=not_after,
        attributes=attributes,
    )
    session = IdpSession.objects.create(
        assertion_id=assertion_id,
        user=user,
        method=method,
        issued_at=issued,
        not_on_or_after=not_after,
    )
    # A success clears the failure streak.
    LoginFailure.objects.filter(user=user).delete()
    return LoginResult(session=session, assertion=assertion)


def challenge_issue(*, user_id: str) -> Challenge:
    user = _user(user_id)
    return Challenge.objects.create(
        user=user,
        nonce=secrets.token_hex(32),
        expires_at=now() + dt.timedelta(seconds=settings.SANDBOX_NONCE_SECONDS),
    )


def _verify_card_signature(cert: x509.Certificate, algorithm: str, data: bytes, sig: bytes) -> bool:
    key = cert.public_key()
    try:
        if algorithm == "RSA_PKCS1_SHA256" and isinstance(key, rsa.RSAPublicKey):
            key.verify(sig, data, padding.PKCS1v15(), hashes.SHA256())
            return True
        if algorithm == "ECDSA_SHA256" and isinstance(key, ec.EllipticCurvePublicKey):
            size = (key.curve.key_size + 7) // 8
            if len(sig) == 2 * size:  # PKCS#11 gives raw r||s; cryptography wants DER
                sig = encode_dss_signature(
                    int.from_bytes(sig[:size], "big"), int.from_bytes(sig[size:], "big")
                )
            key.verify(sig, data, ec.ECDSA(hashes.SHA256()))
            return True
    except InvalidSignature:
        return False
    return False


def card_login(
    *, user_id: str, nonce: bytes, algorithm: str, signature: bytes, certificate_der: bytes
) -> LoginResult:
    user = _user(user_id)
    at = now()
    # Consumed by this attempt whatever its outcome: a nonce is single use.
    consumed = Challenge.objects.filter(
        user=user, nonce=nonce.hex(), used_at__isnull=True, expires_at__gt=at
    ).update(used_at=at)
    if not consumed:
        raise _fail(
            user, "AUTH_FAILED", "A kihívás (nonce) ismeretlen, lejárt vagy már felhasznált."
        )
    try:
        record = issued_certificate_check(der=certificate_der, kind=CertKind.EID)
    except CertificateRejected as exc:
        raise _fail(user, "AUTH_CERT_INVALID", f"Kártyatanúsítvány: {exc}") from exc
    if not CardActivation.objects.filter(certificate=record, user=user).exists():
        raise _fail(
            user, "AUTH_CERT_INVALID", "A kártya nincs aktiválva ehhez a felhasználóhoz a portálon."
        )
    cert = x509.load_der_x509_certificate(certificate_der)
    if not _verify_card_signature(cert, algorithm, nonce, signature):
        raise _fail(user, "AUTH_FAILED", "A kártyával készült aláírás érvénytelen.")
    return session_issue(user=user, method=AuthMethod.CARD)


def _otp_accept(user: User, kind: str, secret: str, otp: str) -> bool:
    """TOTP, 30 s steps, ±1 step, each step accepted once. Wall clock: the user's token
    does not know the sandbox offset."""
    if not secret:
        return False
    totp = pyotp.TOTP(secret)
    current = int(time.time()) // 30
    for step in (current, current - 1, current + 1):
        if secrets.compare_digest(totp.at(step * 30), otp):
            try:
                with transaction.atomic():
                    UsedOtp.objects.create(user=user, kind=kind, step=step)
            except IntegrityError:
                return False
            return True
    return False


def token_login(*, user_id: str, password: str, otp: str) -> LoginResult:
    user = _user(user_id)
    password_ok = bool(user.password_hash) and check_password(password, user.password_hash)
    if not password_ok:
        raise _fail(user, "AUTH_FAILED", "Hibás jelszó vagy egyszer használatos kód.")
    if not _otp_accept(user, AuthMethod.TOKEN, user.token_secret, otp):
        raise _fail(user, "AUTH_FAILED", "Hibás jelszó vagy egyszer használatos kód.")
    return session_issue(user=user, method=AuthMethod.TOKEN)


def mobile_token_login(*, user_id: str, otp: str) -> LoginResult:
    user = _user(user_id)
    if not _otp_accept(user, AuthMethod.MOBILE, user.mobile_secret, otp):
        raise _fail(user, "AUTH_FAILED", "Hibás vagy már felhasznált mobiltoken kód.")
    return session_issue(user=user, method=AuthMethod.MOBILE)


def session_logout(*, assertion_id: str) -> bool:
    return bool(
        IdpSession.objects.filter(assertion_id=assertion_id, ended_at__isnull=True).update(
            ended_at=now()
        )
    )


def card_activate(*, user: User, certificate_der: bytes) -> CardActivation:
    """Bind a card certificate to its user (portal step "kártya aktiválása")."""
    record = issued_certificate_check(der=certificate_der, kind=CertKind.EID)
    if record.user_id != user.pk:
        raise CertificateRejected("A kártya tanúsítványa más személyé.")
    activation, _ = CardActivation.objects.get_or_create(
        certificate=record, defaults={"user": user, "activated_at": now()}
    )
    return activation


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def card_signature_valid(
    *, certificate_der: bytes, algorithm: str, data: bytes, signature: bytes
) -> bool:
    """Proof that the card holding this certificate signed ``data`` (portal card activation
    asks the card to sign a fresh nonce before binding it)."""
    try:
        cert = x509.load_der_x509_certificate(certificate_der)
    except ValueError:
        return False
    return _verify_card_signature(cert, algorithm, data, signature)


PASSWORD_MIN_LENGTH = 10


class PasswordRefused(ValueError):
    def __init__(self, field: str, message: str):
        self.field = field  # "current" | "new"
        self.message = message
        super().__init__(message)


def token_password_change(*, user: User, current: str, new: str) -> None:
    """Portal password used by TokenLogin. A user without one (card users) sets it without
    the current one: the portal session already proves who he is."""
    if user.password_hash and not check_password(current, user.password_hash):
        raise PasswordRefused("current", "A jelenlegi jelszó hibás.")
    if len(new) < PASSWORD_MIN_LENGTH or new.isdigit() or new.isalpha():
        raise PasswordRefused(
            "new",
            f"Az új jelszó legalább {PASSWORD_MIN_LENGTH} karakter, betűt és számot is tartalmaz.",
        )
    user.password_hash = make_password(new)
    user.save(update_fields=["password_hash"])


def mobile_token_secret_new() -> str:
    return pyotp.random_base32()


def mobile_token_register(*, user: User, secret: str, otp: str) -> None:
    """Bind a mobile-token app: the first code it shows proves the secret was scanned. That
    code is spent (an OTP is accepted once), and earlier apps stop working."""
    candidate = pyotp.TOTP(secret)
    current = int(time.time()) // 30
    for step in (current, current - 1, current + 1):
        if secrets.compare_digest(candidate.at(step * 30), otp):
            with transaction.atomic():
                user.mobile_secret = secret
                user.save(update_fields=["mobile_secret"])
                UsedOtp.objects.filter(user=user, kind=AuthMethod.MOBILE).delete()
                UsedOtp.objects.create(user=user, kind=AuthMethod.MOBILE, step=step)
            return
    raise ValueError("A kód nem egyezik: ellenőrizze az alkalmazásban látható 6 jegyű kódot.")
