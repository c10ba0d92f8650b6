"""The one place where the product turns its own data into what the client adapter needs:
a `Connection` (endpoint + the company's certificate + the pinned CA) and a `CallContext`
(EESZT user, institution, org unit, role, the session's assertion).

Feature views that call EESZT on behalf of the logged-in member use `eeszt_context_for`
under `@eeszt_login_redirects`: with no EESZT login (or one EESZT no longer accepts) the user
is sent to the EESZT login page and brought back to where he was (S3)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Concatenate, ParamSpec
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from zomanc.core.prebuilt import prebuilt
from zomanc.eeszt.client.errors import EesztError, EesztLoginRequired
from zomanc.eeszt.client.wire import CallContext, Connection
from zomanc.eeszt.models import (
    CertificateStatus,
    EesztCertificate,
    EesztMemberProfile,
    EesztSession,
)
from zomanc.eeszt.sessions import eeszt_session_active, eeszt_session_assertion, eeszt_session_end
from zomanc.eeszt.vault import vault_decrypt
from zomanc.practices.models import Company, OrgUnit, Role, StaffMember
from zomanc.practices.permissions import member_roles

# Roles of the contract's Context header (common.xsd `Role`).
ROLE_DOCTOR = "ORVOS"
ROLE_USER = "EESZT_FELHASZNALO"


class EesztNotConfigured(EesztError):
    """Our side cannot call EESZT for this company: no usable certificate."""


def eeszt_ca_pem() -> bytes:
    """The pinned EESZT CA(s) — from EESZT_CA_BUNDLE only, never a system store."""
    return Path(settings.EESZT_CA_BUNDLE).read_bytes()


def eeszt_connection_for_certificate(cert: EesztCertificate) -> Connection:
    """A Connection presenting this certificate (the connection test of a pending one)."""
    try:
        pkcs12_data, password = eeszt_certificate_material(cert)
    except ValueError as exc:
        raise EesztNotConfigured(
            "NO_CERTIFICATE", _("A tanúsítvány kulcsa már nem érhető el; töltsön fel újat.")
        ) from exc
    try:
        ca_pem = eeszt_ca_pem()
    except OSError as exc:
        raise EesztNotConfigured(
            "NO_CA",
            _("Az EESZT tanúsítványkiadó (EESZT_CA_BUNDLE) nem olvasható a szerveren: %(err)s")
            % {"err": exc.strerror or exc},
        ) from exc
    return Connection(
        endpoint=settings.EESZT_ENDPOINT,
        pkcs12_data=pkcs12_data,
        pkcs12_password=password,
        ca_pem=ca_pem,
        timeout_seconds=settings.EESZT_TIMEOUT_SECONDS,
    )


# Every EESZT page calls it: prebuilt (zomanc/core/prebuilt.py, issue 18), its sealed key
# and password with it (each was a query of its own).
@prebuilt
def _active_certificate(practice_id: int, company_id: int) -> QuerySet[EesztCertificate]:
    return (
        EesztCertificate.objects.filter(
            practice_id=practice_id, company_id=company_id, status=CertificateStatus.ACTIVE
        )
        .select_related("pkcs12_secret", "password_secret")
        .order_by("pk")[:1]
    )


def eeszt_connection(company: Company) -> Connection:
    """The company's Connection: its active certificate. EesztNotConfigured without one."""
    found = _active_certificate(practice_id=company.practice_id, company_id=company.pk)
    cert = found[0] if found else None
    if cert is None:
        raise EesztNotConfigured(
            "NO_CERTIFICATE",
            _(
                "Nincs aktív EESZT tanúsítvány a(z) %(company)s cégnél; a Beállítások / EESZT "
                "oldalon kell feltölteni."
            )
            % {"company": company.name},
        )
    return eeszt_connection_for_certificate(cert)


def eeszt_role_for(member: StaffMember) -> str:
    """Doctors (anyone with a stamp number) act as ORVOS, everyone else as EESZT_FELHASZNALO
    — the VMátrix role the rights admin grants for each."""
    return ROLE_DOCTOR if Role.DOCTOR in member_roles(member) else ROLE_USER


def eeszt_default_org_unit(company: Company) -> OrgUnit | None:
    return (
        OrgUnit.objects.filter(practice_id=company.practice_id, company=company, is_active=True)
        .order_by("code")
        .first()
    )


def eeszt_call_context(
    *, session: EesztSession, company: Company, org_unit: OrgUnit, role: str
) -> CallContext:
    """Who acts (the session's EESZT user, with its assertion), for which institution and
    org unit, in which role."""
    if org_unit.company_id != company.pk or session.company_id != company.pk:
        raise ValueError("org unit / session of another company")
    return CallContext(
        user_id=session.eeszt_user_id,
        institution_id=company.institution_id,
        org_unit_id=org_unit.code,
        role=role,
        assertion=eeszt_session_assertion(session),
    )


# --- views that need an EESZT login --------------------------------------------------------


class EesztLoginRedirect(Exception):
    """Raised by `eeszt_context_for` when the member has no EESZT login for the company;
    `@eeszt_login_redirects` turns it into the redirect to the login page."""

    def __init__(self, company: Company) -> None:
        super().__init__(f"EESZT login needed for company {company.pk}")
        self.company = company


def _return_url(request: HttpRequest) -> str:
    """Where the user continues after the EESZT login: the page he was on. For an htmx
    fragment or a form post that is the page (not the fragment / POST endpoint)."""
    candidates = []
    if request.headers.get("HX-Request"):
        candidates.append(request.headers.get("HX-Current-URL", ""))
    if request.method != "GET":
        candidates.append(request.headers.get("Referer", ""))
    else:
        candidates.append(request.get_full_path())
    for url in candidates:
        if url and url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return url
    return reverse("core:home")


def eeszt_login_url(*, company: Company, next_url: str) -> str:
    return f"{reverse('eeszt:login')}?{urlencode({'company': company.pk, 'next': next_url})}"


def eeszt_context_for(
    request: HttpRequest,
    company: Company,
    *,
    org_unit: OrgUnit | None = None,
    role: str | None = None,
) -> CallContext:
    """The CallContext for the requesting member's EESZT calls for this company (org unit:
    the given one, else the company's first). Raises EesztLoginRedirect when he has no valid
    EESZT login, EesztNotConfigured when the company cannot call EESZT."""
    member: StaffMember = request.member  # type: ignore[attr-defined]
    if member.practice_id != company.practice_id:
        raise ValueError("company of another practice")
    used: list[int] = request.__dict__.setdefault("_eeszt_companies", [])
    if company.pk not in used:
        used.append(company.pk)
    session = eeszt_session_active(member=member, company=company)
    if session is None:
        raise EesztLoginRedirect(company)
    unit = org_unit or eeszt_default_org_unit(company)
    if unit is None:
        raise EesztNotConfigured(
            "NO_ORG_UNIT", _("A cégnél nincs szervezeti egység megadva (Beállítások / EESZT).")
        )
    return eeszt_call_context(
        session=session, company=company, org_unit=unit, role=role or eeszt_role_for(member)
    )


def _redirect(request: HttpRequest, company: Company) -> HttpResponse:
    url = eeszt_login_url(company=company, next_url=_return_url(request))
    if request.headers.get("HX-Request"):
        # htmx would swap the login page into a fragment; make the whole page go there.
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


P = ParamSpec("P")


def eeszt_login_redirects[**P](
    view: Callable[Concatenate[HttpRequest, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """For views that call EESZT as the member: no EESZT login → the login page, then back.
    A call EESZT answered "log in again" (EesztLoginRequired) ends the stale local session
    first, so the header and the outbox stop counting on it."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except EesztLoginRedirect as exc:
            return _redirect(request, exc.company)
        except EesztLoginRequired:
            member: StaffMember = request.member  # type: ignore[attr-defined]
            companies = list(
                Company.objects.filter(
                    practice_id=member.practice_id,
                    pk__in=request.__dict__.get("_eeszt_companies", []),
                )
            )
            if not companies:
                raise
            for company in companies:
                session = eeszt_session_active(member=member, company=company)
                if session is not None:
                    eeszt_session_end(session=session, reason="expired")
            return _redirect(request, companies[0])

    return wrapper


def default_portal_username(member: StaffMember) -> str:
    """S11: a doctor's EESZT / portal username is "O" + his stamp number."""
    return f"O{member.stamp_number}" if member.stamp_number else ""


def eeszt_certificate_material(cert: EesztCertificate) -> tuple[bytes, str]:
    """(PKCS#12 bytes, SMS code) of a stored certificate — for the TLS layer only; never
    for a template, a log line or an API answer."""
    if cert.pkcs12_secret is None or cert.password_secret is None:
        raise ValueError("certificate material destroyed")
    data = vault_decrypt(cert.pkcs12_secret, purpose=cert.pkcs12_purpose)
    password = vault_decrypt(cert.password_secret, purpose=cert.password_purpose).decode()
    return data, password


def eeszt_user_id_for(member: StaffMember) -> str:
    """The member's EESZT user id: his portal username (doctors: "O" + stamp number)."""
    profile = EesztMemberProfile.objects.filter(
        practice_id=member.practice_id, member=member
    ).first()
    if profile is not None and profile.portal_username:
        return profile.portal_username
    return default_portal_username(member)
