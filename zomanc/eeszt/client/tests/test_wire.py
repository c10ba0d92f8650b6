"""The client adapter against the real sandbox process over mutual TLS (no fakes)."""

import datetime as dt
import filecmp
import os
import uuid
from pathlib import Path

import pkcs11
import pyotp
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from zomanc.eeszt.client import ekat, idp
from zomanc.eeszt.client.errors import EesztLoginRequired, EesztRefused, EesztUnavailable
from zomanc.eeszt.client.wire import CONTRACT_DIR, CallContext, Connection, sessions_clear
from zomanc.testing.sandbox import REPO, SandboxProcess

INSTITUTION = "506097"
ORG_UNIT = "001044299"
PATIENT = ekat.PatientRef("TAJ", "111111110")


@pytest.fixture
def conn(sandbox_server: SandboxProcess) -> Connection:
    p12, password = sandbox_server.certificate(INSTITUTION)
    sessions_clear()
    return Connection(
        endpoint=sandbox_server.soap_url,
        pkcs12_data=p12,
        pkcs12_password=password,
        ca_pem=sandbox_server.ca_pem,
        timeout_seconds=5,
    )


def card_sign(sandbox: SandboxProcess, data: bytes) -> tuple[bytes, bytes]:
    """What the workstation's card service does: PIN, then a PKCS#11 signature."""
    conf, label, pin = sandbox.card()
    os.environ["SOFTHSM2_CONF"] = str(conf)
    lib = pkcs11.lib("/usr/lib/softhsm/libsofthsm2.so")
    token = lib.get_token(token_label=label)
    with token.open(user_pin=pin) as session:
        key = session.get_key(object_class=pkcs11.ObjectClass.PRIVATE_KEY)
        signature = key.sign(data, mechanism=pkcs11.Mechanism.SHA256_RSA_PKCS)  # type: ignore[attr-defined]
        cert = next(session.get_objects({pkcs11.Attribute.CLASS: pkcs11.ObjectClass.CERTIFICATE}))
        der = cert[pkcs11.Attribute.VALUE]
    return signature, der


def card_context(sandbox: SandboxProcess, conn: Connection) -> CallContext:
    challenge = idp.challenge_request(conn, user_id="O58012")
    signature, der = card_sign(sandbox, challenge.nonce)
    assertion = idp.card_login(
        conn, user_id="O58012", nonce=challenge.nonce, signature=signature, certificate_der=der
    )
    return CallContext("O58012", INSTITUTION, ORG_UNIT, "ORVOS", assertion.xml)


def test_contract_copy_is_identical_to_the_sandbox_contract() -> None:
    sandbox_contract = REPO / "sandbox" / "contract"
    names = sorted(p.name for p in sandbox_contract.iterdir() if p.suffix in (".xsd", ".wsdl"))
    ours = sorted(p.name for p in CONTRACT_DIR.iterdir() if p.suffix in (".xsd", ".wsdl"))
    assert ours == names
    _, mismatch, errors = filecmp.cmpfiles(sandbox_contract, CONTRACT_DIR, names, shallow=False)
    assert mismatch == [] and errors == []


def test_card_login_then_event_start_and_close(
    sandbox_server: SandboxProcess, conn: Connection
) -> None:
    ctx = card_context(sandbox_server, conn)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    started = ekat.event_start(
        conn,
        ctx,
        request_id=str(uuid.uuid4()),
        patient=PATIENT,
        client_visit_id=f"v-{uuid.uuid4().hex[:10]}",
        event_time=now,
        recorded_time=now,
        responsible_stamp="58012",
        specialty="FOG",
    )
    assert len(started.event_id) == 18 and started.status == "NYITOTT"
    closed = ekat.event_close(
        conn,
        ctx,
        request_id=str(uuid.uuid4()),
        event_id=started.event_id,
        end_time=now,
        recorded_time=now,
        responsible_stamp="58012",
        diagnoses=["K0210"],
    )
    assert closed.status == "LEZART"
    events = ekat.event_query(conn, ctx, patient=PATIENT)
    assert started.event_id in [e.event_id for e in events]


def test_the_same_request_id_is_answered_once(
    sandbox_server: SandboxProcess, conn: Connection
) -> None:
    ctx = card_context(sandbox_server, conn)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    request_id = str(uuid.uuid4())
    kwargs = dict(
        request_id=request_id,
        patient=PATIENT,
        client_visit_id=f"v-{uuid.uuid4().hex[:10]}",
        event_time=now,
        recorded_time=now,
        responsible_stamp="58012",
        specialty="FOG",
    )
    first = ekat.event_start(conn, ctx, **kwargs)  # type: ignore[arg-type]
    again = ekat.event_start(conn, ctx, **kwargs)  # type: ignore[arg-type]
    assert again == first
    changed = {**kwargs, "client_visit_id": "another-visit"}
    with pytest.raises(EesztRefused) as refused:
        ekat.event_start(conn, ctx, **changed)  # type: ignore[arg-type]
    assert refused.value.code == "DUPLICATE_REQUEST_CONFLICT"
    assert refused.value.request_id == request_id


def test_mobile_token_login(sandbox_server: SandboxProcess, conn: Connection) -> None:
    otp = pyotp.TOTP(sandbox_server.mobile_secret("O61234")).now()
    assertion = idp.mobile_token_login(conn, user_id="O61234", otp=otp)
    assert assertion.user_id == "O61234"
    assert assertion.not_on_or_after > dt.datetime.now(dt.UTC) + dt.timedelta(hours=6)
    assert b"Signature" in assertion.xml


def test_business_refusal_is_typed_with_code_and_hungarian_message(
    sandbox_server: SandboxProcess, conn: Connection
) -> None:
    ctx = card_context(sandbox_server, conn)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with pytest.raises(EesztRefused) as refused:
        ekat.event_start(
            conn,
            ctx,
            request_id=str(uuid.uuid4()),
            patient=ekat.PatientRef("TAJ", "111111111"),  # check digit wrong
            client_visit_id="v-bad-taj",
            event_time=now,
            recorded_time=now,
            responsible_stamp="58012",
            specialty="FOG",
        )
    assert refused.value.code == "TAJ_INVALID"
    assert refused.value.message  # the sandbox's Hungarian text travels to the user


def test_ended_session_asks_for_login(sandbox_server: SandboxProcess, conn: Connection) -> None:
    challenge = idp.challenge_request(conn, user_id="O58012")
    signature, der = card_sign(sandbox_server, challenge.nonce)
    assertion = idp.card_login(
        conn, user_id="O58012", nonce=challenge.nonce, signature=signature, certificate_der=der
    )
    assert idp.logout(conn, assertion_id=assertion.assertion_id) is True
    ctx = CallContext("O58012", INSTITUTION, ORG_UNIT, "ORVOS", assertion.xml)
    with pytest.raises(EesztLoginRequired) as expired:
        ekat.event_query(conn, ctx, patient=PATIENT)
    assert expired.value.code == "AUTH_SESSION_EXPIRED"


def test_maintenance_window_is_retry_later_with_retry_after(
    sandbox_server: SandboxProcess, conn: Connection
) -> None:
    sandbox_server.admin(
        "faults", {"service": "*", "share_http_503": 1.0, "retry_after_seconds": 9}
    )
    try:
        with pytest.raises(EesztUnavailable) as unavailable:
            idp.challenge_request(conn, user_id="O58012")
    finally:
        sandbox_server.admin("faults/clear", {})
    assert unavailable.value.retry_after_seconds == 9


def _self_signed_p12(tmp_path: Path) -> tuple[bytes, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "506097 hamis")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    password = "jelszo123"
    data = pkcs12.serialize_key_and_certificates(
        b"fake", key, cert, None, serialization.BestAvailableEncryption(password.encode())
    )
    return data, password


def test_certificate_from_another_ca_fails_the_handshake(
    sandbox_server: SandboxProcess, tmp_path: Path
) -> None:
    data, password = _self_signed_p12(tmp_path)
    sessions_clear()
    rogue = Connection(
        endpoint=sandbox_server.soap_url,
        pkcs12_data=data,
        pkcs12_password=password,
        ca_pem=sandbox_server.ca_pem,
        timeout_seconds=5,
    )
    with pytest.raises(EesztUnavailable) as failed:
        idp.challenge_request(rogue, user_id="O58012")
    assert failed.value.code in ("TLS", "TRANSPORT")


def test_server_not_signed_by_the_pinned_ca_is_refused(
    sandbox_server: SandboxProcess,
    conn: Connection,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # REQUESTS_CA_BUNDLE must not widen trust: pin another CA and the real server fails.
    monkeypatch.setenv(
        "REQUESTS_CA_BUNDLE", str(sandbox_server.data_dir / "pki" / "root-ca.crt.pem")
    )
    other_ca = _self_signed_p12(tmp_path)
    _key, cert, _ = pkcs12.load_key_and_certificates(other_ca[0], other_ca[1].encode())
    assert cert is not None
    sessions_clear()
    pinned_elsewhere = Connection(
        endpoint=conn.endpoint,
        pkcs12_data=conn.pkcs12_data,
        pkcs12_password=conn.pkcs12_password,
        ca_pem=cert.public_bytes(serialization.Encoding.PEM),
        timeout_seconds=5,
    )
    with pytest.raises(EesztUnavailable) as failed:
        idp.challenge_request(pinned_elsewhere, user_id="O58012")
    assert failed.value.code == "TLS"
