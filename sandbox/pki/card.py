"""The demo eID card: a SoftHSM2 token in ``<data>/softhsm`` holding the demo dentist's
card key (generated on the token, never exported) and its certificate from the eID CA.

SoftHSM reads ``SOFTHSM2_CONF`` when the PKCS#11 library is first loaded in a process, so
``card_env()`` is set before ``pkcs11.lib`` is touched; the token is initialised with
``softhsm2-util`` (Debian package softhsm2, installed by scripts/bootstrap.sh).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings

TOKEN_LABEL_PREFIX = "eSzemelyi "  # noqa: S105 — a token label, not a secret
KEY_LABEL = "eSzig alairo kulcs"


@dataclass(frozen=True)
class DemoCard:
    user_id: str
    token_label: str
    pin: str
    certificate_der: bytes
    conf_path: Path


def card_dir() -> Path:
    return Path(settings.SANDBOX_DATA_DIR) / "softhsm"


def card_env() -> Path:
    """Write our softhsm2.conf and point SOFTHSM2_CONF at it (unless already pointed)."""
    directory = card_dir()
    tokens = directory / "tokens"
    tokens.mkdir(parents=True, exist_ok=True)
    conf = directory / "softhsm2.conf"
    if not conf.exists():
        conf.write_text(
            f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n",
            encoding="utf-8",
        )
    os.environ.setdefault("SOFTHSM2_CONF", str(conf))
    return conf


def softhsm_available() -> bool:
    return Path(settings.SANDBOX_PKCS11_LIB).exists() and shutil.which("softhsm2-util") is not None


def _lib() -> Any:
    import pkcs11

    card_env()
    return pkcs11.lib(settings.SANDBOX_PKCS11_LIB)  # the module keeps one instance per process


def _init_token(label: str, pin: str, conf: Path) -> None:
    env = dict(os.environ, SOFTHSM2_CONF=str(conf))
    so_pin = secrets.token_hex(8)
    util = shutil.which("softhsm2-util")
    if util is None:
        raise RuntimeError(
            "softhsm2-util hiányzik: telepítse a softhsm2 csomagot (scripts/bootstrap.sh)"
        )
    subprocess.run(  # noqa: S603 — fixed argv, no shell
        [
            util,
            "--init-token",
            "--free",
            "--label",
            label,
            "--pin",
            pin,
            "--so-pin",
            so_pin,
        ],
        env=env,
        check=True,
        capture_output=True,
    )


def demo_card_ensure(*, user_id: str) -> DemoCard:
    """Create (first start) or open the user's card token; make sure the sandbox DB knows
    its certificate and that it is activated for the user (seed state)."""
    import pkcs11
    from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass

    from sandbox.idp.services import card_activate
    from sandbox.pki.services import certificate_register, eid_certificate_issue
    from sandbox.registry.models import User

    conf = card_env()
    label = TOKEN_LABEL_PREFIX + user_id
    pin_file = card_dir() / f"{user_id}.pin"
    cert_file = card_dir() / f"{user_id}.crt.der"
    if not pin_file.exists():
        pin = f"{secrets.randbelow(10**6):06d}"
        _init_token(label, pin, conf)
        pin_file.write_text(pin, encoding="utf-8")
        pin_file.chmod(0o600)
    pin = pin_file.read_text(encoding="utf-8").strip()
    user = User.objects.get(user_id=user_id)
    token = _lib().get_token(token_label=label)
    with token.open(rw=True, user_pin=pin) as session:
        try:
            session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=KEY_LABEL)
            has_key = True
        except pkcs11.NoSuchKey:
            has_key = False
        if not has_key or not cert_file.exists():
            pub, _priv = session.generate_keypair(
                KeyType.RSA, 2048, store=True, label=KEY_LABEL, id=b"\x01"
            )
            public_key = rsa.RSAPublicNumbers(
                int.from_bytes(pub[Attribute.PUBLIC_EXPONENT], "big"),
                int.from_bytes(pub[Attribute.MODULUS], "big"),
            ).public_key()
            _record, cert = eid_certificate_issue(user=user, public_key=public_key)
            der = cert.public_bytes(serialization.Encoding.DER)
            session.create_object(
                {
                    Attribute.CLASS: ObjectClass.CERTIFICATE,
                    Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                    Attribute.TOKEN: True,
                    Attribute.LABEL: KEY_LABEL,
                    Attribute.ID: b"\x01",
                    Attribute.SUBJECT: cert.subject.public_bytes(),
                    Attribute.ISSUER: cert.issuer.public_bytes(),
                    Attribute.SERIAL_NUMBER: cert.serial_number.to_bytes(20, "big"),
                    Attribute.VALUE: der,
                }
            )
            cert_file.write_bytes(der)
    der = cert_file.read_bytes()
    # A fresh database (tests, reset) with an existing token: register the card again.
    certificate_register(cert=x509.load_der_x509_certificate(der), kind="EID", user=user)
    card_activate(user=user, certificate_der=der)
    return DemoCard(
        user_id=user_id, token_label=label, pin=pin, certificate_der=der, conf_path=conf
    )


def card_sign(*, card: DemoCard, data: bytes) -> bytes:
    """What the workstation's card service does: sign with the card key (PIN required)."""
    from pkcs11 import Mechanism, ObjectClass

    token = _lib().get_token(token_label=card.token_label)
    with token.open(user_pin=card.pin) as session:
        key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=KEY_LABEL)
        return bytes(key.sign(data, mechanism=Mechanism.SHA256_RSA_PKCS))
