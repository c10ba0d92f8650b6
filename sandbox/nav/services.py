"""Writes of the NAV sandbox: registration, technical users, tokens, transactions, their
processing, annulment decisions.

Processing is lazy, by time (docs/nav-sandbox.md): a transaction is RECEIVED for
``SANDBOX_NAV_RECEIVED_SECONDS`` after it arrived, then PROCESSING for
``SANDBOX_NAV_PROCESSING_SECONDS``; the first read after that (status query, invoice
queries, the portal) validates its invoices and stores the final DONE / ABORTED. No worker
to run, nothing lost on restart, and what a client sees only depends on time.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import gzip
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction as db_transaction
from lxml import etree

from sandbox.clock.services import now
from sandbox.nav import crypto, rules
from sandbox.nav.models import ExchangeToken, Report, Taxpayer, TechnicalUser, Transaction
from sandbox.nav.schema import NS_ANNUL, NS_DATA, XmlInvalid, parse, q, violations
from sandbox.nav.wire import error_text

FINAL = (Report.Status.DONE, Report.Status.ABORTED)


class PortalError(Exception):
    """A portal action refused, with its Hungarian reason."""


# --- taxpayers and technical users ---------------------------------------------------


def taxpayer_register(*, tax_number: str, name: str, **details: str) -> Taxpayer:
    core = tax_number.replace("-", "")[:8]
    if not crypto.check_digit_valid(core):
        raise PortalError("Érvénytelen adószám: a törzsszám ellenőrző számjegye hibás.")
    if Taxpayer.objects.filter(tax_number=core).exists():
        raise PortalError("Ez az adózó már regisztrálva van.")
    parts = tax_number.split("-")
    if len(parts) == 3:
        details.setdefault("vat_code", parts[1])
        details.setdefault("county_code", parts[2])
    return Taxpayer.objects.create(tax_number=core, name=name, created_at=now(), **details)


@dataclass(frozen=True)
class NewUser:
    """A technical user and its secrets, shown once."""

    user: TechnicalUser
    password: str


def technical_user_create(
    *,
    taxpayer: Taxpayer,
    login: str | None = None,
    password: str | None = None,
    signature_key: str | None = None,
    exchange_key: str | None = None,
) -> NewUser:
    """Fresh random secrets unless given (the demo seed gives fixed ones)."""
    password = password or crypto.random_text(12)
    user = TechnicalUser.objects.create(
        taxpayer=taxpayer,
        login=login or crypto.new_login(),
        password_hash=crypto.password_hash(password),
        signature_key=signature_key or crypto.new_signature_key(),
        exchange_key=exchange_key or crypto.new_exchange_key(),
        created_at=now(),
    )
    return NewUser(user=user, password=password)


def technical_user_deactivate(*, user: TechnicalUser) -> TechnicalUser:
    user.active = False
    user.save(update_fields=["active"])
    return user


# --- tokens --------------------------------------------------------------------------


def exchange_token_issue(*, user: TechnicalUser, at: dt.datetime) -> ExchangeToken:
    minutes = float(getattr(settings, "SANDBOX_NAV_TOKEN_MINUTES", 5))
    return ExchangeToken.objects.create(
        taxpayer=user.taxpayer,
        issued_to=user,
        token=crypto.new_exchange_token(),
        valid_from=at,
        valid_to=at + dt.timedelta(minutes=minutes),
    )


def exchange_token_use(*, taxpayer: Taxpayer, token: str, at: dt.datetime) -> bool:
    """Spends the token: True when it was this taxpayer's, in its validity, unused. One
    UPDATE decides, so two requests with one token cannot both succeed."""
    return bool(
        ExchangeToken.objects.filter(
            taxpayer=taxpayer, token=token, valid_from__lte=at, valid_to__gte=at, used_at=None
        ).update(used_at=at)
    )


# --- transactions --------------------------------------------------------------------


def transaction_create(
    *,
    user: TechnicalUser,
    kind: str,
    operations: list[tuple[int, str, str]],
    compressed: bool,
    original_request: bytes,
    at: dt.datetime,
) -> Transaction:
    """``operations``: (index, operation, base64 data)."""
    tx = Transaction.objects.create(
        transaction_id=_transaction_id(at),
        taxpayer=user.taxpayer,
        user=user,
        kind=kind,
        compressed=compressed,
        received_at=at,
        original_request=original_request,
    )
    Report.objects.bulk_create(
        Report(transaction=tx, index=index, operation=operation, data=data)
        for index, operation, data in operations
    )
    return tx


def _transaction_id(at: dt.datetime) -> str:
    # NAV's ids look like "2K4HVF9H5WQFL9F1": 16 upper-case characters.
    return crypto.random_text(16)


def phase(tx: Transaction, at: dt.datetime) -> str:
    """The state time says the transaction is in (before its final processing)."""
    age = (at - tx.received_at).total_seconds()
    received = float(getattr(settings, "SANDBOX_NAV_RECEIVED_SECONDS", 1))
    processing = float(getattr(settings, "SANDBOX_NAV_PROCESSING_SECONDS", 1))
    if age < received:
        return Report.Status.RECEIVED
    if age < received + processing:
        return Report.Status.PROCESSING
    return "FINAL"


def transaction_advance(*, tx: Transaction, at: dt.datetime) -> Transaction:
    """Brings the stored state up to what time says (idempotent, safe to run twice: the
    row lock lets one request process, the other sees the result). Transactions are
    processed in the order they arrived — every earlier one that is due goes first, so a
    modification or an annulment always sees the invoice it refers to, as at NAV."""
    if tx.processed_at is not None:
        return tx
    state = phase(tx, at)
    if state != "FINAL":
        if state == Report.Status.PROCESSING:
            tx.reports.filter(status=Report.Status.RECEIVED).update(status=state)
        return tx
    for earlier in Transaction.objects.filter(
        processed_at=None, received_at__lt=tx.received_at
    ).order_by("received_at", "pk"):
        _process_once(earlier, at=at)
    tx.processed_at = _process_once(tx, at=at)
    return tx


def transactions_advance(*, at: dt.datetime) -> None:
    """Every transaction that is due gets its final state (reads call this first)."""
    received = float(getattr(settings, "SANDBOX_NAV_RECEIVED_SECONDS", 1))
    processing = float(getattr(settings, "SANDBOX_NAV_PROCESSING_SECONDS", 1))
    due = at - dt.timedelta(seconds=received + processing)
    for tx in Transaction.objects.filter(processed_at=None, received_at__lte=due).order_by(
        "received_at", "pk"
    ):
        _process_once(tx, at=at)


def _process_once(tx: Transaction, *, at: dt.datetime) -> dt.datetime:
    """Processes ``tx`` unless another request did; returns when it was processed."""
    with db_transaction.atomic():
        locked = Transaction.objects.select_for_update().get(pk=tx.pk)
        if locked.processed_at is None:
            _process(locked, at=at)
            locked.processed_at = at
            locked.save(update_fields=["processed_at"])
        return locked.processed_at


def _decode(report: Report, *, compressed: bool) -> bytes:
    raw = base64.b64decode(report.data, validate=False)
    if not compressed:
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise _Technical("DECOMPRESSION_ERROR", str(exc)) from exc


class _Technical(Exception):
    def __init__(self, code: str, message: str) -> None:
        self.code, self.message = code, message
        super().__init__(code)


def _technical(code: str, message: str) -> dict[str, str]:
    return {
        "kind": "technical",
        "result": "ERROR",
        "code": code,
        "message": (message or error_text(code) or code)[:1024],
    }


def _process(tx: Transaction, *, at: dt.datetime) -> None:
    reports = list(tx.reports.order_by("index"))
    numbers: dict[str, int] = {}
    parsed: dict[int, etree._Element] = {}
    for report in reports:
        try:
            root = parse(_decode(report, compressed=tx.compressed))
            expected = (
                q(NS_ANNUL, "InvoiceAnnulment")
                if report.operation == "ANNUL"
                else q(NS_DATA, "InvoiceData")
            )
            problems = violations(root)
            if root.tag != expected:
                problems.insert(0, f"A gyökérelem {expected} kell legyen, nem {root.tag}.")
            if problems:
                raise _Technical("SCHEMA_VIOLATION", "; ".join(problems))
        except (binascii.Error, ValueError) as exc:
            report.messages = [_technical("SCHEMA_VIOLATION", f"Hibás base64 tartalom: {exc}")]
        except XmlInvalid as exc:
            report.messages = [_technical("SCHEMA_VIOLATION", f"Nem jól formált XML: {exc}")]
        except _Technical as exc:
            report.messages = [_technical(exc.code, exc.message)]
        else:
            parsed[report.index] = root
            key = _text(root, "invoiceNumber", NS_DATA) or _text(
                root, "annulmentReference", NS_ANNUL
            )
            numbers[key] = numbers.get(key, 0) + 1
    for report in reports:
        root = parsed.get(report.index)
        if root is None:
            report.status = Report.Status.ABORTED
            report.save()
            continue
        if report.operation == "ANNUL":
            _process_annulment(tx, report, root, numbers=numbers)
        else:
            _process_invoice(tx, report, root, numbers=numbers, at=at)
        report.save()


def _text(root: etree._Element, name: str, ns: str) -> str:
    el = root.find(q(ns, name))
    return (el.text or "").strip() if el is not None else ""


def _valid_reports(taxpayer_number: str) -> object:
    return Report.objects.filter(
        supplier_tax_number=taxpayer_number,
        status=Report.Status.DONE,
        annulled=False,
    ).exclude(operation="ANNUL")


def _process_invoice(
    tx: Transaction,
    report: Report,
    root: etree._Element,
    *,
    numbers: dict[str, int],
    at: dt.datetime,
) -> None:
    invoice = rules.Invoice.of(root, operation=report.operation)
    supplier = tx.taxpayer.tax_number
    valid = _valid_reports(supplier)
    chain = rules.Chain(
        number_taken=lambda number: valid.filter(invoice_number=number).exists(),  # type: ignore[attr-defined]
        original_exists=lambda number: valid.filter(  # type: ignore[attr-defined]
            invoice_number=number, operation="CREATE"
        ).exists(),
        modification_indexes=lambda number: set(
            valid.filter(original_invoice_number=number).values_list(  # type: ignore[attr-defined]
                "modification_index", flat=True
            )
        ),
    )
    messages = [
        m.as_json() for m in rules.check(invoice, taxpayer=supplier, today=at.date(), chain=chain)
    ]
    if numbers.get(invoice.invoice_number, 0) > 1:
        messages.insert(0, _technical("DUPLICATE_IN_REQUEST", ""))
    report.messages = messages
    blocked = any(m["result"] == "ERROR" for m in messages)
    report.status = Report.Status.ABORTED if blocked else Report.Status.DONE
    report.invoice_number = invoice.invoice_number
    report.supplier_tax_number = invoice.supplier_tax_number[:8]
    report.supplier_name = invoice.supplier_name
    report.customer_tax_number = invoice.customer_tax_number[:8]
    report.customer_name = invoice.customer_name
    report.invoice_category = invoice.category
    report.issue_date = invoice.issue_date
    report.delivery_date = invoice.delivery_date
    report.payment_method = invoice.payment_method
    report.payment_date = invoice.payment_date
    report.appearance = invoice.appearance
    report.currency = invoice.currency
    report.net_amount = invoice.net_amount
    report.net_amount_huf = invoice.net_amount_huf
    report.vat_amount = invoice.vat_amount
    report.vat_amount_huf = invoice.vat_amount_huf
    report.original_invoice_number = invoice.original_invoice_number
    report.modification_index = invoice.modification_index
    report.modify_without_master = invoice.modify_without_master
    report.max_line_number = invoice.max_line_number
    report.completeness = invoice.completeness


def _process_annulment(
    tx: Transaction, report: Report, root: etree._Element, *, numbers: dict[str, int]
) -> None:
    reference = _text(root, "annulmentReference", NS_ANNUL)
    report.invoice_number = reference
    report.supplier_tax_number = tx.taxpayer.tax_number
    report.annulment_code = _text(root, "annulmentCode", NS_ANNUL)
    report.annulment_reason = _text(root, "annulmentReason", NS_ANNUL)
    messages: list[dict[str, str]] = []
    if numbers.get(reference, 0) > 1:
        messages.append(_technical("DUPLICATE_IN_REQUEST", ""))
    if not _valid_reports(tx.taxpayer.tax_number).filter(invoice_number=reference).exists():  # type: ignore[attr-defined]
        messages.append(
            rules._msg(rules.ERROR, "INVALID_ANNULMENT_REFERENCE", f"({reference})").as_json()
        )
    elif Report.objects.filter(
        operation="ANNUL",
        supplier_tax_number=tx.taxpayer.tax_number,
        invoice_number=reference,
        annulment_status=Report.Annulment.VERIFICATION_PENDING,
    ).exists():
        messages.append(
            rules._msg(rules.ERROR, "ANNULMENT_IN_PROGRESS", f"({reference})").as_json()
        )
    report.messages = messages
    if any(m["result"] == "ERROR" for m in messages):
        report.status = Report.Status.ABORTED
        report.annulment_status = Report.Annulment.NOT_VERIFIABLE
    else:
        report.status = Report.Status.DONE
        report.annulment_status = Report.Annulment.VERIFICATION_PENDING


# --- annulment decisions (portal) --------------------------------------------------


def annulment_decide(*, report: Report, approve: bool) -> Report:
    """The taxpayer approves (the annulled invoice stops being valid) or rejects."""
    with db_transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        if (
            report.operation != "ANNUL"
            or report.annulment_status != Report.Annulment.VERIFICATION_PENDING
        ):
            raise PortalError("Ez a technikai érvénytelenítés nem vár jóváhagyásra.")
        at = now()
        report.annulment_status = (
            Report.Annulment.VERIFICATION_DONE
            if approve
            else Report.Annulment.VERIFICATION_REJECTED
        )
        report.annulment_decided_at = at
        report.save(update_fields=["annulment_status", "annulment_decided_at"])
        if approve:
            _valid_reports(report.supplier_tax_number).filter(  # type: ignore[attr-defined]
                invoice_number=report.invoice_number
            ).update(annulled=True)
    return report
