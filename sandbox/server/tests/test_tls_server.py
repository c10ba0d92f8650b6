"""Against the real server process on free ports (not the test client): mutual TLS,
listener separation, fault injection on the socket, keep-alive on the HTTPS listener, and
a generic zeep client built only from the served WSDLs calling every operation."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyotp
import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from sandbox import testing
from sandbox.registry import seed
from sandbox.soap.ns import service_ns

REPO = Path(__file__).resolve().parents[3]
ADMIN_TOKEN = "tls-test-admin"


@dataclass
class Running:
    data: Path
    https: str
    http: str
    ca: Path
    cert: tuple[str, str]  # demo institution client cert (PEM paths)
    other_cert: tuple[str, str]

    def session(self, cert: tuple[str, str] | None = None) -> requests.Session:
        s = requests.Session()
        s.trust_env = False  # REQUESTS_CA_BUNDLE would override verify otherwise
        s.verify = str(self.ca)
        if cert:
            s.cert = cert
        return s


def _env(data: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("SANDBOX_DATABASE_URL", "SOFTHSM2_CONF")
    }
    env.update(SANDBOX_DATA_DIR=str(data), SANDBOX_ADMIN_TOKEN=ADMIN_TOKEN, PYTHONPATH=str(REPO))
    return env


def _django(data: Path, *args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "django", *args, "--settings=sandbox.settings"],
        env=_env(data),
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return out.stdout


def _pem_pair(p12: Path, password: str, out: Path) -> tuple[str, str]:
    key, cert, _ = pkcs12.load_key_and_certificates(p12.read_bytes(), password.encode())
    assert key is not None and cert is not None
    cert_path, key_path = out.with_suffix(".crt.pem"), out.with_suffix(".key.pem")
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_path), str(key_path)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    data = tmp_path_factory.mktemp("tls-server")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "django",
            "runsandbox",
            "--settings=sandbox.settings",
            "--https-port",
            "0",
            "--http-port",
            "0",
            "--no-card",
        ],
        env=_env(data),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    state = data / "server.json"
    deadline = time.monotonic() + 60
    while not state.exists():
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else b""
        assert time.monotonic() < deadline, "sandbox did not start"
        time.sleep(0.1)
    ports = json.loads(state.read_text())
    pairs = []
    for inst in (seed.DEMO_INSTITUTION, seed.OTHER_INSTITUTION):
        p12 = data / f"{inst}.p12"
        password = _django(
            data, "sandbox_issue_cert", "--institution", inst, "--out", str(p12)
        ).strip()
        pairs.append(_pem_pair(p12, password, data / inst))
    yield Running(
        data=data,
        https=f"https://127.0.0.1:{ports['httpsPort']}",
        http=f"http://127.0.0.1:{ports['httpPort']}",
        ca=data / "pki" / "root-ca.crt.pem",
        cert=pairs[0],
        other_cert=pairs[1],
    )
    proc.terminate()
    proc.wait(timeout=10)


IDP = service_ns("idp")
EKAT = service_ns("ekat")


def _challenge(server: Running, session: requests.Session) -> requests.Response:
    body = testing.envelope(testing.payload(IDP, "ChallengeRequestRequest", userId="O58012"))
    return session.post(
        f"{server.https}/soap/idp",
        data=body,
        headers={"Content-Type": "application/soap+xml; charset=utf-8"},
        timeout=10,
    )


def test_valid_institution_certificate_gets_an_answer(server: Running) -> None:
    response = _challenge(server, server.session(server.cert))
    assert response.status_code == 200
    assert b"ChallengeRequestResponse" in response.content


def test_no_client_certificate_fails_the_handshake(server: Running) -> None:
    with pytest.raises((requests.exceptions.SSLError, requests.exceptions.ConnectionError)):
        _challenge(server, server.session())


def _foreign_pair(
    tmp: Path, issuer_cert: x509.Certificate | None, issuer_key: rsa.RSAPrivateKey | None
) -> tuple[str, str]:
    from sandbox.pki.ca import build_cert

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.SERIAL_NUMBER, seed.DEMO_INSTITUTION),
            x509.NameAttribute(NameOID.COMMON_NAME, "idegen"),
        ]
    )
    if issuer_cert is None:
        ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Idegen CA")])
        now = dt.datetime.now(dt.UTC)
        issuer_cert = (
            x509.CertificateBuilder()
            .subject_name(ca_name)
            .issuer_name(ca_name)
            .public_key(ca_key.public_key())
            .serial_number(1)
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(ca_key, hashes.SHA256())
        )
        issuer_key = ca_key
    from sandbox.pki.ca import KeyPair

    assert issuer_key is not None
    issuer = KeyPair(cert=issuer_cert, key=issuer_key, cert_path=tmp, key_path=tmp)
    from cryptography.x509.oid import ExtendedKeyUsageOID

    cert = build_cert(
        subject=name,
        public_key=key.public_key(),
        issuer=issuer,
        issuer_key=issuer_key,
        days=1,
        eku=[ExtendedKeyUsageOID.CLIENT_AUTH],
    )
    c, k = tmp / f"{uuid.uuid4()}.crt.pem", tmp / f"{uuid.uuid4()}.key.pem"
    c.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    k.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(c), str(k)


def test_certificate_from_another_ca_fails_the_handshake(server: Running, tmp_path: Path) -> None:
    pair = _foreign_pair(tmp_path, None, None)
    with pytest.raises((requests.exceptions.SSLError, requests.exceptions.ConnectionError)):
        _challenge(server, server.session(pair))


def test_eid_ca_certificate_is_not_an_institution_certificate(
    server: Running, tmp_path: Path
) -> None:
    # Chains to our own root, but through the eID CA: only the WAF CA admits TLS clients.
    eid_cert = x509.load_pem_x509_certificate((server.data / "pki" / "eid-ca.crt.pem").read_bytes())
    eid_key = serialization.load_pem_private_key(
        (server.data / "pki" / "eid-ca.key.pem").read_bytes(), None
    )
    assert isinstance(eid_key, rsa.RSAPrivateKey)
    pair = _foreign_pair(tmp_path, eid_cert, eid_key)
    with pytest.raises((requests.exceptions.SSLError, requests.exceptions.ConnectionError)):
        _challenge(server, server.session(pair))


def test_listeners_keep_to_their_jobs(server: Running) -> None:
    plain = server.session()
    refdata = plain.get(
        f"{server.http}/refdata/getEntity?entityId=DOCTORS&page=0&size=2", timeout=10
    )
    assert refdata.status_code == 200
    assert refdata.json()["totalRowCount"] >= 5
    assert plain.post(f"{server.http}/soap/idp", data=b"<x/>", timeout=10).status_code == 404
    tls = server.session(server.cert)
    assert (
        tls.get(f"{server.https}/refdata/getEntity?entityId=DOCTORS", timeout=10).status_code == 404
    )


def _mobile_login(
    server: Running, session: requests.Session, user: str = seed.SECOND_DOCTOR
) -> bytes:
    import base64

    from lxml import etree

    otp = pyotp.TOTP(seed.MOBILE_SECRETS[user]).now()
    body = testing.envelope(testing.payload(IDP, "MobileTokenLoginRequest", userId=user, otp=otp))
    response = session.post(
        f"{server.https}/soap/idp",
        data=body,
        timeout=10,
        headers={"Content-Type": "application/soap+xml"},
    )
    assert response.status_code == 200, response.content
    root = etree.fromstring(response.content)
    return base64.b64decode(root.findtext(f".//{{{IDP}}}assertion") or "")


def test_certificate_of_another_institution_is_context_not_permitted(server: Running) -> None:
    from lxml import etree

    assertion = _mobile_login(server, server.session(server.cert))
    # Wait out the TOTP step so the next login in this module gets a fresh code.
    other = server.session(server.other_cert)
    ctx = testing.context_element(
        user_id=seed.SECOND_DOCTOR,
        institution_id=seed.DEMO_INSTITUTION,
        org_unit_id=seed.DEMO_ORG_UNIT,
        role="ORVOS",
    )
    body = testing.envelope(
        testing.payload(EKAT, "EventQueryRequest", patient={"idType": "TAJ", "id": "123456788"}),
        testing.security_element(assertion=assertion),
        ctx,
    )
    response = other.post(
        f"{server.https}/soap/ekat",
        data=body,
        timeout=10,
        headers={"Content-Type": "application/soap+xml"},
    )
    code = etree.fromstring(response.content).findtext(
        ".//{urn:zomanc:eeszt-sandbox:common:v1}code"
    )
    assert code == "CONTEXT_NOT_PERMITTED"


def _admin(
    server: Running, path: str, payload: dict[str, object] | None = None
) -> dict[str, object]:
    s = server.session()
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    if payload is None:
        r = s.get(f"{server.http}/sandbox-admin/{path}", headers=headers, timeout=10)
    else:
        r = s.post(f"{server.http}/sandbox-admin/{path}", json=payload, headers=headers, timeout=10)
    assert r.status_code == 200, r.content
    result: dict[str, object] = r.json()
    return result


def test_admin_endpoint_needs_its_token(server: Running) -> None:
    r = server.session().get(f"{server.http}/sandbox-admin/state", timeout=10)
    assert r.status_code == 401


def test_dropped_connection_and_accept_then_timeout(server: Running) -> None:
    tls = server.session(server.cert)
    try:
        _admin(server, "faults", {"service": "idp", "share_drop": 1.0})
        with pytest.raises(requests.exceptions.ConnectionError):
            _challenge(server, tls)
        _admin(
            server,
            "faults",
            {"service": "idp", "share_drop": 0.0, "share_hang": 1.0, "hang_seconds": 3},
        )
        with pytest.raises((requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError)):
            tls.post(
                f"{server.https}/soap/idp",
                timeout=1,
                data=testing.envelope(
                    testing.payload(IDP, "ChallengeRequestRequest", userId="O58012")
                ),
                headers={"Content-Type": "application/soap+xml"},
            )
        _admin(server, "faults/clear", {})
        _admin(server, "faults", {"service": "*", "share_http_503": 1.0, "retry_after_seconds": 7})
        r = _challenge(server, tls)
        assert r.status_code == 503 and r.headers["Retry-After"] == "7"
    finally:
        _admin(server, "faults/clear", {})
    counters = _admin(server, "state")["counters"]
    assert isinstance(counters, dict)
    assert counters["faults.drop"] >= 1 and counters["faults.hang"] >= 1
    assert counters["faults.http_503"] >= 1
    assert counters["faults_injected"] >= 3
    assert _challenge(server, tls).status_code == 200


def test_zeep_client_from_the_wsdls_calls_every_operation(server: Running) -> None:
    import zeep
    from zeep.exceptions import Fault
    from zeep.transports import Transport

    session = server.session(server.cert)
    transport = Transport(session=session)
    idp = zeep.Client(f"{server.https}/soap/idp?wsdl", transport=transport)
    ekat = zeep.Client(f"{server.https}/soap/ekat?wsdl", transport=transport)

    challenge = idp.service.ChallengeRequest(userId=seed.DEMO_DENTIST)
    assert len(challenge.nonce) == 32
    with pytest.raises(Fault) as failed:  # the card's signature is missing: a refusal, but a call
        idp.service.CardLogin(
            userId=seed.DEMO_DENTIST,
            nonce=challenge.nonce,
            signatureAlgorithm="RSA_PKCS1_SHA256",
            signature=b"x",
            certificate=b"y",
        )
    assert "AUTH" in str(failed.value.detail.findtext(".//{*}code"))
    totp = pyotp.TOTP(seed.TOKEN_SECRETS[seed.RIGHTS_ADMIN])
    token = idp.service.TokenLogin(
        userId=seed.RIGHTS_ADMIN, password=seed.DEMO_PASSWORD, otp=totp.now()
    )
    assert token.userId == seed.RIGHTS_ADMIN
    mobile = idp.service.MobileTokenLogin(
        userId=seed.ASSISTANT, otp=pyotp.TOTP(seed.MOBILE_SECRETS[seed.ASSISTANT]).now()
    )

    def headers(request_id: str | None = None) -> list[object]:
        return [
            testing.security_element(assertion=mobile.assertion),
            testing.context_element(
                user_id=seed.ASSISTANT,
                institution_id=seed.DEMO_INSTITUTION,
                org_unit_id=seed.DEMO_ORG_UNIT,
                role="EESZT_FELHASZNALO",
                request_id=request_id,
            ),
        ]

    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    patient = {"idType": "TAJ", "id": "111111110"}
    started = ekat.service.EventStart(
        patient=patient,
        clientVisitId=f"zeep-{uuid.uuid4().hex[:8]}",
        careType="JARO",
        specialty="FOG",
        eventTime=now,
        recordedTime=now,
        responsibleStamp="58012",
        _soapheaders=headers(),
    )
    assert len(started.eventId) == 18 and started.status == "NYITOTT"
    closed = ekat.service.EventClose(
        eventId=started.eventId,
        endTime=now,
        recordedTime=now,
        responsibleStamp="58012",
        diagnoses={"diagnosis": ["K0210"]},
        _soapheaders=headers(),
    )
    assert closed.status == "LEZART"
    corrected = ekat.service.EventCorrect(
        eventId=started.eventId,
        diagnoses={"diagnosis": ["K0220"]},
        reason="Elírás javítása",
        _soapheaders=headers(),
    )
    assert corrected.status == "LEZART"
    found = ekat.service.EventQuery(patient=patient, _soapheaders=headers())
    assert [e.eventId for e in found] == [started.eventId]
    deleted = ekat.service.EventDelete(
        eventId=started.eventId, reason="Téves beteg", _soapheaders=headers()
    )
    assert deleted.status == "TOROLT"
    assert idp.service.Logout(assertionId=mobile.assertionId) is True


def _https_connection(server: Running) -> http.client.HTTPSConnection:
    """A raw HTTP/1.1 connection with the institution certificate: we see its socket."""
    ctx = ssl.create_default_context(cafile=str(server.ca))
    ctx.load_cert_chain(*server.cert)
    host, port = server.https.removeprefix("https://").split(":")
    return http.client.HTTPSConnection(host, int(port), context=ctx, timeout=10)


def _post_challenge(conn: http.client.HTTPSConnection) -> http.client.HTTPResponse:
    body = testing.envelope(testing.payload(IDP, "ChallengeRequestRequest", userId="O58012"))
    conn.request("POST", "/soap/idp", body=body, headers={"Content-Type": "application/soap+xml"})
    return conn.getresponse()


def test_two_soap_calls_share_one_tls_connection(server: Running) -> None:
    conn = _https_connection(server)
    try:
        first = _post_challenge(conn)
        assert first.status == 200 and b"ChallengeRequestResponse" in first.read()
        assert first.version == 11 and first.getheader("Connection") is None
        sock = conn.sock
        assert sock is not None
        local = sock.getsockname()
        second = _post_challenge(conn)
        assert second.status == 200 and b"ChallengeRequestResponse" in second.read()
        # http.client opens a new socket (a new handshake) only when the old one was closed.
        assert conn.sock is sock and sock.getsockname() == local
    finally:
        conn.close()


def test_drop_and_hang_close_a_kept_alive_connection(server: Running) -> None:
    conn = _https_connection(server)
    try:
        ok = _post_challenge(conn)
        assert ok.status == 200
        ok.read()
        sock = conn.sock
        _admin(server, "faults", {"service": "idp", "share_drop": 1.0})
        with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
            _post_challenge(conn)
        conn.close()

        _admin(server, "faults", {"service": "idp", "share_drop": 0.0})
        assert _post_challenge(conn).read()  # a new connection answers again
        assert conn.sock is not sock
        _admin(server, "faults", {"service": "idp", "share_hang": 1.0, "hang_seconds": 1})
        started = time.monotonic()
        with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
            _post_challenge(conn)  # held, then closed without an answer
        assert time.monotonic() - started >= 0.9
    finally:
        conn.close()
        _admin(server, "faults/clear", {})
