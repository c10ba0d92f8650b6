"""The "Kapcsolat ellenőrzése" test, through the client adapter (one wire), reported stage by
stage in words a practice owner can act on:

1. TLS + certificate — a certificate-only IDP call (ChallengeRequest): any answer of the IDP,
   even a refusal of the user, proves that the TLS connection stands, the server is the
   pinned EESZT CA's, and EESZT accepted the institution's certificate;
2. login — the member's EESZT session is accepted by a business call;
3. rights (VMátrix) — the same harmless read (the TB-lámpa of the test TAJ: no patient's
   data is read, nothing lands in a patient's access log) in every org unit of the company,
   in the member's role: ROLE_MISSING / CONTEXT_NOT_PERMITTED
   becomes what to ask the institution's rights admin for (S4).

Nothing here touches the database: services.eeszt_connection_test records the result."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from zomanc.eeszt.client import eligibility, idp
from zomanc.eeszt.client.errors import (
    EesztError,
    EesztLoginRequired,
    EesztRefused,
    EesztUnavailable,
)
from zomanc.eeszt.client.wire import CallContext, Connection

StageState = Literal["ok", "failed", "not_checked"]
RIGHTS_CODES = frozenset({"ROLE_MISSING", "CONTEXT_NOT_PERMITTED"})

# OpenSSL's wording when the server refuses our client certificate (TLS 1.2 during the
# handshake, TLS 1.3 on the first read after it).
_CLIENT_CERT_ALERTS = (
    "ALERT_BAD_CERTIFICATE",
    "ALERT_CERTIFICATE_UNKNOWN",
    "ALERT_UNKNOWN_CA",
    "ALERT_CERTIFICATE_REQUIRED",
    "ALERT_CERTIFICATE_EXPIRED",
    "ALERT_CERTIFICATE_REVOKED",
    "ALERT_HANDSHAKE_FAILURE",
    "ALERT_ACCESS_DENIED",
    "BAD CERTIFICATE",
    "CERTIFICATE REQUIRED",
    "UNKNOWN CA",
)
ROLE_LABELS = {
    "ORVOS": "ORVOS (orvos)",
    "EESZT_FELHASZNALO": "EESZT_FELHASZNALO (felhasználó)",
}


@dataclass
class StageResult:
    key: str
    label: str
    state: StageState
    reason: str
    details: list[str] = field(default_factory=list)
    code: str = ""  # the EESZT / transport code behind a failure, for programs

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class RightsProbe:
    """One org unit to try the member's rights in."""

    org_unit_code: str
    org_unit_name: str
    ctx: CallContext


def _stages() -> dict[str, StageResult]:
    return {
        "tls": StageResult("tls", _("TLS kapcsolat"), "not_checked", ""),
        "certificate": StageResult("certificate", _("Tanúsítvány"), "not_checked", ""),
        "login": StageResult("login", _("Bejelentkezés"), "not_checked", ""),
        "rights": StageResult("rights", _("Jogosultság (VMátrix)"), "not_checked", ""),
    }


def _cause_text(exc: BaseException) -> str:
    """Everything the transport said (requests wraps urllib3 wraps ssl), upper-cased."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts.append(f"{type(current).__name__} {current}")
        current = current.__cause__ or current.__context__
    return " ".join(parts).upper().replace("SSLV3_", "").replace("TLSV13_", "")


def _is_client_cert_alert(text: str) -> bool:
    return any(marker in text for marker in _CLIENT_CERT_ALERTS)


def _where(conn: Connection) -> str:
    parts = urlsplit(conn.endpoint)
    return f"{parts.hostname}:{parts.port or 443}"


def _certificate_refused(cert: StageResult, detail: str) -> None:
    cert.state = "failed"
    cert.reason = _(
        "A szerver nem fogadta el az intézményi tanúsítványt (%(err)s). Lejárt, visszavont "
        "vagy nem ehhez a szolgáltatáshoz tartozik?"
    ) % {"err": detail}


def _tls_ok(tls: StageResult) -> None:
    tls.state = "ok"
    tls.reason = _(
        "A titkosított kapcsolat felépült, a szerver tanúsítványa a beállított EESZT "
        "tanúsítványkiadótól származik."
    )


def _transport_failure(
    exc: EesztUnavailable, conn: Connection, tls: StageResult, cert: StageResult
) -> None:
    """Reads what went wrong on the way from the transport's own words."""
    text = _cause_text(exc)
    cert.code = tls.code = exc.code
    if exc.code.startswith("HTTP_"):
        _tls_ok(tls)
        status = exc.code.removeprefix("HTTP_")
        if status in {"401", "403", "495", "496"}:
            cert.state = "failed"
            cert.reason = _(
                "A szerver elutasította az intézményi tanúsítványt (HTTP %(code)s)."
            ) % {"code": status}
        elif status in {"502", "503", "504"}:
            cert.reason = _(
                "Az EESZT most nem érhető el (karbantartás vagy túlterhelés, HTTP %(code)s), "
                "így a tanúsítványt nem tudta ellenőrizni. Próbálja újra később."
            ) % {"code": status}
        else:
            cert.state = "failed"
            cert.reason = _(
                "A szerver válaszolt, de nem EESZT szolgáltatásként (HTTP %(code)s). "
                "Ellenőrizze az EESZT címét (EESZT_ENDPOINT: %(url)s)."
            ) % {"code": status, "url": conn.endpoint}
        return
    if "CERTIFICATE_VERIFY_FAILED" in text or "CERTIFICATE VERIFY FAILED" in text:
        tls.state = "failed"
        tls.reason = _(
            "A szerver tanúsítványa nem a beállított EESZT tanúsítványkiadótól származik "
            "vagy nem erre a címre szól (%(where)s). Ellenőrizze az EESZT_ENDPOINT és az "
            "EESZT_CA_BUNDLE beállítást."
        ) % {"where": _where(conn)}
        return
    if _is_client_cert_alert(text):
        _tls_ok(tls)
        _certificate_refused(cert, _("TLS riasztás a kézfogás után"))
        return
    if "REFUSED" in text or "ERRNO 111" in text or "NAME OR SERVICE" in text:
        tls.state = "failed"
        tls.reason = _(
            "Nem sikerült kapcsolódni: %(where)s. Fut az EESZT (sandbox) szolgáltatás, és jó a "
            "cím (EESZT_ENDPOINT)?"
        ) % {"where": _where(conn)}
        return
    if "TIMED OUT" in text or "TIMEOUT" in text:
        tls.state = "failed"
        tls.reason = _("%(where)s nem válaszolt időben (%(s)d másodperc).") % {
            "where": _where(conn),
            "s": conn.timeout_seconds,
        }
        return
    if exc.code == "TLS":
        tls.state = "failed"
        tls.reason = _("A TLS kézfogás nem sikerült (%(err)s).") % {"err": exc.message}
        return
    if "ABORTED" in text or "RESET" in text or "EOF" in text:
        _tls_ok(tls)
        cert.state = "failed"
        cert.reason = _(
            "A szerver a kézfogás után bontotta a kapcsolatot: valószínűleg nem fogadta el az "
            "intézményi tanúsítványt."
        )
        return
    tls.state = "failed"
    tls.reason = _("Az EESZT nem érhető el: %(err)s") % {"err": exc.message}


def _check_certificate(
    conn: Connection, probe_user_id: str, stages: dict[str, StageResult]
) -> bool:
    tls, cert = stages["tls"], stages["certificate"]
    try:
        idp.challenge_request(conn, user_id=probe_user_id)
    except EesztUnavailable as exc:
        if exc.code == "SERVICE_UNAVAILABLE":
            _tls_ok(tls)
            cert.reason = _(
                "Az EESZT most nem tud kiszolgálni (%(err)s); próbálja újra később."
            ) % {"err": exc.message}
        else:
            _transport_failure(exc, conn, tls, cert)
        return False
    except EesztRefused as exc:
        _tls_ok(tls)
        if exc.code == "AUTH_CERT_INVALID":
            cert.code = exc.code
            _certificate_refused(cert, exc.message)
            return False
        # The IDP answered as our institution (a refusal of the user is about the user).
    except EesztError as exc:  # our side cannot present the certificate at all
        cert.state = "failed"
        cert.code = exc.code
        cert.reason = _("A tárolt tanúsítvány nem tölthető be (sérült vagy hiányos).")
        return False
    else:
        _tls_ok(tls)
    cert.state = "ok"
    cert.reason = _("Az EESZT elfogadta az intézményi tanúsítványt.")
    return True


def _grant_missing(probe: RightsProbe, exc: EesztRefused) -> str:
    unit = f"{probe.org_unit_code} ({probe.org_unit_name})"
    if exc.element == "orgUnitId":
        return _(
            "A(z) %(unit)s szervezeti egység az EESZT szerint nem ehhez az intézményhez "
            "tartozik: ellenőrizze a kódot a Beállítások / EESZT oldalon. (EESZT: %(msg)s)"
        ) % {"unit": unit, "msg": exc.message}
    if exc.element == "institutionId":
        return _(
            "Az SSL tanúsítvány másik intézményé, mint a cég intézményazonosítója. (EESZT: %(msg)s)"
        ) % {"msg": exc.message}
    return _(
        "VMátrix jogosultság hiányzik: kérje meg az intézményi jogosultság-adminisztrátort, "
        "hogy rendelje Önt a(z) %(unit)s szervezeti egységhez %(role)s szerepkörrel. "
        "(EESZT: %(msg)s)"
    ) % {
        "unit": unit,
        "role": ROLE_LABELS.get(probe.ctx.role, probe.ctx.role),
        "msg": exc.message,
    }


def _check_rights(
    conn: Connection,
    probes: list[RightsProbe],
    test_taj: str,
    stages: dict[str, StageResult],
    session_label: str,
) -> None:
    login, rights = stages["login"], stages["rights"]
    failed = False
    for probe in probes:
        try:
            eligibility.eligibility_check(conn, probe.ctx, taj=test_taj)
        except EesztLoginRequired as exc:
            login.state = "failed"
            login.code = exc.code
            login.reason = _(
                "Az EESZT már nem fogadja el a belépését (%(msg)s). Lépjen be újra az "
                "EESZT-be, majd ellenőrizze újra a kapcsolatot."
            ) % {"msg": exc.message}
            rights.reason = _("Érvényes EESZT belépés nélkül nem ellenőrizhető.")
            return
        except EesztUnavailable as exc:
            rights.state = "not_checked"
            rights.code = exc.code
            rights.reason = _("Az EESZT most nem érhető el (%(msg)s); próbálja újra később.") % {
                "msg": exc.message
            }
            return
        except EesztRefused as exc:
            if exc.code in RIGHTS_CODES:
                failed = True
                rights.code = exc.code
                rights.details.append(_grant_missing(probe, exc))
                continue
            # Any other answer (e.g. TAJ_INVALID) is given only after the VMátrix check
            # passed.
        except EesztError as exc:
            rights.code = exc.code
            rights.reason = exc.message
            return
        rights.details.append(
            _("%(code)s (%(name)s): rendben, %(role)s szerepkörrel.")
            % {
                "code": probe.org_unit_code,
                "name": probe.org_unit_name,
                "role": ROLE_LABELS.get(probe.ctx.role, probe.ctx.role),
            }
        )
    login.state = "ok"
    login.reason = session_label
    if failed:
        rights.state = "failed"
        rights.reason = _(
            "Egy vagy több szervezeti egységben hiányzik a VMátrix jogosultság (lásd lent). "
            "A jogosultságot az intézmény jogosultság-adminisztrátora adja meg az ágazati "
            "portálon."
        )
    else:
        rights.state = "ok"
        rights.reason = _("A VMátrix jogosultság minden szervezeti egységben megvan.")


def connection_test(
    *,
    conn: Connection,
    probe_user_id: str,
    probes: list[RightsProbe],
    test_taj: str,
    session_label: str = "",
    no_session_reason: str = "",
) -> list[StageResult]:
    """Runs the stages in order; a later stage is "not checked" when an earlier one failed.
    `probes` empty = the member has no EESZT login (`no_session_reason` says so)."""
    stages = _stages()
    if not _check_certificate(conn, probe_user_id, stages):
        stages["login"].reason = stages["rights"].reason = _(
            "A tanúsítvány ellenőrzése nem sikerült, ezért ez nem ellenőrizhető."
        )
        return list(stages.values())
    if not probes:
        stages["login"].reason = no_session_reason or _("Még nincs bejelentkezett felhasználó.")
        stages["rights"].reason = _(
            "A VMátrix jogosultság egy EESZT próbahívásnál látszik: lépjen be az EESZT-be, "
            "majd ellenőrizze újra a kapcsolatot."
        )
        return list(stages.values())
    _check_rights(conn, probes, test_taj, stages, session_label)
    return list(stages.values())


def connection_ok(stages: list[StageResult]) -> bool:
    """What the certificate replacement waits for: TLS and the certificate both passed."""
    by_key = {s.key: s for s in stages}
    return by_key["tls"].state == "ok" and by_key["certificate"].state == "ok"
