"""The card service against a real SoftHSM2 token created in a temporary folder: the server
runs in a separate process (SOFTHSM2_CONF is read once per process by the PKCS#11 library)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from zomanc.cardservice.card import DEFAULT_MODULE

ORIGIN = "http://127.0.0.1:8000"
PORTAL = "http://127.0.0.1:9080"  # the sandbox's Ágazati portál logs in with the card too
PIN = "123456"
PAIRING = "parositas-teszt-kod"
REPO = Path(__file__).resolve().parents[3]


@dataclass
class Service:
    url: str
    port: int
    cert: x509.Certificate


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _token(tmp: Path) -> tuple[dict[str, str], x509.Certificate]:
    """A SoftHSM2 token holding an RSA key and its certificate, like an eID card."""
    (tmp / "tokens").mkdir()
    conf = tmp / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tmp / 'tokens'}\nobjectstore.backend = file\n")
    env = {**os.environ, "SOFTHSM2_CONF": str(conf)}
    subprocess.run(
        [
            "softhsm2-util",
            "--init-token",
            "--free",
            "--label",
            "eSzemelyi",
            "--pin",
            PIN,
            "--so-pin",
            "87654321",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "HU"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, "O58012"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Dr. Fog Ferenc"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_file = tmp / "key.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    subprocess.run(
        [
            "softhsm2-util",
            "--import",
            str(key_file),
            "--token",
            "eSzemelyi",
            "--label",
            "kartya",
            "--id",
            "01",
            "--pin",
            PIN,
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    key_file.unlink()
    # The certificate object, written through PKCS#11 in a child process (same reason).
    script = (
        "import json, sys, pkcs11\n"
        "from pkcs11 import Attribute, ObjectClass, CertificateType\n"
        "d = {k: bytes.fromhex(v) for k, v in json.load(sys.stdin).items()}\n"
        f"lib = pkcs11.lib({DEFAULT_MODULE!r})\n"
        "tok = lib.get_token(token_label='eSzemelyi')\n"
        f"with tok.open(rw=True, user_pin={PIN!r}) as s:\n"
        "    s.create_object({Attribute.CLASS: ObjectClass.CERTIFICATE,"
        " Attribute.CERTIFICATE_TYPE: CertificateType.X_509, Attribute.TOKEN: True,"
        " Attribute.ID: b'\\x01', Attribute.LABEL: 'kartya', Attribute.SUBJECT: d['subject'],"
        " Attribute.ISSUER: d['issuer'], Attribute.VALUE: d['der']})\n"
    )
    payload = {
        "der": cert.public_bytes(serialization.Encoding.DER).hex(),
        "subject": cert.subject.public_bytes().hex(),
        "issuer": cert.issuer.public_bytes().hex(),
    }
    subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        check=True,
        capture_output=True,
        input=json.dumps(payload).encode(),
    )
    return env, cert


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    if shutil.which("softhsm2-util") is None or not os.path.exists(DEFAULT_MODULE):
        pytest.fail("softhsm2 is missing: run `make bootstrap` (it installs softhsm2)")
    tmp = tmp_path_factory.mktemp("card")
    env, cert = _token(tmp)
    state = tmp / "state"
    state.mkdir()
    (state / "pairing-token").write_text(PAIRING)
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "zomanc.cardservice",
            "--port",
            str(port),
            "--origin",
            ORIGIN,
            "--origin",
            PORTAL,
            "--state-dir",
            str(state),
        ],
        env={**env, "PYTHONPATH": str(REPO)},
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(
                    f"card service did not start: {proc.stderr.read() if proc.stderr else ''}"
                )
            time.sleep(0.1)
    yield Service(url=url, port=port, cert=cert)
    proc.terminate()
    proc.wait(timeout=10)


def _call(
    service: Service,
    method: str,
    path: str,
    body: dict | None = None,
    *,
    origin: str | None = ORIGIN,
    token: str | None = PAIRING,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], dict]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(service.url + path, data=data, method=method)
    if origin:
        req.add_header("Origin", origin)
    if token:
        req.add_header("X-Zomanc-Pairing", token)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=20) as resp:
            raw = resp.read()
            return resp.status, dict(resp.headers), json.loads(raw) if raw else {}
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        return exc.code, dict(exc.headers), json.loads(raw) if raw else {}


def test_status_names_the_card(service):
    status, headers, body = _call(service, "GET", "/status")
    assert status == 200
    assert body["cardPresent"] is True and body["tokenLabel"] == "eSzemelyi"
    assert "Dr. Fog Ferenc" in body["certificateSubject"]
    assert headers["Access-Control-Allow-Origin"] == ORIGIN


def test_signature_verifies_with_the_card_certificate(service):
    challenge = os.urandom(32)
    status, _, body = _call(
        service, "POST", "/sign", {"challenge": base64.b64encode(challenge).decode(), "pin": PIN}
    )
    assert status == 200, body
    cert = x509.load_der_x509_certificate(base64.b64decode(body["certificate"]))
    assert cert == service.cert
    public = cert.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    public.verify(
        base64.b64decode(body["signature"]), challenge, padding.PKCS1v15(), hashes.SHA256()
    )
    assert body["algorithm"] == "RSA-PKCS1v15-SHA256"


def test_wrong_pin_is_a_clear_error(service):
    status, _, body = _call(
        service, "POST", "/sign", {"challenge": base64.b64encode(b"x").decode(), "pin": "000000"}
    )
    assert status == 403 and body["error"] == "PIN_INCORRECT"
    assert "Hibás PIN" in body["message"]


def test_wrong_origin_gets_no_cors_and_is_refused(service):
    status, headers, body = _call(service, "GET", "/status", origin="https://gonosz.example")
    assert status == 403 and body["error"] == "ORIGIN_NOT_ALLOWED"
    assert "Access-Control-Allow-Origin" not in headers
    status, headers, _ = _call(
        service, "POST", "/sign", {"challenge": "eA==", "pin": PIN}, origin="https://gonosz.example"
    )
    assert status == 403 and "Access-Control-Allow-Origin" not in headers
    status, _, _ = _call(service, "GET", "/status", origin=None)
    assert status == 403


@pytest.mark.parametrize("token", [None, "rossz-kod"])
def test_missing_or_wrong_pairing_token_is_401(service, token):
    status, headers, body = _call(service, "GET", "/status", token=token)
    assert status == 401 and body["error"] == "PAIRING_REQUIRED"
    # Readable by the product's page, so it can ask for the code.
    assert headers["Access-Control-Allow-Origin"] == ORIGIN
    status, _, _ = _call(service, "POST", "/sign", {"challenge": "eA==", "pin": PIN}, token=token)
    assert status == 401


def test_private_network_access_preflight(service):
    pna = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-zomanc-pairing",
        "Access-Control-Request-Private-Network": "true",
    }
    status, headers, _ = _call(service, "OPTIONS", "/sign", token=None, headers=pna)
    assert status == 204
    assert headers["Access-Control-Allow-Private-Network"] == "true"
    assert headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "X-Zomanc-Pairing" in headers["Access-Control-Allow-Headers"]
    status, headers, _ = _call(
        service, "OPTIONS", "/sign", token=None, headers=pna, origin="https://gonosz.example"
    )
    assert status == 403
    assert "Access-Control-Allow-Private-Network" not in headers
    assert "Access-Control-Allow-Origin" not in headers


def test_rebinding_host_refused(service):
    status, _, body = _call(service, "GET", "/status", headers={"Host": "gonosz.example"})
    assert status == 403 and body["error"] == "HOST_NOT_ALLOWED"


def test_bad_challenge_and_pin_format(service):
    status, _, body = _call(service, "POST", "/sign", {"challenge": "!!!", "pin": PIN})
    assert status == 400 and body["error"] == "BAD_CHALLENGE"
    status, _, body = _call(service, "POST", "/sign", {"challenge": "eA==", "pin": "1"})
    assert status == 400 and body["error"] == "PIN_INVALID"


def test_every_configured_origin_and_only_those(service):
    """The product and the portal each get CORS for themselves (never the other's origin, a
    list or "*"); anything else stays refused."""
    for origin in (ORIGIN, PORTAL):
        status, headers, body = _call(service, "GET", "/status", origin=origin)
        assert status == 200 and headers["Access-Control-Allow-Origin"] == origin
        pna = {
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Private-Network": "true",
        }
        status, headers, _ = _call(
            service, "OPTIONS", "/sign", token=None, headers=pna, origin=origin
        )
        assert status == 204 and headers["Access-Control-Allow-Origin"] == origin
    for other in ("http://127.0.0.1:9081", "http://127.0.0.1:9080.gonosz.example", "null"):
        status, headers, body = _call(service, "GET", "/status", origin=other)
        assert status == 403 and body["error"] == "ORIGIN_NOT_ALLOWED"
        assert "Access-Control-Allow-Origin" not in headers
