"""User authentication at the EESZT IDP: challenge + card, token, mobile token; logout.

Each login returns the signed SAML assertion as the exact bytes EESZT sent: callers store
them (encrypted) and hand them back untouched in CallContext.assertion."""

import datetime as dt
from dataclasses import dataclass, field

from zomanc.eeszt.client.wire import Connection, call


@dataclass(frozen=True)
class Challenge:
    nonce: bytes
    expires_at: dt.datetime


@dataclass(frozen=True)
class Assertion:
    user_id: str
    assertion_id: str
    not_on_or_after: dt.datetime
    xml: bytes = field(repr=False)


def _assertion(result: object) -> Assertion:
    return Assertion(
        user_id=result.userId,  # type: ignore[attr-defined]
        assertion_id=result.assertionId,  # type: ignore[attr-defined]
        not_on_or_after=result.notOnOrAfter,  # type: ignore[attr-defined]
        xml=result.assertion,  # type: ignore[attr-defined]
    )


def challenge_request(conn: Connection, *, user_id: str) -> Challenge:
    result = call(conn, "idp", "ChallengeRequest", ctx=None, userId=user_id)
    return Challenge(nonce=result.nonce, expires_at=result.expiresAt)


def card_login(
    conn: Connection,
    *,
    user_id: str,
    nonce: bytes,
    signature: bytes,
    certificate_der: bytes,
    algorithm: str = "RSA_PKCS1_SHA256",
) -> Assertion:
    return _assertion(
        call(
            conn,
            "idp",
            "CardLogin",
            ctx=None,
            userId=user_id,
            nonce=nonce,
            signatureAlgorithm=algorithm,
            signature=signature,
            certificate=certificate_der,
        )
    )


def token_login(conn: Connection, *, user_id: str, password: str, otp: str) -> Assertion:
    return _assertion(
        call(conn, "idp", "TokenLogin", ctx=None, userId=user_id, password=password, otp=otp)
    )


def mobile_token_login(conn: Connection, *, user_id: str, otp: str) -> Assertion:
    return _assertion(call(conn, "idp", "MobileTokenLogin", ctx=None, userId=user_id, otp=otp))


def logout(conn: Connection, *, assertion_id: str) -> bool:
    return bool(call(conn, "idp", "Logout", ctx=None, assertionId=assertion_id))
