"""The portal's account services in the IDP: token password change, mobile-token
registration, card signature proof."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
import time_machine
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from sandbox.idp import services
from sandbox.pki.ca import new_key
from sandbox.pki.services import eid_certificate_issue
from sandbox.registry import seed
from sandbox.registry.models import User

pytestmark = pytest.mark.django_db


def test_password_change_needs_the_current_one_and_a_strong_new_one(seeded: None) -> None:
    user = User.objects.get(user_id=seed.SECOND_DOCTOR)
    with pytest.raises(services.PasswordRefused) as wrong:
        services.token_password_change(user=user, current="nem-ez", new="Ujjelszo-2026")
    assert wrong.value.field == "current"
    with pytest.raises(services.PasswordRefused) as weak:
        services.token_password_change(user=user, current=seed.DEMO_PASSWORD, new="rovid1")
    assert weak.value.field == "new"
    with pytest.raises(services.PasswordRefused):
        services.token_password_change(user=user, current=seed.DEMO_PASSWORD, new="csakbetukbol")
    services.token_password_change(user=user, current=seed.DEMO_PASSWORD, new="Ujjelszo-2026")
    otp = pyotp.TOTP(seed.TOKEN_SECRETS[seed.SECOND_DOCTOR]).now()
    result = services.token_login(user_id=user.user_id, password="Ujjelszo-2026", otp=otp)
    assert result.session.user == user


def test_first_password_needs_no_current_one(seeded: None) -> None:
    user = User.objects.get(user_id=seed.DEMO_DENTIST)
    assert user.password_hash == ""
    services.token_password_change(user=user, current="", new="Elsojelszo-1")
    user.refresh_from_db()
    assert user.password_hash


def test_mobile_token_register_then_login_with_the_next_code(seeded: None) -> None:
    user = User.objects.get(user_id=seed.DEMO_DENTIST)
    secret = services.mobile_token_secret_new()
    start = dt.datetime(2030, 5, 1, 8, 0, 5, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        code = pyotp.TOTP(secret).now()
        services.mobile_token_register(user=user, secret=secret, otp=code)
        # The code that confirmed the registration is spent.
        with pytest.raises(services.LoginRefused):
            services.mobile_token_login(user_id=user.user_id, otp=code)
    with time_machine.travel(start + dt.timedelta(seconds=30), tick=False):
        result = services.mobile_token_login(user_id=user.user_id, otp=pyotp.TOTP(secret).now())
    assert result.session.method == "MOBILE"


def test_mobile_token_register_refuses_a_wrong_code(seeded: None) -> None:
    user = User.objects.get(user_id=seed.ASSISTANT)
    with pytest.raises(ValueError):
        services.mobile_token_register(user=user, secret=pyotp.random_base32(), otp="000000")
    user.refresh_from_db()
    assert user.mobile_secret == seed.MOBILE_SECRETS[seed.ASSISTANT]


def test_card_signature_valid(seeded: None) -> None:
    key = new_key()
    _record, cert = eid_certificate_issue(
        user=User.objects.get(user_id=seed.SECOND_DOCTOR), public_key=key.public_key()
    )
    from cryptography.hazmat.primitives import serialization

    der = cert.public_bytes(serialization.Encoding.DER)
    sig = key.sign(b"nonce", padding.PKCS1v15(), hashes.SHA256())
    assert services.card_signature_valid(
        certificate_der=der, algorithm="RSA_PKCS1_SHA256", data=b"nonce", signature=sig
    )
    assert not services.card_signature_valid(
        certificate_der=der, algorithm="RSA_PKCS1_SHA256", data=b"other", signature=sig
    )
    assert not services.card_signature_valid(
        certificate_der=b"junk", algorithm="RSA_PKCS1_SHA256", data=b"nonce", signature=sig
    )
