"""PKCS#11 access to the eID card (SoftHSM2 plays it in the demo and the tests).

`Card` is the small interface the HTTP server needs; `Pkcs11Card` implements it with
python-pkcs11. Errors are `CardError`s with a stable code and a Hungarian message, because
the browser page shows them to a doctor standing at the reader."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import Any, Protocol

from zomanc.cardservice.i18n import _

DEFAULT_MODULE = "/usr/lib/softhsm/libsofthsm2.so"


class CardError(Exception):
    """code: NO_MODULE | NO_CARD | PIN_INCORRECT | PIN_LOCKED | PIN_INVALID | NO_KEY |
    CARD_ERROR; message: Hungarian, for the user."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True)
class CardStatus:
    present: bool
    token_label: str = ""
    certificate_subject: str = ""
    certificate_der: bytes = b""


@dataclass(frozen=True)
class Signature:
    signature: bytes
    certificate_der: bytes
    algorithm: str  # "RSA-PKCS1v15-SHA256" | "ECDSA-SHA256"


class Card(Protocol):
    def status(self) -> CardStatus: ...

    def sign(self, data: bytes, pin: str) -> Signature: ...


def _subject(der: bytes) -> str:
    from cryptography import x509

    return x509.load_der_x509_certificate(der).subject.rfc4514_string()


class Pkcs11Card:
    """The first token with a certificate, or the one with `token_label`."""

    def __init__(self, module_path: str | None = None, token_label: str | None = None) -> None:
        self.module_path = module_path or os.environ.get("ZOMANC_PKCS11_MODULE") or DEFAULT_MODULE
        self.token_label = token_label

    def _lib(self) -> Any:
        import pkcs11

        if not os.path.exists(self.module_path):
            raise CardError(
                "NO_MODULE",
                _(
                    "A kártyaolvasó PKCS#11 modulja nem található: %(path)s. Telepítse a "
                    "kártyaolvasó programját, vagy adja meg az útvonalat (ZOMANC_PKCS11_MODULE)."
                )
                % {"path": self.module_path},
                status=503,
            )
        return pkcs11.lib(self.module_path)

    def _token(self) -> Any:
        from pkcs11 import exceptions

        lib = self._lib()
        try:
            slots = lib.get_slots(token_present=True)
        except exceptions.PKCS11Error as exc:
            raise CardError(
                "CARD_ERROR", _("A kártyaolvasó hibát jelzett (%(err)s).") % {"err": repr(exc)}
            ) from exc
        for slot in slots:
            token = slot.get_token()
            if self.token_label is None or token.label == self.token_label:
                return token
        raise CardError(
            "NO_CARD",
            _("Nincs kártya az olvasóban. Helyezze be az eSzemélyi igazolványt, és próbálja újra."),
            status=409,
        )

    @staticmethod
    def _certificate(session: Any) -> tuple[bytes, bytes]:
        """(DER, CKA_ID) of the card's certificate."""
        from pkcs11 import Attribute, ObjectClass

        for obj in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE}):
            return bytes(obj[Attribute.VALUE]), bytes(obj[Attribute.ID] or b"")
        return b"", b""

    def status(self) -> CardStatus:
        try:
            token = self._token()
        except CardError as exc:
            if exc.code == "NO_CARD":
                return CardStatus(present=False)
            raise
        with token.open() as session:  # no PIN: certificates are public objects
            der, _key_id = self._certificate(session)
        return CardStatus(
            present=True,
            token_label=str(token.label).strip(),
            certificate_subject=_subject(der) if der else "",
            certificate_der=der,
        )

    def sign(self, data: bytes, pin: str) -> Signature:
        from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass, exceptions
        from pkcs11.util.ec import encode_ecdsa_signature

        token = self._token()
        try:
            with token.open(user_pin=pin) as session:
                der, key_id = self._certificate(session)
                if not der:
                    raise CardError("NO_KEY", _("A kártyán nincs tanúsítvány."))
                query: dict[Any, Any] = {Attribute.CLASS: ObjectClass.PRIVATE_KEY}
                if key_id:
                    query[Attribute.ID] = key_id
                keys = list(session.get_objects(query))
                if not keys:
                    raise CardError("NO_KEY", _("A kártyán nincs a tanúsítványhoz tartozó kulcs."))
                key = keys[0]
                if key.key_type == KeyType.EC:
                    digest = hashlib.sha256(data).digest()
                    raw = key.sign(digest, mechanism=Mechanism.ECDSA)
                    return Signature(encode_ecdsa_signature(raw), der, "ECDSA-SHA256")
                signature = key.sign(data, mechanism=Mechanism.SHA256_RSA_PKCS)
                return Signature(bytes(signature), der, "RSA-PKCS1v15-SHA256")
        except exceptions.PinIncorrect:
            raise CardError(
                "PIN_INCORRECT",
                _("Hibás PIN kód. Figyelem: több hibás próbálkozás után a kártya zárolódik."),
                status=403,
            ) from None
        except exceptions.PinLocked:
            raise CardError(
                "PIN_LOCKED",
                _(
                    "A kártya PIN kódja zárolva van a sok hibás próbálkozás miatt. A feloldáshoz "
                    "a PUK kód kell (eSzemélyi kliens, vagy kormányablak)."
                ),
                status=423,
            ) from None
        except (exceptions.PinInvalid, exceptions.PinLenRange):
            raise CardError("PIN_INVALID", _("A PIN kód formátuma nem megfelelő.")) from None
        except exceptions.TokenNotPresent:
            raise CardError("NO_CARD", _("A kártyát kivették az olvasóból."), status=409) from None
        except exceptions.PKCS11Error as exc:
            raise CardError(
                "CARD_ERROR", _("A kártya hibát jelzett (%(err)s).") % {"err": repr(exc)}
            ) from exc
