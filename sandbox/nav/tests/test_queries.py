"""Asynchronous processing by time, technical annulment (effective only once approved),
and the query operations."""

from __future__ import annotations

import datetime as dt

import pytest

from sandbox.clock.services import clock_offset_set
from sandbox.nav import services
from sandbox.nav.models import Report
from sandbox.nav.tests import contract_client as cc
from sandbox.nav.tests.conftest import today

ANNUL_NS = "http://schemas.nav.gov.hu/OSA/3.0/annul"


def annulment(number: str) -> bytes:
    return (
        f'<InvoiceAnnulment xmlns="{ANNUL_NS}"><annulmentReference>{number}</annulmentReference>'
        f"<annulmentTimestamp>{cc.stamp(cc.utc_now())}</annulmentTimestamp>"
        "<annulmentCode>ERRATIC_DATA</annulmentCode><annulmentReason>Hibás adatok</annulmentReason>"
        "</InvoiceAnnulment>"
    ).encode()


def _number_query(number: str, direction: str = "OUTBOUND", supplier: str = "") -> str:
    extra = f"<supplierTaxNumber>{supplier}</supplierTaxNumber>" if supplier else ""
    return (
        f"<invoiceNumberQuery><invoiceNumber>{number}</invoiceNumber>"
        f"<invoiceDirection>{direction}</invoiceDirection>{extra}</invoiceNumberQuery>"
    )


def test_states_follow_time(creds, submit, status, settings) -> None:
    settings.SANDBOX_NAV_RECEIVED_SECONDS = 10
    settings.SANDBOX_NAV_PROCESSING_SECONDS = 10
    answer = submit(
        creds, [("CREATE", cc.b2c_invoice(supplier=creds.tax_number, number="S-1", issue=today()))]
    )
    tx = answer.text("transactionId")
    path = "processingResults/processingResult/invoiceStatus"
    assert status(creds, tx).text(path) == "RECEIVED"
    clock_offset_set(seconds=12)
    assert status(creds, tx).text(path) == "PROCESSING"
    clock_offset_set(seconds=25)
    assert status(creds, tx).text(path) == "DONE"


def test_unknown_transaction_answers_ok_without_results(creds, status) -> None:
    answer = status(creds, "NOSUCHTRANSACT01")
    assert answer.func == "OK" and answer.text("processingResults") == ""


def test_transactions_of_another_taxpayer_are_not_shown(creds, other_creds, submit, status) -> None:
    answer = submit(
        creds, [("CREATE", cc.b2c_invoice(supplier=creds.tax_number, number="S-2", issue=today()))]
    )
    assert status(other_creds, answer.text("transactionId")).text("processingResults") == ""


@pytest.fixture
def annul(post, token):
    def _annul(who: cc.Credentials, number: str):
        body = cc.manage_annulment_body(token(who), [annulment(number)])
        return post("manageAnnulment", cc.request("manageAnnulment", who, body))

    return _annul


def test_annulment_takes_effect_only_after_approval(creds, submit, status, annul, post) -> None:
    submit(
        creds, [("CREATE", cc.b2c_invoice(supplier=creds.tax_number, number="AN-1", issue=today()))]
    )
    answer = annul(creds, "AN-1")
    assert answer.status == 200
    result = status(creds, answer.text("transactionId"))
    assert result.text("processingResults/processingResult/invoiceStatus") == "DONE"
    assert (
        result.text("processingResults/annulmentData/annulmentVerificationStatus")
        == "VERIFICATION_PENDING"
    )
    check = cc.request("queryInvoiceCheck", creds, _number_query("AN-1"))
    assert post("queryInvoiceCheck", check).text("invoiceCheckResult") == "true"  # still valid
    # A second annulment of the same invoice while the first waits is refused.
    second = status(creds, annul(creds, "AN-1").text("transactionId"))
    assert second.text("processingResults/processingResult/invoiceStatus") == "ABORTED"
    assert "ANNULMENT_IN_PROGRESS" in second.body.decode()
    services.annulment_decide(
        report=Report.objects.get(operation="ANNUL", status="DONE"), approve=True
    )
    result = status(creds, answer.text("transactionId"))
    assert (
        result.text("processingResults/annulmentData/annulmentVerificationStatus")
        == "VERIFICATION_DONE"
    )
    assert result.text("processingResults/annulmentData/annulmentDecisionDate")
    check = cc.request("queryInvoiceCheck", creds, _number_query("AN-1"))
    assert post("queryInvoiceCheck", check).text("invoiceCheckResult") == "false"
    # The number may be reported again once the annulment is approved.
    again = submit(
        creds, [("CREATE", cc.b2c_invoice(supplier=creds.tax_number, number="AN-1", issue=today()))]
    )
    assert (
        status(creds, again.text("transactionId")).text(
            "processingResults/processingResult/invoiceStatus"
        )
        == "DONE"
    )


def test_rejected_annulment_leaves_the_invoice_valid(creds, submit, annul, status, post) -> None:
    submit(
        creds, [("CREATE", cc.b2c_invoice(supplier=creds.tax_number, number="AN-2", issue=today()))]
    )
    status(creds, annul(creds, "AN-2").text("transactionId"))
    services.annulment_decide(report=Report.objects.get(operation="ANNUL"), approve=False)
    check = cc.request("queryInvoiceCheck", creds, _number_query("AN-2"))
    assert post("queryInvoiceCheck", check).text("invoiceCheckResult") == "true"


def test_annulment_of_an_unknown_invoice(creds, annul, status) -> None:
    result = status(creds, annul(creds, "NO-SUCH").text("transactionId"))
    assert result.text("processingResults/processingResult/invoiceStatus") == "ABORTED"
    assert (
        result.text(
            "processingResults/processingResult/businessValidationMessages/validationErrorCode"
        )
        == "INVALID_ANNULMENT_REFERENCE"
    )
    assert (
        result.text("processingResults/annulmentData/annulmentVerificationStatus")
        == "NOT_VERIFIABLE"
    )


def test_decided_annulment_cannot_be_decided_again(creds, submit, annul, status) -> None:
    submit(
        creds, [("CREATE", cc.b2c_invoice(supplier=creds.tax_number, number="AN-3", issue=today()))]
    )
    status(creds, annul(creds, "AN-3").text("transactionId"))
    report = Report.objects.get(operation="ANNUL")
    services.annulment_decide(report=report, approve=False)
    with pytest.raises(services.PortalError):
        services.annulment_decide(report=report, approve=True)


def test_invoice_check_and_data_by_direction(creds, other_creds, submit, post) -> None:
    """A B2B invoice of Mosoly to Gyöngy: outbound for one, inbound for the other."""
    from sandbox.nav.tests.test_rules import _domestic, invoice

    submit(creds, [("CREATE", invoice(creds, "B2B-1", change=_domestic(name=True)))])
    out = post("queryInvoiceCheck", cc.request("queryInvoiceCheck", creds, _number_query("B2B-1")))
    assert out.text("invoiceCheckResult") == "true"
    inbound = post(
        "queryInvoiceData",
        cc.request("queryInvoiceData", other_creds, _number_query("B2B-1", "INBOUND")),
    )
    assert inbound.text("invoiceDataResult/auditData/insCusUser") == creds.login
    # Gyöngy is not its supplier.
    none = post(
        "queryInvoiceCheck", cc.request("queryInvoiceCheck", other_creds, _number_query("B2B-1"))
    )
    assert none.text("invoiceCheckResult") == "false"
    bad = post(
        "queryInvoiceCheck",
        cc.request("queryInvoiceCheck", creds, _number_query("B2B-1", supplier=creds.tax_number)),
    )
    assert (bad.status, bad.code) == (400, "BAD_QUERY_PARAM_SUPPLIER_NOT_EXPECTED")


def _digest_body(date_from: dt.date, date_to: dt.date) -> str:
    return (
        "<page>1</page><invoiceDirection>OUTBOUND</invoiceDirection><invoiceQueryParams>"
        f"<mandatoryQueryParams><invoiceIssueDate><dateFrom>{date_from}</dateFrom><dateTo>{date_to}</dateTo>"
        "</invoiceIssueDate></mandatoryQueryParams></invoiceQueryParams>"
    )


def test_invoice_digest(creds, submit, post) -> None:
    t = today()
    submit(
        creds,
        [
            ("CREATE", cc.b2c_invoice(supplier=creds.tax_number, number="DG-1", issue=t)),
            (
                "CREATE",
                cc.b2c_invoice(
                    supplier=creds.tax_number, number="DG-2", issue=t - dt.timedelta(days=3)
                ),
            ),
        ],
    )
    answer = post("queryInvoiceDigest", cc.request("queryInvoiceDigest", creds, _digest_body(t, t)))
    assert answer.status == 200
    numbers = [cc.text(d, "invoiceNumber") for d in answer.root.iter(f"{{{cc.API}}}invoiceDigest")]
    assert numbers == ["DG-1"]
    assert answer.text("invoiceDigestResult/invoiceDigest/invoiceNetAmount") == "10000"
    wide = post(
        "queryInvoiceDigest",
        cc.request("queryInvoiceDigest", creds, _digest_body(t - dt.timedelta(days=5), t)),
    )
    assert len(list(wide.root.iter(f"{{{cc.API}}}invoiceDigest"))) == 2


def test_digest_date_rules(creds, post) -> None:
    t = today()
    overlap = post(
        "queryInvoiceDigest",
        cc.request("queryInvoiceDigest", creds, _digest_body(t, t - dt.timedelta(days=1))),
    )
    assert (overlap.status, overlap.code) == (400, "BAD_QUERY_PARAM_OVERLAP")
    too_long = post(
        "queryInvoiceDigest",
        cc.request("queryInvoiceDigest", creds, _digest_body(t - dt.timedelta(days=36), t)),
    )
    assert (too_long.status, too_long.code) == (400, "BAD_QUERY_PARAM_RANGE_EXCEEDED")
    ok = post(
        "queryInvoiceDigest",
        cc.request("queryInvoiceDigest", creds, _digest_body(t - dt.timedelta(days=35), t)),
    )
    assert ok.status == 200


def test_transaction_list(creds, submit, post, annul) -> None:
    submit(
        creds, [("CREATE", cc.b2c_invoice(supplier=creds.tax_number, number="TL-1", issue=today()))]
    )
    now = cc.utc_now()
    body = (
        "<page>1</page><insDate>"
        f"<dateTimeFrom>{cc.stamp(now - dt.timedelta(hours=1))}</dateTimeFrom>"
        f"<dateTimeTo>{cc.stamp(now + dt.timedelta(minutes=1))}</dateTimeTo></insDate>"
    )
    answer = post("queryTransactionList", cc.request("queryTransactionList", creds, body))
    assert answer.text("transactionListResult/transaction/requestStatus") == "FINISHED"
    assert answer.text("transactionListResult/transaction/itemCount") == "1"
    assert answer.text("transactionListResult/transaction/technicalAnnulment") == "false"


def test_invoice_chain_digest(creds, submit, post) -> None:
    from sandbox.nav.tests.test_rules import _reference, invoice

    submit(creds, [("CREATE", invoice(creds, "CH-1"))])
    submit(creds, [("MODIFY", invoice(creds, "CH-1-M1", change=_reference("CH-1", 1)))])
    body = (
        "<page>1</page><invoiceChainQuery><invoiceNumber>CH-1</invoiceNumber>"
        "<invoiceDirection>OUTBOUND</invoiceDirection></invoiceChainQuery>"
    )
    answer = post("queryInvoiceChainDigest", cc.request("queryInvoiceChainDigest", creds, body))
    chain = [
        cc.text(e, "invoiceChainDigest/invoiceNumber")
        for e in answer.root.iter(f"{{{cc.API}}}invoiceChainElement")
    ]
    assert chain == ["CH-1", "CH-1-M1"]


def test_query_taxpayer(creds, other_creds, post) -> None:
    body = f"<taxNumber>{other_creds.tax_number}</taxNumber>"
    answer = post("queryTaxpayer", cc.request("queryTaxpayer", creds, body))
    assert answer.text("taxpayerValidity") == "true"
    assert answer.text("taxpayerData/taxpayerName") == "Gyöngy Fogászat Bt."
    unknown = post(
        "queryTaxpayer", cc.request("queryTaxpayer", creds, "<taxNumber>11111111</taxNumber>")
    )
    assert unknown.text("taxpayerValidity") == "false"
