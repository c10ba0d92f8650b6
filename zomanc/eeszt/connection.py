"""The "Kapcsolat ellenőrzése" test: a real mutual-TLS handshake with the EESZT endpoint,
reported stage by stage in words a practice owner can act on.

Until the wire adapter (zomanc/eeszt/client/) exists, the login and VMátrix stages are
reported as not checked; the adapter will fill them in from a real test call behind the
same `StageResult` list."""

from __future__ import annotations

import socket
import ssl
from dataclasses import asdict, dataclass
from typing import Literal
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from zomanc.eeszt.certificates import client_ssl_context

StageState = Literal["ok", "failed", "not_checked"]
TIMEOUT_SECONDS = 5.0

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


@dataclass
class StageResult:
    key: str
    label: str
    state: StageState
    reason: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def _stages() -> dict[str, StageResult]:
    return {
        "tls": StageResult("tls", _("TLS kapcsolat"), "not_checked", ""),
        "certificate": StageResult("certificate", _("Tanúsítvány"), "not_checked", ""),
        "login": StageResult("login", _("Bejelentkezés"), "not_checked", ""),
        "rights": StageResult("rights", _("Jogosultság (VMátrix)"), "not_checked", ""),
    }


def _is_client_cert_alert(exc: ssl.SSLError) -> bool:
    text = f"{exc.reason or ''} {exc}".upper().replace("SSLV3_", "").replace("TLSV13_", "")
    return any(marker in text for marker in _CLIENT_CERT_ALERTS)


def _finish(stages: dict[str, StageResult], has_user_session: bool) -> list[StageResult]:
    login, rights = stages["login"], stages["rights"]
    login.reason = (
        _("A bejelentkezés a kliens adapterrel kerül ellenőrzésre (egy próbahívással).")
        if has_user_session
        else _("Még nincs bejelentkezett felhasználó.")
    )
    rights.reason = _(
        "A VMátrix jogosultság csak egy próbahívásnál látszik; ez a kliens adapterrel érkezik."
    )
    return list(stages.values())


def connection_test(
    *,
    pkcs12_data: bytes,
    password: str,
    endpoint: str | None = None,
    ca_bundle_path: str | None = None,
    has_user_session: bool = False,
) -> list[StageResult]:
    """Connect, handshake with our client certificate, and send one plain HTTP request so
    that a TLS 1.3 server's late refusal of the certificate is seen too."""
    stages = _stages()
    tls, cert_stage = stages["tls"], stages["certificate"]
    endpoint = endpoint or settings.EESZT_ENDPOINT
    parts = urlsplit(endpoint)
    host, port = parts.hostname or "127.0.0.1", parts.port or 443
    try:
        ctx = client_ssl_context(
            pkcs12_data=pkcs12_data, password=password, ca_bundle_path=ca_bundle_path
        )
    except OSError as exc:
        tls.state = "failed"
        tls.reason = _(
            "Az EESZT tanúsítványkiadó (EESZT_CA_BUNDLE) nem olvasható a szerveren: %(err)s"
        ) % {"err": exc.strerror or exc}
        return _finish(stages, has_user_session)
    except (ValueError, ssl.SSLError):
        cert_stage.state = "failed"
        cert_stage.reason = _("A tárolt tanúsítvány nem tölthető be (sérült vagy hiányos).")
        return _finish(stages, has_user_session)

    try:
        raw = socket.create_connection((host, port), timeout=TIMEOUT_SECONDS)
    except TimeoutError:
        tls.state = "failed"
        tls.reason = _("%(host)s:%(port)s nem válaszolt %(s)d másodpercen belül.") % {
            "host": host,
            "port": port,
            "s": TIMEOUT_SECONDS,
        }
        return _finish(stages, has_user_session)
    except OSError as exc:
        tls.state = "failed"
        tls.reason = _(
            "Nem sikerült kapcsolódni: %(host)s:%(port)s (%(err)s). Fut az EESZT (sandbox) "
            "szolgáltatás, és jó a cím (EESZT_ENDPOINT)?"
        ) % {"host": host, "port": port, "err": exc.strerror or exc}
        return _finish(stages, has_user_session)

    with raw:
        try:
            conn = ctx.wrap_socket(raw, server_hostname=host)
        except ssl.SSLCertVerificationError as exc:
            tls.state = "failed"
            tls.reason = _(
                "A szerver tanúsítványa nem a beállított EESZT tanúsítványkiadótól származik "
                "vagy nem erre a címre szól (%(err)s)."
            ) % {"err": exc.verify_message or exc.reason}
            return _finish(stages, has_user_session)
        except ssl.SSLError as exc:
            if _is_client_cert_alert(exc):
                tls.state = "ok"
                tls.reason = _("A titkosított kapcsolat felépült.")
                cert_stage.state = "failed"
                cert_stage.reason = _(
                    "A szerver nem fogadta el az intézményi tanúsítványt (%(err)s). Lejárt, "
                    "visszavont vagy nem ehhez a szolgáltatáshoz tartozik?"
                ) % {"err": exc.reason}
            else:
                tls.state = "failed"
                tls.reason = _("A TLS kézfogás nem sikerült (%(err)s).") % {"err": exc.reason}
            return _finish(stages, has_user_session)
        except OSError as exc:
            tls.state = "failed"
            tls.reason = _("A kapcsolat megszakadt a kézfogás közben (%(err)s).") % {
                "err": exc.strerror or exc
            }
            return _finish(stages, has_user_session)

        with conn:
            tls.state = "ok"
            tls.reason = _(
                "A titkosított kapcsolat felépült (%(version)s), a szerver "
                "tanúsítványa a beállított EESZT kiadótól származik."
            ) % {"version": conn.version()}
            path = parts.path or "/"
            request = (
                f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                "User-Agent: Zomanc-kapcsolatteszt\r\nConnection: close\r\n\r\n"
            )
            try:
                conn.sendall(request.encode("ascii"))
                first_line = conn.recv(256).split(b"\r\n", 1)[0].decode("latin-1")
            except ssl.SSLError as exc:
                cert_stage.state = "failed"
                cert_stage.reason = (
                    _(
                        "A szerver nem fogadta el az intézményi tanúsítványt (%(err)s). "
                        "Lejárt, visszavont vagy nem ehhez a szolgáltatáshoz tartozik?"
                    )
                    % {"err": exc.reason}
                    if _is_client_cert_alert(exc)
                    else _("A szerver a kézfogás után hibát jelzett (%(err)s).")
                    % {"err": exc.reason}
                )
                return _finish(stages, has_user_session)
            except OSError as exc:
                cert_stage.state = "failed"
                cert_stage.reason = _(
                    "A szerver a kézfogás után bontotta a kapcsolatot (%(err)s): valószínűleg "
                    "nem fogadta el a tanúsítványt."
                ) % {"err": exc.strerror or exc}
                return _finish(stages, has_user_session)

    status = first_line.split(" ")
    code = int(status[1]) if len(status) > 1 and status[1].isdigit() else 0
    if not first_line.startswith("HTTP/") or code == 0:
        cert_stage.state = "failed"
        cert_stage.reason = _(
            "A szerver bontotta a kapcsolatot válasz nélkül: valószínűleg nem fogadta el a "
            "tanúsítványt."
        )
    elif code in (401, 403, 495, 496):
        cert_stage.state = "failed"
        cert_stage.reason = _(
            "A szerver elutasította az intézményi tanúsítványt (HTTP %(code)d)."
        ) % {"code": code}
    else:
        cert_stage.state = "ok"
        cert_stage.reason = _("A szerver elfogadta az intézményi tanúsítványt.")
    return _finish(stages, has_user_session)


def connection_ok(stages: list[StageResult]) -> bool:
    """What the certificate replacement waits for: TLS and the certificate both passed."""
    by_key = {s.key: s for s in stages}
    return by_key["tls"].state == "ok" and by_key["certificate"].state == "ok"
