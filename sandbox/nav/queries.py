"""The query operations: transaction status and list, invoice data / check / digest /
chain digest, taxpayer. Reads bring the transactions they touch up to date first
(services.transaction_advance): processing is lazy."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from lxml import etree

from sandbox.nav import services
from sandbox.nav.call import Call
from sandbox.nav.models import Report, Taxpayer, Transaction
from sandbox.nav.schema import NS_API, NS_BASE, NS_COMMON, q
from sandbox.nav.wire import NavError, date, money, start, sub, timestamp

PAGE_SIZE = 100
MAX_RANGE_DAYS = 35


def _a(el: etree._Element, path: str) -> etree._Element | None:
    cur: etree._Element | None = el
    for name in path.split("/"):
        if cur is None:
            return None
        cur = cur.find(q(NS_API, name))
    return cur


def _t(el: etree._Element, path: str) -> str:
    found = _a(el, path)
    return (found.text or "").strip() if found is not None else ""


def _page(call: Call) -> int:
    return max(1, int(_t(call.root, "page") or "1"))


def _paged(root: etree._Element, container: str, page: int, total: int) -> etree._Element:
    result = sub(root, container)
    sub(result, "currentPage", str(page))
    sub(result, "availablePage", str(max(1, -(-total // PAGE_SIZE))))
    return result


def _range_check(span: dt.timedelta) -> None:
    """``span``: the interval's end minus its start."""
    if span < dt.timedelta(0):
        raise NavError("BAD_QUERY_PARAM_OVERLAP")
    if span > dt.timedelta(days=MAX_RANGE_DAYS):
        raise NavError("BAD_QUERY_PARAM_RANGE_EXCEEDED")


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


# --- transactions ------------------------------------------------------------------------


def transaction_status(call: Call) -> etree._Element:
    root = start("QueryTransactionStatusResponse", call.echo, at=call.at)
    tx = Transaction.objects.filter(
        taxpayer=call.taxpayer, transaction_id=_t(call.root, "transactionId")
    ).first()
    if tx is None:
        return root  # NAV answers OK without processingResults for an unknown id
    tx = services.transaction_advance(tx=tx, at=call.at)
    original = _t(call.root, "returnOriginalRequest") == "true"
    phase = services.phase(tx, call.at)
    results = sub(root, "processingResults")
    annul = None
    for report in tx.reports.order_by("index"):
        item = sub(results, "processingResult")
        sub(item, "index", str(report.index))
        sub(item, "invoiceStatus", report.status if tx.processed_at else phase)
        for m in report.messages:
            if m["kind"] != "technical":
                continue
            tv = sub(item, "technicalValidationMessages")
            sub(tv, "validationResultCode", m["result"], ns=NS_COMMON)
            sub(tv, "validationErrorCode", m["code"], ns=NS_COMMON)
            sub(tv, "message", m["message"][:1024] or m["code"], ns=NS_COMMON)
        for m in report.messages:
            if m["kind"] != "business":
                continue
            bv = sub(item, "businessValidationMessages")
            sub(bv, "validationResultCode", m["result"])
            sub(bv, "validationErrorCode", m["code"])
            sub(bv, "message", m["message"][:512] or m["code"])
        sub(item, "compressedContentIndicator", "true" if tx.compressed else "false")
        if original:
            sub(item, "originalRequest", report.data)
        if report.operation == "ANNUL" and report.annulment_status:
            annul = report
    sub(results, "originalRequestVersion", tx.request_version)
    if annul is not None:
        data = sub(results, "annulmentData")
        sub(data, "annulmentVerificationStatus", annul.annulment_status)
        if annul.annulment_decided_at:
            sub(data, "annulmentDecisionDate", timestamp(annul.annulment_decided_at))
            sub(data, "annulmentDecisionUser", tx.user.login)
    return root


def _request_status(tx: Transaction, at: dt.datetime) -> str:
    if tx.processed_at is not None:
        return "FINISHED"
    phase = services.phase(tx, at)
    return "RECEIVED" if phase == "RECEIVED" else "PROCESSING"


def transaction_list(call: Call) -> etree._Element:
    start_at = _at(_t(call.root, "insDate/dateTimeFrom"))
    end_at = _at(_t(call.root, "insDate/dateTimeTo"))
    _range_check(end_at - start_at)
    services.transactions_advance(at=call.at)
    wanted = _t(call.root, "requestStatus")
    txs = [
        tx
        for tx in Transaction.objects.filter(
            taxpayer=call.taxpayer, received_at__gte=start_at, received_at__lte=end_at
        )
        .select_related("user")
        .order_by("received_at", "pk")
        if not wanted or _request_status(tx, call.at) == wanted
    ]
    page = _page(call)
    root = start("QueryTransactionListResponse", call.echo, at=call.at)
    result = _paged(root, "transactionListResult", page, len(txs))
    for tx in txs[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]:
        item = sub(result, "transaction")
        sub(item, "insDate", timestamp(tx.received_at))
        sub(item, "insCusUser", tx.user.login)
        sub(item, "source", "XML")
        sub(item, "transactionId", tx.transaction_id)
        sub(item, "requestStatus", _request_status(tx, call.at))
        sub(
            item, "technicalAnnulment", "true" if tx.kind == Transaction.Kind.ANNULMENT else "false"
        )
        sub(item, "originalRequestVersion", tx.request_version)
        sub(item, "itemCount", str(tx.reports.count()))
    return root


# --- invoices ----------------------------------------------------------------------------


def _valid_invoices(call: Call) -> QuerySet[Report]:
    services.transactions_advance(at=call.at)
    return Report.objects.filter(status=Report.Status.DONE, annulled=False).exclude(
        operation="ANNUL"
    )


def _by_number(call: Call) -> list[Report]:
    number = _t(call.root, "invoiceNumberQuery/invoiceNumber")
    direction = _t(call.root, "invoiceNumberQuery/invoiceDirection")
    supplier = _t(call.root, "invoiceNumberQuery/supplierTaxNumber")
    found = _valid_invoices(call).filter(invoice_number=number)
    if direction == "OUTBOUND":
        if supplier:
            raise NavError("BAD_QUERY_PARAM_SUPPLIER_NOT_EXPECTED")
        found = found.filter(supplier_tax_number=call.taxpayer.tax_number)
    else:
        found = found.filter(customer_tax_number=call.taxpayer.tax_number)
        if supplier:
            found = found.filter(supplier_tax_number=supplier)
        elif found.values("supplier_tax_number").distinct().count() > 1:
            raise NavError("BAD_QUERY_PARAM_SUPPLIER_EXPECTED")
    reports = list(found.select_related("transaction", "transaction__user"))
    if len(reports) > 1:
        raise NavError("MULTIPLE_QUERY_RESULT_FOUND")
    return reports


def invoice_data(call: Call) -> etree._Element:
    reports = _by_number(call)
    root = start("QueryInvoiceDataResponse", call.echo, at=call.at)
    if not reports:
        return root
    report = reports[0]
    tx = report.transaction
    result = sub(root, "invoiceDataResult")
    sub(result, "invoiceData", report.data)
    audit = sub(result, "auditData")
    sub(audit, "insdate", timestamp(tx.received_at))
    sub(audit, "insCusUser", tx.user.login)
    sub(audit, "source", "XML")
    sub(audit, "transactionId", tx.transaction_id)
    sub(audit, "index", str(report.index))
    sub(audit, "originalRequestVersion", tx.request_version)
    sub(result, "compressedContentIndicator", "true" if tx.compressed else "false")
    return root


def invoice_check(call: Call) -> etree._Element:
    reports = _by_number(call)
    root = start("QueryInvoiceCheckResponse", call.echo, at=call.at)
    sub(root, "invoiceCheckResult", "true" if reports else "false")
    return root


def invoice_digest(call: Call) -> etree._Element:
    params = _a(call.root, "invoiceQueryParams")
    assert params is not None
    direction = _t(call.root, "invoiceDirection")
    me = call.taxpayer.tax_number
    found = _valid_invoices(call)
    found = (
        found.filter(supplier_tax_number=me)
        if direction == "OUTBOUND"
        else found.filter(customer_tax_number=me)
    )
    mandatory = _a(params, "mandatoryQueryParams")
    assert mandatory is not None
    if _a(mandatory, "invoiceIssueDate") is not None:
        date_from = dt.date.fromisoformat(_t(mandatory, "invoiceIssueDate/dateFrom"))
        date_to = dt.date.fromisoformat(_t(mandatory, "invoiceIssueDate/dateTo"))
        _range_check(date_to - date_from)
        found = found.filter(issue_date__gte=date_from, issue_date__lte=date_to)
    elif _a(mandatory, "insDate") is not None:
        time_from = _at(_t(mandatory, "insDate/dateTimeFrom"))
        time_to = _at(_t(mandatory, "insDate/dateTimeTo"))
        _range_check(time_to - time_from)
        found = found.filter(
            transaction__received_at__gte=time_from, transaction__received_at__lte=time_to
        )
    else:
        found = found.filter(original_invoice_number=_t(mandatory, "originalInvoiceNumber"))
    extra = _a(params, "additionalQueryParams")
    if extra is not None:
        partner = _t(extra, "taxNumber")
        if partner:
            found = found.filter(
                customer_tax_number=partner if direction == "OUTBOUND" else me,
                supplier_tax_number=me if direction == "OUTBOUND" else partner,
            )
        for field, name in (
            ("invoice_category", "invoiceCategory"),
            ("payment_method", "paymentMethod"),
            ("appearance", "invoiceAppearance"),
            ("currency", "currency"),
        ):
            value = _t(extra, name)
            if value:
                found = found.filter(**{field: value})
        name_part = _t(extra, "name")
        if name_part:
            found = found.filter(
                Q(customer_name__icontains=name_part) | Q(supplier_name__icontains=name_part)
            )
    tq = _a(params, "transactionQueryParams")
    if tq is not None:
        found = found.filter(transaction__transaction_id=_t(tq, "transactionId"))
        if _t(tq, "index"):
            found = found.filter(index=int(_t(tq, "index")))
        if _t(tq, "invoiceOperation"):
            found = found.filter(operation=_t(tq, "invoiceOperation"))
    rows = list(found.select_related("transaction").order_by("transaction__received_at", "index"))
    page = _page(call)
    root = start("QueryInvoiceDigestResponse", call.echo, at=call.at)
    result = _paged(root, "invoiceDigestResult", page, len(rows))
    for r in rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]:
        d = sub(result, "invoiceDigest")
        sub(d, "invoiceNumber", r.invoice_number)
        sub(d, "invoiceOperation", r.operation)
        sub(d, "invoiceCategory", r.invoice_category or "NORMAL")
        sub(d, "invoiceIssueDate", date(r.issue_date) if r.issue_date else "2010-01-01")
        sub(d, "supplierTaxNumber", r.supplier_tax_number)
        sub(d, "supplierName", r.supplier_name or r.supplier_tax_number)
        if r.customer_tax_number:
            sub(d, "customerTaxNumber", r.customer_tax_number)
        if r.customer_name:
            sub(d, "customerName", r.customer_name[:512])
        if r.payment_method:
            sub(d, "paymentMethod", r.payment_method)
        if r.payment_date:
            sub(d, "paymentDate", date(r.payment_date))
        if r.appearance:
            sub(d, "invoiceAppearance", r.appearance)
        sub(d, "source", "XML")
        if r.delivery_date:
            sub(d, "invoiceDeliveryDate", date(r.delivery_date))
        if r.currency:
            sub(d, "currency", r.currency)
        for tag, amount in (
            ("invoiceNetAmount", r.net_amount),
            ("invoiceNetAmountHUF", r.net_amount_huf),
            ("invoiceVatAmount", r.vat_amount),
            ("invoiceVatAmountHUF", r.vat_amount_huf),
        ):
            if amount is not None:
                sub(d, tag, money(amount))
        sub(d, "transactionId", r.transaction.transaction_id)
        sub(d, "index", str(r.index))
        if r.original_invoice_number:
            sub(d, "originalInvoiceNumber", r.original_invoice_number)
        if r.modification_index is not None:
            sub(d, "modificationIndex", str(r.modification_index))
        sub(d, "insDate", timestamp(r.transaction.received_at))
        sub(d, "completenessIndicator", "true" if r.completeness else "false")
    return root


def invoice_chain_digest(call: Call) -> etree._Element:
    number = _t(call.root, "invoiceChainQuery/invoiceNumber")
    direction = _t(call.root, "invoiceChainQuery/invoiceDirection")
    partner = _t(call.root, "invoiceChainQuery/taxNumber")
    me = call.taxpayer.tax_number
    found = _valid_invoices(call).filter(
        Q(invoice_number=number, operation="CREATE") | Q(original_invoice_number=number)
    )
    if direction == "OUTBOUND":
        found = found.filter(supplier_tax_number=me)
        if partner:
            found = found.filter(customer_tax_number=partner)
    else:
        found = found.filter(customer_tax_number=me)
        if partner:
            found = found.filter(supplier_tax_number=partner)
    rows = list(found.select_related("transaction").order_by("transaction__received_at", "index"))
    page = _page(call)
    root = start("QueryInvoiceChainDigestResponse", call.echo, at=call.at)
    result = _paged(root, "invoiceChainDigestResult", page, len(rows))
    for r in rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]:
        element = sub(result, "invoiceChainElement")
        d = sub(element, "invoiceChainDigest")
        sub(d, "invoiceNumber", r.invoice_number)
        sub(d, "invoiceOperation", r.operation)
        sub(d, "supplierTaxNumber", r.supplier_tax_number)
        if r.customer_tax_number:
            sub(d, "customerTaxNumber", r.customer_tax_number)
        sub(d, "insDate", timestamp(r.transaction.received_at))
        sub(d, "originalRequestVersion", r.transaction.request_version)
        if r.max_line_number:
            lines = sub(element, "invoiceLines")
            sub(lines, "maxLineNumber", str(r.max_line_number))
        if r.original_invoice_number:
            ref = sub(element, "invoiceReferenceData")
            sub(ref, "originalInvoiceNumber", r.original_invoice_number)
            sub(ref, "modifyWithoutMaster", "true" if r.modify_without_master else "false")
            # The schema's choice: a 3.0 modification carries its index.
            sub(ref, "modificationIndex", str(r.modification_index or 1))
    return root


# --- taxpayer ----------------------------------------------------------------------------


def taxpayer(call: Call) -> etree._Element:
    number = _t(call.root, "taxNumber")
    found = Taxpayer.objects.filter(tax_number=number).first()
    root = start("QueryTaxpayerResponse", call.echo, at=call.at)
    if found is None:
        # NAV: an unknown tax number is answered with taxpayerValidity=false only.
        sub(root, "taxpayerValidity", "false")
        return root
    sub(root, "infoDate", timestamp(found.created_at))
    sub(root, "taxpayerValidity", "true")
    data = sub(root, "taxpayerData")
    sub(data, "taxpayerName", found.name)
    if found.short_name:
        sub(data, "taxpayerShortName", found.short_name)
    detail = sub(data, "taxNumberDetail")
    sub(detail, "taxpayerId", found.tax_number, ns=NS_BASE)
    sub(detail, "vatCode", found.vat_code, ns=NS_BASE)
    sub(detail, "countyCode", found.county_code, ns=NS_BASE)
    sub(data, "incorporation", "ORGANIZATION")
    addresses = sub(data, "taxpayerAddressList")
    item = sub(addresses, "taxpayerAddressItem")
    sub(item, "taxpayerAddressType", "HQ")
    address = sub(item, "taxpayerAddress")
    sub(address, "countryCode", "HU", ns=NS_BASE)
    sub(address, "postalCode", found.postal_code, ns=NS_BASE)
    sub(address, "city", found.city, ns=NS_BASE)
    sub(address, "streetName", found.street_name, ns=NS_BASE)
    sub(address, "publicPlaceCategory", found.public_place_category, ns=NS_BASE)
    if found.number:
        sub(address, "number", found.number, ns=NS_BASE)
    return root
