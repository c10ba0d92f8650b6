"""Test PKI made with `cryptography`, shaped like the sandbox's (sandbox/pki): a root CA, a
WAF CA under it issuing institution certificates with the institution id in the subject's
serialNumber, plus a foreign CA that must not be trusted. Never imports the sandbox."""

from __future__ import annotations

import datetime as dt
import ipaddress
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SMS_CODE = "Kod123abcXYZ"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Pair:
    cert: x509.Certificate
    key: rsa.RSAPrivateKey

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make_cert(
    *,
    subject: x509.Name,
    key: rsa.RSAPrivateKey,
    issuer: Pair | None,
    ca: bool = False,
    eku: list[x509.ObjectIdentifier] | None = None,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    san: list[x509.GeneralName] | None = None,
) -> x509.Certificate:
    signer = issuer.key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or _now() - dt.timedelta(minutes=5))
        .not_valid_after(not_after or _now() + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=not ca,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()), False
        )
    )
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    return builder.sign(signer, hashes.SHA256())


def ca_name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "HU"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Teszt"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


@dataclass
class PkiFixture:
    root: Pair
    waf: Pair
    foreign_root: Pair
    foreign_waf: Pair
    server: Pair
    bundle_path: Path

    def issue(
        self,
        institution_id: str = "506097",
        *,
        issuer: Pair | None = None,
        eku: list[x509.ObjectIdentifier] | None = None,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        with_serial: bool = True,
    ) -> Pair:
        key = _key()
        attrs = [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "HU"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Mosoly Fogászat Kft."),
        ]
        if with_serial:
            attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, institution_id))
        attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, f"{institution_id} WAF-SSL"))
        cert = make_cert(
            subject=x509.Name(attrs),
            key=key,
            issuer=issuer or self.waf,
            eku=[ExtendedKeyUsageOID.CLIENT_AUTH] if eku is None else eku,
            not_before=not_before,
            not_after=not_after,
        )
        return Pair(cert=cert, key=key)

    def p12(
        self,
        leaf: Pair,
        password: str = SMS_CODE,
        *,
        chain: list[Pair] | None = None,
        key: bool = True,
    ) -> bytes:
        cas = [c.cert for c in (chain if chain is not None else [self.waf, self.root])]
        return pkcs12.serialize_key_and_certificates(
            name=b"teszt",
            key=leaf.key if key else None,
            cert=leaf.cert,
            cas=cas,
            encryption_algorithm=serialization.BestAvailableEncryption(password.encode()),
        )


@pytest.fixture(scope="session")
def test_pki(tmp_path_factory: pytest.TempPathFactory) -> PkiFixture:
    root_key, waf_key, f_root_key, f_waf_key, server_key = (_key() for _ in range(5))
    root = Pair(
        make_cert(subject=ca_name("Teszt Root CA"), key=root_key, issuer=None, ca=True), root_key
    )
    waf = Pair(
        make_cert(subject=ca_name("Teszt WAF CA"), key=waf_key, issuer=root, ca=True), waf_key
    )
    # The foreign CAs use the *same names*: only a signature check tells them apart.
    f_root = Pair(
        make_cert(subject=ca_name("Teszt Root CA"), key=f_root_key, issuer=None, ca=True),
        f_root_key,
    )
    f_waf = Pair(
        make_cert(subject=ca_name("Teszt WAF CA"), key=f_waf_key, issuer=f_root, ca=True),
        f_waf_key,
    )
    server = Pair(
        make_cert(
            subject=ca_name("Teszt EESZT szerver"),
            key=server_key,
            issuer=root,
            eku=[ExtendedKeyUsageOID.SERVER_AUTH],
            san=[x509.IPAddress(ipaddress.IPv4Address("127.0.0.1"))],
        ),
        server_key,
    )
    directory = tmp_path_factory.mktemp("pki")
    bundle = directory / "ca-bundle.pem"
    bundle.write_bytes(root.pem)
    return PkiFixture(root, waf, f_root, f_waf, server, bundle)


@pytest.fixture
def ca_bundle(test_pki: PkiFixture, settings: object) -> Path:
    settings.EESZT_CA_BUNDLE = str(test_pki.bundle_path)  # type: ignore[attr-defined]
    settings.EESZT_WAF_ISSUER_CN = "Teszt WAF CA"  # type: ignore[attr-defined]
    return test_pki.bundle_path


def legacy_rc2_p12(test_pki: PkiFixture, leaf: Pair, password: str, tmp_path: Path) -> bytes:
    """A PKCS#12 the old way (RC2-40, as older portals and Windows exports produce), made with
    the openssl command line because cryptography no longer writes RC2."""
    key_path, cert_path, chain_path, out = (
        tmp_path / n for n in ("k.pem", "c.pem", "ca.pem", "o.p12")
    )
    key_path.write_bytes(
        leaf.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(leaf.pem)
    chain_path.write_bytes(test_pki.waf.pem + test_pki.root.pem)
    subprocess.run(
        [
            "openssl",
            "pkcs12",
            "-export",
            "-legacy",
            "-certpbe",
            "PBE-SHA1-RC2-40",
            "-keypbe",
            "PBE-SHA1-RC2-40",
            "-inkey",
            str(key_path),
            "-in",
            str(cert_path),
            "-certfile",
            str(chain_path),
            "-out",
            str(out),
            "-passout",
            f"pass:{password}",
        ],
        check=True,
        capture_output=True,
    )
    return out.read_bytes()


# --- the real sandbox: a company with its certificate, logins by card / token / mobile -----


@dataclass
class Live:
    """Company A with the sandbox's certificate and the module on; helpers that produce what
    a user's card / token / phone would (never fakes of EESZT: the sandbox answers)."""

    personas: Any
    sandbox: Any
    conn: Any

    def token_secret(self, user_id: str) -> str:
        import re

        match = re.search(
            rf"{re.escape(user_id)} .*?token — jelszó \S+, TOTP titok ([A-Z2-7]+)",
            self.sandbox.demo_logins(),
        )
        assert match is not None, f"no token printed for {user_id}"
        return match.group(1)

    def mobile_secret(self, user_id: str) -> str:
        return str(self.sandbox.mobile_secret(user_id))

    def card_sign(self, user_id: str, nonce: bytes) -> tuple[bytes, bytes]:
        """(signature, certificate DER) from the user's SoftHSM demo card — what the card
        service does after the PIN (python-pkcs11, SHA256_RSA_PKCS)."""
        import os

        import pkcs11

        conf, label, pin = self.sandbox.card(user_id)
        os.environ["SOFTHSM2_CONF"] = str(conf)
        token = pkcs11.lib("/usr/lib/softhsm/libsofthsm2.so").get_token(token_label=label)
        with token.open(user_pin=pin) as session:
            key = session.get_key(object_class=pkcs11.ObjectClass.PRIVATE_KEY)
            signature = key.sign(nonce, mechanism=pkcs11.Mechanism.SHA256_RSA_PKCS)  # type: ignore[attr-defined]
            cert = next(
                session.get_objects({pkcs11.Attribute.CLASS: pkcs11.ObjectClass.CERTIFICATE})
            )
            return bytes(signature), bytes(cert[pkcs11.Attribute.VALUE])

    def card_login(self, member: Any) -> Any:
        """The member's card login through the login service (challenge → card → IDP)."""
        from django.utils import timezone

        from zomanc.eeszt.login.services import eeszt_login_card, eeszt_login_challenge

        company = self.personas.company_a
        challenge = eeszt_login_challenge(member=member, company=company)
        signature, der = self.card_sign(f"O{member.stamp_number}", challenge.nonce)
        return eeszt_login_card(
            member=member,
            company=company,
            nonce=challenge.nonce,
            challenge_expires_at=timezone.now() + dt.timedelta(minutes=1),
            signature=signature,
            certificate_der=der,
            algorithm="RSA-PKCS1v15-SHA256",
        )


_USED_STEPS: dict[str, set[int]] = {}


def fresh_otp(secret: str) -> str:
    """A TOTP code EESZT has not seen yet: every step is accepted once (±1 step), and several
    tests of one run log the same user in, so each takes its own step (waiting if needed)."""
    import time

    import pyotp

    used = _USED_STEPS.setdefault(secret, set())
    totp = pyotp.TOTP(secret)
    while True:
        now = time.time()
        current = int(now) // 30
        candidates = [current, current + 1]
        if now % 30 < 20:  # the previous step stays valid long enough to be sent
            candidates.append(current - 1)
        for step in candidates:
            if step not in used:
                used.add(step)
                return str(totp.at(step * 30))
        time.sleep(30 - now % 30 + 0.2)


@pytest.fixture
def live(personas: Any, sandbox_server: Any, settings: Any) -> Live:
    from django.utils import timezone

    from zomanc.eeszt.client.wire import Connection, sessions_clear
    from zomanc.eeszt.models import EesztSettings
    from zomanc.eeszt.setup.services import eeszt_certificate_upload

    settings.EESZT_ENDPOINT = sandbox_server.soap_url
    ca_bundle_path = Path(sandbox_server.data_dir) / "pki" / "ca-bundle.pem"
    settings.EESZT_CA_BUNDLE = str(ca_bundle_path)
    sessions_clear()
    p12, password = sandbox_server.certificate("506097")
    eeszt_certificate_upload(
        company=personas.company_a, actor=personas.owner, data=p12, password=password
    )
    EesztSettings.objects.create(
        practice=personas.practice_a,
        company=personas.company_a,
        module_enabled=True,
        enabled_at=timezone.now(),
    )
    conn = Connection(
        endpoint=sandbox_server.soap_url,
        pkcs12_data=p12,
        pkcs12_password=password,
        ca_pem=ca_bundle_path.read_bytes(),
    )
    return Live(personas=personas, sandbox=sandbox_server, conn=conn)
