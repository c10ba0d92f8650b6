"""The portal's stylesheet reaches a browser through the sandbox's own server (the
SandboxServer class runsandbox/`make demo` starts, serving Django's WSGI app with WhiteNoise),
not only through Django's test client: a page names it, the HTTP listener serves it as CSS
with the national tokens in it."""

from __future__ import annotations

import http.client
import re
import threading
from collections.abc import Iterator

import pytest
from django.core.wsgi import get_wsgi_application

from sandbox.server import serve


@pytest.fixture
def http_listener(transactional_db: None) -> Iterator[int]:
    srv = serve.SandboxServer(("127.0.0.1", 0), get_wsgi_application(), listener="http")
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield int(srv.server_address[1])
    srv.shutdown()
    srv.server_close()


def _get(port: int, path: str) -> tuple[int, str, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    answer = conn.getresponse()
    body = answer.read().decode()
    conn.close()
    return answer.status, answer.getheader("Content-Type") or "", body


def test_the_real_http_listener_serves_the_page_and_its_stylesheet(http_listener: int) -> None:
    status, ctype, page = _get(http_listener, "/bejelentkezes/")
    assert status == 200 and ctype.startswith("text/html")
    assert "OKTATÓ KÖRNYEZET (sandbox)" in page
    href = re.search(r'<link rel="stylesheet" href="([^"]+portal\.css)"', page)
    assert href, "the page names no portal stylesheet"
    status, ctype, css = _get(http_listener, href.group(1))
    assert status == 200 and ctype.startswith("text/css")
    assert "--band-bg" in css and "body.nav-site" in css
