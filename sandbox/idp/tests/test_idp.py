"""IDP rules (contract §2): card via a real PKCS#11 signature (SoftHSM), token, mobile
token, assertion content, nonce and OTP single use, lockout."""

from __future__ import annotations

import base64
import datetime as dt

import pyotp
import pytest
import time_machine
from django.test import Client
from lxml import etree

from sandbox import testing
from sandbox.idp.models import CardActivation, IdpSession
from sandbox.idp.saml import assertion_verify
from sandbox.pki.card import DemoCard, card_sign, demo_card_ensure
from sandbox.pki.models import IssuedCertificate
from sandbox.pki.services import certificate_revoke
from sandbox.registry import seed
from sandbox.soap.ns import SAML, service_ns

IDP = service_ns("idp")
pytestmark = pytest.mark.django_db


def call(client: Client, cert: bytes, op: str, **fields: object) -> testing.Answer:
    return testing.post(
        client, "idp", testing.envelope(testing.payload(IDP, f"{op}Request", **fields)), cert
    )


@pytest.fixture
def card(seeded: None) -> DemoCard:
    return demo_card_ensure(user_id=seed.DEMO_DENTIST)


def card_login(
    client: Client, cert: bytes, card: DemoCard, *, sign: bool = True, nonce: bytes | None = None
) -> testing.Answer:
    if nonce is None:
        challenge = call(client, cert, "ChallengeRequest", userId=card.user_id)
        nonce = base64.b64decode(challenge.find("nonce") or "")
    signature = card_sign(card=card, data=nonce) if sign else card_sign(card=card, data=b"other")
    return call(
        client,
        cert,
        "CardLogin",
        userId=card.user_id,
        nonce=base64.b64encode(nonce).decode(),
        signatureAlgorithm="RSA_PKCS1_SHA256",
        signature=base64.b64encode(signature).decode(),
        certificate=base64.b64encode(card.certificate_der).decode(),
    )


def test_card_login_signs_a_real_challenge_through_pkcs11(
    client: Client, waf_der: bytes, card: DemoCard
) -> None:
    assert len(card.pin) == 6 and card.pin.isdigit()
    answer = card_login(client, waf_der, card)
    assert answer.status == 200, answer.raw
    assertion = base64.b64decode(answer.find("assertion") or "")
    info = assertion_verify(
        element=etree.fromstring(assertion),
        issuer="urn:zomanc:eeszt-sandbox:idp",
        audience="urn:zomanc:eeszt-sandbox:services",
    )
    assert info.subject == "O58012"
    assert info.method == "CARD"
    assert info.not_on_or_after - info.not_before == dt.timedelta(hours=7)
    root = etree.fromstring(assertion)
    attrs = {a.get("Name"): [v.text for v in a] for a in root.iter(f"{{{SAML}}}Attribute")}
    assert attrs["stamp"] == ["58012"]
    assert attrs["name"] == ["Dr. Kovács Anna"]
    assert "ORVOS" in attrs["roles"]


def test_session_length_is_a_setting(
    client: Client, waf_der: bytes, card: DemoCard, settings: object
) -> None:
    settings.SANDBOX_SESSION_HOURS = 2  # type: ignore[attr-defined]
    answer = card_login(client, waf_der, card)
    session = IdpSession.objects.get(assertion_id=answer.find("assertionId"))
    assert session.not_on_or_after - session.issued_at == dt.timedelta(hours=2)


def test_nonce_is_single_use(client: Client, waf_der: bytes, card: DemoCard) -> None:
    challenge = call(client, waf_der, "ChallengeRequest", userId=card.user_id)
    nonce = base64.b64decode(challenge.find("nonce") or "")
    assert card_login(client, waf_der, card, nonce=nonce).status == 200
    assert card_login(client, waf_der, card, nonce=nonce).fault_code == "AUTH_FAILED"


def test_nonce_expires_after_two_minutes(client: Client, waf_der: bytes, card: DemoCard) -> None:
    challenge = call(client, waf_der, "ChallengeRequest", userId=card.user_id)
    nonce = base64.b64decode(challenge.find("nonce") or "")
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=121)):
        assert card_login(client, waf_der, card, nonce=nonce).fault_code == "AUTH_FAILED"


def test_wrong_card_signature_is_refused(client: Client, waf_der: bytes, card: DemoCard) -> None:
    assert card_login(client, waf_der, card, sign=False).fault_code == "AUTH_FAILED"


def test_revoked_card_certificate_is_refused(
    client: Client, waf_der: bytes, card: DemoCard
) -> None:
    certificate_revoke(
        certificate=IssuedCertificate.objects.get(kind="EID", user__user_id="O58012")
    )
    assert card_login(client, waf_der, card).fault_code == "AUTH_CERT_INVALID"


def test_card_not_activated_on_the_portal_is_refused(
    client: Client, waf_der: bytes, card: DemoCard
) -> None:
    CardActivation.objects.all().delete()
    answer = card_login(client, waf_der, card)
    assert answer.fault_code == "AUTH_CERT_INVALID"
    assert "aktiválva" in (answer.fault_message or "")


def test_card_certificate_not_from_the_eid_ca_is_refused(
    client: Client, waf_der: bytes, card: DemoCard
) -> None:
    challenge = call(client, waf_der, "ChallengeRequest", userId=card.user_id)
    nonce = base64.b64decode(challenge.find("nonce") or "")
    answer = call(
        client,
        waf_der,
        "CardLogin",
        userId=card.user_id,
        nonce=base64.b64encode(nonce).decode(),
        signatureAlgorithm="RSA_PKCS1_SHA256",
        signature=base64.b64encode(card_sign(card=card, data=nonce)).decode(),
        certificate=base64.b64encode(waf_der).decode(),  # a WAF cert is not a card cert
    )
    assert answer.fault_code == "AUTH_CERT_INVALID"


def token_login(
    client: Client, cert: bytes, otp: str, password: str = seed.DEMO_PASSWORD
) -> testing.Answer:
    return call(client, cert, "TokenLogin", userId=seed.SECOND_DOCTOR, password=password, otp=otp)


TOTP = pyotp.TOTP(seed.TOKEN_SECRETS[seed.SECOND_DOCTOR])
MOBILE = pyotp.TOTP(seed.MOBILE_SECRETS[seed.SECOND_DOCTOR])
# 5 s into a TOTP step near now (certificates must still be valid at T0).
T0 = dt.datetime.fromtimestamp(
    (int(dt.datetime.now(dt.UTC).timestamp()) // 30 + 2) * 30 + 5, dt.UTC
)


def test_token_login_password_and_otp(client: Client, waf_der: bytes) -> None:
    with time_machine.travel(T0, tick=False):
        answer = token_login(client, waf_der, TOTP.now())
    assert answer.status == 200, answer.raw
    assert IdpSession.objects.get(assertion_id=answer.find("assertionId")).method == "TOKEN"


def test_token_login_wrong_password_is_refused(client: Client, waf_der: bytes) -> None:
    with time_machine.travel(T0, tick=False):
        assert token_login(client, waf_der, TOTP.now(), "rossz").fault_code == "AUTH_FAILED"


def test_otp_is_accepted_once_only(client: Client, waf_der: bytes) -> None:
    with time_machine.travel(T0, tick=False):
        otp = TOTP.now()
        assert token_login(client, waf_der, otp).status == 200
        assert token_login(client, waf_der, otp).fault_code == "AUTH_FAILED"


def test_otp_window_is_plus_minus_one_step(client: Client, waf_der: bytes) -> None:
    with time_machine.travel(T0, tick=False):
        previous = TOTP.at(T0 - dt.timedelta(seconds=30))
        too_old = TOTP.at(T0 - dt.timedelta(seconds=60))
        assert token_login(client, waf_der, too_old).fault_code == "AUTH_FAILED"
        assert token_login(client, waf_der, previous).status == 200


def test_mobile_token_login_and_replay(client: Client, waf_der: bytes) -> None:
    with time_machine.travel(T0, tick=False):
        otp = MOBILE.now()
        first = call(client, waf_der, "MobileTokenLogin", userId=seed.SECOND_DOCTOR, otp=otp)
        again = call(client, waf_der, "MobileTokenLogin", userId=seed.SECOND_DOCTOR, otp=otp)
    assert first.status == 200
    assert again.fault_code == "AUTH_FAILED"


def test_unknown_user_is_auth_failed(client: Client, waf_der: bytes) -> None:
    assert call(client, waf_der, "ChallengeRequest", userId="O99999").fault_code == "AUTH_FAILED"


def test_five_failures_in_15_minutes_lock_the_user_for_15_minutes(
    client: Client, waf_der: bytes
) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        for _ in range(5):
            assert token_login(client, waf_der, "000000", "rossz").fault_code == "AUTH_FAILED"
            traveller.shift(dt.timedelta(minutes=2))
        # Right password and OTP now (2 min after the 5th failure): locked.
        assert token_login(client, waf_der, TOTP.now()).fault_code == "AUTH_LOCKED"
        traveller.shift(dt.timedelta(minutes=12))  # 14 min after the 5th failure
        assert token_login(client, waf_der, TOTP.now()).fault_code == "AUTH_LOCKED"
        traveller.shift(dt.timedelta(minutes=1, seconds=30))
        assert token_login(client, waf_der, TOTP.now()).status == 200


def test_failures_spread_over_more_than_15_minutes_do_not_lock(
    client: Client, waf_der: bytes
) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        for _ in range(5):
            assert token_login(client, waf_der, "000000", "rossz").fault_code == "AUTH_FAILED"
            traveller.shift(dt.timedelta(minutes=4))
        assert token_login(client, waf_der, TOTP.now()).status == 200


def test_logout_operation_ends_the_session(client: Client, waf_der: bytes) -> None:
    with time_machine.travel(T0, tick=False):
        answer = token_login(client, waf_der, TOTP.now())
    assertion_id = answer.find("assertionId")
    assert call(client, waf_der, "Logout", assertionId=assertion_id).find("ended") == "true"
    assert IdpSession.objects.get(assertion_id=assertion_id).ended_at is not None
    assert call(client, waf_der, "Logout", assertionId=assertion_id).find("ended") == "false"


def test_idp_needs_the_institution_certificate(client: Client, seeded: None) -> None:
    answer = testing.post(
        client,
        "idp",
        testing.envelope(testing.payload(IDP, "ChallengeRequestRequest", userId="O58012")),
        None,
    )
    assert answer.fault_code == "AUTH_CERT_INVALID"
