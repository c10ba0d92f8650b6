"""The contract's own samples: NAV's request signatures are reproduced exactly, every
request sample is accepted with fresh ids and a valid signature, every invoice data sample
is schema valid."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from lxml import etree

from sandbox.clock.services import now
from sandbox.nav import crypto
from sandbox.nav.models import Taxpayer, TechnicalUser
from sandbox.nav.schema import CONTRACT_DIR, NS_DATA, parse, q, violations
from sandbox.nav.tests import contract_client as cc

API_SAMPLES = sorted((CONTRACT_DIR / "samples" / "api").glob("*.xml"))
DATA_SAMPLES = sorted((CONTRACT_DIR / "samples" / "data").glob("*.xml"))
C, A = cc.COMMON, cc.API


def _sign_key(path: Path) -> str:
    found = re.search(r"<signKey>(.*?)</signKey>", path.read_text(encoding="utf-8"))
    assert found, path
    return found.group(1)


def _manage_ops(root: etree._Element) -> list[tuple[str, str]] | None:
    local = etree.QName(root).localname
    if local not in cc.MANAGE_LISTS:
        return None
    list_name, item, op, data = cc.MANAGE_LISTS[local]
    return [
        (el.findtext(f"{{{A}}}{op}", "").strip(), el.findtext(f"{{{A}}}{data}", "").strip())
        for el in root.find(f"{{{A}}}{list_name}").findall(f"{{{A}}}{item}")  # type: ignore[union-attr]
    ]


def test_contract_counts() -> None:
    assert len(API_SAMPLES) == 11
    assert len(DATA_SAMPLES) == 30


@pytest.mark.parametrize("path", API_SAMPLES, ids=lambda p: p.stem)
def test_the_sandbox_computes_navs_own_sample_signatures(path: Path) -> None:
    root = etree.parse(str(path)).getroot()
    header = root.find(f"{{{C}}}header")
    assert header is not None
    signature = crypto.request_signature(
        request_id=header.findtext(f"{{{C}}}requestId", ""),
        timestamp=dt.datetime.fromisoformat(
            header.findtext(f"{{{C}}}timestamp", "").replace("Z", "+00:00")
        ),
        signature_key=_sign_key(path),
        operations=_manage_ops(root),
    )
    assert signature == root.findtext(f"{{{C}}}user/{{{C}}}requestSignature", "").strip()


@pytest.fixture
def sample_user(db) -> cc.Credentials:
    """The samples' own technical user (login, password hash and signKey in the samples),
    registered with the samples' tax number."""
    path = CONTRACT_DIR / "samples" / "api" / "tokenExchange.xml"
    root = etree.parse(str(path)).getroot()
    user = root.find(f"{{{C}}}user")
    assert user is not None
    taxpayer = Taxpayer.objects.create(
        tax_number=user.findtext(f"{{{C}}}taxNumber"), name="Minta Adózó Kft.", created_at=now()
    )
    TechnicalUser.objects.create(
        taxpayer=taxpayer,
        login=user.findtext(f"{{{C}}}login"),
        password_hash=user.findtext(f"{{{C}}}passwordHash", "").strip(),
        signature_key=_sign_key(path),
        exchange_key="0123456789abcdef",
        created_at=now(),
    )
    return cc.Credentials(
        login=user.findtext(f"{{{C}}}login", ""),
        password="",  # unknown: the samples carry only its hash
        tax_number=taxpayer.tax_number,
        signature_key=_sign_key(path),
        exchange_key="0123456789abcdef",
    )


# Spec §3.2 #22: a supplier-side query by invoice number must not filter on the supplier's
# tax number — these two samples do, and NAV answers them with this error.
EXPECTED_ERRORS = {
    "queryInvoiceCheck": "BAD_QUERY_PARAM_SUPPLIER_NOT_EXPECTED",
    "queryInvoiceData": "BAD_QUERY_PARAM_SUPPLIER_NOT_EXPECTED",
}


@pytest.mark.parametrize("path", API_SAMPLES, ids=lambda p: p.stem)
def test_every_request_sample_is_accepted(path: Path, sample_user, post) -> None:
    root = etree.parse(str(path)).getroot()
    operation = path.stem.split("_")[0]
    token = root.find(f"{{{A}}}exchangeToken")
    if token is not None:
        issued = post("tokenExchange", _fresh(cc.sample("tokenExchange"), sample_user))
        token.text = cc.decode_token(issued.text("encodedExchangeToken"), sample_user.exchange_key)
    answer = post(operation, _fresh(root, sample_user))
    expected = EXPECTED_ERRORS.get(operation)
    if expected:
        # Authenticated and schema valid; refused only by the query rule the sample breaks.
        assert (answer.status, answer.code) == (400, expected)
    else:
        assert (answer.status, answer.func) == (200, "OK"), answer.body


def _fresh(root: etree._Element, who: cc.Credentials) -> etree._Element:
    """New requestId and timestamp, everything else as in the sample, signed again."""
    header = root.find(f"{{{C}}}header")
    assert header is not None
    header.find(f"{{{C}}}requestId").text = cc.new_request_id()  # type: ignore[union-attr]
    header.find(f"{{{C}}}timestamp").text = cc.stamp(cc.utc_now())  # type: ignore[union-attr]
    cc.sign(root, who)
    return root


@pytest.mark.parametrize("path", DATA_SAMPLES, ids=lambda p: p.stem)
def test_every_invoice_data_sample_is_schema_valid(path: Path) -> None:
    root = parse(path.read_bytes())
    assert root.tag == q(NS_DATA, "InvoiceData")
    assert violations(root) == []


def test_a_broken_data_sample_is_not_schema_valid() -> None:
    root = parse(DATA_SAMPLES[0].read_bytes())
    number = root.find(q(NS_DATA, "invoiceNumber"))
    assert number is not None
    number.text = ""
    assert violations(root) != []
