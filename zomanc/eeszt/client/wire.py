"""The SOAP wire: zeep clients built from the contract's WSDLs, the WS-Security and Context
headers, and the translation of every failure into the three kinds of errors.

The WSDL/XSD files in `contract/` are a copy of the sandbox's contract (a test keeps them
identical). They are parsed once per process; each call gets a light zeep Client bound to the
company's mutual-TLS session."""

import datetime as dt
import hashlib
import re
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import requests
import zeep
from lxml import etree
from zeep.exceptions import Fault, TransportError, XMLSyntaxError
from zeep.plugins import Plugin
from zeep.transports import Transport
from zeep.wsdl import Document

from zomanc.eeszt.client.errors import EesztError, EesztUnavailable, error_from_fault
from zomanc.eeszt.client.tls import session_create, ssl_context_create

CONTRACT_DIR = Path(__file__).resolve().parent / "contract"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
COMMON = "urn:zomanc:eeszt-sandbox:common:v1"
# Stands in the serialised envelope where the SAML assertion's own bytes are spliced in:
# re-serialising a signed assertion through lxml could change it and break its signature.
_PLACEHOLDER_NS = "urn:zomanc:eeszt-client:placeholder"
_PLACEHOLDER = f"{{{_PLACEHOLDER_NS}}}Assertion"
_PLACEHOLDER_TEXT = "zomanc-saml-assertion-goes-here"
_PLACEHOLDER_RE = re.compile(
    rb"<(?:[A-Za-z0-9_]+:)?Assertion[^<>]*>" + _PLACEHOLDER_TEXT.encode() + rb"</[^<>]+>"
)


@dataclass(frozen=True)
class Connection:
    """Where and as which institution to call: the company's certificate and the endpoint."""

    endpoint: str
    pkcs12_data: bytes = field(repr=False)
    pkcs12_password: str = field(repr=False)
    ca_pem: bytes = field(repr=False)
    software_name: str = "Zománc"
    software_version: str = "0.1"
    timeout_seconds: float = 15.0

    @property
    def key(self) -> str:
        digest = hashlib.sha256(self.pkcs12_data + self.ca_pem).hexdigest()
        return f"{self.endpoint}|{digest}"


@dataclass(frozen=True)
class CallContext:
    """Who acts, for which institution and org unit, with which EESZT session."""

    user_id: str
    institution_id: str
    org_unit_id: str
    role: str
    assertion: bytes = field(repr=False)


class _ContractTransport(Transport):
    """Loads the WSDL and its `?xsd=name` imports from the local contract folder."""

    def load(self, url: str) -> bytes:
        parsed = urlparse(url)
        name = parsed.query.removeprefix("xsd=") if parsed.query.startswith("xsd=") else ""
        path = CONTRACT_DIR / (name or Path(parsed.path).name)
        if path.parent != CONTRACT_DIR or not path.is_file():
            raise ValueError(f"not a contract file: {url}")
        return path.read_bytes()


class _WireTransport(Transport):
    """Posts over the company's session, splicing the assertion in untouched, and keeps the
    last HTTP response so a 503's Retry-After can be read."""

    def __init__(self, session: requests.Session, assertion: bytes | None, timeout: float):
        super().__init__(session=session, operation_timeout=timeout, timeout=timeout)
        self._assertion = assertion
        self.last_response: requests.Response | None = None

    def post_xml(self, address: str, envelope: etree._Element, headers: dict[str, str]) -> Any:
        message = etree.tostring(envelope, encoding="utf-8", xml_declaration=True)
        if self._assertion is not None:
            raw = self._assertion
            if raw.startswith(b"<?xml"):
                raw = raw[raw.index(b"?>") + 2 :].lstrip()
            message, count = _PLACEHOLDER_RE.subn(lambda _: raw, message)
            if count != 1:
                raise RuntimeError("the assertion placeholder is missing from the envelope")
        return self.post(address, message, headers)

    def post(self, address: str, message: bytes, headers: dict[str, str]) -> requests.Response:
        response: requests.Response = super().post(address, message, headers)
        self.last_response = response
        return response


# Flags EESZT may add to an answer (optional, newer than some contract copies): "late" —
# accepted after the legal deadline — and the deadline it was measured against.
ANSWER_FLAGS = ("late", "deadline")


class _AnswerFlags(Plugin):
    """Reads the optional flags of an answer and takes them out before zeep parses it: an
    answer carrying a flag our contract copy does not declare yet still parses (zeep is
    strict about unknown elements), and one that declares it loses nothing."""

    def __init__(self) -> None:
        self.flags: dict[str, str] = {}

    def ingress(
        self, envelope: etree._Element, http_headers: Any, operation: Any
    ) -> tuple[etree._Element, Any]:
        body = envelope.find("{*}Body")
        answer = next(iter(body), None) if body is not None else None
        if answer is not None and isinstance(answer.tag, str):
            for child in list(answer):
                if isinstance(child.tag, str) and etree.QName(child).localname in ANSWER_FLAGS:
                    self.flags[etree.QName(child).localname] = (child.text or "").strip()
                    answer.remove(child)
        return envelope, http_headers


def answer_flag_late(flags: dict[str, str]) -> bool:
    return flags.get("late", "").lower() in ("true", "1")


@cache
def _document(service: str) -> Document:
    # zeep types the transport argument wrongly as a class; it takes an instance.
    return Document(str(CONTRACT_DIR / f"{service}.wsdl"), _ContractTransport())  # type: ignore[arg-type]


_sessions: dict[str, requests.Session] = {}
_sessions_lock = threading.Lock()


def _session(conn: Connection) -> requests.Session:
    """One keep-alive session per certificate and endpoint, reused across calls."""
    with _sessions_lock:
        session = _sessions.get(conn.key)
        if session is None:
            try:
                context = ssl_context_create(
                    pkcs12_data=conn.pkcs12_data, password=conn.pkcs12_password, ca_pem=conn.ca_pem
                )
            except ValueError as exc:
                raise EesztError(
                    "CLIENT_CERTIFICATE", "A tárolt tanúsítvány nem nyitható meg."
                ) from exc
            session = session_create(context=context)
            _sessions[conn.key] = session
        return session


def sessions_clear() -> None:
    """Drops cached sessions (certificate replaced, tests)."""
    with _sessions_lock:
        for session in _sessions.values():
            session.close()
        _sessions.clear()


def _security_header(assertion: bytes | None, now: dt.datetime) -> etree._Element:
    sec = etree.Element(f"{{{WSSE}}}Security", nsmap={"wsse": WSSE, "wsu": WSU})
    ts = etree.SubElement(sec, f"{{{WSU}}}Timestamp")
    etree.SubElement(ts, f"{{{WSU}}}Created").text = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    expires = now + dt.timedelta(minutes=5)
    etree.SubElement(ts, f"{{{WSU}}}Expires").text = expires.strftime("%Y-%m-%dT%H:%M:%SZ")
    if assertion is not None:
        etree.SubElement(sec, _PLACEHOLDER, nsmap={"zph": _PLACEHOLDER_NS}).text = _PLACEHOLDER_TEXT
    return sec


def _context_header(
    conn: Connection, ctx: CallContext, request_id: str, now: dt.datetime
) -> etree._Element:
    el = etree.Element(f"{{{COMMON}}}Context", nsmap={"c": COMMON})
    for name, value in (
        ("userId", ctx.user_id),
        ("institutionId", ctx.institution_id),
        ("orgUnitId", ctx.org_unit_id),
        ("role", ctx.role),
        ("softwareName", conn.software_name),
        ("softwareVersion", conn.software_version),
        ("requestId", request_id),
        ("clientTimestamp", now.strftime("%Y-%m-%dT%H:%M:%SZ")),
    ):
        etree.SubElement(el, f"{{{COMMON}}}{name}").text = value
    return el


def _fault_error(fault: Fault, request_id: str) -> EesztError:
    detail = fault.detail
    code = message = element = ""
    if detail is not None:
        code = detail.findtext(".//{*}code") or ""
        message = detail.findtext(".//{*}message") or ""
        element = detail.findtext(".//{*}element") or ""
        request_id = detail.findtext(".//{*}requestId") or request_id
    if not code:
        subcodes: Sequence[Any] = fault.subcodes or []
        code = subcodes[0].localname if subcodes else "UNKNOWN_FAULT"
    return error_from_fault(code, message or str(fault.message or ""), request_id, element)


def call(
    conn: Connection,
    service: str,
    operation: str,
    *,
    ctx: CallContext | None,
    request_id: str | None = None,
    flags: dict[str, str] | None = None,
    **params: Any,
) -> Any:
    """Calls one operation. `ctx` None = an IDP call (certificate only, no user session).
    `flags`, when given, receives the answer's optional flags (ANSWER_FLAGS) by name.

    `request_id` is the idempotency key: pass the same one when retrying the same logical
    operation (the outbox keeps it on its row), so EESZT answers the retry with the first
    answer instead of doing the work twice."""
    request_id = request_id or str(uuid.uuid4())
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    transport = _WireTransport(_session(conn), ctx.assertion if ctx else None, conn.timeout_seconds)
    answer_flags = _AnswerFlags()
    client = zeep.Client(wsdl=_document(service), transport=transport, plugins=[answer_flags])
    binding = next(iter(client.wsdl.bindings))
    proxy = client.create_service(binding, f"{conn.endpoint.rstrip('/')}/soap/{service}")
    headers = []
    if ctx is not None:
        headers = [
            _security_header(ctx.assertion, now),
            _context_header(conn, ctx, request_id, now),
        ]
    try:
        result = getattr(proxy, operation)(**params, _soapheaders=headers)
        if flags is not None:
            flags.update(answer_flags.flags)
        return result
    except Fault as fault:
        raise _fault_error(fault, request_id) from fault
    except TransportError as exc:
        retry_after = None
        response = transport.last_response
        if response is not None and response.headers.get("Retry-After", "").isdigit():
            retry_after = int(response.headers["Retry-After"])
        raise EesztUnavailable(
            f"HTTP_{exc.status_code}",
            "Az EESZT most nem érhető el (karbantartás vagy túlterhelés).",
            request_id,
            retry_after_seconds=retry_after,
        ) from exc
    except requests.exceptions.SSLError as exc:
        # Usually configuration (certificate revoked/expired, wrong CA) but it can be a
        # passing fault too; retrying is harmless and heals once the certificate is fixed.
        raise EesztUnavailable(
            "TLS", "A biztonságos (TLS) kapcsolat nem jött létre az EESZT-vel.", request_id
        ) from exc
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise EesztUnavailable(
            "TRANSPORT",
            "Nem sikerült kapcsolódni az EESZT-hez, vagy nem érkezett válasz.",
            request_id,
        ) from exc
    except XMLSyntaxError as exc:
        raise EesztUnavailable(
            "BAD_RESPONSE", "Az EESZT válasza nem értelmezhető.", request_id
        ) from exc
