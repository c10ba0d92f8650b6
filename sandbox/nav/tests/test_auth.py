"""Authentication and the synchronous errors, each with its code and HTTP status
(specification §1.3–1.5, §3.2)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from lxml import etree

from sandbox.nav.models import ApiRequest, ExchangeToken, TechnicalUser
from sandbox.nav.tests import contract_client as cc
from sandbox.nav.tests.conftest import today

COMMON = cc.COMMON


def _user(root: etree._Element, name: str) -> etree._Element:
    el = root.find(f"{{{COMMON}}}user/{{{COMMON}}}{name}")
    assert el is not None
    return el


def test_token_exchange_returns_the_token_aes_encrypted_with_the_exchange_key(creds, post) -> None:
    answer = post("tokenExchange", cc.request("tokenExchange", creds))
    assert answer.status == 200 and answer.func == "OK"
    token = cc.decode_token(answer.text("encodedExchangeToken"), creds.exchange_key)
    stored = ExchangeToken.objects.get(token=token)
    assert stored.valid_to - stored.valid_from == dt.timedelta(minutes=5)
    assert answer.text("tokenValidityTo").endswith("Z")


def test_malformed_xml_is_a_general_exception_400(creds, post) -> None:
    answer = post("tokenExchange", b"<not-xml")
    assert answer.status == 400
    assert etree.QName(answer.root).localname == "GeneralExceptionResponse"
    assert answer.text("errorCode") == "INVALID_REQUEST"


def test_schema_violation_is_invalid_request_with_the_violations(creds, post) -> None:
    root = cc.request("queryTaxpayer", creds, "<taxNumber>12</taxNumber>")
    answer = post("queryTaxpayer", root)
    assert answer.status == 400
    assert etree.QName(answer.root).localname == "GeneralErrorResponse"
    assert answer.code == "INVALID_REQUEST"
    assert answer.text("technicalValidationMessages/validationErrorCode") == "SCHEMA_VIOLATION"
    assert "taxNumber" in answer.text("technicalValidationMessages/message")


def test_request_for_another_operation_is_operation_failed(creds, post) -> None:
    answer = post("queryTaxpayer", cc.request("tokenExchange", creds))
    assert (answer.status, answer.code) == (500, "OPERATION_FAILED")


def test_unknown_operation_is_404(creds, post) -> None:
    assert post("noSuchOperation", cc.request("tokenExchange", creds)).status == 404


def test_get_is_not_allowed(creds, post) -> None:
    answer = post("tokenExchange", b"", method="get")
    assert (answer.status, answer.code) == (500, "NOT_ALLOWED_EXCEPTION")


def test_wrong_password_is_invalid_security_user_401(creds, post) -> None:
    bad = dataclasses.replace(creds, password="wrong")
    answer = post("tokenExchange", cc.request("tokenExchange", bad))
    assert (answer.status, answer.code) == (401, "INVALID_SECURITY_USER")


def test_unknown_login_is_invalid_security_user(creds, post) -> None:
    bad = dataclasses.replace(creds, login="nosuchuser00001")
    assert post("tokenExchange", cc.request("tokenExchange", bad)).code == "INVALID_SECURITY_USER"


def test_password_hash_must_be_upper_case_sha512_of_the_password(creds, post) -> None:
    root = cc.request("tokenExchange", creds)
    _user(root, "passwordHash").text = cc.sha3_upper(creds.password)  # wrong algorithm
    cc.sign(root, creds)
    assert post("tokenExchange", root).code == "INVALID_SECURITY_USER"


def test_unregistered_tax_number_is_not_registered_customer_500(creds, post) -> None:
    bad = dataclasses.replace(creds, tax_number="11111111")
    answer = post("tokenExchange", cc.request("tokenExchange", bad))
    assert (answer.status, answer.code) == (500, "NOT_REGISTERED_CUSTOMER")


def test_user_of_another_taxpayer_is_invalid_user_relation(creds, other_creds, post) -> None:
    bad = dataclasses.replace(creds, tax_number=other_creds.tax_number)
    answer = post("tokenExchange", cc.request("tokenExchange", bad))
    assert (answer.status, answer.code) == (500, "INVALID_USER_RELATION")


def test_inactive_user_is_invalid_user_relation(creds, post) -> None:
    TechnicalUser.objects.filter(login=creds.login).update(active=False)
    assert post("tokenExchange", cc.request("tokenExchange", creds)).code == "INVALID_USER_RELATION"


def test_wrong_signature_key_is_invalid_request_signature_400(creds, post) -> None:
    root = cc.request("tokenExchange", creds)
    cc.sign(root, creds, signature_key="x" + creds.signature_key[1:])
    answer = post("tokenExchange", root)
    assert (answer.status, answer.code) == (400, "INVALID_REQUEST_SIGNATURE")


def test_signature_covers_the_timestamp(creds, post) -> None:
    root = cc.request("tokenExchange", creds)
    ts = root.find(f"{{{COMMON}}}header/{{{COMMON}}}timestamp")
    assert ts is not None
    ts.text = cc.stamp(cc.utc_now() - dt.timedelta(seconds=5))  # changed after signing
    assert post("tokenExchange", root).code == "INVALID_REQUEST_SIGNATURE"


def test_manage_signature_covers_every_invoice_hash(creds, post, token) -> None:
    invoice = cc.b2c_invoice(supplier=creds.tax_number, number="SIG-1", issue=today())
    root = cc.request(
        "manageInvoice", creds, cc.manage_invoice_body(token(creds), [("CREATE", invoice)])
    )
    # Signed as if it were a query (no partial hashes): rejected.
    header = root.find(f"{{{COMMON}}}header")
    assert header is not None
    rid = header.findtext(f"{{{COMMON}}}requestId") or ""
    ts = dt.datetime.fromisoformat(
        (header.findtext(f"{{{COMMON}}}timestamp") or "").replace("Z", "+00:00")
    )
    _user(root, "requestSignature").text = cc.sha3_upper(
        rid + ts.strftime("%Y%m%d%H%M%S") + creds.signature_key
    )
    assert post("manageInvoice", root).code == "INVALID_REQUEST_SIGNATURE"


def test_wrong_crypto_types(creds, post) -> None:
    root = cc.request("tokenExchange", creds)
    _user(root, "passwordHash").set("cryptoType", "SHA-256")
    assert post("tokenExchange", root).code == "INVALID_PASSWORD_HASH_CRYPTO"
    root = cc.request("tokenExchange", creds)
    _user(root, "requestSignature").set("cryptoType", "SHA-512")
    assert post("tokenExchange", root).code == "INVALID_REQUEST_SIGNATURE_HASH_CRYPTO"


def test_versions(creds, post) -> None:
    root = cc.request("tokenExchange", creds)
    root.find(f"{{{COMMON}}}header/{{{COMMON}}}requestVersion").text = "2.0"  # type: ignore[union-attr]
    assert post("tokenExchange", root).code == "INVALID_REQUEST_VERSION"
    root = cc.request("tokenExchange", creds)
    root.find(f"{{{COMMON}}}header/{{{COMMON}}}headerVersion").text = "2.0"  # type: ignore[union-attr]
    assert post("tokenExchange", root).code == "INVALID_HEADER_VERSION"


@pytest.mark.parametrize("hours", [-25, 25])
def test_timestamp_more_than_a_day_off_is_invalid_timestamp(creds, post, hours: int) -> None:
    at = cc.utc_now() + dt.timedelta(hours=hours)
    answer = post("tokenExchange", cc.request("tokenExchange", creds, at=at))
    assert (answer.status, answer.code) == (400, "INVALID_TIMESTAMP")


def test_timestamp_within_a_day_is_accepted(creds, post) -> None:
    at = cc.utc_now() - dt.timedelta(hours=23)
    assert post("tokenExchange", cc.request("tokenExchange", creds, at=at)).status == 200


def test_request_id_is_unique_per_taxpayer(creds, other_creds, post) -> None:
    assert (
        post("tokenExchange", cc.request("tokenExchange", creds, request_id="RID1")).status == 200
    )
    again = post("tokenExchange", cc.request("tokenExchange", creds, request_id="RID1"))
    assert (again.status, again.code) == (400, "REQUEST_ID_NOT_UNIQUE")
    # Another taxpayer may use the same id.
    assert (
        post("tokenExchange", cc.request("tokenExchange", other_creds, request_id="RID1")).status
        == 200
    )


def test_a_rejected_request_id_may_be_used_again(creds, post) -> None:
    bad = dataclasses.replace(creds, password="wrong")
    assert post("tokenExchange", cc.request("tokenExchange", bad, request_id="RID2")).status == 401
    assert (
        post("tokenExchange", cc.request("tokenExchange", creds, request_id="RID2")).status == 200
    )


def test_rejected_requests_are_recorded_with_their_reason(creds, post) -> None:
    bad = dataclasses.replace(creds, password="wrong")
    post("tokenExchange", cc.request("tokenExchange", bad, request_id="RIDBAD"))
    row = ApiRequest.objects.get(request_id="RIDBAD")
    assert (row.accepted, row.error_code, row.tax_number) == (
        False,
        "INVALID_SECURITY_USER",
        creds.tax_number,
    )
    assert "authentikációs" in row.message


def test_software_block_is_checked(creds, post) -> None:
    root = cc.request("tokenExchange", creds)
    software_id = root.find(f"{{{cc.API}}}software/{{{cc.API}}}softwareId")
    assert software_id is not None
    software_id.text = "too-short"
    answer = post("tokenExchange", root)
    assert answer.code == "INVALID_REQUEST"
    assert "softwareId" in answer.text("technicalValidationMessages/message")


def test_answer_repeats_request_id_and_software(creds, post) -> None:
    answer = post("tokenExchange", cc.request("tokenExchange", creds, request_id="RIDECHO"))
    assert answer.text("header/requestId") == "RIDECHO"
    assert answer.text("software/softwareId") == "HU24681353ZOMANC01"


# --- the exchange token -------------------------------------------------------------


def _manage(creds, token_value: str) -> etree._Element:
    invoice = cc.b2c_invoice(
        supplier=creds.tax_number, number=f"T-{cc.new_request_id()}", issue=today()
    )
    return cc.request(
        "manageInvoice", creds, cc.manage_invoice_body(token_value, [("CREATE", invoice)])
    )


def test_token_is_single_use(creds, post, token) -> None:
    value = token(creds)
    assert post("manageInvoice", _manage(creds, value)).status == 200
    again = post("manageInvoice", _manage(creds, value))
    assert (again.status, again.code) == (400, "INVALID_EXCHANGE_TOKEN")


def test_encoded_token_is_not_the_token(creds, post) -> None:
    answer = post("tokenExchange", cc.request("tokenExchange", creds))
    encoded = answer.text("encodedExchangeToken")[:50]
    assert post("manageInvoice", _manage(creds, encoded)).code == "INVALID_EXCHANGE_TOKEN"


def test_expired_token_is_invalid(creds, post, token) -> None:
    value = token(creds)
    ExchangeToken.objects.filter(token=value).update(
        valid_to=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    )
    assert post("manageInvoice", _manage(creds, value)).code == "INVALID_EXCHANGE_TOKEN"


def test_token_of_another_taxpayer_is_invalid(creds, other_creds, post, token) -> None:
    value = token(other_creds)
    assert post("manageInvoice", _manage(creds, value)).code == "INVALID_EXCHANGE_TOKEN"


def test_a_failed_manage_call_does_not_spend_the_token(creds, post, token) -> None:
    value = token(creds)
    root = _manage(creds, value)
    cc.sign(root, creds, signature_key="y" + creds.signature_key[1:])
    assert post("manageInvoice", root).code == "INVALID_REQUEST_SIGNATURE"
    assert post("manageInvoice", _manage(creds, value)).status == 200


def test_indexes_must_run_from_one_without_gaps(creds, post, token) -> None:
    root = _manage(creds, token(creds))
    index = root.find(
        f"{{{cc.API}}}invoiceOperations/{{{cc.API}}}invoiceOperation/{{{cc.API}}}index"
    )
    assert index is not None
    index.text = "2"
    cc.sign(root, creds)
    answer = post("manageInvoice", root)
    assert (answer.status, answer.code) == (400, "INDEX_NOT_SEQUENTIAL")
