"""The card service's HTTP side: 127.0.0.1 only, answers only the product's origin.

Why each guard exists:
- bound to 127.0.0.1: nothing on the network can reach the card;
- Host header must be 127.0.0.1/localhost:<port>: a DNS-rebinding page cannot pose as local;
- Origin must be one of the configured ones — the product's, and in the demo the sandbox's
  Ágazati portál, which logs in with the card too (as the real portal uses the real eSzig
  client): CORS headers (and Private Network Access preflight approval) go to exactly the
  requesting allowed origin, every other origin is refused with 403 and no CORS headers, so
  its scripts cannot even read the answer;
- a pairing token (generated at first start, shown in the console, pasted once into the
  browser, kept in its localStorage) on every request: another local program or a page that
  spoofs Origin through a non-browser client still cannot use the card. Missing/wrong → 401.
The PIN is never logged and never stored."""

from __future__ import annotations

import argparse
import base64
import binascii
import hmac
import json
import os
import secrets
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from zomanc.cardservice.card import Card, CardError, Pkcs11Card
from zomanc.cardservice.i18n import _

SERVICE = "zomanc-cardservice"
VERSION = "1"
DEFAULT_PORT = 9451
DEFAULT_ORIGIN = "http://127.0.0.1:8000"
ORIGINS_ENV = "ZOMANC_CARDSERVICE_ORIGINS"  # comma-separated
PAIRING_HEADER = "X-Zomanc-Pairing"
MAX_BODY = 16 * 1024
MAX_CHALLENGE = 4096


def default_state_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "zomanc-cardservice"


def load_or_create_pairing_token(state_dir: Path) -> str:
    """The workstation's pairing token: created once (0600), the same on every restart so a
    paired browser stays paired."""
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / "pairing-token"
    if path.exists():
        token = path.read_text().strip()
        if token:
            return token
    token = secrets.token_urlsafe(24)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(token)
    return token


class CardServiceServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, *, card: Card, origins: list[str], pairing_token: str, port: int) -> None:
        allowed = normalise_origins(origins)
        if not allowed:
            raise ValueError("at least one allowed origin is needed")
        super().__init__(("127.0.0.1", port), CardServiceHandler)
        self.card = card
        self.origins = frozenset(allowed)
        self.pairing_token = pairing_token
        # One card, one operation at a time: PKCS#11 sessions on a card do not interleave.
        self.card_lock = threading.Lock()

    @property
    def port(self) -> int:
        return int(self.server_address[1])


class CardServiceHandler(BaseHTTPRequestHandler):
    server: CardServiceServer
    protocol_version = "HTTP/1.1"
    server_version = "ZomancCardService/" + VERSION

    # --- guards ---------------------------------------------------------------------------

    def _origin_allowed(self) -> bool:
        return self.headers.get("Origin", "") in self.server.origins

    def _host_allowed(self) -> bool:
        port = self.server.port
        return self.headers.get("Host", "") in {f"127.0.0.1:{port}", f"localhost:{port}"}

    def _paired(self) -> bool:
        given = self.headers.get(PAIRING_HEADER, "")
        return bool(given) and hmac.compare_digest(
            given.encode(), self.server.pairing_token.encode()
        )

    # --- responses ------------------------------------------------------------------------

    def _cors_headers(self) -> None:
        if self._origin_allowed():
            # The requesting origin itself (one of ours), never a list or "*".
            self.send_header("Access-Control-Allow-Origin", self.headers["Origin"])
            self.send_header("Vary", "Origin")

    def _json(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self._cors_headers()
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, code: str, message: str) -> None:
        self._json(status, {"error": code, "message": message})

    def _refuse_foreign(self) -> bool:
        """403 without CORS headers for any other origin or host; True when refused."""
        if not self._host_allowed():
            self._error(403, "HOST_NOT_ALLOWED", _("Ez a szolgáltatás csak helyben érhető el."))
            return True
        if not self._origin_allowed():
            self._error(
                403,
                "ORIGIN_NOT_ALLOWED",
                _("Ez az oldal nem használhatja a kártyaszolgáltatást."),
            )
            return True
        return False

    def _require_pairing(self) -> bool:
        if self._paired():
            return True
        self._error(
            401,
            "PAIRING_REQUIRED",
            _(
                "Ez a böngésző nincs párosítva a kártyaszolgáltatással. Adja meg a szolgáltatás "
                "ablakában látható párosító kódot."
            ),
        )
        return False

    # --- methods --------------------------------------------------------------------------

    def do_OPTIONS(self) -> None:
        if not self._host_allowed() or not self._origin_allowed():
            self.send_response(403)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(HTTPStatus.NO_CONTENT)
        self._cors_headers()
        self.send_header("Access-Control-Allow-Methods", "GET, POST")
        self.send_header("Access-Control-Allow-Headers", f"Content-Type, {PAIRING_HEADER}")
        self.send_header("Access-Control-Max-Age", "600")
        if self.headers.get("Access-Control-Request-Private-Network", "").lower() == "true":
            # Chrome's Private Network Access: a public-origin page asks before calling a
            # local server; only our origin gets the yes.
            self.send_header("Access-Control-Allow-Private-Network", "true")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        if self._refuse_foreign():
            return
        if self.path.split("?", 1)[0] != "/status":
            self._error(404, "NOT_FOUND", _("Ismeretlen cím."))
            return
        if not self._require_pairing():
            return
        try:
            with self.server.card_lock:
                status = self.server.card.status()
        except CardError as exc:
            self._error(exc.status, exc.code, exc.message)
            return
        self._json(
            200,
            {
                "service": SERVICE,
                "version": VERSION,
                "cardPresent": status.present,
                "tokenLabel": status.token_label,
                "certificateSubject": status.certificate_subject,
            },
        )

    def do_POST(self) -> None:
        if self._refuse_foreign():
            return
        if self.path.split("?", 1)[0] != "/sign":
            self._error(404, "NOT_FOUND", _("Ismeretlen cím."))
            return
        if not self._require_pairing():
            return
        body = self._read_json()
        if body is None:
            return
        challenge_b64, pin = body.get("challenge"), body.get("pin")
        try:
            challenge = base64.b64decode(str(challenge_b64 or ""), validate=True)
        except (binascii.Error, ValueError):
            challenge = b""
        if not challenge or len(challenge) > MAX_CHALLENGE:
            self._error(400, "BAD_CHALLENGE", _("Hiányzó vagy hibás aláírandó kihívás."))
            return
        if not isinstance(pin, str) or not (4 <= len(pin) <= 16):
            self._error(400, "PIN_INVALID", _("Adja meg a kártya PIN kódját (4–16 karakter)."))
            return
        try:
            with self.server.card_lock:
                signed = self.server.card.sign(challenge, pin)
        except CardError as exc:
            self._error(exc.status, exc.code, exc.message)
            return
        self._json(
            200,
            {
                "signature": base64.b64encode(signed.signature).decode(),
                "certificate": base64.b64encode(signed.certificate_der).decode(),
                "algorithm": signed.algorithm,
            },
        )

    def _read_json(self) -> dict[str, Any] | None:
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if length <= 0 or length > MAX_BODY:
            self._error(400, "BAD_REQUEST", _("Hibás kérés."))
            return None
        try:
            body = json.loads(self.rfile.read(length))
        except (ValueError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict):
            self._error(400, "BAD_REQUEST", _("Hibás kérés."))
            return None
        return body

    def log_message(self, format: str, *args: Any) -> None:
        # Method, path and status only; bodies (PINs) and headers (the token) never.
        sys.stderr.write(
            f"kártyaszolgáltatás: {self.command} {self.path.split('?', 1)[0]} "
            f"{args[1] if len(args) > 1 else ''}\n"
        )


def normalise_origins(values: list[str]) -> list[str]:
    """Origins as browsers send them: scheme://host[:port], no path, no trailing slash.
    Each value may itself be a comma-separated list (command line or environment)."""
    result: list[str] = []
    for value in values:
        for part in value.split(","):
            origin = part.strip().rstrip("/")
            if origin and origin not in result:
                result.append(origin)
    return result


def make_server(
    *,
    card: Card,
    origins: list[str] | None = None,
    origin: str | None = None,
    pairing_token: str,
    port: int = DEFAULT_PORT,
) -> CardServiceServer:
    allowed = list(origins or []) + ([origin] if origin else [])
    return CardServiceServer(card=card, origins=allowed, pairing_token=pairing_token, port=port)


def default_origins() -> list[str]:
    """ZOMANC_CARDSERVICE_ORIGINS, else the older single ZOMANC_CARDSERVICE_ORIGIN, else the
    product's development address."""
    return normalise_origins(
        [
            os.environ.get(ORIGINS_ENV)
            or os.environ.get("ZOMANC_CARDSERVICE_ORIGIN")
            or DEFAULT_ORIGIN
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m zomanc.cardservice",
        description=_("Zománc kártyaszolgáltatás (eSzemélyi kártya PKCS#11-en át)."),
    )
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("ZOMANC_CARDSERVICE_PORT", DEFAULT_PORT))
    )
    parser.add_argument(
        "--origin",
        action="append",
        default=None,
        help=_(
            "engedélyezett oldal (origin); többször is megadható, vagy vesszővel elválasztva "
            "(ZOMANC_CARDSERVICE_ORIGINS)"
        ),
    )
    parser.add_argument("--module", default=None, help="PKCS#11 modul (ZOMANC_PKCS11_MODULE)")
    parser.add_argument("--token-label", default=None)
    parser.add_argument("--state-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    token = load_or_create_pairing_token(args.state_dir or default_state_dir())
    card = Pkcs11Card(module_path=args.module, token_label=args.token_label)
    origins = normalise_origins(args.origin) if args.origin else default_origins()
    try:
        server = make_server(card=card, origins=origins, pairing_token=token, port=args.port)
    except OSError as exc:
        print(
            _("A kártyaszolgáltatás nem indult el: a(z) %(port)d port foglalt (%(err)s).")
            % {"port": args.port, "err": exc.strerror},
            file=sys.stderr,
        )
        return 1
    print(
        _(
            "Zománc kártyaszolgáltatás: http://127.0.0.1:%(port)d · "
            "engedélyezett oldalak: %(origin)s"
        )
        % {"port": server.port, "origin": ", ".join(origins)},
        flush=True,
    )
    print(
        _("Párosító kód (egyszer kell megadni a böngészőben): %(token)s") % {"token": token},
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
