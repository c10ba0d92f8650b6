"""The wire adapter against the real NAV sandbox (its own TLS port, CA pinned): every request
it sends is valid against the copied invoiceApi.xsd, signatures and tokens are accepted, each
error code arrives as its typed error."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import pytest

from zomanc.nav.client import crypto, schema
from zomanc.nav.client.errors import (
    CREDENTIAL_CODES,
    DUPLICATE_CODES,
    REQUEST_CODES,
    TOKEN_CODES,
    UNAVAILABLE_CODES,
    NavCredentials,
    NavDuplicateRequest,
    NavRequestRejected,
    NavTokenRejected,
    NavUnavailable,
    error_class,
    nav_text,
)
from zomanc.nav.client.invoice_xml import (
    EXEMPT_ACTIVITY,
    Address,
    InvoiceDoc,
    Line,
    Reference,
    TaxNumber,
    invoice_data_xml,
)
from zomanc.nav.client.wire import Credentials, NavConnection, new_request_id
from zomanc.nav.tests.fixtures import NavSandbox


def _doc(number: str, *, reference: Reference | None = None, sign: int = 1) -> InvoiceDoc:
    today = dt.date.today()
    return InvoiceDoc(
        number=number,
        issue_date=today,
        delivery_date=today,
        payment_method="CASH",
        payment_date=today,
        supplier_tax=TaxNumber("24681353", "2", "41"),
        supplier_name="Mosoly Fogászat Kft.",
        supplier_address=Address("1051", "Budapest", "Nádor utca 12."),
        supplier_bank_account="11773016-11111111-00000000",
        supplier_individual_exemption=False,
        customer_status="PRIVATE_PERSON",
        lines=[
            Line(
                "Fogkő-eltávolítás",
                Decimal(sign),
                12000,
                sign * 12000,
                0,
                None,
                EXEMPT_ACTIVITY,
                "Áfa tv. 85. § (1) c)",
            ),
            Line("Fogfehérítés", Decimal(sign), 40000, sign * 40000, sign * 10800, Decimal("0.27")),
        ],
        reference=reference,
    )


def _status(conn: NavConnection, transaction_id: str) -> str:
    for _ in range(40):
        results = conn.query_transaction_status(transaction_id)
        if results and results[0].status in ("DONE", "ABORTED"):
            return results[0].status
        time.sleep(0.25)
    raise AssertionError("not processed in time")


def test_signature_matches_the_specifications_example() -> None:
    # §1.5's worked example (requestId, timestamp, signature key and the expected hash).
    at = dt.datetime(2019, 5, 28, 16, 15, 20, tzinfo=dt.UTC)
    base = crypto.request_signature(
        request_id="TSTKFT1222564", timestamp=at, signature_key="ce-8f5e-215119fa7dd621DLMRHRLH2S"
    )
    assert base == crypto.sha3_upper("TSTKFT122256420190528161520ce-8f5e-215119fa7dd621DLMRHRLH2S")


def test_tax_number_check_digit() -> None:
    assert crypto.tax_number_parts("24681353-2-41") == ("24681353", "2", "41")
    assert crypto.tax_number_parts("13579241-1-13") == ("13579241", "1", "13")
    assert crypto.tax_number_parts("24681354-2-41") is None  # wrong check digit
    assert crypto.tax_number_parts("2468135-2-41") is None


def test_every_specified_code_has_its_type() -> None:
    for code in UNAVAILABLE_CODES:
        assert error_class(code) is NavUnavailable
    for code in CREDENTIAL_CODES:
        assert error_class(code) is NavCredentials
    assert all(error_class(c) is NavTokenRejected for c in TOKEN_CODES)
    assert all(error_class(c) is NavDuplicateRequest for c in DUPLICATE_CODES)
    assert all(error_class(c) is NavRequestRejected for c in REQUEST_CODES)
    # Every code NAV's message catalogue names is one of ours.
    known = UNAVAILABLE_CODES | CREDENTIAL_CODES | TOKEN_CODES | DUPLICATE_CODES | REQUEST_CODES
    catalogue = schema.XSD_DIR.parent / "messages" / "messages_hu_public.properties"
    for line in catalogue.read_text(encoding="utf-8").splitlines():
        if "InterfaceErrorCode." in line:
            code = line.split("=")[0].strip().rsplit(".", 1)[-1]
            assert code in known, code
    assert nav_text("INVALID_SECURITY_USER") == "Helytelen authentikációs adatok!"


def test_token_and_taxpayer(nav_clean: NavSandbox) -> None:
    conn = nav_clean.connection()
    token = conn.token_exchange()
    assert len(token) > 30
    taxpayer = conn.query_taxpayer("24681353")
    assert taxpayer.valid and "Mosoly" in taxpayer.name
    for operation, data in conn.sent:
        schema.validate(schema.parse(data))  # everything sent is valid against the XSD
        assert operation in ("tokenExchange", "queryTaxpayer")


def test_wrong_password_is_a_credentials_error(nav_clean: NavSandbox) -> None:
    good = nav_clean.users["24681353-2-41"][1]
    bad = Credentials(
        tax_number=good.tax_number,
        login=good.login,
        password="rossz",
        signature_key=good.signature_key,
        exchange_key=good.exchange_key,
    )
    conn = NavConnection(endpoint=nav_clean.endpoint, ca_pem=nav_clean.ca_pem, credentials=bad)
    with pytest.raises(NavCredentials) as caught:
        conn.token_exchange()
    assert caught.value.code == "INVALID_SECURITY_USER"
    assert "rossz" not in repr(bad)


def test_wrong_signature_key_is_rejected(nav_clean: NavSandbox) -> None:
    good = nav_clean.users["24681353-2-41"][1]
    bad = Credentials(
        tax_number=good.tax_number,
        login=good.login,
        password=good.password,
        signature_key="x" + good.signature_key[1:],
        exchange_key=good.exchange_key,
    )
    conn = NavConnection(endpoint=nav_clean.endpoint, ca_pem=nav_clean.ca_pem, credentials=bad)
    with pytest.raises(NavRequestRejected) as caught:
        conn.query_taxpayer("24681353")
    assert caught.value.code == "INVALID_REQUEST_SIGNATURE"


def test_foreign_ca_is_not_trusted(nav_clean: NavSandbox, tmp_path: object) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from zomanc.eeszt.tests.conftest import ca_name, make_cert

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    foreign = make_cert(subject=ca_name("Idegen CA"), key=key, issuer=None, ca=True)
    conn = NavConnection(
        endpoint=nav_clean.endpoint,
        ca_pem=foreign.public_bytes(serialization.Encoding.PEM),
        credentials=nav_clean.users["24681353-2-41"][1],
    )
    with pytest.raises(NavUnavailable):
        conn.token_exchange()


def test_invoice_storno_and_duplicate_request(nav_clean: NavSandbox) -> None:
    conn = nav_clean.connection()
    number = f"T-{new_request_id()[-10:]}"
    request_id = new_request_id()
    tid = conn.manage_invoice(
        request_id=request_id, operations=[("CREATE", invoice_data_xml(_doc(number)))]
    )
    assert _status(conn, tid) == "DONE"
    # The same request again (a worker that never saw the answer): NAV says it has it.
    with pytest.raises(NavDuplicateRequest):
        conn.manage_invoice(
            request_id=request_id, operations=[("CREATE", invoice_data_xml(_doc(number)))]
        )
    assert conn.query_invoice_transaction(number) == tid
    storno = _doc(f"{number}S", reference=Reference(number, 1, 2), sign=-1)
    tid2 = conn.manage_invoice(
        request_id=new_request_id(), operations=[("STORNO", invoice_data_xml(storno))]
    )
    assert _status(conn, tid2) == "DONE"
    for _, data in conn.sent:
        schema.validate(schema.parse(data))


def test_customer_data_on_a_private_person_aborts_with_navs_message(
    nav_clean: NavSandbox,
) -> None:
    conn = nav_clean.connection()
    doc = _doc(f"T-{new_request_id()[-10:]}")
    bad = InvoiceDoc(**{**doc.__dict__, "customer_status": "DOMESTIC", "customer_name": ""})
    # An empty customer name is a schema error: never sent.
    with pytest.raises(schema.SchemaViolation):
        conn.manage_invoice(
            request_id=new_request_id(), operations=[("CREATE", invoice_data_xml(bad))]
        )
    assert conn.sent == []


def test_unavailable_is_retryable(nav_clean: NavSandbox) -> None:
    nav_clean.faults(share_http_503=1.0)
    try:
        with pytest.raises(NavUnavailable):
            nav_clean.connection().token_exchange()
    finally:
        nav_clean.server.admin("faults/clear", {})
