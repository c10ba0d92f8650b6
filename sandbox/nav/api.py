"""``POST /invoiceService/v3/<operation>``: the ten operations of the Online Számla 3.0
interface, on the NAV listener only (server-authenticated TLS).

Order of the checks (each failure with its code and HTTP status, wire.HTTP_STATUS):
fault plan → well-formed XML (GeneralExceptionResponse) → schema (INVALID_REQUEST +
SCHEMA_VIOLATION messages) → the root matches the operation (OPERATION_FAILED) →
versions → crypto types → timestamp ±1 day → taxpayer registered → login + passwordHash →
user of this taxpayer → index sequence → requestSignature → exchange token → the
operation → requestId unique (the accepted request's row; a repeat rolls it all back).
Every call is recorded (ApiRequest): accepted ones hold their requestId, rejected ones
show on the portal with their reason.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
import time
from collections.abc import Callable

from django.db import IntegrityError
from django.db import transaction as db_transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from lxml import etree

from sandbox.clock.services import now
from sandbox.faults.services import counters_add, fault_plan
from sandbox.nav import crypto, queries, services
from sandbox.nav.call import Call
from sandbox.nav.models import ApiRequest, Taxpayer, TechnicalUser, Transaction
from sandbox.nav.schema import NS_API, NS_COMMON, XmlInvalid, parse, q, violations
from sandbox.nav.wire import (
    Echo,
    NavError,
    error_response,
    exception_response,
    serialize,
    start,
    sub,
)

log = logging.getLogger("sandbox.nav")
CONTENT_TYPE = "application/xml; charset=UTF-8"
FAULT_SERVICE = "nav"
REQUEST_ID = re.compile(r"[+a-zA-Z0-9_]{1,30}")
TIMESTAMP_TOLERANCE = dt.timedelta(days=1)


Handler = Callable[[Call], etree._Element]
OPERATIONS: dict[str, Handler] = {}
# The operations whose signature includes the per-index hashes, with their list paths.
MANAGE = {
    "manageInvoice": ("invoiceOperations", "invoiceOperation", "invoiceOperation", "invoiceData"),
    "manageAnnulment": (
        "annulmentOperations",
        "annulmentOperation",
        "annulmentOperation",
        "invoiceAnnulment",
    ),
}


def operation(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        OPERATIONS[name] = fn
        return fn

    return register


def _c(el: etree._Element, name: str) -> str:
    """Text of a common-namespace child."""
    found = el.find(q(NS_COMMON, name))
    return (found.text or "").strip() if found is not None else ""


def _a(el: etree._Element, name: str) -> etree._Element | None:
    return el.find(q(NS_API, name))


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


@csrf_exempt
def endpoint(request: HttpRequest, operation: str) -> HttpResponse:
    started = time.perf_counter()
    handler = OPERATIONS.get(operation)
    if handler is None:
        return HttpResponse(status=404)
    at = now()
    plan = fault_plan(service=FAULT_SERVICE, at=at)
    if plan.latency_ms:
        time.sleep(plan.latency_ms / 1000)
    tally = ["requests", f"requests.{FAULT_SERVICE}", f"requests.{FAULT_SERVICE}.{operation}"]
    if plan.injects:
        tally.append("faults_injected")
    try:
        if plan.http_503_retry_after is not None and not plan.maintenance:
            tally.append("faults.http_503")
            return HttpResponse(
                "Service Unavailable",
                status=503,
                headers={"Retry-After": str(plan.http_503_retry_after)},
                content_type="text/plain; charset=utf-8",
            )
        if plan.drop:
            tally.append("faults.drop")
            request.META["sandbox.drop"] = True
            return HttpResponse(status=503)
        if request.method != "POST":
            return _answer(
                NavError("NOT_ALLOWED_EXCEPTION", "Az operáció csak POST metódussal hívható."),
                Echo(),
                at,
            )
        try:
            root = parse(request.body)
        except XmlInvalid as exc:
            _record(None, None, "", operation, at, "INVALID_REQUEST", str(exc), 400)
            return HttpResponse(
                exception_response("INVALID_REQUEST", f"Nem jól formált XML: {exc}"),
                status=400,
                content_type=CONTENT_TYPE,
            )
        echo = _echo(root)
        try:
            if plan.maintenance:
                tally.append("faults.maintenance")
                raise NavError("MAINTENANCE_MODE")
            if plan.unavailable_fault:
                tally.append("faults.unavailable_fault")
                raise NavError("OPERATION_FAILED")
            call = _authenticate(root, request.body, operation, echo, at)
            with db_transaction.atomic():
                answer = handler(call)
                # The partial unique constraint decides (race-free, one statement): a
                # repeated requestId rolls the whole operation back.
                try:
                    _record(
                        call.taxpayer, call.user.login, call.request_id, operation, at, "", "", 200
                    )
                except IntegrityError as exc:
                    raise NavError("REQUEST_ID_NOT_UNIQUE") from exc
        except NavError as error:
            tally.append(f"faults.code.{error.code}")
            _record_error(root, operation, at, error)
            if error.technical:
                # A schema-invalid request's software block may be the invalid part: the
                # answer names the sandbox's own instead (it must stay schema valid).
                echo.software = None
            response = _answer(error, echo, at)
            if error.code == "MAINTENANCE_MODE" and plan.http_503_retry_after is not None:
                response["Retry-After"] = str(plan.http_503_retry_after)
            return response
        if plan.hang_seconds is not None:
            tally.append("faults.hang")
            request.META["sandbox.hang_seconds"] = plan.hang_seconds
        return HttpResponse(serialize(answer), content_type=CONTENT_TYPE)
    finally:
        counters_add(names=tally)
        log.debug("nav %s %.1f ms", operation, (time.perf_counter() - started) * 1000)


def _answer(error: NavError, echo: Echo, at: dt.datetime) -> HttpResponse:
    return HttpResponse(
        serialize(error_response(error, echo, at=at)),
        status=error.http_status,
        content_type=CONTENT_TYPE,
    )


def _echo(root: etree._Element) -> Echo:
    header = root.find(q(NS_COMMON, "header"))
    request_id = _c(header, "requestId") if header is not None else ""
    software = _a(root, "software")
    complete = software is not None and all(
        _a(software, n) is not None and (_a(software, n).text or "").strip()  # type: ignore[union-attr]
        for n in (
            "softwareId",
            "softwareName",
            "softwareOperation",
            "softwareMainVersion",
            "softwareDevName",
            "softwareDevContact",
        )
    )
    return Echo(
        request_id=request_id if REQUEST_ID.fullmatch(request_id) else "UNKNOWN",
        # An incomplete software block is not repeated (the answer must stay schema valid).
        software=software if complete else None,
    )


def _record(
    taxpayer: Taxpayer | None,
    login: str | None,
    request_id: str,
    operation: str,
    at: dt.datetime,
    code: str,
    message: str,
    status: int,
    tax_number: str = "",
) -> None:
    ApiRequest.objects.create(
        taxpayer=taxpayer,
        tax_number=(taxpayer.tax_number if taxpayer else tax_number)[:20],
        login=(login or "")[:30],
        request_id=request_id[:40],
        operation=operation[:40],
        at=at,
        accepted=not code,
        http_status=status,
        error_code=code,
        message=message[:4000],
    )


def _record_error(root: etree._Element, operation: str, at: dt.datetime, error: NavError) -> None:
    user = root.find(q(NS_COMMON, "user"))
    header = root.find(q(NS_COMMON, "header"))
    tax_number = _c(user, "taxNumber") if user is not None else ""
    taxpayer = Taxpayer.objects.filter(tax_number=tax_number).first() if tax_number else None
    detail = error.message
    if error.technical:
        detail += " — " + "; ".join(error.technical[:5])
    _record(
        taxpayer,
        _c(user, "login") if user is not None else "",
        _c(header, "requestId") if header is not None else "",
        operation,
        at,
        error.code,
        detail,
        error.http_status,
        tax_number=tax_number,
    )


def _authenticate(
    root: etree._Element, body: bytes, operation: str, echo: Echo, at: dt.datetime
) -> Call:
    problems = violations(root)
    if problems:
        raise NavError(
            "INVALID_REQUEST",
            "A kérés nem felel meg az invoiceApi.xsd sémának.",
            technical=problems,
        )
    expected = f"{operation[0].upper()}{operation[1:]}Request"
    if root.tag != q(NS_API, expected):
        raise NavError(
            "OPERATION_FAILED",
            f"A /{operation} végpont {expected} kérést vár, nem {etree.QName(root).localname}-t.",
        )
    header = root.find(q(NS_COMMON, "header"))
    user_el = root.find(q(NS_COMMON, "user"))
    assert header is not None and user_el is not None  # the schema requires both
    if _c(header, "requestVersion") != "3.0":
        raise NavError("INVALID_REQUEST_VERSION")
    header_version = header.find(q(NS_COMMON, "headerVersion"))
    if header_version is not None and (header_version.text or "").strip() != "1.0":
        raise NavError("INVALID_HEADER_VERSION")
    password_el = user_el.find(q(NS_COMMON, "passwordHash"))
    signature_el = user_el.find(q(NS_COMMON, "requestSignature"))
    assert password_el is not None and signature_el is not None
    if password_el.get("cryptoType") != "SHA-512":
        raise NavError("INVALID_PASSWORD_HASH_CRYPTO")
    if signature_el.get("cryptoType") != "SHA3-512":
        raise NavError("INVALID_REQUEST_SIGNATURE_HASH_CRYPTO")
    timestamp = _at(_c(header, "timestamp"))
    if abs(timestamp - at) > TIMESTAMP_TOLERANCE:
        raise NavError("INVALID_TIMESTAMP")
    # One query in the usual case: the user with its taxpayer; the taxpayer alone only
    # when the user does not belong to the tax number given.
    tax_number = _c(user_el, "taxNumber")
    user = (
        TechnicalUser.objects.select_related("taxpayer").filter(login=_c(user_el, "login")).first()
    )
    if user is not None and user.taxpayer.tax_number == tax_number:
        taxpayer = user.taxpayer
    else:
        found = Taxpayer.objects.filter(tax_number=tax_number).first()
        if found is None:
            raise NavError("NOT_REGISTERED_CUSTOMER")
        taxpayer = found
    given_hash = (password_el.text or "").strip().upper()
    if user is None or not secrets.compare_digest(given_hash, user.password_hash):
        raise NavError("INVALID_SECURITY_USER")
    if user.taxpayer_id != taxpayer.pk or not user.active:
        raise NavError("INVALID_USER_RELATION")
    request_id = _c(header, "requestId")
    operations = _operations(root, operation)
    expected_signature = crypto.request_signature(
        request_id=request_id,
        timestamp=timestamp,
        signature_key=user.signature_key,
        operations=[(op, data) for _, op, data in operations] if operation in MANAGE else None,
    )
    if not secrets.compare_digest((signature_el.text or "").strip().upper(), expected_signature):
        raise NavError("INVALID_REQUEST_SIGNATURE")
    return Call(
        root=root, body=body, echo=echo, at=at, taxpayer=taxpayer, user=user, request_id=request_id
    )


def _operations(root: etree._Element, operation: str) -> list[tuple[int, str, str]]:
    """(index, operation, base64 data) of a manage request, checked to run 1, 2, 3 …"""
    if operation not in MANAGE:
        return []
    list_name, item_name, op_name, data_name = MANAGE[operation]
    items = root.find(q(NS_API, list_name))
    assert items is not None
    out = []
    for item in items.findall(q(NS_API, item_name)):
        out.append(
            (
                int((_a(item, "index").text or "0").strip()),  # type: ignore[union-attr]
                (_a(item, op_name).text or "").strip(),  # type: ignore[union-attr]
                (_a(item, data_name).text or "").strip(),  # type: ignore[union-attr]
            )
        )
    if [i for i, _, _ in out] != list(range(1, len(out) + 1)):
        raise NavError("INDEX_NOT_SEQUENTIAL")
    return out


def _spend_token(call: Call) -> None:
    token = (_a(call.root, "exchangeToken").text or "").strip()  # type: ignore[union-attr]
    if not services.exchange_token_use(taxpayer=call.taxpayer, token=token, at=call.at):
        raise NavError("INVALID_EXCHANGE_TOKEN")


# --- the operations ------------------------------------------------------------------


@operation("tokenExchange")
def token_exchange(call: Call) -> etree._Element:
    token = services.exchange_token_issue(user=call.user, at=call.at)
    root = start("TokenExchangeResponse", call.echo, at=call.at)
    sub(
        root,
        "encodedExchangeToken",
        crypto.encoded_exchange_token(exchange_key=call.user.exchange_key, token=token.token),
    )
    from sandbox.nav.wire import timestamp

    sub(root, "tokenValidityFrom", timestamp(token.valid_from))
    sub(root, "tokenValidityTo", timestamp(token.valid_to))
    return root


def _manage(call: Call, operation: str, kind: str, root_name: str) -> etree._Element:
    ops = _operations(call.root, operation)
    _spend_token(call)
    compressed = False
    if operation == "manageInvoice":
        flag = call.root.find(f"{q(NS_API, 'invoiceOperations')}/{q(NS_API, 'compressedContent')}")
        compressed = flag is not None and (flag.text or "").strip() == "true"
    tx = services.transaction_create(
        user=call.user,
        kind=kind,
        operations=ops,
        compressed=compressed,
        original_request=call.body,
        at=call.at,
    )
    root = start(root_name, call.echo, at=call.at)
    sub(root, "transactionId", tx.transaction_id)
    return root


@operation("manageInvoice")
def manage_invoice(call: Call) -> etree._Element:
    return _manage(call, "manageInvoice", Transaction.Kind.INVOICE, "ManageInvoiceResponse")


@operation("manageAnnulment")
def manage_annulment(call: Call) -> etree._Element:
    return _manage(call, "manageAnnulment", Transaction.Kind.ANNULMENT, "ManageAnnulmentResponse")


# The query operations answer from queries.py as they are: registered directly.
OPERATIONS.update(
    {
        "queryTransactionStatus": queries.transaction_status,
        "queryTransactionList": queries.transaction_list,
        "queryInvoiceData": queries.invoice_data,
        "queryInvoiceCheck": queries.invoice_check,
        "queryInvoiceDigest": queries.invoice_digest,
        "queryInvoiceChainDigest": queries.invoice_chain_digest,
        "queryTaxpayer": queries.taxpayer,
    }
)
