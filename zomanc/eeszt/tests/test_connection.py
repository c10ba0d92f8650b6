"""The connection test through the client adapter: stages against the real sandbox (TLS,
certificate, login, VMátrix rights), and transport failures against real TLS servers in
threads (our test PKI) that the sandbox cannot produce."""

import socket
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from django.urls import reverse

from zomanc.eeszt.client import idp
from zomanc.eeszt.client.wire import Connection, sessions_clear
from zomanc.eeszt.models import (
    CertificateStatus,
    EesztCertificate,
    EesztMemberProfile,
    EesztSession,
)
from zomanc.eeszt.setup.connection import connection_ok, connection_test
from zomanc.eeszt.setup.selectors import eeszt_checklist
from zomanc.eeszt.setup.services import eeszt_certificate_upload, eeszt_connection_test
from zomanc.eeszt.tests.conftest import SMS_CODE, Live, Pair, PkiFixture
from zomanc.practices.models import OrgUnit

TEST_TAJ = "111111110"


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
def plain_server(tmp_path: Path, test_pki: PkiFixture) -> Iterator[str]:
    """Mutual TLS with our CA, but not EESZT: no SOAP service behind it."""
    yield from _serve(tmp_path, test_pki.server, test_pki.root.pem)


@pytest.fixture
def strict_server(tmp_path: Path, test_pki: PkiFixture) -> Iterator[str]:
    """Trusts only the foreign CA: our client certificate is refused."""
    yield from _serve(tmp_path, test_pki.server, test_pki.foreign_root.pem)


def _conn(test_pki: PkiFixture, endpoint: str, ca_pem: bytes | None = None) -> Connection:
    sessions_clear()
    return Connection(
        endpoint=endpoint,
        pkcs12_data=test_pki.p12(test_pki.issue()),
        pkcs12_password=SMS_CODE,
        ca_pem=ca_pem or test_pki.root.pem,
        timeout_seconds=5,
    )


def _run(conn: Connection):
    stages = connection_test(conn=conn, probe_user_id="O58012", probes=[], test_taj=TEST_TAJ)
    return stages, {s.key: s for s in stages}


# --- transport failures (real TLS servers) --------------------------------------------------


def test_client_certificate_refused(test_pki, strict_server):
    stages, by = _run(_conn(test_pki, strict_server))
    assert by["tls"].state == "ok"
    assert by["certificate"].state == "failed"
    assert "nem fogadta el az intézményi tanúsítványt" in by["certificate"].reason
    assert by["login"].state == by["rights"].state == "not_checked"
    assert not connection_ok(stages)


def test_server_not_from_pinned_ca(test_pki, plain_server):
    """The CA is pinned from the configured bundle: a server certificate of another CA is
    refused, whatever the machine's REQUESTS_CA_BUNDLE / system store say."""
    _, by = _run(_conn(test_pki, plain_server, ca_pem=test_pki.foreign_root.pem))
    assert by["tls"].state == "failed" and "tanúsítványkiadótól" in by["tls"].reason


def test_a_server_that_is_not_eeszt(test_pki, plain_server):
    _, by = _run(_conn(test_pki, plain_server))
    assert by["tls"].state == "ok"
    assert by["certificate"].state == "failed" and "nem EESZT szolgáltatásként" in (
        by["certificate"].reason
    )


def test_nothing_listening(test_pki):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    _, by = _run(_conn(test_pki, f"https://127.0.0.1:{port}"))
    assert by["tls"].state == "failed" and "Nem sikerült kapcsolódni" in by["tls"].reason
    assert by["certificate"].state == "not_checked"


def test_pending_certificate_stays_pending_when_test_fails(
    personas, test_pki, ca_bundle, strict_server, settings
):
    settings.EESZT_ENDPOINT = strict_server
    sessions_clear()
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
    assert not outcome.ok and not outcome.activated and outcome.problems
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == (CertificateStatus.ACTIVE, CertificateStatus.PENDING)
    assert new.last_test_ok is False


# --- the real sandbox ------------------------------------------------------------------------


def _by_key(outcome):
    return {s.key: s for s in outcome.stages}


def test_all_stages_green_for_a_logged_in_doctor(live: Live):
    live.card_login(live.personas.doctor)
    outcome = eeszt_connection_test(company=live.personas.company_a, member=live.personas.doctor)
    by = _by_key(outcome)
    assert {k: s.state for k, s in by.items()} == {
        "tls": "ok",
        "certificate": "ok",
        "login": "ok",
        "rights": "ok",
    }
    assert outcome.ok and outcome.complete
    assert "O58012" in by["login"].reason
    assert any("001044299" in line and "ORVOS" in line for line in by["rights"].details)
    vmatrix = next(i for i in eeszt_checklist(company=live.personas.company_a) if i.step == "7")
    assert vmatrix.state == "done"


def test_missing_vmatrix_grant_says_what_to_ask_for(live: Live):
    p = live.personas
    # O58012 has no grant in the sandbox's 001044300 (Szájsebészeti rendelés).
    OrgUnit.objects.create(
        practice=p.practice_a, company=p.company_a, code="001044300", name="Szájsebészet"
    )
    live.card_login(p.doctor)
    outcome = eeszt_connection_test(company=p.company_a, member=p.doctor)
    by = _by_key(outcome)
    assert by["login"].state == "ok"
    assert by["rights"].state == "failed" and by["rights"].code == "CONTEXT_NOT_PERMITTED"
    missing = [line for line in by["rights"].details if "VMátrix jogosultság hiányzik" in line]
    assert len(missing) == 1
    assert (
        "kérje meg az intézményi jogosultság-adminisztrátort, hogy rendelje Önt a(z) "
        "001044300 (Szájsebészet) szervezeti egységhez ORVOS (orvos) szerepkörrel" in missing[0]
    )
    assert any(line.startswith("001044299") and "rendben" in line for line in by["rights"].details)
    assert outcome.ok  # the certificate itself is fine
    vmatrix = next(i for i in eeszt_checklist(company=p.company_a) if i.step == "7")
    assert vmatrix.state == "missing" and any("001044300" in d for d in vmatrix.details)


def test_role_the_user_lacks_is_named(live: Live):
    """A doctor acting with a role he has no grant for gets ROLE_MISSING → the role named."""
    from zomanc.eeszt.context import eeszt_call_context
    from zomanc.eeszt.setup.connection import RightsProbe, connection_test

    p = live.personas
    session = live.card_login(p.doctor)
    sessions_clear()
    ctx = eeszt_call_context(
        session=session, company=p.company_a, org_unit=p.org_unit_a, role="INTJOGADIN"
    )
    stages = connection_test(
        conn=live.conn,
        probe_user_id="O58012",
        probes=[RightsProbe("001044299", "Fogászati rendelés", ctx)],
        test_taj=TEST_TAJ,
    )
    rights = next(s for s in stages if s.key == "rights")
    assert rights.state == "failed" and rights.code == "ROLE_MISSING"
    assert "INTJOGADIN szerepkörrel" in rights.details[0]


def test_login_not_accepted_any_more_ends_the_session(live: Live):
    p = live.personas
    session = live.card_login(p.doctor)
    idp.logout(live.conn, assertion_id=session.assertion_id)  # ended at EESZT only
    outcome = eeszt_connection_test(company=p.company_a, member=p.doctor)
    by = _by_key(outcome)
    assert by["login"].state == "failed" and "Lépjen be újra" in by["login"].reason
    assert by["rights"].state == "not_checked"
    assert EesztSession.objects.get(pk=session.pk).ended_at is not None


def test_without_login_the_page_offers_it(live: Live):
    p = live.personas
    EesztMemberProfile.objects.create(
        practice=p.practice_a, member=p.owner, portal_username="JOGADMIN506097"
    )
    client = p.client_for(p.owner)
    url = reverse("eeszt:connection_test", args=[p.company_a.pk])
    html = client.post(url).content.decode()
    assert 'data-stage="certificate"' in html
    assert "nincs belépve az EESZT-be ennél a cégnél" in html
    assert reverse("eeszt:login") + f"?company={p.company_a.pk}" in html
    cert = EesztCertificate.objects.get(status=CertificateStatus.ACTIVE)
    assert cert.last_test_ok is True


def test_without_eeszt_user_id_the_page_says_who_can_finish_it(live: Live):
    """An owner with no stamp and no portal username cannot log in to EESZT: the test says
    so (set a user id, or let someone who has one run it) and offers no login link."""
    p = live.personas
    client = p.client_for(p.owner)
    url = reverse("eeszt:connection_test", args=[p.company_a.pk])
    html = client.post(url).content.decode()
    assert 'data-stage="certificate"' in html
    assert "nincs EESZT felhasználója megadva ezen az oldalon" in html
    assert "egy EESZT felhasználóval rendelkező munkatárs ellenőrizheti" in html
    assert "nincs belépve az EESZT-be ennél a cégnél" not in html
    stages = html[html.index('class="eeszt-stages"') :]
    stages = stages[: stages.index("</table>")]
    assert "Belépés az EESZT-be" not in stages and reverse("eeszt:login") not in stages


def test_replacement_activated_only_after_passing_the_test(live: Live, tmp_path):
    p = live.personas
    out = tmp_path / "second.p12"
    password = live.sandbox.django(
        "sandbox_issue_cert", "--institution", "506097", "--out", str(out)
    ).strip()
    old = EesztCertificate.objects.get(status=CertificateStatus.ACTIVE)
    new = eeszt_certificate_upload(
        company=p.company_a, actor=p.owner, data=out.read_bytes(), password=password
    )
    assert new.status == CertificateStatus.PENDING
    outcome = eeszt_connection_test(company=p.company_a, member=p.owner)
    assert outcome.ok and outcome.activated
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == (CertificateStatus.RETIRED, CertificateStatus.ACTIVE)


def test_no_key_file_written(live: Live, monkeypatch):
    """The client key reaches OpenSSL through a memfd, never a temporary file."""
    import tempfile

    def _forbidden(*args, **kwargs):
        raise AssertionError("temporary file created")

    sessions_clear()
    monkeypatch.setattr(tempfile, "NamedTemporaryFile", _forbidden)
    monkeypatch.setattr(tempfile, "mkstemp", _forbidden)
    outcome = eeszt_connection_test(company=live.personas.company_a, member=live.personas.owner)
    assert outcome.ok
