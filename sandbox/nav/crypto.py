"""The hashes and the cipher of the NAV authentication (specification §1.3.2, §1.5, §1.8).

passwordHash: SHA-512 of the password, upper-case hex. requestSignature: SHA3-512, upper
case, over requestId + timestamp as yyyyMMddHHmmss (UTC) + the signature key, and for
manageInvoice/manageAnnulment + the upper-case SHA3-512 of (operation + base64 data) of
every index in order. The exchange token travels AES-128-ECB encrypted with the technical
user's exchange key (PKCS#5 padding), base64.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
import string

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def password_hash(password: str) -> str:
    return hashlib.sha512(password.encode()).hexdigest().upper()


def sha3_512_upper(text: str) -> str:
    return hashlib.sha3_512(text.encode()).hexdigest().upper()


def signature_timestamp(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S")


def request_signature(
    *,
    request_id: str,
    timestamp: dt.datetime,
    signature_key: str,
    operations: list[tuple[str, str]] | None = None,
) -> str:
    """``operations``: (operation, base64 data) per index, in index order."""
    base = request_id + signature_timestamp(timestamp) + signature_key
    for operation, data in operations or []:
        base += sha3_512_upper(operation + data)
    return sha3_512_upper(base)


def aes_ecb_encrypt(*, key: str, plaintext: str) -> bytes:
    padder = padding.PKCS7(128).padder()
    data = padder.update(plaintext.encode()) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key.encode()), modes.ECB()).encryptor()  # noqa: S305  # the contract's cipher
    return encryptor.update(data) + encryptor.finalize()


def aes_ecb_decrypt(*, key: str, ciphertext: bytes) -> str:
    decryptor = Cipher(algorithms.AES(key.encode()), modes.ECB()).decryptor()  # noqa: S305
    data = decryptor.update(ciphertext) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return (unpadder.update(data) + unpadder.finalize()).decode()


def encoded_exchange_token(*, exchange_key: str, token: str) -> str:
    return base64.b64encode(aes_ecb_encrypt(key=exchange_key, plaintext=token)).decode()


_ALNUM = string.ascii_uppercase + string.digits


def random_text(length: int, alphabet: str = _ALNUM) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def new_login() -> str:
    """15 characters, [a-z0-9], as NAV generates them."""
    return random_text(15, string.ascii_lowercase + string.digits)


def new_signature_key() -> str:
    """NAV's shape: ``xx-xxxx-xxxxxxxxxxxx`` + 12 upper-case characters (32 in all)."""
    hexd = "0123456789abcdef"
    return f"{random_text(2, hexd)}-{random_text(4, hexd)}-{random_text(12, hexd)}{random_text(12)}"


def new_exchange_key() -> str:
    """16 characters = an AES-128 key."""
    hexd = "0123456789abcdef"
    return f"{random_text(2, hexd)}{random_text(2, hexd)}{random_text(12)}"[:16]


def new_exchange_token() -> str:
    """A UUID followed by 12 random characters (the sample's shape, 48 characters)."""
    import uuid

    return f"{uuid.uuid4()}{random_text(12)}"


def check_digit_valid(tax_core: str) -> bool:
    """The 8-digit core of a Hungarian tax number: digits 1–7 weighted 9,7,3,1,9,7,3; the
    8th is (10 − sum mod 10) mod 10."""
    if len(tax_core) != 8 or not tax_core.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(tax_core[:7], (9, 7, 3, 1, 9, 7, 3), strict=True))
    return (10 - total % 10) % 10 == int(tax_core[7])
