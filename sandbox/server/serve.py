"""The sandbox's own server: SOAP over HTTPS with required client certificates, and the
portal / reference data / admin JSON over plain HTTP — two listeners, one process.

Why not gunicorn: it does not hand the verified peer certificate to the WSGI app, and the
SOAP layer must know the institution from the certificate. Why one process: both listeners
share the Django app, the PKI and the SQLite file (one writer process avoids lock fights).

wsgiref + ThreadingMixIn: one thread per connection; the TLS handshake happens in that
thread (a slow or hostile client never blocks accept()); socket timeouts bound every read.

The HTTPS listener keeps HTTP/1.1 connections alive: a TLS handshake costs about as much
as a whole SOAP call, and the practice system calls in bursts. Bounded: a connection waits
at most KEEPALIVE_IDLE_SECONDS for its next request and serves at most
KEEPALIVE_MAX_REQUESTS (the last answer says ``Connection: close``). The request body is
read by the server (Content-Length) before the app runs and the answer is sent with its
Content-Length, so one request can never eat into the next; a body without a usable
length (chunked, too large) is handed to the app as before and ends the connection. The
HTTP listener (portal, static files) stays one request per connection.

Fault injection needs the socket: a dropped connection is closed without an answer; an
accept-then-time-out answer is computed and committed, then held and the socket closed —
on a kept-alive connection too.
"""

from __future__ import annotations

import contextlib
import io
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
from wsgiref.headers import Headers
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

from sandbox.pki.ca import Pki
from sandbox.server.middleware import LISTENER_ENVIRON
from sandbox.soap.views import CLIENT_CERT_ENVIRON

log = logging.getLogger("sandbox.server")
SOCKET_TIMEOUT = 30.0
MAX_HANG_SECONDS = 120
KEEPALIVE_IDLE_SECONDS = 15.0
KEEPALIVE_MAX_REQUESTS = 100
# Bodies up to this size are read by the server (keep-alive framing); Django refuses
# larger ones anyway (DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB by default).
MAX_BUFFERED_BODY = 16 * 1024 * 1024

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


def _buffered(app: WsgiApp) -> WsgiApp:
    """The answer as one block: wsgiref then sends its Content-Length (keep-alive needs
    it). SOAP answers are small; the HTTPS listener serves nothing else."""

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        result = app(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return [body]

    return wrapped


class _ServerHandler(ServerHandler):
    request_handler: _RequestHandler
    headers: Headers  # set by start_response (wsgiref's stubs leave it out)

    def handle_error(self) -> None:
        import sys

        if isinstance(sys.exc_info()[1], _Drop):
            raise _Drop
        # After an unexpected error the connection's state is unknown: end it.
        self.request_handler.close_connection = True
        super().handle_error()

    def cleanup_headers(self) -> None:
        super().cleanup_headers()
        if self.request_handler.close_connection and self.http_version == "1.1":
            self.headers["Connection"] = "close"


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

    def setup(self) -> None:
        super().setup()
        if self.server.keep_alive:
            # parse_request() then keeps HTTP/1.1 connections open unless told otherwise.
            self.protocol_version = "HTTP/1.1"

    def handle(self) -> None:
        self.close_connection = True
        served = 0
        while True:
            if served:
                # Between requests of a kept-alive connection: a shorter wait.
                self.connection.settimeout(KEEPALIVE_IDLE_SECONDS)
            try:
                self.raw_requestline = self.rfile.readline(65537)
            except OSError:  # idle timeout, or the client went away
                return
            if not self.raw_requestline:
                return
            self.connection.settimeout(SOCKET_TIMEOUT)
            served += 1
            self._handle_one(last=served >= KEEPALIVE_MAX_REQUESTS)
            if self.close_connection:
                return

    def _handle_one(self, *, last: bool) -> None:
        if len(self.raw_requestline) > 65536:
            self.send_error(414)
            return
        if not self.parse_request():
            return
        if last:
            self.close_connection = True
        stdin: io.BufferedIOBase = self.rfile
        app = self.server.get_app()
        assert app is not None
        if self.server.keep_alive and not self.close_connection:
            body = self._read_body()
            if body is None:
                self.close_connection = True  # no framing we can trust after this request
            else:
                stdin = io.BytesIO(body)
            app = _buffered(app)
        handler = _ServerHandler(
            stdin,
            self.wfile,  # type: ignore[arg-type]  # a socket writer, as wsgiref passes it
            self.get_stderr(),
            self.get_environ(),
            multithread=True,
        )
        handler.request_handler = self
        if self.server.keep_alive:
            handler.http_version = "1.1"
        try:
            handler.run(app)
        except _Drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)

    def _read_body(self) -> bytes | None:
        """The request body by its Content-Length (none: empty); None when it cannot be
        read that way (chunked, a bad or too large length) — the app reads the socket."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return None
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return None
        if not 0 <= length <= MAX_BUFFERED_BODY:
            return None
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            self.close_connection = True  # the client stopped sending: answer, then close
        return body

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
        keep_alive: bool = False,
    ):
        self.listener = listener
        self.ssl_context = ssl_context
        self.keep_alive = keep_alive
        super().__init__(address, _RequestHandler)
        self.set_app(_fault_aware(app))

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, addr = self.socket.accept()
        sock.settimeout(SOCKET_TIMEOUT)
        # wsgiref writes the status line, the headers and the body in separate sends; with
        # Nagle's algorithm each later send waits for the client's delayed ACK (~40 ms).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
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


def server_tls_context(pki: Pki) -> ssl.SSLContext:
    """NAV's API: server-authenticated TLS only (no client certificate asked), with the
    sandbox's server certificate (issued by the sandbox root CA)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(certfile=str(pki.server.cert_path), keyfile=str(pki.server.key_path))
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


class Listeners:
    """The listeners (EESZT HTTPS, HTTP, and NAV's HTTPS when ``nav_port`` is given),
    started in daemon threads; ``stop()`` shuts them down."""

    def __init__(
        self,
        *,
        host: str,
        https_port: int,
        http_port: int,
        app: WsgiApp,
        pki: Pki,
        nav_port: int | None = None,
    ):
        self.https = SandboxServer(
            (host, https_port),
            app,
            listener="https",
            ssl_context=tls_context(pki),
            keep_alive=True,
        )
        self.http = SandboxServer((host, http_port), app, listener="http")
        self.nav = (
            SandboxServer(
                (host, nav_port),
                app,
                listener="nav",
                ssl_context=server_tls_context(pki),
                keep_alive=True,
            )
            if nav_port is not None
            else None
        )
        self.host = host
        self._threads = [
            threading.Thread(target=s.serve_forever, name=f"sandbox-{s.listener}", daemon=True)
            for s in self._servers()
        ]

    def _servers(self) -> list[SandboxServer]:
        return [s for s in (self.https, self.http, self.nav) if s is not None]

    @property
    def nav_port(self) -> int | None:
        return int(self.nav.server_address[1]) if self.nav is not None else None

    @property
    def https_port(self) -> int:
        return int(self.https.server_address[1])

    @property
    def http_port(self) -> int:
        return int(self.http.server_address[1])

    def start(self) -> None:
        for t in self._threads:
            t.start()

    def write_state(self, path: Path, **extra: int) -> None:
        """Where we listen, for scripts and tests that started us on port 0 (``extra``:
        listeners started beside these, e.g. the mail catcher's ``smtpPort``)."""
        state: dict[str, object] = {
            "host": self.host,
            "httpsPort": self.https_port,
            "httpPort": self.http_port,
        }
        if self.nav_port is not None:
            state["navPort"] = self.nav_port
        state.update(extra)
        path.write_text(json.dumps(state), encoding="utf-8")

    def stop(self) -> None:
        for s in self._servers():
            s.shutdown()
            s.server_close()
