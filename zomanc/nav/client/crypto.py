"""The interface specification's hashes and the exchange-token decryption (§1.3–1.5, §1.8),
and the Hungarian tax number's check digit."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

TAX_NUMBER_RE = re.compile(r"^(\d{8})(?:-?(\d)-?(\d{2}))?$")
TAX_WEIGHTS = (9, 7, 3, 1, 9, 7, 3)


def password_hash(password: str) -> str:
    """passwordHash: SHA-512 of the password, upper-case hex."""
    return hashlib.sha512(password.encode()).hexdigest().upper()


def sha3_upper(text: str) -> str:
    return hashlib.sha3_512(text.encode()).hexdigest().upper()


def request_signature(
    *,
    request_id: str,
    timestamp: dt.datetime,
    signature_key: str,
    operations: list[tuple[str, str]] | None = None,
) -> str:
    """requestSignature (§1.5): SHA3-512 of requestId + UTC yyyyMMddHHmmss + signature key,
    followed for manageInvoice/manageAnnulment by the SHA3-512 of operation + base64 data of
    every index in order (the partial hashes)."""
    base = request_id + timestamp.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S") + signature_key
    for operation, data_b64 in operations or []:
        base += sha3_upper(operation + data_b64)
    return sha3_upper(base)


def token_decrypt(encoded: str, exchange_key: str) -> str:
    """The exchange token arrives AES-128-ECB encrypted with the exchange key (PKCS#5)."""
    cipher = Cipher(algorithms.AES(exchange_key.encode()), modes.ECB())  # noqa: S305 - NAV's spec
    decryptor = cipher.decryptor()
    data = decryptor.update(base64.b64decode(encoded)) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return (unpadder.update(data) + unpadder.finalize()).decode()


def tax_number_check_digit(core7: str) -> int:
    """The 8th digit of a Hungarian tax number: (10 − Σ dᵢ·wᵢ mod 10) mod 10, weights
    9, 7, 3, 1, 9, 7, 3."""
    total = sum(int(d) * w for d, w in zip(core7, TAX_WEIGHTS, strict=True))
    return (10 - total % 10) % 10


def tax_number_parts(value: str) -> tuple[str, str, str] | None:
    """(taxpayerId, vatCode, countyCode) of `12345678-1-42` (or the 8-digit core alone:
    vatCode and countyCode empty); None when the form or the check digit is wrong."""
    match = TAX_NUMBER_RE.match(value.strip().replace(" ", ""))
    if match is None:
        return None
    core = match.group(1)
    if tax_number_check_digit(core[:7]) != int(core[7]):
        return None
    return core, match.group(2) or "", match.group(3) or ""
