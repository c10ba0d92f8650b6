"""Answers in the contract's shape: ``header`` and ``result`` (common namespace) +
``software`` + the operation's own elements (API namespace); errors as
GeneralErrorResponse (or GeneralExceptionResponse when the request was not even XML)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path

from lxml import etree

from sandbox.nav.schema import CONTRACT_DIR, NS_API, NS_COMMON

NSMAP = {None: NS_API, "common": NS_COMMON}

# The HTTP status of each error code (specification §3.2).
HTTP_STATUS = {
    "INVALID_REQUEST": 400,
    "INVALID_SECURITY_USER": 401,
    "NOT_REGISTERED_CUSTOMER": 500,
    "INVALID_CUSTOMER": 500,
    "INVALID_USER_RELATION": 500,
    "FORBIDDEN": 500,
    "REQUEST_ID_NOT_UNIQUE": 400,
    "INVALID_REQUEST_SIGNATURE": 400,
    "INDEX_NOT_SEQUENTIAL": 400,
    "INVALID_EXCHANGE_TOKEN": 400,
    "REQUEST_VERSION_NOT_ALLOWED": 400,
    # 527 at NAV's service; the network device in front turns it into 503 (§3.2 note),
    # which is what a client sees.
    "MAINTENANCE_MODE": 503,
    "STATUS_QUERY_NOT_ALLOWED": 500,
    "MULTIPLE_QUERY_RESULT_FOUND": 400,
    "BAD_QUERY_PARAM_OVERLAP": 400,
    "BAD_QUERY_PARAM_RANGE_EXCEEDED": 400,
    "BAD_QUERY_PARAM_SUPPLIER_NOT_EXPECTED": 400,
    "BAD_QUERY_PARAM_SUPPLIER_EXPECTED": 400,
    "INVALID_TIMESTAMP": 400,
    "INVALID_PASSWORD_HASH_CRYPTO": 400,
    "INVALID_REQUEST_SIGNATURE_HASH_CRYPTO": 400,
    "INVALID_REQUEST_VERSION": 400,
    "INVALID_HEADER_VERSION": 400,
    "OPERATION_FAILED": 500,
    "NOT_ALLOWED_EXCEPTION": 500,
}


def _properties(name: str) -> dict[str, str]:
    out: dict[str, str] = {}
    text = (CONTRACT_DIR / "messages" / name).read_text(encoding="utf-8")
    for line in text.splitlines():
        if "=" not in line or line.lstrip().startswith("#"):
            continue
        key, _, value = line.partition("=")
        out[key.strip().rsplit(".", 1)[-1]] = value.strip()
    return out


@cache
def interface_messages() -> dict[str, str]:
    return _properties("messages_hu_public.properties")


@cache
def validation_messages() -> dict[str, str]:
    return _properties("validations_hu_public.properties")


def error_text(code: str) -> str:
    return interface_messages().get(code) or validation_messages().get(code) or code


class NavError(Exception):
    """A synchronous error: answered as GeneralErrorResponse with its HTTP status."""

    def __init__(
        self, code: str, message: str | None = None, *, technical: Iterable[str] = ()
    ) -> None:
        self.code = code
        self.message = message or error_text(code)
        self.technical = list(technical)  # schema violations (SCHEMA_VIOLATION)
        super().__init__(f"{code}: {self.message}")

    @property
    def http_status(self) -> int:
        return HTTP_STATUS.get(self.code, 500)


@dataclass
class Echo:
    """What an answer repeats of its request."""

    request_id: str = "SANDBOX"
    software: etree._Element | None = None
    extra: dict[str, str] = field(default_factory=dict)


DEFAULT_SOFTWARE = {
    "softwareId": "HU00000000SANDBOX1",
    "softwareName": "NAV sandbox",
    "softwareOperation": "ONLINE_SERVICE",
    "softwareMainVersion": "3.0",
    "softwareDevName": "Zomanc sandbox",
    "softwareDevContact": "sandbox@localhost",
}


def timestamp(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def date(value: dt.date) -> str:
    return value.isoformat()


def money(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")


def sub(
    parent: etree._Element, name: str, text: str | None = None, *, ns: str = NS_API
) -> etree._Element:
    el = etree.SubElement(parent, f"{{{ns}}}{name}")
    if text is not None:
        el.text = text
    return el


def start(
    root_name: str,
    echo: Echo,
    *,
    at: dt.datetime,
    func_code: str = "OK",
    error_code: str | None = None,
    message: str | None = None,
) -> etree._Element:
    root = etree.Element(f"{{{NS_API}}}{root_name}", nsmap=NSMAP)  # type: ignore[arg-type]
    header = sub(root, "header", ns=NS_COMMON)
    sub(header, "requestId", echo.request_id, ns=NS_COMMON)
    sub(header, "timestamp", timestamp(at), ns=NS_COMMON)
    sub(header, "requestVersion", "3.0", ns=NS_COMMON)
    sub(header, "headerVersion", "1.0", ns=NS_COMMON)
    result = sub(root, "result", ns=NS_COMMON)
    sub(result, "funcCode", func_code, ns=NS_COMMON)
    if error_code:
        sub(result, "errorCode", error_code, ns=NS_COMMON)
    if message:
        sub(result, "message", message[:1024], ns=NS_COMMON)
    if echo.software is not None:
        software = sub(root, "software")
        for child in echo.software:
            if isinstance(child.tag, str):
                sub(software, etree.QName(child).localname, (child.text or "").strip())
    else:
        software = sub(root, "software")
        for name, value in DEFAULT_SOFTWARE.items():
            sub(software, name, value)
    return root


def error_response(error: NavError, echo: Echo, *, at: dt.datetime) -> etree._Element:
    root = start(
        "GeneralErrorResponse",
        echo,
        at=at,
        func_code="ERROR",
        error_code=error.code,
        message=error.message,
    )
    for text in error.technical:
        tv = sub(root, "technicalValidationMessages")
        # TechnicalValidationResultType is a common type: its children are in that namespace.
        sub(tv, "validationResultCode", "ERROR", ns=NS_COMMON)
        sub(tv, "validationErrorCode", "SCHEMA_VIOLATION", ns=NS_COMMON)
        sub(tv, "message", text[:1024], ns=NS_COMMON)
    return root


def exception_response(code: str, message: str) -> bytes:
    root = etree.Element(f"{{{NS_COMMON}}}GeneralExceptionResponse", nsmap={"common": NS_COMMON})
    sub(root, "funcCode", "ERROR", ns=NS_COMMON)
    sub(root, "errorCode", code, ns=NS_COMMON)
    sub(root, "message", message[:1024], ns=NS_COMMON)
    return serialize(root)


def serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def message_catalogue_path() -> Path:
    return CONTRACT_DIR / "messages"
