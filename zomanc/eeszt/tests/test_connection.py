"""The connection test against real TLS servers in threads (mutual TLS, our test PKI)."""

import socket
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from zomanc.eeszt.connection import connection_ok, connection_test
from zomanc.eeszt.models import CertificateStatus
from zomanc.eeszt.services import eeszt_certificate_upload, eeszt_connection_test
from zomanc.eeszt.tests.conftest import SMS_CODE, Pair, PkiFixture


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def _serve(tmp_path: Path, server_pair: Pair, client_ca_pem: bytes) -> Iterator[str]:
    cert_file, key_file = tmp_path / "srv.crt", tmp_path / "srv.key"
    cert_file.write_bytes(server_pair.pem)
    key_file.write_bytes(
        server_pair.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert_file, key_file)
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(cadata=client_ca_pem.decode())
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def eeszt_server(tmp_path: Path, test_pki: PkiFixture) -> Iterator[str]:
    yield from _serve(tmp_path, test_pki.server, test_pki.root.pem)


@pytest.fixture
def strict_server(tmp_path: Path, test_pki: PkiFixture) -> Iterator[str]:
    """Trusts only the foreign CA: our client certificate is refused in the handshake."""
    yield from _serve(tmp_path, test_pki.server, test_pki.foreign_root.pem)


def _states(stages):
    return {s.key: s.state for s in stages}


def test_all_stages_in_words(test_pki, ca_bundle, eeszt_server):
    stages = connection_test(
        pkcs12_data=test_pki.p12(test_pki.issue()), password=SMS_CODE, endpoint=eeszt_server
    )
    assert _states(stages) == {
        "tls": "ok",
        "certificate": "ok",
        "login": "not_checked",
        "rights": "not_checked",
    }
    assert connection_ok(stages)
    login = next(s for s in stages if s.key == "login")
    assert login.reason == "Még nincs bejelentkezett felhasználó."


def test_client_certificate_refused(test_pki, ca_bundle, strict_server):
    stages = connection_test(
        pkcs12_data=test_pki.p12(test_pki.issue()), password=SMS_CODE, endpoint=strict_server
    )
    assert _states(stages)["tls"] == "ok"
    assert _states(stages)["certificate"] == "failed"
    assert not connection_ok(stages)


def test_server_not_from_pinned_ca(test_pki, ca_bundle, eeszt_server, tmp_path, settings):
    """The CA is pinned from EESZT_CA_BUNDLE: a server cert from another CA is refused, even
    though the machine's REQUESTS_CA_BUNDLE / system store play no part."""
    other = tmp_path / "other.pem"
    other.write_bytes(test_pki.foreign_root.pem)
    stages = connection_test(
        pkcs12_data=test_pki.p12(test_pki.issue()),
        password=SMS_CODE,
        endpoint=eeszt_server,
        ca_bundle_path=str(other),
    )
    tls = next(s for s in stages if s.key == "tls")
    assert tls.state == "failed" and "tanúsítványkiadótól" in tls.reason


def test_nothing_listening(test_pki, ca_bundle):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    stages = connection_test(
        pkcs12_data=test_pki.p12(test_pki.issue()),
        password=SMS_CODE,
        endpoint=f"https://127.0.0.1:{port}",
    )
    tls = next(s for s in stages if s.key == "tls")
    assert tls.state == "failed" and "Nem sikerült kapcsolódni" in tls.reason
    assert _states(stages)["certificate"] == "not_checked"


def test_pending_certificate_activated_by_a_passed_test(
    personas, test_pki, ca_bundle, eeszt_server, settings
):
    settings.EESZT_ENDPOINT = eeszt_server
    company = personas.company_a
    old = eeszt_certificate_upload(
        company=company,
        actor=personas.owner,
        data=test_pki.p12(test_pki.issue()),
        password=SMS_CODE,
    )
    new = eeszt_certificate_upload(
        company=company,
        actor=personas.owner,
        data=test_pki.p12(test_pki.issue()),
        password=SMS_CODE,
    )
    outcome = eeszt_connection_test(company=company, member=personas.owner)
    assert outcome.ok and outcome.activated
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == (CertificateStatus.RETIRED, CertificateStatus.ACTIVE)
    assert new.last_test_ok is True


def test_pending_certificate_stays_pending_when_test_fails(
    personas, test_pki, ca_bundle, strict_server, settings
):
    settings.EESZT_ENDPOINT = strict_server
    company = personas.company_a
    old = eeszt_certificate_upload(
        company=company,
        actor=personas.owner,
        data=test_pki.p12(test_pki.issue()),
        password=SMS_CODE,
    )
    new = eeszt_certificate_upload(
        company=company,
        actor=personas.owner,
        data=test_pki.p12(test_pki.issue()),
        password=SMS_CODE,
    )
    outcome = eeszt_connection_test(company=company, member=personas.owner)
    assert not outcome.ok and not outcome.activated
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == (CertificateStatus.ACTIVE, CertificateStatus.PENDING)
    assert new.last_test_ok is False


def test_no_key_file_written(test_pki, ca_bundle, eeszt_server, tmp_path, monkeypatch):
    """The client key reaches OpenSSL through a memfd, never a temporary file."""
    import tempfile

    def _forbidden(*args, **kwargs):
        raise AssertionError("temporary file created")

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", _forbidden)
    monkeypatch.setattr(tempfile, "mkstemp", _forbidden)
    stages = connection_test(
        pkcs12_data=test_pki.p12(test_pki.issue()), password=SMS_CODE, endpoint=eeszt_server
    )
    assert connection_ok(stages)
