"""Building, signing, sending and reading NAV Online Számla 3.0 API messages.

Server-authenticated TLS as at NAV: only the CA given in the settings is trusted, pinned in
the SSL context (REQUESTS_CA_BUNDLE is ignored: `trust_env = False`). Every request is
validated against invoiceApi.xsd before it is sent (schema.validate)."""

from __future__ import annotations

import base64
import datetime as dt
import secrets
import ssl
import threading
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

import requests
from lxml import etree
from requests.adapters import HTTPAdapter

from zomanc.nav.client import crypto, schema
from zomanc.nav.client.errors import (
    NavError,
    NavRequestRejected,
    NavTimeout,
    NavUnavailable,
    error_for,
)
from zomanc.nav.client.schema import NS_API, NS_COMMON

API_PATH = "/invoiceService/v3/"


@dataclass(frozen=True)
class Credentials:
    """A technical user as NAV's web interface issues it. Secrets never appear in repr."""

    tax_number: str  # the 8-digit core
    login: str
    password: str = field(repr=False)
    signature_key: str = field(repr=False)
    exchange_key: str = field(repr=False)


@dataclass(frozen=True)
class Software:
    software_id: str = "HUZOMANC0000000001"  # [0-9A-Z\-]{18}
    name: str = "Zománc"
    main_version: str = "1.0"
    dev_name: str = "Zománc"
    dev_contact: str = "support@zomanc.invalid"


@dataclass(frozen=True)
class Message:
    """A validation message of a processed invoice (technical or business)."""

    result_code: str  # ERROR | WARN | INFO
    code: str
    text: str


@dataclass(frozen=True)
class ProcessingResult:
    index: int
    status: str  # RECEIVED | PROCESSING | SAVED | DONE | ABORTED
    messages: list[Message]
    # The invoice data as sent (decoded), when asked for with returnOriginalRequest.
    original_request: bytes | None = None


@dataclass(frozen=True)
class TransactionListItem:
    """One transaction of the taxpayer in queryTransactionList's answer."""

    transaction_id: str
    received_at: dt.datetime  # insDate, NAV's clock
    login: str  # insCusUser
    request_status: str  # RECEIVED | PROCESSING | SAVED | FINISHED
    technical_annulment: bool
    item_count: int


@dataclass(frozen=True)
class InvoiceAtNav:
    """A valid invoice NAV has under a number (queryInvoiceData)."""

    transaction_id: str
    index: int
    data: bytes  # the invoice data as it was sent (decoded)


@dataclass(frozen=True)
class Taxpayer:
    valid: bool
    name: str


def new_request_id() -> str:
    """[+a-zA-Z0-9_]{1,30}: unique enough across every practice and restore."""
    return "ZMC" + secrets.token_hex(12).upper()


def _stamp(at: dt.datetime) -> str:
    at = at.astimezone(dt.UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def _text(root: etree._Element | None, path: str) -> str:
    """`path`: local names separated by '/', in any namespace."""
    el = root
    for part in path.split("/"):
        if el is None:
            return ""
        el = next(
            (c for c in el if isinstance(c.tag, str) and etree.QName(c).localname == part), None
        )
    return (el.text or "").strip() if el is not None else ""


def _children(root: etree._Element, name: str) -> list[etree._Element]:
    return [e for e in root.iter() if isinstance(e.tag, str) and etree.QName(e).localname == name]


class _PinnedAdapter(HTTPAdapter):
    def __init__(self, context: ssl.SSLContext, **kwargs: Any) -> None:
        self._context = context
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ssl_context"] = self._context
        super().init_poolmanager(*args, **kwargs)

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        return None  # the pinned context verifies against the NAV CA alone


_sessions: dict[tuple[str, bytes], requests.Session] = {}
_sessions_lock = threading.Lock()


def _session(endpoint: str, ca_pem: bytes) -> requests.Session:
    key = (endpoint, ca_pem)
    with _sessions_lock:
        session = _sessions.get(key)
        if session is None:
            context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cadata=ca_pem.decode())
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            session = requests.Session()
            session.trust_env = False  # no REQUESTS_CA_BUNDLE, no proxies
            session.mount("https://", _PinnedAdapter(context, pool_maxsize=32))
            _sessions[key] = session
        return session


class NavConnection:
    """One technical user at one NAV endpoint."""

    def __init__(
        self,
        *,
        endpoint: str,
        ca_pem: bytes,
        credentials: Credentials,
        software: Software | None = None,
        timeout: float = 15.0,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.ca_pem = ca_pem
        self.credentials = credentials
        self.software = software or Software()
        self.timeout = timeout
        # Every request sent (operation, bytes): tests validate them all against the XSD.
        self.sent: list[tuple[str, bytes]] = []

    # --- building ------------------------------------------------------------------------

    def build(
        self,
        operation: str,
        body: str = "",
        *,
        request_id: str | None = None,
        at: dt.datetime | None = None,
        signed_operations: list[tuple[str, str]] | None = None,
    ) -> bytes:
        """``<Operation>Request`` with header, user (hash and signature), software and body;
        validated against invoiceApi.xsd."""
        c, s = self.credentials, self.software
        request_id = request_id or new_request_id()
        at = at or dt.datetime.now(dt.UTC)
        signature = crypto.request_signature(
            request_id=request_id,
            timestamp=at,
            signature_key=c.signature_key,
            operations=signed_operations,
        )
        name = operation[0].upper() + operation[1:] + "Request"
        xml = (
            f'<?xml version="1.0" encoding="UTF-8"?>'
            f'<{name} xmlns="{NS_API}" xmlns:common="{NS_COMMON}">'
            f"<common:header><common:requestId>{request_id}</common:requestId>"
            f"<common:timestamp>{_stamp(at)}</common:timestamp>"
            f"<common:requestVersion>3.0</common:requestVersion>"
            f"<common:headerVersion>1.0</common:headerVersion></common:header>"
            f"<common:user><common:login>{escape(c.login)}</common:login>"
            f'<common:passwordHash cryptoType="SHA-512">{crypto.password_hash(c.password)}'
            f"</common:passwordHash><common:taxNumber>{c.tax_number}</common:taxNumber>"
            f'<common:requestSignature cryptoType="SHA3-512">{signature}'
            f"</common:requestSignature></common:user>"
            f"<software><softwareId>{s.software_id}</softwareId>"
            f"<softwareName>{escape(s.name)}</softwareName>"
            f"<softwareOperation>LOCAL_SOFTWARE</softwareOperation>"
            f"<softwareMainVersion>{escape(s.main_version)}</softwareMainVersion>"
            f"<softwareDevName>{escape(s.dev_name)}</softwareDevName>"
            f"<softwareDevContact>{escape(s.dev_contact)}</softwareDevContact>"
            f"<softwareDevCountryCode>HU</softwareDevCountryCode></software>"
            f"{body}</{name}>"
        )
        data = xml.encode()
        schema.validate(schema.parse(data))
        return data

    # --- sending -------------------------------------------------------------------------

    def call(self, operation: str, data: bytes) -> etree._Element:
        """POST one request; the answer's root when funcCode is OK, else a typed NavError."""
        self.sent.append((operation, data))
        url = f"{self.endpoint}{API_PATH}{operation}"
        try:
            response = _session(self.endpoint, self.ca_pem).post(
                url,
                data=data,
                headers={"Content-Type": "application/xml", "Accept": "application/xml"},
                timeout=self.timeout,
            )
        except requests.ConnectTimeout as exc:
            raise NavUnavailable("CONNECT_TIMEOUT", "A NAV nem érhető el (időtúllépés).") from exc
        except (requests.ReadTimeout, requests.exceptions.ChunkedEncodingError) as exc:
            raise NavTimeout("TIMEOUT", "A NAV nem válaszolt időben.") from exc
        except requests.ConnectionError as exc:
            # A dropped connection after sending is as ambiguous as a timeout.
            raise NavTimeout("CONNECTION_ERROR", "A kapcsolat a NAV-val megszakadt.") from exc
        retry_after = response.headers.get("Retry-After")
        retry = int(retry_after) if retry_after and retry_after.isdigit() else None
        try:
            root = schema.parse(response.content)
        except etree.XMLSyntaxError:
            if response.status_code >= 500 or response.status_code == 429:
                raise NavUnavailable(
                    "SERVICE_UNAVAILABLE",
                    f"A NAV nem érhető el (HTTP {response.status_code}).",
                    retry_after=retry,
                    http_status=response.status_code,
                ) from None
            raise NavRequestRejected(
                "INVALID_RESPONSE", f"Érthetetlen NAV-válasz (HTTP {response.status_code})."
            ) from None
        func_code = _text(root, "result/funcCode") or _text(root, "funcCode")
        if func_code == "OK" and response.status_code == 200:
            return root
        code = _text(root, "result/errorCode") or _text(root, "errorCode")
        message = _text(root, "result/message") or _text(root, "message")
        if not code:
            code = "SERVICE_UNAVAILABLE" if response.status_code >= 500 else "INVALID_REQUEST"
        error = error_for(code, message, http_status=response.status_code, retry_after=retry)
        details = [_text(m, "message") for m in _children(root, "technicalValidationMessages")]
        if details and isinstance(error, NavRequestRejected):
            error.message = f"{error.message} ({'; '.join(d for d in details if d)})"
        raise error

    # --- operations ----------------------------------------------------------------------

    def token_exchange(self) -> str:
        """A fresh exchange token, decrypted (valid 5 minutes, spent by one manage call)."""
        root = self.call("tokenExchange", self.build("tokenExchange"))
        return crypto.token_decrypt(
            _text(root, "encodedExchangeToken"), self.credentials.exchange_key
        )

    def query_taxpayer(self, tax_number_core: str) -> Taxpayer:
        body = f"<taxNumber>{tax_number_core}</taxNumber>"
        root = self.call("queryTaxpayer", self.build("queryTaxpayer", body))
        valid = _text(root, "taxpayerValidity") == "true"
        return Taxpayer(valid=valid, name=_text(root, "taxpayerData/taxpayerName"))

    def manage_invoice(
        self, *, request_id: str, operations: list[tuple[str, bytes]], token: str | None = None
    ) -> str:
        """Sends invoice data documents (operation CREATE/MODIFY/STORNO, InvoiceData bytes,
        each validated against invoiceData.xsd); returns NAV's transactionId."""
        for _, invoice in operations:
            schema.validate(schema.parse(invoice))
        encoded = [(op, base64.b64encode(data).decode()) for op, data in operations]
        items = "".join(
            f"<invoiceOperation><index>{i}</index><invoiceOperation>{op}</invoiceOperation>"
            f"<invoiceData>{b64}</invoiceData></invoiceOperation>"
            for i, (op, b64) in enumerate(encoded, start=1)
        )
        token = token or self.token_exchange()
        body = (
            f"<exchangeToken>{escape(token)}</exchangeToken><invoiceOperations>"
            f"<compressedContent>false</compressedContent>{items}</invoiceOperations>"
        )
        data = self.build("manageInvoice", body, request_id=request_id, signed_operations=encoded)
        root = self.call("manageInvoice", data)
        return _text(root, "transactionId")

    def query_transaction_status(
        self, transaction_id: str, *, original: bool = False
    ) -> list[ProcessingResult]:
        """Each invoice of the transaction with its state and messages; `original`: with the
        invoice data as it was sent (returnOriginalRequest), to recognise one's own."""
        body = (
            f"<transactionId>{escape(transaction_id)}</transactionId>"
            f"<returnOriginalRequest>{'true' if original else 'false'}</returnOriginalRequest>"
        )
        root = self.call("queryTransactionStatus", self.build("queryTransactionStatus", body))
        results = []
        for item in _children(root, "processingResult"):
            messages = [
                Message(
                    result_code=_text(m, "validationResultCode"),
                    code=_text(m, "validationErrorCode"),
                    text=_text(m, "message"),
                )
                for tag in ("technicalValidationMessages", "businessValidationMessages")
                for m in _children(item, tag)
            ]
            original_request = _text(item, "originalRequest")
            results.append(
                ProcessingResult(
                    index=int(_text(item, "index") or 0),
                    status=_text(item, "invoiceStatus"),
                    messages=messages,
                    original_request=base64.b64decode(original_request)
                    if original_request
                    else None,
                )
            )
        return results

    def query_transaction_list(
        self, date_from: dt.datetime, date_to: dt.datetime
    ) -> list[TransactionListItem]:
        """Every transaction of the taxpayer NAV received between the two instants (NAV's
        clock, at most 35 days apart), all pages."""
        items: list[TransactionListItem] = []
        page, available = 1, 1
        while page <= available:
            body = (
                f"<page>{page}</page><insDate><dateTimeFrom>{_stamp(date_from)}</dateTimeFrom>"
                f"<dateTimeTo>{_stamp(date_to)}</dateTimeTo></insDate>"
            )
            root = self.call("queryTransactionList", self.build("queryTransactionList", body))
            available = int(_text(root, "transactionListResult/availablePage") or 1)
            for el in _children(root, "transaction"):
                items.append(
                    TransactionListItem(
                        transaction_id=_text(el, "transactionId"),
                        received_at=dt.datetime.fromisoformat(
                            _text(el, "insDate").replace("Z", "+00:00")
                        ),
                        login=_text(el, "insCusUser"),
                        request_status=_text(el, "requestStatus"),
                        technical_annulment=_text(el, "technicalAnnulment") == "true",
                        item_count=int(_text(el, "itemCount") or 0),
                    )
                )
            page += 1
        return items

    def query_invoice_data(self, invoice_number: str) -> InvoiceAtNav | None:
        """The valid invoice NAV has under `invoice_number` (ours as supplier), or None when
        it has none (never sent, not processed yet, or ABORTED)."""
        body = (
            f"<invoiceNumberQuery><invoiceNumber>{escape(invoice_number)}</invoiceNumber>"
            f"<invoiceDirection>OUTBOUND</invoiceDirection></invoiceNumberQuery>"
        )
        root = self.call("queryInvoiceData", self.build("queryInvoiceData", body))
        if not _children(root, "invoiceDataResult"):
            return None
        return InvoiceAtNav(
            transaction_id=_text(root, "invoiceDataResult/auditData/transactionId"),
            index=int(_text(root, "invoiceDataResult/auditData/index") or 1),
            data=base64.b64decode(_text(root, "invoiceDataResult/invoiceData")),
        )

    def query_invoice_transaction(self, invoice_number: str) -> str | None:
        """The transactionId that made `invoice_number` valid at NAV, or None when NAV has
        no valid invoice with the number (yet)."""
        found = self.query_invoice_data(invoice_number)
        return found.transaction_id if found is not None and found.transaction_id else None


__all__ = [
    "Credentials",
    "InvoiceAtNav",
    "Message",
    "NavConnection",
    "NavError",
    "ProcessingResult",
    "Software",
    "Taxpayer",
    "TransactionListItem",
    "new_request_id",
]
