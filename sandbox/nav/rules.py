"""The business validation the sandbox runs on a schema-valid invoice (a documented subset
of NAV's, docs/nav-sandbox.md lists every rule). Codes and texts are NAV's
(contract/messages/validations_hu_public.properties); whether a rule blocks (ERROR) or
warns (WARN) and its tolerance follow the interface specification §3.3 and Annex I.

A rule that needs other invoices (uniqueness, chains) gets them through ``Chain``, so
this module stays free of the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from lxml import etree

from sandbox.nav.schema import NS_BASE, NS_DATA
from sandbox.nav.wire import error_text

NS = {"d": NS_DATA, "b": NS_BASE}
ERROR, WARN, INFO = "ERROR", "WARN", "INFO"

VAT_EXEMPTION_CASES = {"AAM", "TAM", "KBAET", "KBAUK", "EAM", "NAM", "UNKNOWN"}
VAT_OUT_OF_SCOPE_CASES = {"ATK", "EUFAD37", "EUFADE", "EUE", "HO", "UNKNOWN"}
ISSUE_DATE_LATE_DAYS = 5  # "Tolerated deviation: 5 calendar days"


@dataclass(frozen=True)
class Message:
    result: str  # ERROR | WARN | INFO
    code: str
    message: str

    def as_json(self) -> dict[str, str]:
        return {
            "kind": "business",
            "result": self.result,
            "code": self.code,
            "message": self.message,
        }


def _msg(result: str, code: str, detail: str = "") -> Message:
    text = error_text(code)
    return Message(result, code, f"{text} {detail}".strip()[:512])


def _dec(el: etree._Element | None) -> Decimal | None:
    if el is None or el.text is None:
        return None
    try:
        return Decimal(el.text.strip())
    except InvalidOperation:
        return None


def _text(root: etree._Element, path: str) -> str:
    found = root.find(path, NS)
    return (found.text or "").strip() if found is not None else ""


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


@dataclass
class Invoice:
    """The facts of one InvoiceData document the rules and the queries need."""

    root: etree._Element
    operation: str
    invoice_number: str
    issue_date: dt.date | None
    supplier_tax_number: str
    supplier_name: str
    customer_vat_status: str
    customer_tax_number: str
    customer_name: str
    category: str
    delivery_date: dt.date | None
    currency: str
    exchange_rate: Decimal
    payment_method: str
    payment_date: dt.date | None
    appearance: str
    completeness: bool
    original_invoice_number: str
    modify_without_master: bool
    modification_index: int | None
    has_reference: bool
    net_amount: Decimal | None
    net_amount_huf: Decimal | None
    vat_amount: Decimal | None
    vat_amount_huf: Decimal | None
    max_line_number: int

    @classmethod
    def of(cls, root: etree._Element, *, operation: str) -> Invoice:
        inv = "d:invoiceMain/d:invoice/"
        head = inv + "d:invoiceHead/"
        ref = inv + "d:invoiceReference/"
        summary = inv + "d:invoiceSummary/d:summaryNormal/"
        lines = [
            int(t)
            for t in root.xpath(inv + "d:invoiceLines/d:line/d:lineNumber/text()", namespaces=NS)
        ]
        mod_index = _text(root, ref + "d:modificationIndex")
        return cls(
            root=root,
            operation=operation,
            invoice_number=_text(root, "d:invoiceNumber"),
            issue_date=_date(_text(root, "d:invoiceIssueDate")),
            supplier_tax_number=_text(
                root, head + "d:supplierInfo/d:supplierTaxNumber/b:taxpayerId"
            ),
            supplier_name=_text(root, head + "d:supplierInfo/d:supplierName"),
            customer_vat_status=_text(root, head + "d:customerInfo/d:customerVatStatus"),
            customer_tax_number=_text(
                root, head + "d:customerInfo/d:customerVatData/d:customerTaxNumber/b:taxpayerId"
            ),
            customer_name=_text(root, head + "d:customerInfo/d:customerName"),
            category=_text(root, head + "d:invoiceDetail/d:invoiceCategory"),
            delivery_date=_date(_text(root, head + "d:invoiceDetail/d:invoiceDeliveryDate")),
            currency=_text(root, head + "d:invoiceDetail/d:currencyCode"),
            exchange_rate=Decimal(_text(root, head + "d:invoiceDetail/d:exchangeRate") or "1"),
            payment_method=_text(root, head + "d:invoiceDetail/d:paymentMethod"),
            payment_date=_date(_text(root, head + "d:invoiceDetail/d:paymentDate")),
            appearance=_text(root, head + "d:invoiceDetail/d:invoiceAppearance"),
            completeness=_text(root, "d:completenessIndicator") == "true",
            original_invoice_number=_text(root, ref + "d:originalInvoiceNumber"),
            modify_without_master=_text(root, ref + "d:modifyWithoutMaster") == "true",
            modification_index=int(mod_index) if mod_index else None,
            has_reference=root.find(inv + "d:invoiceReference", NS) is not None,
            net_amount=_dec(root.find(summary + "d:invoiceNetAmount", NS)),
            net_amount_huf=_dec(root.find(summary + "d:invoiceNetAmountHUF", NS)),
            vat_amount=_dec(root.find(summary + "d:invoiceVatAmount", NS)),
            vat_amount_huf=_dec(root.find(summary + "d:invoiceVatAmountHUF", NS)),
            max_line_number=max(lines, default=0),
        )


@dataclass(frozen=True)
class Chain:
    """What the database knows, asked by the chain and uniqueness rules."""

    number_taken: Callable[[str], bool]  # a valid invoice of this supplier has the number
    original_exists: Callable[[str], bool]  # a valid base invoice with the number
    modification_indexes: Callable[[str], set[int]]  # of the valid modifications of it


def _tolerance(reference: Decimal, exchange_rate: Decimal) -> Decimal:
    """1% of the value in HUF, but at least 1 HUF or 0.01 unit of the invoice currency —
    whichever is greater; expressed in the invoice currency."""
    rate = exchange_rate if exchange_rate > 0 else Decimal(1)
    one_huf = Decimal(1) / rate
    return max(abs(reference) * Decimal("0.01"), one_huf, Decimal("0.01"))


def _rate_key(vat_rate: etree._Element | None) -> str:
    if vat_rate is None:
        return "?"
    child = next((c for c in vat_rate if isinstance(c.tag, str)), None)
    if child is None:
        return "?"
    name = etree.QName(child).localname
    if name in ("vatExemption", "vatOutOfScope"):
        return f"{name}:{_text(child, 'd:case')}"
    return f"{name}:{(child.text or '').strip()}"


def check(invoice: Invoice, *, taxpayer: str, today: dt.date, chain: Chain) -> list[Message]:
    out: list[Message] = []
    root = invoice.root
    op = invoice.operation

    # SUPPLIER_TAX_NUMBER_MISMATCH (ERROR): the supplier is the authenticated taxpayer.
    if invoice.supplier_tax_number != taxpayer:
        out.append(_msg(ERROR, "SUPPLIER_TAX_NUMBER_MISMATCH", f"({invoice.supplier_tax_number})"))

    # INVOICE_NUMBER_NOT_UNIQUE (ERROR): per supplier, among valid reports.
    if chain.number_taken(invoice.invoice_number):
        out.append(_msg(ERROR, "INVOICE_NUMBER_NOT_UNIQUE", f"({invoice.invoice_number})"))

    # Customer data of a private person must not be reported; of others it must.
    info = root.find("d:invoiceMain/d:invoice/d:invoiceHead/d:customerInfo", NS)
    if info is not None and invoice.customer_vat_status == "PRIVATE_PERSON":
        extra = [etree.QName(c).localname for c in info if isinstance(c.tag, str)]
        extra = [n for n in extra if n != "customerVatStatus"]
        if extra:
            out.append(_msg(ERROR, "CUSTOMER_DATA_NOT_EXPECTED", f"({', '.join(extra)})"))
    elif (
        info is not None
        and invoice.customer_vat_status in ("DOMESTIC", "OTHER")
        and not invoice.customer_name
    ):
        out.append(_msg(ERROR, "CUSTOMER_DATA_EXPECTED", "(customerName)"))

    # The invoice chain: references, originals, modification indexes.
    if op == "CREATE" and invoice.has_reference:
        out.append(_msg(ERROR, "INVOICE_REFERENCE_NOT_EXPECTED"))
    if op in ("MODIFY", "STORNO"):
        if not invoice.has_reference:
            out.append(_msg(ERROR, "INVOICE_REFERENCE_EXPECTED"))
        else:
            exists = chain.original_exists(invoice.original_invoice_number)
            if not invoice.modify_without_master and not exists:
                out.append(
                    _msg(ERROR, "INVALID_INVOICE_REFERENCE", f"({invoice.original_invoice_number})")
                )
            if invoice.modify_without_master and exists:
                out.append(_msg(ERROR, "MODIFY_WITHOUT_MASTER_MISMATCH"))
            used = chain.modification_indexes(invoice.original_invoice_number)
            if invoice.modification_index in used:
                out.append(
                    _msg(ERROR, "MODIFICATION_INDEX_NOT_UNIQUE", f"({invoice.modification_index})")
                )
            elif exists and invoice.modification_index != (following := max(used, default=0) + 1):
                # NAV only blocks a repeated index; a gap in the chain is the sandbox's
                # warning (the brief: "sequential modificationIndex"), under the code of the
                # nearest NAV rule.
                out.append(
                    Message(
                        WARN,
                        "MODIFICATION_INDEX_NOT_UNIQUE",
                        f"A módosító okirat sorszáma nem a következő a számlaláncban "
                        f"(várt: {following}, kapott: {invoice.modification_index}).",
                    )
                )

    # Line numbers (ERROR) — a base invoice numbers its lines 1, 2, 3 …
    numbers = [
        int(t)
        for t in root.xpath(
            "d:invoiceMain/d:invoice/d:invoiceLines/d:line/d:lineNumber/text()", namespaces=NS
        )
    ]
    if op == "CREATE" and numbers != list(range(1, len(numbers) + 1)):
        out.append(_msg(ERROR, "LINE_NUMBER_NOT_SEQUENTIAL"))

    out += _vat_rules(invoice)
    out += _amount_rules(invoice)
    out += _date_rules(invoice, today=today)
    return out


def _vat_rules(invoice: Invoice) -> list[Message]:
    out: list[Message] = []
    root = invoice.root
    for line in root.xpath("d:invoiceMain/d:invoice/d:invoiceLines/d:line", namespaces=NS):
        number = _text(line, "d:lineNumber")
        normal = line.find("d:lineAmountsNormal", NS)
        if normal is None:
            continue
        exemption = normal.find("d:lineVatRate/d:vatExemption", NS)
        out_of_scope = normal.find("d:lineVatRate/d:vatOutOfScope", NS)
        vat = _dec(normal.find("d:lineVatData/d:lineVatAmount", NS)) or Decimal(0)
        vat_huf = _dec(normal.find("d:lineVatData/d:lineVatAmountHUF", NS)) or Decimal(0)
        if exemption is not None:
            if _text(exemption, "d:case") not in VAT_EXEMPTION_CASES:
                out.append(_msg(ERROR, "INVALID_LINE_VAT_EXEMPTION_CODE", f"(tétel {number})"))
            if vat or vat_huf:
                out.append(
                    _msg(WARN, "INCORRECT_LINE_DATA_VAT_EXEMPTION_NORMAL", f"(tétel {number})")
                )
        if out_of_scope is not None:
            if _text(out_of_scope, "d:case") not in VAT_OUT_OF_SCOPE_CASES:
                out.append(_msg(ERROR, "INVALID_LINE_VAT_OUT_OF_SCOPE_CODE", f"(tétel {number})"))
            if vat or vat_huf:
                out.append(
                    _msg(WARN, "INCORRECT_LINE_DATA_VAT_OUT_OF_SCOPE_NORMAL", f"(tétel {number})")
                )
    for rate in root.xpath(
        "d:invoiceMain/d:invoice/d:invoiceSummary/d:summaryNormal/d:summaryByVatRate/d:vatRate",
        namespaces=NS,
    ):
        exemption = rate.find("d:vatExemption", NS)
        if exemption is not None and _text(exemption, "d:case") not in VAT_EXEMPTION_CASES:
            out.append(_msg(ERROR, "INVALID_SUMMARY_VAT_EXEMPTION_CODE"))
        out_of_scope = rate.find("d:vatOutOfScope", NS)
        if out_of_scope is not None and _text(out_of_scope, "d:case") not in VAT_OUT_OF_SCOPE_CASES:
            out.append(_msg(ERROR, "INVALID_SUMMARY_VAT_OUT_OF_SCOPE_CODE"))
    return out


def _amount_rules(invoice: Invoice) -> list[Message]:
    out: list[Message] = []
    root = invoice.root
    rate = invoice.exchange_rate
    lines_net: dict[str, Decimal] = {}
    any_normal_line = False
    for line in root.xpath("d:invoiceMain/d:invoice/d:invoiceLines/d:line", namespaces=NS):
        number = _text(line, "d:lineNumber")
        normal = line.find("d:lineAmountsNormal", NS)
        if normal is None:
            continue
        any_normal_line = True
        net = _dec(normal.find("d:lineNetAmountData/d:lineNetAmount", NS)) or Decimal(0)
        key = _rate_key(normal.find("d:lineVatRate", NS))
        lines_net[key] = lines_net.get(key, Decimal(0)) + net
        # INCORRECT_LINE_CALCULATION_NET_AMOUNT (WARN): quantity × unit price − discount.
        quantity = _dec(line.find("d:quantity", NS))
        price = _dec(line.find("d:unitPrice", NS))
        mod = line.find("d:lineModificationReference/d:lineOperation", NS)
        if quantity is not None and price is not None and (mod is None or mod.text == "CREATE"):
            expected = quantity * price
            discount = line.find("d:lineDiscountData", NS)
            if discount is not None:
                value = _dec(discount.find("d:discountValue", NS))
                percent = _dec(discount.find("d:discountRate", NS))
                if value is not None:
                    expected -= value
                elif percent is not None:
                    expected -= quantity * price * percent
            if abs(expected - net) > _tolerance(expected, rate):
                out.append(
                    _msg(
                        WARN,
                        "INCORRECT_LINE_CALCULATION_NET_AMOUNT",
                        f"(tétel {number}: számított {expected}, közölt {net})",
                    )
                )
    summary = root.find("d:invoiceMain/d:invoice/d:invoiceSummary/d:summaryNormal", NS)
    if summary is None:
        return out
    total_net = total_vat = Decimal(0)
    for by_rate in summary.findall("d:summaryByVatRate", NS):
        net = _dec(by_rate.find("d:vatRateNetData/d:vatRateNetAmount", NS)) or Decimal(0)
        vat = _dec(by_rate.find("d:vatRateVatData/d:vatRateVatAmount", NS)) or Decimal(0)
        total_net += net
        total_vat += vat
        vat_rate = by_rate.find("d:vatRate", NS)
        key = _rate_key(vat_rate)
        percentage = _dec(vat_rate.find("d:vatPercentage", NS)) if vat_rate is not None else None
        # INCORRECT_SUMMARY_CALCULATION_VAT_RATE_VAT_AMOUNT_SUMMARY (WARN)
        if net and percentage is not None:
            expected = net * percentage
            if abs(expected - vat) > _tolerance(vat, rate):
                out.append(
                    _msg(
                        WARN,
                        "INCORRECT_SUMMARY_CALCULATION_VAT_RATE_VAT_AMOUNT_SUMMARY",
                        f"({key}: számított {expected}, közölt {vat})",
                    )
                )
        # INCORRECT_SUMMARY_CALCULATION_VAT_RATE_NET_AMOUNT_LINE (WARN)
        if (
            net
            and any_normal_line
            and abs(lines_net.get(key, Decimal(0)) - net) > _tolerance(net, rate)
        ):
            out.append(
                _msg(
                    WARN,
                    "INCORRECT_SUMMARY_CALCULATION_VAT_RATE_NET_AMOUNT_LINE",
                    f"({key}: tételek {lines_net.get(key, Decimal(0))}, összesítő {net})",
                )
            )
    if invoice.net_amount is not None and abs(total_net - invoice.net_amount) > _tolerance(
        invoice.net_amount, rate
    ):
        out.append(_msg(WARN, "INCORRECT_SUMMARY_CALCULATION_INVOICE_NET_AMOUNT"))
    if invoice.vat_amount is not None and abs(total_vat - invoice.vat_amount) > _tolerance(
        invoice.vat_amount, rate
    ):
        out.append(_msg(WARN, "INCORRECT_SUMMARY_CALCULATION_INVOICE_VAT_AMOUNT_SUMMARY"))
    gross = _dec(
        root.find(
            "d:invoiceMain/d:invoice/d:invoiceSummary/d:summaryGrossData/d:invoiceGrossAmount", NS
        )
    )
    if (
        gross is not None
        and invoice.net_amount is not None
        and invoice.vat_amount is not None
        and abs(invoice.net_amount + invoice.vat_amount - gross) > _tolerance(gross, rate)
    ):
        out.append(_msg(WARN, "INCORRECT_SUMMARY_CALCULATION_INVOICE_GROSS_AMOUNT_SUMMARY"))
    return out


def _date_rules(invoice: Invoice, *, today: dt.date) -> list[Message]:
    out: list[Message] = []
    issue = invoice.issue_date
    if issue is not None and issue > today + dt.timedelta(days=ISSUE_DATE_LATE_DAYS):
        out.append(_msg(WARN, "INCORRECT_DATE_INVOICE_ISSUE_DATE_LATE", f"({issue})"))
    detail = "d:invoiceMain/d:invoice/d:invoiceHead/d:invoiceDetail/"
    start = _date(_text(invoice.root, detail + "d:invoiceDeliveryPeriodStart"))
    end = _date(_text(invoice.root, detail + "d:invoiceDeliveryPeriodEnd"))
    if start and end and end < start:
        out.append(_msg(WARN, "INCORRECT_DATE_INVOICE_DELIVERY_TO_FROM"))
    delivery = invoice.delivery_date
    if (
        issue is not None
        and delivery is not None
        and ((delivery - issue).days > 396 or (issue - delivery).days > 396)
    ):
        # "at least 13 months between issue and delivery" — 13 months ≈ 396 days.
        out.append(_msg(WARN, "INCORRECT_DATE_INVOICE_DELIVERY_DATE_LATE"))
    return out
