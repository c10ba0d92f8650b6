"""Keep-alive bounds of the server (in-process, a plain WSGI app, no TLS: the bounds do not
depend on it; TLS + SOAP over one connection are tested against the real process)."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

from sandbox.server import serve


def _app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"got:", body]


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[serve.SandboxServer]:
    monkeypatch.setattr(serve, "KEEPALIVE_MAX_REQUESTS", 3)
    monkeypatch.setattr(serve, "KEEPALIVE_IDLE_SECONDS", 0.5)
    srv = serve.SandboxServer(("127.0.0.1", 0), _app, listener="https", keep_alive=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _conn(srv: serve.SandboxServer) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", srv.server_address[1], timeout=5)


def _post(conn: http.client.HTTPConnection, body: bytes) -> http.client.HTTPResponse:
    conn.request("POST", "/", body=body)
    return conn.getresponse()


def test_requests_share_a_connection_up_to_the_limit(server: serve.SandboxServer) -> None:
    conn = _conn(server)
    first = _post(conn, b"a")
    assert first.read() == b"got:a" and first.getheader("Content-Length") == "5"
    sock = conn.sock
    second = _post(conn, b"bb")
    assert second.read() == b"got:bb" and conn.sock is sock
    third = _post(conn, b"c")  # the last one allowed: said so, then closed
    assert third.getheader("Connection") == "close"
    assert third.read() == b"got:c"
    fourth = _post(conn, b"d")
    assert fourth.read() == b"got:d" and conn.sock is not sock  # a new connection
    conn.close()


def test_an_idle_connection_is_closed(server: serve.SandboxServer) -> None:
    conn = _conn(server)
    assert _post(conn, b"x").read() == b"got:x"
    sock = conn.sock
    assert sock is not None
    time.sleep(0.8)
    assert sock.recv(1) == b""  # the server hung up after KEEPALIVE_IDLE_SECONDS
    conn.close()


def test_connection_close_is_honoured(
    server: serve.SandboxServer,
) -> None:
    conn = _conn(server)
    conn.request("POST", "/", body=b"z", headers={"Connection": "close"})
    answer = conn.getresponse()
    assert answer.getheader("Connection") == "close" and answer.read() == b"got:z"
    assert conn.sock is None  # http.client closed it, as told
