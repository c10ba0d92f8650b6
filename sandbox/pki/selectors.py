"""Mapping a presented certificate to what the sandbox issued."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.x509.oid import NameOID

from sandbox.clock.services import now
from sandbox.pki.ca import KeyPair, pki_ensure
from sandbox.pki.models import CertKind, IssuedCertificate
from sandbox.registry.models import Institution


class CertificateRejected(Exception):
    """Why a certificate is not accepted (Hungarian, shown in the fault)."""


@dataclass(frozen=True)
class ClientIdentity:
    certificate: IssuedCertificate
    institution: Institution


def _issued_by(cert: x509.Certificate, ca: KeyPair) -> bool:
    try:
        cert.verify_directly_issued_by(ca.cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def issued_certificate_check(*, der: bytes, kind: str) -> IssuedCertificate:
    """The issued-certificate row for ``der`` if it is ours, of ``kind``, in its validity
    window and not revoked; else CertificateRejected. Re-checked in the app even though
    the TLS layer verified the chain: the in-process path and revocation need it."""
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError as exc:
        raise CertificateRejected("A tanúsítvány nem olvasható.") from exc
    pki = pki_ensure()
    ca = pki.waf_ca if kind == CertKind.WAF else pki.eid_ca
    if not _issued_by(cert, ca):
        raise CertificateRejected("A tanúsítványt nem a sandbox megfelelő CA-ja adta ki.")
    at = now()
    if not (cert.not_valid_before_utc <= at <= cert.not_valid_after_utc):
        raise CertificateRejected("A tanúsítvány lejárt vagy még nem érvényes.")
    record = (
        IssuedCertificate.objects.select_related("institution", "user")
        .filter(fingerprint_sha256=hashlib.sha256(der).hexdigest(), kind=kind)
        .first()
    )
    if record is None:
        raise CertificateRejected("A tanúsítvány ismeretlen a sandbox számára.")
    if record.revoked_at is not None:
        raise CertificateRejected("A tanúsítványt visszavonták.")
    return record


def client_identity(*, der: bytes) -> ClientIdentity:
    record = issued_certificate_check(der=der, kind=CertKind.WAF)
    if record.institution is None:
        raise CertificateRejected("A tanúsítvány nem intézményhez tartozik.")
    return ClientIdentity(certificate=record, institution=record.institution)


def institution_id_of(cert: x509.Certificate) -> str:
    attrs = cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
    return str(attrs[0].value) if attrs else ""
