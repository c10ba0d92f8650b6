"""Reading and checking an institution's WAF-SSL certificate (PKCS#12). (Mutual TLS with a
stored one is the client adapter's job: zomanc/eeszt/client/tls.py.)

Each refusal has its own code and Hungarian message, because the guide's users cannot tell
"wrong SMS code" from "wrong file" on their own, and a generic "invalid certificate" sends
them to support. The institution id is read from the subject's serialNumber attribute
(OID 2.5.4.5) — where the sandbox PKI puts it (sandbox/pki/services.py)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import pkcs12 as asn1_pkcs12
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

# DER of the PKCS#7 content types a PFX's authSafe may carry: data and signedData.
_OID_PKCS7_DATA = bytes.fromhex("06092a864886f70d010701")
_OID_PKCS7_SIGNED = bytes.fromhex("06092a864886f70d010702")
MAX_CHAIN_DEPTH = 6

# The work a PKCS#12 file may ask of us before it is opened. The portal's files (and the
# sandbox's, cryptography's BestAvailableEncryption) use 20 000 PBKDF2 rounds and 2 048 MAC
# rounds; OpenSSL and Windows exports 2 000–2 048. Ten times the portal's is plenty; the
# probe's 60-million-round file held one upload for 18 s of CPU, and the stored file is opened
# again at every EESZT connection. PBKDF2-SHA256 runs ~2.5 million rounds a second here, so
# the limits cap opening a file at well under a second. (docs/security.md)
MAX_PKCS12_ITERATIONS = 200_000
MAX_PKCS12_TOTAL_ITERATIONS = 1_000_000


class CertificateRejected(Exception):
    """The uploaded file cannot be used; `code` for programs, `message` for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class CheckedCertificate:
    certificate: x509.Certificate
    subject: str
    issuer: str
    serial_hex: str
    fingerprint_sha256: str
    institution_id: str
    not_before: dt.datetime
    not_after: dt.datetime


def _der_length(data: bytes, pos: int) -> tuple[int | None, int]:
    """(length, position after the length bytes); None for BER's indefinite length."""
    first = data[pos]
    if first < 0x80:
        return first, pos + 1
    count = first & 0x7F
    if count == 0:
        return None, pos + 1
    if count > 4 or pos + 1 + count > len(data):
        raise ValueError("bad length")
    return int.from_bytes(data[pos + 1 : pos + 1 + count], "big"), pos + 1 + count


def looks_like_pkcs12(data: bytes) -> bool:
    """A cheap structural check of the PFX header (SEQUENCE, version 3, ContentInfo of type
    data/signedData). It lets us tell "wrong SMS code" from "not a certificate file",
    which cryptography reports with one and the same ValueError."""
    try:
        if len(data) < 20 or data[0] != 0x30:
            return False
        _, pos = _der_length(data, 1)
        if data[pos : pos + 3] != b"\x02\x01\x03":
            return False
        pos += 3
        if data[pos] != 0x30:
            return False
        _, pos = _der_length(data, pos + 1)
        oid = data[pos : pos + len(_OID_PKCS7_DATA)]
        return oid in (_OID_PKCS7_DATA, _OID_PKCS7_SIGNED)
    except (IndexError, ValueError):
        return False


def load_ca_bundle(path: str | Path | None = None) -> list[x509.Certificate]:
    """The trusted EESZT CA certificates (setting EESZT_CA_BUNDLE, PEM)."""
    bundle = Path(path or settings.EESZT_CA_BUNDLE)
    try:
        pem = bundle.read_bytes()
        certs = x509.load_pem_x509_certificates(pem)
    except (OSError, ValueError):
        raise CertificateRejected(
            "CA_BUNDLE_MISSING",
            _(
                "Az EESZT tanúsítványkiadó (EESZT_CA_BUNDLE: %(path)s) nem olvasható a "
                "szerveren, ezért a tanúsítvány nem ellenőrizhető. Kérje a rendszergazda "
                "segítségét."
            )
            % {"path": bundle},
        ) from None
    return certs


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _valid_at(cert: x509.Certificate, at: dt.datetime) -> bool:
    return cert.not_valid_before_utc <= at <= cert.not_valid_after_utc


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Name match *and* a verified signature — an issuer name alone can be forged by anyone."""
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def chain_is_trusted(
    leaf: x509.Certificate,
    intermediates: list[x509.Certificate],
    anchors: list[x509.Certificate],
    at: dt.datetime,
) -> bool:
    """Walk from the leaf up through CA certificates (from the file or the bundle) to a CA of
    the bundle, checking each signature and validity window on the way."""
    return trusted_path(leaf, intermediates, anchors, at) is not None


def trusted_path(
    leaf: x509.Certificate,
    intermediates: list[x509.Certificate],
    anchors: list[x509.Certificate],
    at: dt.datetime,
) -> list[x509.Certificate] | None:
    """The verified issuers from the leaf's own issuer up to a CA of the bundle (each
    signature and validity window checked), or None if there is no such path."""
    pool = [c for c in intermediates + anchors if _is_ca(c)]
    current = leaf
    path: list[x509.Certificate] = []
    for _depth in range(MAX_CHAIN_DEPTH):
        for anchor in anchors:
            if _is_ca(anchor) and _issued_by(current, anchor):
                return [*path, anchor] if _valid_at(anchor, at) else None
        step = next(
            (c for c in pool if c != current and _valid_at(c, at) and _issued_by(current, c)),
            None,
        )
        if step is None:
            return None
        path.append(step)
        current = step
    return None


def _common_name(name: x509.Name) -> str:
    attrs = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(attrs[0].value) if attrs else ""


@dataclass(frozen=True)
class Pkcs12WorkFactor:
    mac_iterations: int
    kdf_iterations: list[int]

    @property
    def largest(self) -> int:
        return max([self.mac_iterations, *self.kdf_iterations])

    @property
    def total(self) -> int:
        return self.mac_iterations + sum(self.kdf_iterations)


def pkcs12_work_factor(data: bytes) -> Pkcs12WorkFactor | None:
    """The MAC and key-derivation iteration counts of a PFX, read with asn1crypto WITHOUT
    decrypting anything; None when the file is not a PFX it can read (or uses a scheme whose
    count it cannot tell — such a file is not opened either)."""
    try:
        pfx = asn1_pkcs12.Pfx.load(data)
        mac_data = pfx["mac_data"]
        mac_iterations = int(mac_data["iterations"].native) if mac_data.native else 0
        kdf: list[int] = []
        for content_info in pfx.authenticated_safe:
            content_type = content_info["content_type"].native
            if content_type == "data":
                bags = asn1_pkcs12.SafeContents.load(content_info["content"].native)
                for bag in bags:
                    if bag["bag_id"].native == "pkcs8_shrouded_key_bag":
                        algorithm = bag["bag_value"]["encryption_algorithm"]
                        kdf.append(int(algorithm.kdf_iterations))
            elif content_type == "encrypted_data":
                encrypted = content_info["content"]["encrypted_content_info"]
                kdf.append(int(encrypted["content_encryption_algorithm"].kdf_iterations))
            else:
                return None  # signedData (public-key integrity): not what the portal makes
    except (ValueError, TypeError, KeyError, IndexError, OverflowError):
        return None
    return Pkcs12WorkFactor(mac_iterations=mac_iterations, kdf_iterations=kdf)


def institution_id_of(cert: x509.Certificate) -> str:
    attrs = cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
    return str(attrs[0].value).strip().upper() if attrs else ""


def _refuse_costly(data: bytes) -> None:
    """Before any decryption: refuse a file that would make us burn CPU (see the limits)."""
    work = pkcs12_work_factor(data)
    if work is None:
        if looks_like_pkcs12(data):
            raise CertificateRejected(
                "UNREADABLE_PKCS12",
                _(
                    "A tanúsítványfájl szerkezete sérült vagy szokatlan, ezért nem nyitjuk "
                    "meg. Töltse le újra az ágazati portálon („EESZT SSL tanúsítvány "
                    "letöltése”), és az új fájlt töltse fel."
                ),
            )
        return  # not a PFX at all: the opening step below names it
    if work.largest > MAX_PKCS12_ITERATIONS or work.total > MAX_PKCS12_TOTAL_ITERATIONS:
        raise CertificateRejected(
            "TOO_MANY_ITERATIONS",
            _(
                "A tanúsítványfájl kulcsvédelme szokatlanul sok ismétlést kér (%(count)s; az "
                "ágazati portál fájljai legfeljebb néhány tízezret). Ilyen fájlt nem nyitunk "
                "meg: töltse le újra a tanúsítványt az ágazati portálon, és azt töltse fel."
            )
            % {"count": f"{work.largest:,}".replace(",", " ")},
        )


def check_pkcs12(
    data: bytes,
    password: str,
    *,
    institution_id: str,
    ca_bundle: list[x509.Certificate] | None = None,
    at: dt.datetime | None = None,
) -> CheckedCertificate:
    """Everything S2 demands of an uploaded file, in the order a person would fix things:
    can it be opened → is it complete → is it current → is it EESZT's → is it ours → is it
    meant for client authentication. Raises CertificateRejected; returns what is shown."""
    at = at or timezone.now()
    if not data:
        raise CertificateRejected("EMPTY", _("A feltöltött fájl üres."))
    if data.lstrip().startswith(b"-----BEGIN"):
        raise CertificateRejected(
            "NOT_PKCS12",
            _(
                "Ez egy PEM szövegfájl, nem a portálról letöltött tanúsítványcsomag. Töltse fel "
                "az „EESZT SSL tanúsítvány letöltése” menüpontban kapott .p12/.pfx fájlt."
            ),
        )
    _refuse_costly(data)
    try:
        loaded = pkcs12.load_pkcs12(data, password.encode())
    except (ValueError, TypeError):
        if looks_like_pkcs12(data):
            raise CertificateRejected(
                "WRONG_PASSWORD",
                _(
                    "A megadott SMS kód nem nyitja a tanúsítványfájlt. Ellenőrizze a kódot "
                    "(kis- és nagybetű számít), és hogy a legutóbb letöltött fájlhoz tartozó "
                    "SMS-t használja."
                ),
            ) from None
        raise CertificateRejected(
            "NOT_PKCS12",
            _(
                "A feltöltött fájl nem PKCS#12 tanúsítványcsomag (.p12/.pfx). Az ágazati "
                "portálon az „EESZT SSL tanúsítvány letöltése” → „Letöltés” gombbal kapott "
                "fájlt töltse fel."
            ),
        ) from None
    if loaded.key is None:
        raise CertificateRejected(
            "NO_PRIVATE_KEY",
            _(
                "A fájlban nincs titkos kulcs, csak tanúsítvány. A portálról letöltött teljes "
                ".p12 fájlt töltse fel."
            ),
        )
    if loaded.cert is None:
        raise CertificateRejected(
            "NO_CERTIFICATE", _("A fájlban nincs tanúsítvány, csak kulcs vagy kiadói lánc.")
        )
    cert = loaded.cert.certificate
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    if loaded.key.public_key().public_bytes(*spki) != cert.public_key().public_bytes(*spki):
        raise CertificateRejected(
            "KEY_MISMATCH", _("A fájlban lévő kulcs nem ehhez a tanúsítványhoz tartozik.")
        )
    local_after = timezone.localtime(cert.not_valid_after_utc)
    local_before = timezone.localtime(cert.not_valid_before_utc)
    if at > cert.not_valid_after_utc:
        raise CertificateRejected(
            "EXPIRED",
            _(
                "A tanúsítvány lejárt (%(date)s). Töltsön le újat az ágazati portálon "
                "(„EESZT SSL tanúsítvány letöltése”)."
            )
            % {"date": f"{local_after:%Y.%m.%d. %H:%M}"},
        )
    if at < cert.not_valid_before_utc:
        raise CertificateRejected(
            "NOT_YET_VALID",
            _(
                "A tanúsítvány még nem érvényes (érvényesség kezdete: %(date)s). Ellenőrizze "
                "a számítógép óráját, vagy töltse fel később."
            )
            % {"date": f"{local_before:%Y.%m.%d. %H:%M}"},
        )
    anchors = ca_bundle if ca_bundle is not None else load_ca_bundle()
    intermediates = [c.certificate for c in loaded.additional_certs]
    path = trusted_path(cert, intermediates, anchors, at)
    # Pinned: the direct issuer must be the WAF-SSL issuing CA. Another CA under the same
    # root (the eID-card CA) or the root itself may sign certificates, but not these.
    if not path or _common_name(path[0].subject) != settings.EESZT_WAF_ISSUER_CN:
        raise CertificateRejected(
            "UNTRUSTED_ISSUER",
            _(
                "A tanúsítványt nem az EESZT tanúsítványkiadója adta ki (kiadó: %(issuer)s). "
                "Csak az ágazati portálról letöltött WAF-SSL tanúsítvány használható."
            )
            % {"issuer": cert.issuer.rfc4514_string()},
        )
    cert_institution = institution_id_of(cert)
    if not cert_institution:
        raise CertificateRejected(
            "NO_INSTITUTION_ID",
            _("A tanúsítványban nincs intézményazonosító, ezért nem rendelhető a céghez."),
        )
    if cert_institution != institution_id.strip().upper():
        raise CertificateRejected(
            "OTHER_INSTITUTION",
            _(
                "A tanúsítvány a(z) %(cert)s intézményé, a cég intézményazonosítója viszont "
                "%(ours)s. A portálon azt az intézményt válassza, amelyhez a tanúsítványt "
                "letölti (a „CSAK intézmény” opciót)."
            )
            % {"cert": cert_institution, "ours": institution_id},
        )
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        client_auth = ExtendedKeyUsageOID.CLIENT_AUTH in eku
    except x509.ExtensionNotFound:
        client_auth = False
    if not client_auth:
        raise CertificateRejected(
            "NO_CLIENT_AUTH",
            _(
                "A tanúsítvány nem kliens-hitelesítésre szól (hiányzik a clientAuth "
                "kulcshasználat), ezért az EESZT nem fogadná el."
            ),
        )
    return CheckedCertificate(
        certificate=cert,
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        serial_hex=format(cert.serial_number, "x"),
        fingerprint_sha256=hashlib.sha256(
            cert.public_bytes(serialization.Encoding.DER)
        ).hexdigest(),
        institution_id=cert_institution,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
    )
