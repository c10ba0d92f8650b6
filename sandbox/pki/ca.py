"""Creating and loading the CA hierarchy in the data folder (once per process).

Layout of ``<data>/pki``: ``root-ca``, ``waf-ca``, ``eid-ca``, ``server``, ``idp`` — each
``<name>.crt.pem`` + ``<name>.key.pem`` (keys unencrypted, mode 0600: this is a sandbox,
its keys protect nothing real).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPublicKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings

ROOT_NAME = "Sandbox EESZT Root CA"
WAF_CA_NAME = "Sandbox EESZT WAF CA"
EID_CA_NAME = "Sandbox EESZT eID CA"


@dataclass(frozen=True)
class KeyPair:
    cert: x509.Certificate
    key: rsa.RSAPrivateKey
    cert_path: Path
    key_path: Path

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


@dataclass(frozen=True)
class Pki:
    directory: Path
    root: KeyPair
    waf_ca: KeyPair
    eid_ca: KeyPair
    server: KeyPair
    idp: KeyPair


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(cn: str, **extra: str) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "HU")]
    if "o" in extra:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, extra["o"]))
    if "serial" in extra:
        attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, extra["serial"]))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def build_cert(
    *,
    subject: x509.Name,
    public_key: CertificateIssuerPublicKeyTypes,
    issuer: KeyPair | None,
    issuer_key: rsa.RSAPrivateKey,
    days: int,
    ca: bool = False,
    path_length: int | None = None,
    eku: list[x509.ObjectIdentifier] | None = None,
    san: list[x509.GeneralName] | None = None,
    digital_signature: bool = True,
    key_encipherment: bool = False,
    content_commitment: bool = False,
) -> x509.Certificate:
    """One place that sets the extensions current OpenSSL/Python insist on."""
    now = _now()
    issuer_name = issuer.cert.subject if issuer else subject
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    aki_source = issuer.cert.public_key() if issuer else public_key
    builder = builder.add_extension(
        x509.AuthorityKeyIdentifier.from_issuer_public_key(aki_source),  # type: ignore[arg-type]
        critical=False,
    )
    builder = builder.add_extension(
        x509.KeyUsage(
            digital_signature=digital_signature,
            content_commitment=content_commitment,
            key_encipherment=key_encipherment,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=ca,
            crl_sign=ca,
            encipher_only=False,
            decipher_only=False,
        ),
        critical=True,
    )
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _write(pair_dir: Path, name: str, cert: x509.Certificate, key: rsa.RSAPrivateKey) -> KeyPair:
    cert_path = pair_dir / f"{name}.crt.pem"
    key_path = pair_dir / f"{name}.key.pem"
    pair = KeyPair(cert=cert, key=key, cert_path=cert_path, key_path=key_path)
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pair.key_pem)
    cert_path.write_bytes(pair.cert_pem)
    return pair


def _read(pair_dir: Path, name: str) -> KeyPair | None:
    cert_path = pair_dir / f"{name}.crt.pem"
    key_path = pair_dir / f"{name}.key.pem"
    if not (cert_path.exists() and key_path.exists()):
        return None
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return KeyPair(cert=cert, key=key, cert_path=cert_path, key_path=key_path)


def _create(pki_dir: Path) -> None:
    pki_dir.mkdir(parents=True, exist_ok=True)
    root_key = new_key()
    root_cert = build_cert(
        subject=_name(ROOT_NAME, o="Zománc EESZT sandbox"),
        public_key=root_key.public_key(),
        issuer=None,
        issuer_key=root_key,
        days=3650,
        ca=True,
        path_length=1,
    )
    root = _write(pki_dir, "root-ca", root_cert, root_key)
    for name, cn in (("waf-ca", WAF_CA_NAME), ("eid-ca", EID_CA_NAME)):
        key = new_key()
        cert = build_cert(
            subject=_name(cn, o="Zománc EESZT sandbox"),
            public_key=key.public_key(),
            issuer=root,
            issuer_key=root.key,
            days=3650,
            ca=True,
            path_length=0,
        )
        _write(pki_dir, name, cert, key)
    server_key = new_key()
    server_cert = build_cert(
        subject=_name("Sandbox EESZT szolgáltatások", o="Zománc EESZT sandbox"),
        public_key=server_key.public_key(),
        issuer=root,
        issuer_key=root.key,
        days=825,
        eku=[ExtendedKeyUsageOID.SERVER_AUTH],
        san=[
            x509.DNSName("localhost"),
            x509.IPAddress(ipaddress.IPv4Address("127.0.0.1")),
        ],
        key_encipherment=True,
    )
    _write(pki_dir, "server", server_cert, server_key)
    idp_key = new_key()
    idp_cert = build_cert(
        subject=_name("Sandbox EESZT IDP", o="Zománc EESZT sandbox"),
        public_key=idp_key.public_key(),
        issuer=root,
        issuer_key=root.key,
        days=3650,
    )
    _write(pki_dir, "idp", idp_cert, idp_key)
    # Written last: its presence marks a complete PKI (a crash midway regenerates all).
    (pki_dir / "ca-bundle.pem").write_bytes(root.cert_pem)


_lock = threading.Lock()
_cache: dict[Path, Pki] = {}


def pki_dir() -> Path:
    return Path(settings.SANDBOX_DATA_DIR) / "pki"


def pki_ensure() -> Pki:
    """The PKI of the current data folder, created on first call and cached."""
    directory = pki_dir()
    cached = _cache.get(directory)
    if cached is not None:
        return cached
    with _lock:
        if directory in _cache:
            return _cache[directory]
        if not (directory / "ca-bundle.pem").exists():
            _create(directory)
        pairs = {n: _read(directory, n) for n in ("root-ca", "waf-ca", "eid-ca", "server", "idp")}
        assert all(pairs.values()), f"incomplete PKI in {directory}"
        pki = Pki(
            directory=directory,
            root=pairs["root-ca"],  # type: ignore[arg-type]
            waf_ca=pairs["waf-ca"],  # type: ignore[arg-type]
            eid_ca=pairs["eid-ca"],  # type: ignore[arg-type]
            server=pairs["server"],  # type: ignore[arg-type]
            idp=pairs["idp"],  # type: ignore[arg-type]
        )
        _cache[directory] = pki
        return pki
