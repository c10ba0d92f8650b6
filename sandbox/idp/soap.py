"""The IDP SOAP service: called with the institution's TLS certificate, no assertion."""

from __future__ import annotations

import base64
import binascii

from lxml import etree

from sandbox.idp import services
from sandbox.soap.context import CallContext
from sandbox.soap.errors import SoapFault
from sandbox.soap.registry import register_service

idp = register_service("idp", auth="cert", title="Azonosítás (IDP)")


def _t(ctx: CallContext, req: etree._Element, name: str) -> str:
    return req.findtext(ctx.q(name)) or ""


def _bytes(ctx: CallContext, req: etree._Element, name: str) -> bytes:
    try:
        return base64.b64decode(_t(ctx, req, name), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SoapFault("SCHEMA_INVALID", f"Hibás base64 érték: {name}", element=name) from exc


def _login_answer(ctx: CallContext, tag: str, result: services.LoginResult) -> etree._Element:
    b = ctx.b
    return b(
        tag,
        b("userId", result.session.user.user_id),
        b("assertionId", result.session.assertion_id),
        b("notOnOrAfter", result.session.not_on_or_after),
        b("assertion", services.b64(result.assertion)),
    )


def _refused(exc: services.LoginRefused) -> SoapFault:
    return SoapFault(exc.code, exc.message)


@idp.operation("ChallengeRequest", atomic=False)
def challenge_request(ctx: CallContext, req: etree._Element) -> etree._Element:
    """A nonce for a card login: valid 2 minutes, single use."""
    try:
        challenge = services.challenge_issue(user_id=_t(ctx, req, "userId"))
    except services.LoginRefused as exc:
        raise _refused(exc) from exc
    return ctx.b(
        "ChallengeRequestResponse",
        ctx.b("nonce", services.b64(bytes.fromhex(challenge.nonce))),
        ctx.b("expiresAt", challenge.expires_at),
    )


@idp.operation("CardLogin", atomic=False)
def card_login(ctx: CallContext, req: etree._Element) -> etree._Element:
    """eID card login: the card signs the nonce; chain to the eID CA, activation, revocation."""
    try:
        result = services.card_login(
            user_id=_t(ctx, req, "userId"),
            nonce=_bytes(ctx, req, "nonce"),
            algorithm=_t(ctx, req, "signatureAlgorithm"),
            signature=_bytes(ctx, req, "signature"),
            certificate_der=_bytes(ctx, req, "certificate"),
        )
    except services.LoginRefused as exc:
        raise _refused(exc) from exc
    return _login_answer(ctx, "CardLoginResponse", result)


@idp.operation("TokenLogin", atomic=False)
def token_login(ctx: CallContext, req: etree._Element) -> etree._Element:
    """Portal password + the physical token's TOTP (30 s, ±1 step, once)."""
    try:
        result = services.token_login(
            user_id=_t(ctx, req, "userId"),
            password=_t(ctx, req, "password"),
            otp=_t(ctx, req, "otp"),
        )
    except services.LoginRefused as exc:
        raise _refused(exc) from exc
    return _login_answer(ctx, "TokenLoginResponse", result)


@idp.operation("MobileTokenLogin", atomic=False)
def mobile_token_login(ctx: CallContext, req: etree._Element) -> etree._Element:
    """The mobile-token app's TOTP (30 s, ±1 step, once)."""
    try:
        result = services.mobile_token_login(
            user_id=_t(ctx, req, "userId"), otp=_t(ctx, req, "otp")
        )
    except services.LoginRefused as exc:
        raise _refused(exc) from exc
    return _login_answer(ctx, "MobileTokenLoginResponse", result)


@idp.operation("Logout")
def logout(ctx: CallContext, req: etree._Element) -> etree._Element:
    """Ends an assertion before its NotOnOrAfter."""
    ended = services.session_logout(assertion_id=_t(ctx, req, "assertionId"))
    return ctx.b("LogoutResponse", ctx.b("ended", ended))
