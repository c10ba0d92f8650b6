"""Every implemented business rule both ways, through the API (manageInvoice, then
queryTransactionStatus): an ERROR aborts the invoice, a WARN leaves it DONE."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
from collections.abc import Callable

import pytest
from lxml import etree

from sandbox.nav.tests import contract_client as cc
from sandbox.nav.tests.conftest import today

D = cc.DATA
B = "http://schemas.nav.gov.hu/OSA/3.0/base"


def _el(root: etree._Element, path: str) -> etree._Element:
    el: etree._Element | None = root
    for part in path.split("/"):
        assert el is not None
        el = next(c for c in el if isinstance(c.tag, str) and etree.QName(c).localname == part)
    assert el is not None
    return el


def invoice(
    creds: cc.Credentials,
    number: str = "R-1",
    *,
    change: Callable[[etree._Element], None] | None = None,
    **kw,
) -> bytes:
    root = etree.fromstring(
        cc.b2c_invoice(
            supplier=kw.pop("supplier", creds.tax_number),
            number=number,
            issue=kw.pop("issue", today()),
            **kw,
        )
    )
    if change:
        change(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _reference(
    original: str, index: int, *, without_master: bool = False
) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        inv = _el(root, "invoiceMain/invoice")
        ref = etree.Element(f"{{{D}}}invoiceReference")
        for name, value in (
            ("originalInvoiceNumber", original),
            ("modifyWithoutMaster", "true" if without_master else "false"),
            ("modificationIndex", str(index)),
        ):
            etree.SubElement(ref, f"{{{D}}}{name}").text = value
        inv.insert(0, ref)

    return change


def outcome(
    creds, submit, status, *operations: tuple[str, bytes]
) -> list[tuple[str, set[tuple[str, str]]]]:
    answer = submit(creds, list(operations))
    assert answer.status == 200, answer.body
    result = status(creds, answer.text("transactionId"))
    out = []
    for item in result.root.iter(f"{{{cc.API}}}processingResult"):
        codes = set()
        for kind in ("technicalValidationMessages", "businessValidationMessages"):
            for msg in item.iter(f"{{{cc.API}}}{kind}"):
                codes.add(
                    (cc.text(msg, "validationResultCode"), cc.text(msg, "validationErrorCode"))
                )
        out.append((cc.text(item, "invoiceStatus"), codes))
    return out


@pytest.fixture
def run(creds, submit, status):
    def _run(*operations: tuple[str, bytes]):
        return outcome(creds, submit, status, *operations)

    return _run


def test_a_correct_b2c_invoice_is_done_without_messages(creds, run) -> None:
    assert run(("CREATE", invoice(creds))) == [("DONE", set())]


def test_supplier_must_be_the_authenticated_taxpayer(creds, other_creds, run) -> None:
    [(state, codes)] = run(("CREATE", invoice(creds, supplier=other_creds.tax_number)))
    assert state == "ABORTED" and ("ERROR", "SUPPLIER_TAX_NUMBER_MISMATCH") in codes


def test_invoice_number_unique_per_supplier(creds, other_creds, run, submit, status) -> None:
    assert run(("CREATE", invoice(creds, "U-1")))[0][0] == "DONE"
    [(state, codes)] = run(("CREATE", invoice(creds, "U-1")))
    assert state == "ABORTED" and ("ERROR", "INVOICE_NUMBER_NOT_UNIQUE") in codes
    assert run(("CREATE", invoice(creds, "U-2")))[0][0] == "DONE"
    # Another supplier may use the same number.
    other = outcome(other_creds, submit, status, ("CREATE", invoice(other_creds, "U-1")))
    assert other[0][0] == "DONE"


def test_the_same_number_twice_in_one_request(creds, run) -> None:
    results = run(("CREATE", invoice(creds, "DUP-1")), ("CREATE", invoice(creds, "DUP-1")))
    assert all(("ERROR", "DUPLICATE_IN_REQUEST") in codes for _, codes in results)


def _private_with_name(root: etree._Element) -> None:
    info = _el(root, "invoiceMain/invoice/invoiceHead/customerInfo")
    etree.SubElement(info, f"{{{D}}}customerName").text = "Kovács Péter"


def test_private_person_customer_data_not_expected(creds, run) -> None:
    [(state, codes)] = run(("CREATE", invoice(creds, change=_private_with_name)))
    assert state == "ABORTED" and ("ERROR", "CUSTOMER_DATA_NOT_EXPECTED") in codes


def _domestic(name: bool) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        info = _el(root, "invoiceMain/invoice/invoiceHead/customerInfo")
        _el(info, "customerVatStatus").text = "DOMESTIC"
        data = etree.SubElement(info, f"{{{D}}}customerVatData")
        tax = etree.SubElement(data, f"{{{D}}}customerTaxNumber")
        etree.SubElement(tax, f"{{{B}}}taxpayerId").text = "13579241"
        if name:
            etree.SubElement(info, f"{{{D}}}customerName").text = "Gyöngy Fogászat Bt."

    return change


def test_company_customer_data_expected(creds, run) -> None:
    [(state, codes)] = run(("CREATE", invoice(creds, "C-1", change=_domestic(name=False))))
    assert state == "ABORTED" and ("ERROR", "CUSTOMER_DATA_EXPECTED") in codes
    assert run(("CREATE", invoice(creds, "C-2", change=_domestic(name=True)))) == [("DONE", set())]


def test_modification_chain(creds, run) -> None:
    assert run(("CREATE", invoice(creds, "BASE-1")))[0][0] == "DONE"
    # A modification of an invoice never reported is refused …
    [(state, codes)] = run(("MODIFY", invoice(creds, "MOD-X", change=_reference("NOPE-1", 1))))
    assert state == "ABORTED" and ("ERROR", "INVALID_INVOICE_REFERENCE") in codes
    # … of a reported one accepted, with index 1, 2, …
    assert run(("MODIFY", invoice(creds, "MOD-1", change=_reference("BASE-1", 1)))) == [
        ("DONE", set())
    ]
    # the same index again is blocking
    [(state, codes)] = run(("STORNO", invoice(creds, "MOD-2", change=_reference("BASE-1", 1))))
    assert state == "ABORTED" and ("ERROR", "MODIFICATION_INDEX_NOT_UNIQUE") in codes
    # a gap is a warning
    [(state, codes)] = run(("STORNO", invoice(creds, "MOD-3", change=_reference("BASE-1", 5))))
    assert state == "DONE" and codes == {("WARN", "MODIFICATION_INDEX_NOT_UNIQUE")}
    assert run(("MODIFY", invoice(creds, "MOD-4", change=_reference("BASE-1", 6)))) == [
        ("DONE", set())
    ]


def test_modify_without_master(creds, run) -> None:
    assert run(("CREATE", invoice(creds, "BASE-2")))[0][0] == "DONE"
    [(state, codes)] = run(
        ("MODIFY", invoice(creds, "MW-1", change=_reference("BASE-2", 1, without_master=True)))
    )
    assert state == "ABORTED" and ("ERROR", "MODIFY_WITHOUT_MASTER_MISMATCH") in codes
    assert (
        run(
            ("MODIFY", invoice(creds, "MW-2", change=_reference("PAPER-9", 1, without_master=True)))
        )[0][0]
        == "DONE"
    )


def test_references_only_on_modifications(creds, run) -> None:
    [(state, codes)] = run(("MODIFY", invoice(creds, "REF-1")))
    assert state == "ABORTED" and ("ERROR", "INVOICE_REFERENCE_EXPECTED") in codes
    assert run(("CREATE", invoice(creds, "BASE-3")))[0][0] == "DONE"
    [(state, codes)] = run(("CREATE", invoice(creds, "REF-2", change=_reference("BASE-3", 1))))
    assert state == "ABORTED" and ("ERROR", "INVOICE_REFERENCE_NOT_EXPECTED") in codes


def _line_number(root: etree._Element) -> None:
    _el(root, "invoiceMain/invoice/invoiceLines/line/lineNumber").text = "2"


def test_line_numbers_start_at_one(creds, run) -> None:
    [(state, codes)] = run(("CREATE", invoice(creds, change=_line_number)))
    assert state == "ABORTED" and ("ERROR", "LINE_NUMBER_NOT_SEQUENTIAL") in codes


def _exempt(
    case: str, *, line_vat: str = "0", summary_case: str | None = None
) -> Callable[[etree._Element], None]:
    """The line (and the summary) exempt with ``case``; the line's VAT amount set."""

    def change(root: etree._Element) -> None:
        for path in (
            "invoiceMain/invoice/invoiceLines/line/lineAmountsNormal/lineVatRate",
            "invoiceMain/invoice/invoiceSummary/summaryNormal/summaryByVatRate/vatRate",
        ):
            rate = _el(root, path)
            for child in list(rate):
                rate.remove(child)
            ex = etree.SubElement(rate, f"{{{D}}}vatExemption")
            etree.SubElement(ex, f"{{{D}}}case").text = (
                case if "Lines" in path else (summary_case or case)
            )
            etree.SubElement(ex, f"{{{D}}}reason").text = "Áfa tv. 85. § (1) e)"
        line = "invoiceMain/invoice/invoiceLines/line/lineAmountsNormal/lineVatData/"
        _el(root, line + "lineVatAmount").text = line_vat
        _el(root, line + "lineVatAmountHUF").text = line_vat
        summary = "invoiceMain/invoice/invoiceSummary/summaryNormal/"
        for name in ("invoiceVatAmount", "invoiceVatAmountHUF"):
            _el(root, summary + name).text = "0"
        for name in ("vatRateVatAmount", "vatRateVatAmountHUF"):
            _el(root, summary + "summaryByVatRate/vatRateVatData/" + name).text = "0"
        for name in ("vatRateGrossAmount", "vatRateGrossAmountHUF"):
            _el(root, summary + "summaryByVatRate/vatRateGrossData/" + name).text = "10000"
        for name in ("invoiceGrossAmount", "invoiceGrossAmountHUF"):
            _el(root, "invoiceMain/invoice/invoiceSummary/summaryGrossData/" + name).text = "10000"

    return change


def test_dental_care_is_vat_exempt_with_a_valid_code(creds, run) -> None:
    assert run(("CREATE", invoice(creds, "EX-1", change=_exempt("TAM")))) == [("DONE", set())]


def test_unknown_exemption_code_is_blocking(creds, run) -> None:
    [(state, codes)] = run(
        ("CREATE", invoice(creds, "EX-2", change=_exempt("FOG", summary_case="TAM")))
    )
    assert state == "ABORTED" and ("ERROR", "INVALID_LINE_VAT_EXEMPTION_CODE") in codes
    [(state, codes)] = run(
        ("CREATE", invoice(creds, "EX-3", change=_exempt("TAM", summary_case="FOG")))
    )
    assert state == "ABORTED" and ("ERROR", "INVALID_SUMMARY_VAT_EXEMPTION_CODE") in codes


def test_vat_amount_on_an_exempt_line_is_a_warning(creds, run) -> None:
    [(state, codes)] = run(
        ("CREATE", invoice(creds, "EX-4", change=_exempt("TAM", line_vat="2700")))
    )
    assert state == "DONE" and ("WARN", "INCORRECT_LINE_DATA_VAT_EXEMPTION_NORMAL") in codes


def _out_of_scope(case: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        _exempt("TAM")(root)
        for path in (
            "invoiceMain/invoice/invoiceLines/line/lineAmountsNormal/lineVatRate",
            "invoiceMain/invoice/invoiceSummary/summaryNormal/summaryByVatRate/vatRate",
        ):
            _el(root, path + "/vatExemption").tag = f"{{{D}}}vatOutOfScope"
            _el(root, path + "/vatOutOfScope/case").text = case

    return change


def test_out_of_scope_codes(creds, run) -> None:
    assert run(("CREATE", invoice(creds, "OS-1", change=_out_of_scope("ATK")))) == [("DONE", set())]
    [(state, codes)] = run(("CREATE", invoice(creds, "OS-2", change=_out_of_scope("XYZ"))))
    assert state == "ABORTED"
    assert codes == {
        ("ERROR", "INVALID_LINE_VAT_OUT_OF_SCOPE_CODE"),
        ("ERROR", "INVALID_SUMMARY_VAT_OUT_OF_SCOPE_CODE"),
    }


def _set(path: str, value: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        _el(root, path).text = value

    return change


LINE = "invoiceMain/invoice/invoiceLines/line/"
SUMMARY = "invoiceMain/invoice/invoiceSummary/summaryNormal/"


@pytest.mark.parametrize(
    ("path", "within", "beyond", "code"),
    [
        # quantity 1 × unit price 10000; tolerance 1% = 100
        (LINE + "unitPrice", "10090", "10200", "INCORRECT_LINE_CALCULATION_NET_AMOUNT"),
        # 10000 × 0.27 = 2700; tolerance 1% of 2700 = 27
        (
            SUMMARY + "summaryByVatRate/vatRateVatData/vatRateVatAmount",
            "2720",
            "2800",
            "INCORRECT_SUMMARY_CALCULATION_VAT_RATE_VAT_AMOUNT_SUMMARY",
        ),
        # lines' net per VAT rate vs the summary's (tolerance 1% of the summary's)
        (
            LINE + "lineAmountsNormal/lineNetAmountData/lineNetAmount",
            "10050",
            "10500",
            "INCORRECT_SUMMARY_CALCULATION_VAT_RATE_NET_AMOUNT_LINE",
        ),
        (
            SUMMARY + "invoiceNetAmount",
            "10090",
            "10200",
            "INCORRECT_SUMMARY_CALCULATION_INVOICE_NET_AMOUNT",
        ),
        (
            SUMMARY + "invoiceVatAmount",
            "2710",
            "2800",
            "INCORRECT_SUMMARY_CALCULATION_INVOICE_VAT_AMOUNT_SUMMARY",
        ),
        (
            "invoiceMain/invoice/invoiceSummary/summaryGrossData/invoiceGrossAmount",
            "12750",
            "13000",
            "INCORRECT_SUMMARY_CALCULATION_INVOICE_GROSS_AMOUNT_SUMMARY",
        ),
    ],
)
def test_amounts_agree_within_the_tolerance(creds, run, path, within, beyond, code) -> None:
    [(state, codes)] = run(("CREATE", invoice(creds, "A-1", change=_set(path, within))))
    assert (state, {c for _, c in codes} & {code}) == ("DONE", set())
    [(state, codes)] = run(("CREATE", invoice(creds, "A-2", change=_set(path, beyond))))
    assert state == "DONE" and ("WARN", code) in codes  # a warning does not abort


def test_issue_date_more_than_five_days_ahead_is_a_warning(creds, run) -> None:
    ok = run(("CREATE", invoice(creds, "D-1", issue=today() + dt.timedelta(days=5))))
    assert ok == [("DONE", set())]
    [(state, codes)] = run(("CREATE", invoice(creds, "D-2", issue=today() + dt.timedelta(days=6))))
    assert state == "DONE" and ("WARN", "INCORRECT_DATE_INVOICE_ISSUE_DATE_LATE") in codes


def _period(start: str, end: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        detail = _el(root, "invoiceMain/invoice/invoiceHead/invoiceDetail")
        delivery = _el(detail, "invoiceDeliveryDate")
        at = list(detail).index(delivery) + 1
        for offset, (name, value) in enumerate(
            (("invoiceDeliveryPeriodStart", start), ("invoiceDeliveryPeriodEnd", end))
        ):
            el = etree.Element(f"{{{D}}}{name}")
            el.text = value
            detail.insert(at + offset, el)

    return change


def test_delivery_period_end_before_start_is_a_warning(creds, run) -> None:
    t = today()
    ok = run(
        ("CREATE", invoice(creds, "P-1", change=_period(str(t - dt.timedelta(days=3)), str(t))))
    )
    assert ok == [("DONE", set())]
    [(state, codes)] = run(
        ("CREATE", invoice(creds, "P-2", change=_period(str(t), str(t - dt.timedelta(days=3)))))
    )
    assert state == "DONE" and ("WARN", "INCORRECT_DATE_INVOICE_DELIVERY_TO_FROM") in codes


def test_delivery_date_far_from_the_issue_date_is_a_warning(creds, run) -> None:
    far = str(today() - dt.timedelta(days=400))
    [(state, codes)] = run(
        (
            "CREATE",
            invoice(
                creds,
                "DD-1",
                change=_set(
                    "invoiceMain/invoice/invoiceHead/invoiceDetail/invoiceDeliveryDate", far
                ),
            ),
        )
    )
    assert state == "DONE" and ("WARN", "INCORRECT_DATE_INVOICE_DELIVERY_DATE_LATE") in codes
    near = str(today() - dt.timedelta(days=30))
    ok = run(
        (
            "CREATE",
            invoice(
                creds,
                "DD-2",
                change=_set(
                    "invoiceMain/invoice/invoiceHead/invoiceDetail/invoiceDeliveryDate", near
                ),
            ),
        )
    )
    assert ok == [("DONE", set())]


def test_schema_invalid_invoice_data_is_aborted_with_schema_violation(creds, run) -> None:
    broken = invoice(creds).replace(
        b"<currencyCode>HUF</currencyCode>", b"<currencyCode>FORINT</currencyCode>"
    )
    [(state, codes)] = run(("CREATE", broken))
    assert state == "ABORTED" and codes == {("ERROR", "SCHEMA_VIOLATION")}


def test_annulment_document_is_not_invoice_data(creds, run) -> None:
    annul = f'<InvoiceAnnulment xmlns="{cc.DATA.replace("data", "annul")}"/>'.encode()
    [(state, codes)] = run(("CREATE", annul))
    assert state == "ABORTED" and ("ERROR", "SCHEMA_VIOLATION") in codes


def test_compressed_content(creds, post, token, status) -> None:
    data = gzip.compress(invoice(creds, "GZ-1"))
    body = cc.manage_invoice_body(token(creds), [("CREATE", data)], compressed=True)
    answer = post("manageInvoice", cc.request("manageInvoice", creds, body))
    result = status(creds, answer.text("transactionId"))
    assert result.text("processingResults/processingResult/invoiceStatus") == "DONE"
    assert result.text("processingResults/processingResult/compressedContentIndicator") == "true"
    body = cc.manage_invoice_body(
        token(creds), [("CREATE", invoice(creds, "GZ-2"))], compressed=True
    )
    answer = post("manageInvoice", cc.request("manageInvoice", creds, body))
    result = status(creds, answer.text("transactionId"))
    assert result.text("processingResults/processingResult/invoiceStatus") == "ABORTED"
    assert (
        result.text(
            "processingResults/processingResult/technicalValidationMessages/validationErrorCode"
        )
        == "DECOMPRESSION_ERROR"
    )


def test_original_request_is_returned_on_demand(creds, submit, post) -> None:
    data = invoice(creds, "OR-1")
    answer = submit(creds, [("CREATE", data)])
    body = (
        f"<transactionId>{answer.text('transactionId')}</transactionId>"
        "<returnOriginalRequest>true</returnOriginalRequest>"
    )
    result = post("queryTransactionStatus", cc.request("queryTransactionStatus", creds, body))
    assert (
        base64.b64decode(result.text("processingResults/processingResult/originalRequest")) == data
    )
