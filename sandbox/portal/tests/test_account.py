"""Card activation (upload / card service), mobile-token registration with QR code, token
password change."""

from __future__ import annotations

import base64
import datetime as dt
import re
import urllib.parse

import pyotp
import pytest
import time_machine
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from sandbox.idp.models import AuthMethod, CardActivation, IdpSession
from sandbox.pki.ca import new_key
from sandbox.pki.models import IssuedCertificate
from sandbox.pki.services import eid_certificate_issue, waf_certificate_issue
from sandbox.portal.session import KEY_ASSERTION
from sandbox.portal.tests.conftest import DEMO_UNIT, PortalLogin
from sandbox.registry import seed
from sandbox.registry.models import Institution, User

pytestmark = pytest.mark.django_db


def _new_card(user_id: str) -> tuple[object, bytes, IssuedCertificate]:
    key = new_key()
    record, cert = eid_certificate_issue(
        user=User.objects.get(user_id=user_id), public_key=key.public_key()
    )
    return key, cert.public_bytes(serialization.Encoding.DER), record


# --- card activation ----------------------------------------------------------------------


def test_card_activation_by_uploading_the_card_certificate_pem(portal_login: PortalLogin) -> None:
    _key, der, record = _new_card(seed.SECOND_DOCTOR)
    client = portal_login(seed.SECOND_DOCTOR)
    from cryptography import x509

    pem = x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)
    response = client.post(
        reverse("portal:card_activation"),
        {"certificate": SimpleUploadedFile("kartya.pem", pem)},
    )
    assert response.status_code == 302
    assert CardActivation.objects.filter(
        certificate=record, user__user_id=seed.SECOND_DOCTOR
    ).exists()
    page = client.get(reverse("portal:card_activation")).content.decode()
    assert record.serial_hex in page and "Aktiválva" in page


def test_card_activation_refuses_a_certificate_not_from_the_eid_ca(
    portal_login: PortalLogin,
) -> None:
    waf = waf_certificate_issue(
        institution=Institution.objects.get(institution_id=seed.DEMO_INSTITUTION)
    )
    from cryptography import x509

    der = x509.load_pem_x509_certificate(waf.certificate.pem.encode()).public_bytes(
        serialization.Encoding.DER
    )
    client = portal_login(seed.SECOND_DOCTOR)
    response = client.post(
        reverse("portal:card_activation"),
        {"certificate": SimpleUploadedFile("waf.der", der)},
    )
    assert response.status_code == 400
    assert "nem a sandbox megfelelő CA-ja adta ki" in response.content.decode()
    assert not CardActivation.objects.filter(user__user_id=seed.SECOND_DOCTOR).exists()


def test_card_activation_refuses_another_persons_card(portal_login: PortalLogin) -> None:
    _key, der, _record = _new_card(seed.OTHER_DOCTOR)
    client = portal_login(seed.SECOND_DOCTOR)
    response = client.post(
        reverse("portal:card_activation"), {"certificate": SimpleUploadedFile("c.der", der)}
    )
    assert response.status_code == 400
    assert "más személyé" in response.content.decode()
    assert not CardActivation.objects.exists()


def test_card_activation_refuses_a_file_that_is_not_a_certificate(
    portal_login: PortalLogin,
) -> None:
    client = portal_login(seed.SECOND_DOCTOR)
    response = client.post(
        reverse("portal:card_activation"),
        {"certificate": SimpleUploadedFile("x.der", b"nem tanusitvany")},
    )
    assert response.status_code == 400
    assert "nem olvasható X.509 tanúsítvány" in response.content.decode()


def test_card_activation_through_the_card_service_needs_a_valid_signature(
    portal_login: PortalLogin,
) -> None:
    key, der, record = _new_card(seed.SECOND_DOCTOR)
    client = portal_login(seed.SECOND_DOCTOR)
    page = client.get(reverse("portal:card_activation"))
    nonce = base64.b64decode(page.context["challenge_b64"])
    bad = key.sign(b"other", padding.PKCS1v15(), hashes.SHA256())  # type: ignore[attr-defined]
    response = client.post(
        reverse("portal:card_activation_service"),
        {
            "signature": base64.b64encode(bad).decode(),
            "certificate": base64.b64encode(der).decode(),
            "algorithm": "RSA-PKCS1v15-SHA256",
        },
    )
    assert response.status_code == 400
    assert "aláírás érvénytelen" in response.content.decode()
    assert not CardActivation.objects.exists()
    nonce = base64.b64decode(response.context["challenge_b64"])  # a fresh one
    good = key.sign(nonce, padding.PKCS1v15(), hashes.SHA256())  # type: ignore[attr-defined]
    response = client.post(
        reverse("portal:card_activation_service"),
        {
            "signature": base64.b64encode(good).decode(),
            "certificate": base64.b64encode(der).decode(),
            "algorithm": "RSA-PKCS1v15-SHA256",
        },
    )
    assert response.status_code == 302
    assert CardActivation.objects.filter(certificate=record).exists()


def test_card_activation_page_uses_the_card_service_script(portal_login: PortalLogin) -> None:
    page = portal_login(seed.SECOND_DOCTOR).get(reverse("portal:card_activation")).content.decode()
    assert 'src="/static/portal/card.js"' in page and "data-card-sign" in page


# --- mobile token -------------------------------------------------------------------------


def test_mobile_token_page_shows_secret_and_qr_code(portal_login: PortalLogin) -> None:
    client = portal_login(seed.DEMO_DENTIST)
    response = client.get(reverse("portal:mobile_token"))
    assert response.status_code == 200
    secret = response.context["secret"]
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    uri = response.context["otpauth_uri"]
    parsed = urllib.parse.urlparse(uri)
    assert parsed.scheme == "otpauth" and parsed.netloc == "totp"
    query = urllib.parse.parse_qs(parsed.query)
    assert query["secret"] == [secret] and query["issuer"] == ["EESZT Sandbox"]
    assert "O58012" in urllib.parse.unquote(parsed.path)
    html = response.content.decode()
    qr = re.search(r'<img class="qr" src="data:image/svg\+xml;base64,([^"]+)"', html)
    assert qr is not None
    assert base64.b64decode(qr.group(1)).startswith(b"<?xml") or b"<svg" in base64.b64decode(
        qr.group(1)
    )
    # The same secret until it is confirmed (reloading does not change what was scanned).
    assert client.get(reverse("portal:mobile_token")).context["secret"] == secret
    assert client.get(reverse("portal:mobile_token") + "?uj=1").context["secret"] != secret


def test_mobile_token_registration_then_login_with_pyotp(
    portal_login: PortalLogin, client: Client
) -> None:
    start = dt.datetime(2030, 3, 1, 9, 0, 5, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        portal_login(seed.DEMO_DENTIST)
        secret = client.get(reverse("portal:mobile_token")).context["secret"]
        response = client.post(reverse("portal:mobile_token"), {"otp": pyotp.TOTP(secret).now()})
        assert response.status_code == 302
        assert User.objects.get(user_id=seed.DEMO_DENTIST).mobile_secret == secret
        client.post(reverse("portal:logout"))
    with time_machine.travel(start + dt.timedelta(seconds=30), tick=False):
        response = client.post(
            reverse("portal:login_mobile"),
            {"user_id": seed.DEMO_DENTIST, "otp": pyotp.TOTP(secret).now()},
        )
        assert response.status_code == 302
        session = IdpSession.objects.get(assertion_id=client.session[KEY_ASSERTION])
        assert (session.user.user_id, session.method) == (seed.DEMO_DENTIST, AuthMethod.MOBILE)


def test_mobile_token_registration_with_a_wrong_code_keeps_the_old_token(
    portal_login: PortalLogin,
) -> None:
    client = portal_login(seed.ASSISTANT)
    client.get(reverse("portal:mobile_token"))
    response = client.post(reverse("portal:mobile_token"), {"otp": "000000"})
    assert response.status_code == 400
    assert "A kód nem egyezik" in response.content.decode()
    assert (
        User.objects.get(user_id=seed.ASSISTANT).mobile_secret
        == seed.MOBILE_SECRETS[seed.ASSISTANT]
    )


# --- token password -----------------------------------------------------------------------


def test_password_change_then_token_login_with_the_new_one(
    portal_login: PortalLogin, client: Client
) -> None:
    portal_login(seed.SECOND_DOCTOR, DEMO_UNIT)
    bad = client.post(
        reverse("portal:password"),
        {"current": "rossz", "new": "Uj-jelszo-2030", "new_again": "Uj-jelszo-2030"},
    )
    assert bad.status_code == 400 and "A jelenlegi jelszó hibás." in bad.content.decode()
    mismatch = client.post(
        reverse("portal:password"),
        {"current": seed.DEMO_PASSWORD, "new": "Uj-jelszo-2030", "new_again": "Uj-jelszo-2031"},
    )
    assert mismatch.status_code == 400 and "nem egyezik" in mismatch.content.decode()
    weak = client.post(
        reverse("portal:password"),
        {"current": seed.DEMO_PASSWORD, "new": "rovid", "new_again": "rovid"},
    )
    assert weak.status_code == 400 and "legalább 10 karakter" in weak.content.decode()
    ok = client.post(
        reverse("portal:password"),
        {"current": seed.DEMO_PASSWORD, "new": "Uj-jelszo-2030", "new_again": "Uj-jelszo-2030"},
    )
    assert ok.status_code == 302
    client.post(reverse("portal:logout"))
    otp = pyotp.TOTP(seed.TOKEN_SECRETS[seed.SECOND_DOCTOR]).now()
    response = client.post(
        reverse("portal:login_token"),
        {"user_id": seed.SECOND_DOCTOR, "password": "Uj-jelszo-2030", "otp": otp},
    )
    assert response.status_code == 302
