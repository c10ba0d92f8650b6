"""Fixtures of the NAV sandbox tests: the demo taxpayers, a caller that posts a request
in-process the way the TLS listener hands it over and checks every answer against
invoiceApi.xsd (the contract binds the sandbox's answers too)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from lxml import etree

from sandbox.nav.schema import parse, violations
from sandbox.nav.seed import DEMO_TAXPAYERS, nav_seed_demo
from sandbox.nav.tests import contract_client as cc


@pytest.fixture(autouse=True)
def instant_processing(settings: Any) -> None:
    """Transactions reach their final state at the first read (tests of the phases set
    their own delays)."""
    settings.SANDBOX_NAV_RECEIVED_SECONDS = 0
    settings.SANDBOX_NAV_PROCESSING_SECONDS = 0


@pytest.fixture
def nav_seeded(db: Any) -> None:
    nav_seed_demo()


def creds_of(index: int) -> cc.Credentials:
    d = DEMO_TAXPAYERS[index]
    return cc.Credentials(
        login=d.login,
        password=d.password,
        tax_number=d.tax_number[:8],
        signature_key=d.signature_key,
        exchange_key=d.exchange_key,
    )


@pytest.fixture
def creds(nav_seeded: None) -> cc.Credentials:
    return creds_of(0)


@pytest.fixture
def other_creds(nav_seeded: None) -> cc.Credentials:
    return creds_of(1)


@dataclass
class Answer:
    status: int
    root: etree._Element
    body: bytes
    headers: dict[str, str]

    def text(self, path: str) -> str:
        return cc.text(self.root, path)

    @property
    def code(self) -> str:
        return self.text("result/errorCode")

    @property
    def func(self) -> str:
        return self.text("result/funcCode")


Post = Callable[..., Answer]


@pytest.fixture
def post(db: Any) -> Post:
    client = Client()

    def _post(operation: str, payload: etree._Element | bytes, *, method: str = "post") -> Answer:
        body = payload if isinstance(payload, bytes) else cc.to_bytes(payload)
        response = getattr(client, method)(
            f"/invoiceService/v3/{operation}", data=body, content_type="application/xml"
        )
        content = response.content
        xml = "xml" in response.headers.get("Content-Type", "")
        root = parse(content) if content and xml else etree.Element("empty")
        if content and xml:
            problems = violations(root)
            assert problems == [], f"answer not schema valid: {problems}\n{content[:2000]!r}"
        return Answer(response.status_code, root, content, dict(response.headers))

    return _post


@pytest.fixture
def token(post: Post) -> Callable[[cc.Credentials], str]:
    def _token(who: cc.Credentials) -> str:
        answer = post("tokenExchange", cc.request("tokenExchange", who))
        assert answer.status == 200, answer.body
        return cc.decode_token(answer.text("encodedExchangeToken"), who.exchange_key)

    return _token


@pytest.fixture
def submit(post: Post, token: Callable[[cc.Credentials], str]) -> Callable[..., Answer]:
    """manageInvoice of ``(operation, invoice xml)`` pairs; returns the answer."""

    def _submit(who: cc.Credentials, operations: list[tuple[str, bytes]]) -> Answer:
        body = cc.manage_invoice_body(token(who), operations)
        return post("manageInvoice", cc.request("manageInvoice", who, body))

    return _submit


@pytest.fixture
def status(post: Post) -> Callable[[cc.Credentials, str], Answer]:
    def _status(who: cc.Credentials, transaction_id: str) -> Answer:
        body = f"<transactionId>{transaction_id}</transactionId>"
        return post("queryTransactionStatus", cc.request("queryTransactionStatus", who, body))

    return _status


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()
