"""Test PKI made with `cryptography`, shaped like the sandbox's (sandbox/pki): a root CA, a
WAF CA under it issuing institution certificates with the institution id in the subject's
serialNumber, plus a foreign CA that must not be trusted. Never imports the sandbox."""

from __future__ import annotations

import datetime as dt
import ipaddress
import subprocess
from dataclasses import dataclass
from pathlib import Path

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
