"""Logging in to and out of EESZT, per member and company (S3): eID card, token and mobile
app through the IDP; a success is kept as the member's session, a failure explained in Hungarian."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from zomanc.audit.models import AuditAction
from zomanc.audit.services import audit_record
from zomanc.eeszt.client import idp
from zomanc.eeszt.client.errors import EesztError, EesztRefused, EesztUnavailable
from zomanc.eeszt.client.wire import Connection
from zomanc.eeszt.context import EesztNotConfigured, eeszt_connection, eeszt_user_id_for
from zomanc.eeszt.models import EesztSession, LoginMethod
from zomanc.eeszt.outbox.services import outbox_resume_for
from zomanc.eeszt.sessions import eeszt_session_end, eeszt_session_store
from zomanc.practices.models import Company, StaffMember

logger = logging.getLogger(__name__)

# The card service reports the algorithm in its own words; the IDP contract in its own.
CARD_ALGORITHMS = {"RSA-PKCS1v15-SHA256": "RSA_PKCS1_SHA256", "ECDSA-SHA256": "ECDSA_SHA256"}
_MINUTES_RE = re.compile(r"(\d+)\s*perc")


class EesztLoginFailed(Exception):
    """A login that did not succeed. `code` for programs and tests; `message` for the user;
    `settings_link` when the fix is on Beállítások / EESZT; `portal_link` when it is on the
    Ágazati portál; `field` names the form field at fault, if one is."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        field: str | None = None,
        settings_link: bool = False,
        portal_link: bool = False,
    ) -> None:
        super().__init__(code)
        self.code = code
        self.message = message
        self.field = field
        self.settings_link = settings_link
        self.portal_link = portal_link


def _user_id(member: StaffMember) -> str:
    user_id = eeszt_user_id_for(member)
    if not user_id:
        raise EesztLoginFailed(
            "NO_USER_ID",
            _(
                "Nincs megadva az Ön ágazati portál felhasználóneve, ezért nem tud belépni az "
                "EESZT-be. A rendelő tulajdonosa a Beállítások / EESZT oldalon adhatja meg."
            ),
            settings_link=True,
        )
    return user_id


def _connection(company: Company) -> Connection:
    try:
        return eeszt_connection(company)
    except EesztNotConfigured as exc:
        raise EesztLoginFailed(exc.code, exc.message, settings_link=True) from exc


def _locked_message(user_id: str, eeszt_message: str) -> str:
    match = _MINUTES_RE.search(eeszt_message)
    if match is None:
        return _(
            "Túl sok sikertelen bejelentkezés miatt az EESZT átmenetileg zárolta a(z) %(user)s "
            "felhasználót (általában 15 percre). Próbálja újra később."
        ) % {"user": user_id}
    minutes = int(match.group(1))
    at = timezone.localtime(timezone.now() + dt.timedelta(minutes=minutes))
    return _(
        "Túl sok sikertelen bejelentkezés miatt az EESZT zárolta a(z) %(user)s felhasználót. "
        "Próbálja újra kb. %(minutes)d perc múlva (%(time)s után)."
    ) % {"user": user_id, "minutes": minutes, "time": time_format(at, "H:i")}


def _failure(exc: EesztError, *, method: str, user_id: str) -> EesztLoginFailed:
    """The user's sentence for an IDP refusal or a transport failure."""
    if isinstance(exc, EesztUnavailable):
        if exc.code == "TLS":
            return EesztLoginFailed(
                exc.code,
                _(
                    "Nem jött létre biztonságos kapcsolat az EESZT-vel. Lehet, hogy a cég SSL "
                    "tanúsítványa lejárt vagy visszavonták: futtassa a „Kapcsolat "
                    "ellenőrzése” tesztet a Beállítások / EESZT oldalon."
                ),
                settings_link=True,
            )
        wait = (
            _(" Újrapróbálás legkorábban %(s)d másodperc múlva.") % {"s": exc.retry_after_seconds}
            if exc.retry_after_seconds
            else ""
        )
        return EesztLoginFailed(
            exc.code,
            _("Az EESZT most nem érhető el (%(why)s). Próbálja újra néhány perc múlva.")
            % {"why": exc.message}
            + wait,
        )
    if not isinstance(exc, EesztRefused):
        return EesztLoginFailed(
            exc.code,
            _(
                "Az EESZT hívás nem indítható: %(why)s Ellenőrizze a tanúsítványt a "
                "Beállítások / EESZT oldalon."
            )
            % {"why": exc.message},
            settings_link=True,
        )
    if exc.code == "AUTH_LOCKED":
        return EesztLoginFailed(exc.code, _locked_message(user_id, exc.message))
    if exc.code == "AUTH_FAILED":
        if method == LoginMethod.CARD:
            return EesztLoginFailed(
                exc.code,
                _(
                    "Az EESZT nem fogadta el a kártyás bejelentkezést (%(why)s). Kattintson "
                    "újra a Bejelentkezés gombra; öt sikertelen próbálkozás után az EESZT 15 "
                    "percre zárolja a felhasználót."
                )
                % {"why": exc.message},
            )
        if method == LoginMethod.TOKEN:
            return EesztLoginFailed(
                exc.code,
                _(
                    "Hibás jelszó vagy token kód. Minden kód csak egyszer használható: ha ezt "
                    "a kódot már beírta, várja meg a következőt. Öt sikertelen próbálkozás "
                    "után az EESZT 15 percre zárolja a felhasználót."
                ),
                field="otp",
            )
        return EesztLoginFailed(
            exc.code,
            _(
                "Hibás vagy már felhasznált mobiltoken kód. Minden kód csak egyszer "
                "használható: várja meg, amíg az alkalmazás újat mutat. Öt sikertelen "
                "próbálkozás után az EESZT 15 percre zárolja a felhasználót."
            ),
            field="otp",
        )
    if exc.code == "AUTH_CERT_INVALID":
        return EesztLoginFailed(
            exc.code,
            _(
                "Az EESZT nem fogadta el a kártya tanúsítványát (%(why)s). Ha a kártyát még "
                "nem aktiválta, tegye meg az ágazati portálon."
            )
            % {"why": exc.message},
            portal_link=True,
        )
    return EesztLoginFailed(
        exc.code,
        _("Az EESZT elutasította a bejelentkezést: %(why)s (%(code)s)")
        % {"why": exc.message, "code": exc.code},
    )


def _audit_failure(
    *,
    member: StaffMember,
    company: Company,
    user_id: str,
    method: str,
    code: str,
    request: HttpRequest | None,
) -> None:
    audit_record(
        practice=member.practice,
        actor=member.user,
        action=AuditAction.LOGIN_FAILED,
        object_type="eeszt.login",
        object_id=str(company.pk),
        summary=_("Sikertelen EESZT bejelentkezés: %(user)s, %(method)s, %(company)s (%(code)s)")
        % {
            "user": user_id,
            "method": LoginMethod(method).label,
            "company": company.name,
            "code": code,
        },
        request=request,
    )


@transaction.atomic
def _finish(
    *,
    member: StaffMember,
    company: Company,
    assertion: idp.Assertion,
    method: str,
    request: HttpRequest | None,
) -> EesztSession:
    session = eeszt_session_store(
        member=member,
        company=company,
        assertion=assertion.xml,
        assertion_id=assertion.assertion_id,
        eeszt_user_id=assertion.user_id,
        not_on_or_after=assertion.not_on_or_after,
        login_method=method,
    )
    resumed = outbox_resume_for(member_id=member.pk, company_id=company.pk)
    audit_record(
        practice=member.practice,
        actor=member.user,
        action=AuditAction.LOGIN,
        obj=session,
        summary=_("EESZT bejelentkezés: %(user)s, %(method)s, %(company)s, %(until)s-ig")
        % {
            "user": session.eeszt_user_id,
            "method": LoginMethod(method).label,
            "company": company.name,
            "until": time_format(timezone.localtime(session.not_on_or_after), "H:i"),
        },
        changes={"resumed_outbox_items": [0, resumed]} if resumed else None,
        request=request,
    )
    return session


def _login(
    *,
    member: StaffMember,
    company: Company,
    method: str,
    user_id: str,
    call: Callable[[], idp.Assertion],
    request: HttpRequest | None,
) -> EesztSession:
    try:
        assertion = call()
    except EesztError as exc:
        failure = _failure(exc, method=method, user_id=user_id)
        logger.info("EESZT login failed: member=%s code=%s", member.pk, exc.code)
        if isinstance(exc, EesztRefused):
            _audit_failure(
                member=member,
                company=company,
                user_id=user_id,
                method=method,
                code=exc.code,
                request=request,
            )
        raise failure from None
    if assertion.user_id != user_id:  # the IDP logged in someone else: refuse to keep it
        raise EesztLoginFailed(
            "USER_MISMATCH", _("Az EESZT más felhasználót azonosított; a belépést elvetettük.")
        )
    return _finish(
        member=member, company=company, assertion=assertion, method=method, request=request
    )


def _check_company(member: StaffMember, company: Company) -> None:
    if member.practice_id != company.practice_id:
        raise ValueError("company of another practice")


def _user_and_connection(member: StaffMember, company: Company) -> tuple[str, Connection]:
    """The member's EESZT user id and the company's connection, or why he cannot log in."""
    _check_company(member, company)
    user_id = _user_id(member)
    return user_id, _connection(company)


def eeszt_login_challenge(*, member: StaffMember, company: Company) -> idp.Challenge:
    """Step 1 of the card login: a fresh IDP nonce for the member (2 minutes, single use),
    asked with the company's certificate."""
    user_id, conn = _user_and_connection(member, company)
    try:
        return idp.challenge_request(conn, user_id=user_id)
    except EesztError as exc:
        raise _failure(exc, method=LoginMethod.CARD, user_id=user_id) from None


def eeszt_login_card(
    *,
    member: StaffMember,
    company: Company,
    nonce: bytes,
    challenge_expires_at: dt.datetime,
    signature: bytes,
    certificate_der: bytes,
    algorithm: str,
    request: HttpRequest | None = None,
) -> EesztSession:
    """Step 2: the card's signature over the nonce (made by the card service after the PIN)
    and the card's certificate go to the IDP."""
    _check_company(member, company)
    user_id = _user_id(member)
    if challenge_expires_at <= timezone.now():
        # Known here without asking EESZT — and asking would count as a failed login.
        raise EesztLoginFailed(
            "CHALLENGE_EXPIRED",
            _(
                "A kártyás bejelentkezés kihívása lejárt (2 percig érvényes). Kattintson újra "
                "a Bejelentkezés gombra, és adja meg a PIN kódot."
            ),
        )
    wire_algorithm = CARD_ALGORITHMS.get(algorithm)
    if wire_algorithm is None or not signature or not certificate_der:
        raise EesztLoginFailed(
            "BAD_SIGNATURE",
            _("A kártyaszolgáltatás nem adott értékelhető aláírást. Próbálja újra."),
        )
    # Not _user_and_connection: the certificate comes out of the vault only once the card's
    # answer is known to be usable.
    conn = _connection(company)
    return _login(
        member=member,
        company=company,
        method=LoginMethod.CARD,
        user_id=user_id,
        call=lambda: idp.card_login(
            conn,
            user_id=user_id,
            nonce=nonce,
            signature=signature,
            certificate_der=certificate_der,
            algorithm=wire_algorithm,
        ),
        request=request,
    )


def eeszt_login_token(
    *,
    member: StaffMember,
    company: Company,
    password: str,
    otp: str,
    request: HttpRequest | None = None,
) -> EesztSession:
    user_id, conn = _user_and_connection(member, company)
    return _login(
        member=member,
        company=company,
        method=LoginMethod.TOKEN,
        user_id=user_id,
        call=lambda: idp.token_login(conn, user_id=user_id, password=password, otp=otp),
        request=request,
    )


def eeszt_login_mobile(
    *,
    member: StaffMember,
    company: Company,
    otp: str,
    request: HttpRequest | None = None,
) -> EesztSession:
    user_id, conn = _user_and_connection(member, company)
    return _login(
        member=member,
        company=company,
        method=LoginMethod.MOBILE,
        user_id=user_id,
        call=lambda: idp.mobile_token_login(conn, user_id=user_id, otp=otp),
        request=request,
    )


def eeszt_logout(*, session: EesztSession, request: HttpRequest | None = None) -> bool:
    """Ends the member's EESZT login: tells the IDP (best effort) and ends it here in any
    case. Returns whether EESZT confirmed it — False when it could not be reached (the
    assertion is destroyed locally either way, so nothing here can use it again)."""
    told = False
    if session.ended_at is None:
        try:
            conn = eeszt_connection(session.company)
            idp.logout(conn, assertion_id=session.assertion_id)
            told = True
        except EesztError as exc:
            logger.info("EESZT logout not confirmed: session=%s code=%s", session.pk, exc.code)
    with transaction.atomic():
        ended = eeszt_session_end(session=session, reason="logout")
        audit_record(
            practice=session.company.practice,
            actor=session.member.user,
            action=AuditAction.LOGOUT,
            obj=ended,
            summary=_("Kilépés az EESZT-ből: %(user)s, %(company)s")
            % {"user": ended.eeszt_user_id, "company": session.company.name},
            request=request,
        )
    return told
