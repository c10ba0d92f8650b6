"""Issuing and revoking certificates; the SMS outbox.

The institution id is carried in the subject's ``serialNumber`` attribute (OID 2.5.4.5),
e.g. ``C=HU, O=Mosoly Fogászat Kft., serialNumber=506097, CN=506097 WAF-SSL``. That is the
one attribute the sandbox reads to map a TLS client to its institution, and the one the
practice system checks on upload ("issued to another institution").
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import string
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPublicKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.db import transaction

from sandbox.clock.services import now
from sandbox.pki.ca import build_cert, new_key, pki_ensure
from sandbox.pki.models import CertKind, IssuedCertificate, SmsMessage
from sandbox.registry.models import Institution, User

log = logging.getLogger("sandbox.sms")


@dataclass(frozen=True)
class IssuedPkcs12:
    certificate: IssuedCertificate
    pkcs12: bytes
    password: str
    sms: SmsMessage


def _record(
    *,
    cert: x509.Certificate,
    kind: str,
    institution: Institution | None = None,
    user: User | None = None,
) -> IssuedCertificate:
    der = cert.public_bytes(serialization.Encoding.DER)
    return IssuedCertificate.objects.create(
        kind=kind,
        serial_hex=format(cert.serial_number, "x"),
        fingerprint_sha256=hashlib.sha256(der).hexdigest(),
        subject=cert.subject.rfc4514_string(),
        institution=institution,
        user=user,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
    )


def sms_send(*, phone: str, text: str, institution: Institution | None = None) -> SmsMessage:
    """ "Send" an SMS: store it in the outbox and print it in the sandbox log."""
    msg = SmsMessage.objects.create(phone=phone, text=text, institution=institution)
    log.info("SMS -> %s: %s", phone or "(nincs telefonszám)", text)
    return msg


def _password() -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(12))


@transaction.atomic
def waf_certificate_issue(
    *, institution: Institution, valid_days: int | None = None
) -> IssuedPkcs12:
    """A new WAF-SSL client certificate as a password-protected PKCS#12 (fresh key each
    time; earlier certificates stay valid). The password only travels by "SMS"."""
    pki = pki_ensure()
    key = new_key()
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "HU"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, institution.name),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, institution.institution_id),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{institution.institution_id} WAF-SSL"),
        ]
    )
    cert = build_cert(
        subject=subject,
        public_key=key.public_key(),
        issuer=pki.waf_ca,
        issuer_key=pki.waf_ca.key,
        days=valid_days or settings.SANDBOX_CERT_VALID_DAYS,
        eku=[ExtendedKeyUsageOID.CLIENT_AUTH],
        key_encipherment=True,
    )
    record = _record(cert=cert, kind=CertKind.WAF, institution=institution)
    password = _password()
    blob = pkcs12.serialize_key_and_certificates(
        name=f"{institution.institution_id} WAF-SSL".encode(),
        key=key,
        cert=cert,
        cas=[pki.waf_ca.cert, pki.root.cert],
        encryption_algorithm=serialization.BestAvailableEncryption(password.encode()),
    )
    sms = sms_send(
        phone=institution.admin_phone,
        text=(
            f"EESZT sandbox: a(z) {institution.institution_id} intézmény SSL tanúsítványának "
            f"jelszava: {password}"
        ),
        institution=institution,
    )
    return IssuedPkcs12(certificate=record, pkcs12=blob, password=password, sms=sms)


def eid_certificate_issue(
    *, user: User, public_key: CertificateIssuerPublicKeyTypes, valid_days: int = 1825
) -> tuple[IssuedCertificate, x509.Certificate]:
    """A card certificate for a key that lives on the card (only its public half is seen)."""
    pki = pki_ensure()
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "HU"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, user.user_id),
            x509.NameAttribute(NameOID.COMMON_NAME, user.name),
        ]
    )
    cert = build_cert(
        subject=subject,
        public_key=public_key,
        issuer=pki.eid_ca,
        issuer_key=pki.eid_ca.key,
        days=valid_days,
        eku=[ExtendedKeyUsageOID.CLIENT_AUTH],
        content_commitment=True,
    )
    return _record(cert=cert, kind=CertKind.EID, user=user), cert


def certificate_register(
    *,
    cert: x509.Certificate,
    kind: str,
    user: User | None = None,
    institution: Institution | None = None,
) -> IssuedCertificate:
    """Record a certificate our CA issued earlier (e.g. the card's, kept on its token)."""
    der = cert.public_bytes(serialization.Encoding.DER)
    existing = IssuedCertificate.objects.filter(
        fingerprint_sha256=hashlib.sha256(der).hexdigest()
    ).first()
    return existing or _record(cert=cert, kind=kind, user=user, institution=institution)


def certificate_revoke(*, certificate: IssuedCertificate) -> IssuedCertificate:
    if certificate.revoked_at is None:
        certificate.revoked_at = now()
        certificate.save(update_fields=["revoked_at"])
    return certificate


def certificate_valid_window(cert: x509.Certificate, at: dt.datetime) -> bool:
    return cert.not_valid_before_utc <= at <= cert.not_valid_after_utc
