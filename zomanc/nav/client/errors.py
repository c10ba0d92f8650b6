"""Every error code of the interface specification (§3.1–3.2) mapped to a typed error, with
NAV's own Hungarian text (contract/messages) and what the practice should do next.

The type decides what the outbox does: `NavUnavailable` and `NavTimeout` are retried with
backoff (a timeout with the same requestId: the request may have arrived), `NavCredentials`
waits for the settings to be fixed, `NavTokenRejected` asks for a new token at once,
`NavDuplicateRequest` means an earlier try arrived, `NavRequestRejected` is our bug and is
not repeated blindly."""

from __future__ import annotations

import functools
from pathlib import Path

MESSAGES_DIR = Path(__file__).resolve().parent / "contract" / "messages"


class NavError(Exception):
    """A NAV call failed. `code` is NAV's (or ours for network failures), `message` is
    Hungarian and safe to show (it never holds a secret)."""

    advice = ""

    def __init__(self, code: str, message: str = "", *, http_status: int | None = None) -> None:
        self.code = code
        self.message = message or nav_text(code) or code
        self.http_status = http_status
        super().__init__(f"{code}: {self.message}")


class NavUnavailable(NavError):
    """NAV did not take the request (down, maintenance, OPERATION_FAILED): nothing was
    saved, send it again later."""

    advice = "A NAV átmenetileg nem érhető el; a rendszer magától újrapróbálja."

    def __init__(
        self,
        code: str,
        message: str = "",
        *,
        retry_after: int | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(code, message, http_status=http_status)
        self.retry_after = retry_after


class NavTimeout(NavUnavailable):
    """The request went out but no answer came: it may have arrived. Repeat it with the
    same requestId (REQUEST_ID_NOT_UNIQUE then tells it did)."""

    advice = "A NAV nem válaszolt időben; a rendszer ugyanazzal a kérésazonosítóval újrapróbálja."


class NavCredentials(NavError):
    """The technical user, its password or its relation to the taxpayer is wrong."""

    advice = (
        "Ellenőrizze a cég NAV technikai felhasználójának adatait (Beállítások → NAV), "
        "majd futtassa a kapcsolattesztet."
    )


class NavTokenRejected(NavError):
    """The exchange token was refused (expired or spent): take a new one and repeat."""

    advice = "Új kapcsolati kulccsal a rendszer magától újrapróbálja."


class NavDuplicateRequest(NavError):
    """REQUEST_ID_NOT_UNIQUE: an earlier try of this very request was accepted."""

    advice = "A kérést a NAV már korábban befogadta; a rendszer annak állapotát kérdezi le."


class NavRequestRejected(NavError):
    """NAV refused the request itself (schema, signature, version, clock, parameters)."""

    advice = (
        "A NAV a kérést formai okból elutasította. Ellenőrizze a gép óráját és a cég "
        "adatait; ha nem ez az ok, jelezze a Zománc ügyfélszolgálatának a hibakóddal."
    )


UNAVAILABLE_CODES = {"SERVICE_UNAVAILABLE", "MAINTENANCE_MODE", "OPERATION_FAILED"}
CREDENTIAL_CODES = {
    "INVALID_SECURITY_USER",
    "NOT_REGISTERED_CUSTOMER",
    "INVALID_USER_RELATION",
    "INVALID_CUSTOMER",
    "FORBIDDEN",
}
TOKEN_CODES = {"INVALID_EXCHANGE_TOKEN"}
DUPLICATE_CODES = {"REQUEST_ID_NOT_UNIQUE"}
# §3.1–3.2: every other code NAV answers a request with.
REQUEST_CODES = {
    "INVALID_REQUEST",
    "NOT_ALLOWED_EXCEPTION",
    "INVALID_OPERATION",
    "INVALID_REQUEST_SIGNATURE",
    "INDEX_NOT_SEQUENTIAL",
    "REQUEST_VERSION_NOT_ALLOWED",
    "STATUS_QUERY_NOT_ALLOWED",
    "ANNULMENT_VERIFICATION_BLOCKED",
    "MULTIPLE_QUERY_RESULT_FOUND",
    "BAD_QUERY_PARAM_OVERLAP",
    "BAD_QUERY_PARAM_RANGE_EXCEEDED",
    "BAD_QUERY_PARAM_EQ_NOT_STANDALONE",
    "BAD_QUERY_PARAM_OPERATOR_COLLISION",
    "BAD_QUERY_PARAM_SUPPLIER_NOT_EXPECTED",
    "BAD_QUERY_PARAM_SUPPLIER_EXPECTED",
    "INVALID_PASSWORD_HASH_CRYPTO",
    "INVALID_REQUEST_SIGNATURE_HASH_CRYPTO",
    "INVALID_REQUEST_VERSION",
    "INVALID_HEADER_VERSION",
    "INVALID_TIMESTAMP",
}

_CLASSES: dict[str, type[NavError]] = {
    **dict.fromkeys(UNAVAILABLE_CODES, NavUnavailable),
    **dict.fromkeys(CREDENTIAL_CODES, NavCredentials),
    **dict.fromkeys(TOKEN_CODES, NavTokenRejected),
    **dict.fromkeys(DUPLICATE_CODES, NavDuplicateRequest),
    **dict.fromkeys(REQUEST_CODES, NavRequestRejected),
}


def error_class(code: str) -> type[NavError]:
    """The type of `code`; an unknown code is a rejection (never retried blindly)."""
    return _CLASSES.get(code, NavRequestRejected)


def error_for(
    code: str, message: str = "", *, http_status: int | None = None, retry_after: int | None = None
) -> NavError:
    cls = error_class(code)
    text = nav_text(code) or message
    if issubclass(cls, NavUnavailable):
        return cls(code, text, retry_after=retry_after, http_status=http_status)
    return cls(code, text, http_status=http_status)


def _read_properties(name: str) -> dict[str, str]:
    texts: dict[str, str] = {}
    for line in (MESSAGES_DIR / name).read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.lstrip().startswith("#"):
            texts[key.strip().rsplit(".", 1)[-1]] = value.strip()
    return texts


@functools.cache
def _texts() -> dict[str, str]:
    return {
        **_read_properties("validations_hu_public.properties"),
        **_read_properties("messages_hu_public.properties"),
    }


def nav_text(code: str) -> str:
    """NAV's Hungarian text for an error or validation code ('' when it has none)."""
    return _texts().get(code, "")
