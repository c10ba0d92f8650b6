"""The sandbox's own server: SOAP over HTTPS with required client certificates, and the
portal / reference data / admin JSON over plain HTTP — two listeners, one process.

Why not gunicorn: it does not hand the verified peer certificate to the WSGI app, and the
SOAP layer must know the institution from the certificate. Why one process: both listeners
share the Django app, the PKI and the SQLite file (one writer process avoids lock fights).

wsgiref + ThreadingMixIn: one thread per connection; the TLS handshake happens in that
thread (a slow or hostile client never blocks accept()); socket timeouts bound every read.
Connections are HTTP/1.0-style (one request per connection): simple and robust.

Fault injection needs the socket: a dropped connection is closed without an answer; an
accept-then-time-out answer is computed and committed, then held and the socket closed.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

from sandbox.pki.ca import Pki
from sandbox.server.middleware import LISTENER_ENVIRON
from sandbox.soap.views import CLIENT_CERT_ENVIRON

log = logging.getLogger("sandbox.server")
SOCKET_TIMEOUT = 30.0
MAX_HANG_SECONDS = 120

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _Drop(Exception):
    """Close the connection without answering (fault injection)."""


def _fault_aware(app: WsgiApp) -> WsgiApp:
    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        result = app(environ, start_response)
        drop, hang = environ.get("sandbox.drop"), environ.get("sandbox.hang_seconds")
        if drop or hang is not None:
            close = getattr(result, "close", None)
            if close is not None:
                close()  # Django's request_finished: DB connection released
            if hang is not None:
                # The answer exists and is committed; the client just never gets it.
                time.sleep(min(float(hang), MAX_HANG_SECONDS))
            raise _Drop
        return result

    return wrapped


class _ServerHandler(ServerHandler):
    def handle_error(self) -> None:
        import sys

        if isinstance(sys.exc_info()[1], _Drop):
            raise _Drop
        super().handle_error()


class _RequestHandler(WSGIRequestHandler):
    server: SandboxServer

    def get_environ(self) -> dict[str, Any]:
        env = super().get_environ()
        env[LISTENER_ENVIRON] = self.server.listener
        if isinstance(self.connection, ssl.SSLSocket):
            env["wsgi.url_scheme"] = "https"
            env["HTTPS"] = "on"
            der = self.connection.getpeercert(binary_form=True)
            if der:
                env[CLIENT_CERT_ENVIRON] = der
        return env

    def handle(self) -> None:
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.send_error(414)
            return
        if not self.parse_request():
            return
        handler = _ServerHandler(
            self.rfile,
            self.wfile,  # type: ignore[arg-type]  # a socket writer, as wsgiref passes it
            self.get_stderr(),
            self.get_environ(),
            multithread=True,
        )
        handler.request_handler = self  # type: ignore[attr-defined]
        try:
            app = self.server.get_app()
            assert app is not None
            handler.run(app)
        except _Drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s %s", self.address_string(), format % args)


class SandboxServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(
        self,
        address: tuple[str, int],
        app: WsgiApp,
        *,
        listener: str,
        ssl_context: ssl.SSLContext | None = None,
    ):
        self.listener = listener
        self.ssl_context = ssl_context
        super().__init__(address, _RequestHandler)
        self.set_app(_fault_aware(app))

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, addr = self.socket.accept()
        sock.settimeout(SOCKET_TIMEOUT)
        return sock, addr

    def finish_request(self, request: Any, client_address: Any) -> None:
        if self.ssl_context is None:
            super().finish_request(request, client_address)
            return
        try:
            tls = self.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            # No / foreign client certificate ends here: the handshake fails.
            log.info("TLS kézfogás sikertelen %s: %s", client_address, exc)
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)  # type: ignore[arg-type]
        except (ssl.SSLError, OSError) as exc:
            log.info("TLS kapcsolat hiba %s: %s", client_address, exc)
        finally:
            with contextlib.suppress(OSError):
                tls.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.exception("kezeletlen hiba a kapcsolatban (%s)", client_address)


def tls_context(pki: Pki) -> ssl.SSLContext:
    """Server context: our server certificate; client certificates REQUIRED and trusted only
    if issued by the WAF CA (partial chain: the root alone would also admit eID certs)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(certfile=str(pki.server.cert_path), keyfile=str(pki.server.key_path))
    ctx.load_verify_locations(cafile=str(pki.waf_ca.cert_path))
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    return ctx


class Listeners:
    """Both listeners, started in daemon threads; ``stop()`` shuts both down."""

    def __init__(self, *, host: str, https_port: int, http_port: int, app: WsgiApp, pki: Pki):
        self.https = SandboxServer(
            (host, https_port), app, listener="https", ssl_context=tls_context(pki)
        )
        self.http = SandboxServer((host, http_port), app, listener="http")
        self.host = host
        self._threads = [
            threading.Thread(target=s.serve_forever, name=f"sandbox-{s.listener}", daemon=True)
            for s in (self.https, self.http)
        ]

    @property
    def https_port(self) -> int:
        return int(self.https.server_address[1])

    @property
    def http_port(self) -> int:
        return int(self.http.server_address[1])

    def start(self) -> None:
        for t in self._threads:
            t.start()

    def write_state(self, path: Path) -> None:
        """Where we listen, for scripts and tests that started us on port 0."""
        path.write_text(
            json.dumps(
                {"host": self.host, "httpsPort": self.https_port, "httpPort": self.http_port}
            ),
            encoding="utf-8",
        )

    def stop(self) -> None:
        for s in (self.https, self.http):
            s.shutdown()
            s.server_close()
