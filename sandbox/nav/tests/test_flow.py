"""The whole way a client goes, over the in-process API: token, manageInvoice, status
until DONE, queryInvoiceData returns the same invoice."""

from __future__ import annotations

import base64

from sandbox.nav.tests import contract_client as cc
from sandbox.nav.tests.conftest import today


def test_b2c_invoice_round_trip(creds, post, submit, status) -> None:
    invoice = cc.b2c_invoice(supplier=creds.tax_number, number="MF-2026-0001", issue=today())
    answer = submit(creds, [("CREATE", invoice)])
    assert answer.status == 200, answer.body
    tx = answer.text("transactionId")
    assert len(tx) == 16
    result = status(creds, tx)
    assert result.text("processingResults/processingResult/invoiceStatus") == "DONE", result.body
    query = cc.request(
        "queryInvoiceData",
        creds,
        "<invoiceNumberQuery><invoiceNumber>MF-2026-0001</invoiceNumber>"
        "<invoiceDirection>OUTBOUND</invoiceDirection></invoiceNumberQuery>",
    )
    data = post("queryInvoiceData", query)
    assert data.status == 200
    assert base64.b64decode(data.text("invoiceDataResult/invoiceData")) == invoice
    assert data.text("invoiceDataResult/auditData/transactionId") == tx


def test_the_contract_client_uses_only_the_contract() -> None:
    """contract_client.py imports nothing of the sandbox or the product: what it sends is
    what any client written from the public specification sends."""
    import ast
    from pathlib import Path

    tree = ast.parse((Path(__file__).parent / "contract_client.py").read_text(encoding="utf-8"))
    modules = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {m for m in modules if m.split(".")[0] in ("sandbox", "zomanc", "django")}, modules
