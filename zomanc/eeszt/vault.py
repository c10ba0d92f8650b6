"""Envelope encryption of the EESZT secrets (certificate files, their SMS codes, SAML
assertions).

Every stored secret gets its own fresh AES-256-GCM data key; the data key is stored only
wrapped (AES-256-GCM) by a master key that lives in the environment, never in the database:
a stolen database dump alone decrypts nothing. The master key id (``kid``) is stored with
each row so keys can be rotated: ``eeszt_rotate_master_key`` re-wraps every data key under
the current master key, after which older master keys can be removed from the environment.

Both encryptions bind the ciphertext to its *purpose* (a string naming the owning row, e.g.
``eeszt.certificate.pkcs12/company:4/cert:<uuid>``) and to the secret's own uuid as
associated data, so a ciphertext copied into another row does not decrypt.

``ZOMANC_MASTER_KEYS`` = comma list of ``kid:base64key`` (32-byte keys), the first one is
current. Without it a fixed, clearly named development key is used — only outside
production; production refuses to start (settings.py and ``master_keyring``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import uuid
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from zomanc.eeszt.models import SealedSecret
from zomanc.practices.models import Practice

FORMAT = b"zomanc-vault:v1"
NONCE_BYTES = 12
KEY_BYTES = 32

# A fixed key so the demo and development databases survive restarts. Its name says what
# it is; `master_keyring` never hands it out in production.
DEV_MASTER_KID = "dev-only-not-secret"
_DEV_MASTER_KEY = hashlib.sha256(
    b"zomanc development master key - never use in production"
).digest()


class VaultError(Exception):
    """A secret could not be sealed or opened (wrong key, wrong purpose, tampered data)."""


@dataclass(frozen=True)
class MasterKey:
    kid: str
    # repr=False: a key must never end up in a log line or a traceback's locals dump.
    key: bytes = field(repr=False)


def _parse_keyring(raw: str) -> list[MasterKey]:
    keys: list[MasterKey] = []
    for position, entry in enumerate((e.strip() for e in raw.split(",") if e.strip()), 1):
        kid, sep, b64 = entry.partition(":")
        kid = kid.strip()
        # The messages name the entry's position and kid only, never the key material.
        if not sep or not kid:
            raise ImproperlyConfigured(
                f"ZOMANC_MASTER_KEYS: a(z) {position}. elem formátuma nem 'kid:base64kulcs'."
            )
        try:
            key = base64.b64decode(b64.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise ImproperlyConfigured(
                f"ZOMANC_MASTER_KEYS: a(z) '{kid}' kulcs nem érvényes base64."
            ) from None
        if len(key) != KEY_BYTES:
            raise ImproperlyConfigured(
                f"ZOMANC_MASTER_KEYS: a(z) '{kid}' kulcs {KEY_BYTES} bájtos legyen "
                f"(base64-ben 44 karakter)."
            )
        if any(k.kid == kid for k in keys):
            raise ImproperlyConfigured(
                f"ZOMANC_MASTER_KEYS: a(z) '{kid}' kulcsazonosító ismétlődik."
            )
        keys.append(MasterKey(kid=kid, key=key))
    return keys


def master_keyring() -> list[MasterKey]:
    """The configured master keys, current first. Read on every call (cheap) so tests and a
    rotating operator see the environment as it is now."""
    raw = getattr(settings, "ZOMANC_MASTER_KEYS", "") or ""
    keys = _parse_keyring(raw)
    if keys:
        return keys
    if getattr(settings, "PRODUCTION", False):
        raise ImproperlyConfigured(
            "ZOMANC_MASTER_KEYS nincs beállítva: éles üzemben kötelező (lásd docs/eeszt-module.md)."
        )
    return [MasterKey(kid=DEV_MASTER_KID, key=_DEV_MASTER_KEY)]


def _master_key(kid: str) -> MasterKey:
    for key in master_keyring():
        if key.kid == kid:
            return key
    raise VaultError(
        f"A(z) '{kid}' mesterkulcs nincs a ZOMANC_MASTER_KEYS között: a titok nem nyitható ki."
    )


def _aad(kind: bytes, purpose: str, uid: uuid.UUID, kid: str = "") -> bytes:
    return b"|".join((FORMAT, kind, purpose.encode(), str(uid).encode(), kid.encode()))


def _wrap(master: MasterKey, data_key: bytes, *, purpose: str, uid: uuid.UUID) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    aad = _aad(b"key", purpose, uid, master.kid)
    return nonce + AESGCM(master.key).encrypt(nonce, data_key, aad)


def _unwrap(secret: SealedSecret, *, purpose: str) -> bytes:
    master = _master_key(secret.kid)
    blob = bytes(secret.wrapped_key)
    try:
        return AESGCM(master.key).decrypt(
            blob[:NONCE_BYTES], blob[NONCE_BYTES:], _aad(b"key", purpose, secret.uid, master.kid)
        )
    except (InvalidTag, ValueError):
        raise VaultError(
            "A titok kulcsa nem nyitható ki: sérült adat, rossz cél vagy rossz mesterkulcs."
        ) from None


def vault_encrypt(
    plaintext: bytes, *, purpose: str, practice: Practice | None = None
) -> SealedSecret:
    """Seal `plaintext` under a fresh data key and store it; returns the saved row.

    Call inside the transaction that stores the row referring to it, so a failed save
    leaves no orphan secret."""
    if not purpose:
        raise VaultError("A titok céljának megadása kötelező.")
    master = master_keyring()[0]
    uid = uuid.uuid4()
    data_key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = nonce + AESGCM(data_key).encrypt(nonce, plaintext, _aad(b"data", purpose, uid))
    return SealedSecret.objects.create(
        uid=uid,
        practice=practice,
        purpose=purpose,
        kid=master.kid,
        wrapped_key=_wrap(master, data_key, purpose=purpose, uid=uid),
        ciphertext=ciphertext,
    )


def vault_decrypt(secret: SealedSecret, *, purpose: str) -> bytes:
    """Open a sealed secret. `purpose` must be the one it was sealed for — the caller derives
    it from the row that refers to the secret, which is what binds the two together."""
    data_key = _unwrap(secret, purpose=purpose)
    blob = bytes(secret.ciphertext)
    try:
        return AESGCM(data_key).decrypt(
            blob[:NONCE_BYTES], blob[NONCE_BYTES:], _aad(b"data", purpose, secret.uid)
        )
    except (InvalidTag, ValueError):
        raise VaultError("A titkosított adat sérült, vagy nem ehhez a célhoz tartozik.") from None


@dataclass(frozen=True)
class RewrapReport:
    total: int
    rewrapped: int
    already_current: int
    current_kid: str


def vault_rewrap_all() -> RewrapReport:
    """Re-wrap every data key under the current master key (the ciphertexts stay as they are:
    only the small wrapped keys change). Idempotent; all or nothing: if any row cannot be
    unwrapped (its master key is missing, or it was tampered with) nothing is changed."""
    current = master_keyring()[0]
    rewrapped = already = 0
    with transaction.atomic():
        rows = SealedSecret.objects.select_for_update().order_by("pk")
        for secret in rows.iterator(chunk_size=500):
            if secret.kid == current.kid:
                already += 1
                continue
            data_key = _unwrap(secret, purpose=secret.purpose)
            secret.wrapped_key = _wrap(current, data_key, purpose=secret.purpose, uid=secret.uid)
            secret.kid = current.kid
            secret.rewrapped_at = timezone.now()
            secret.save(update_fields=["wrapped_key", "kid", "rewrapped_at"])
            rewrapped += 1
    return RewrapReport(
        total=rewrapped + already,
        rewrapped=rewrapped,
        already_current=already,
        current_kid=current.kid,
    )


def vault_destroy(secret: SealedSecret | None) -> None:
    """Crypto-shred: delete a secret that is no longer needed (an ended session's assertion,
    a retired certificate), so it cannot be opened even with the master key."""
    if secret is not None and secret.pk is not None:
        secret.delete()
