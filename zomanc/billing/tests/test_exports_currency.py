"""The accountant's CSV with a foreign-currency invoice: the forint columns the books keep,
and the invoice's own currency with the rate and its date beside them."""

from __future__ import annotations

import csv
import io

from zomanc.billing.exports import INVOICE_HEADER, invoices_csv
from zomanc.billing.plan_invoices import plan_invoice_items
from zomanc.billing.tests.plan_fixtures import accepted_plan, complete, plan_items
from zomanc.conftest import Personas
from zomanc.patients.models import Patient
from zomanc.plans.models import Currency


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def test_eur_invoice_exports_both_currencies(billing: Personas, patient: Patient) -> None:
    plan = accepted_plan(billing, patient, currency=Currency.EUR)
    root_item, _crown, whitening = plan_items(plan)
    complete(billing, root_item)
    complete(billing, whitening)
    invoice = plan_invoice_items(
        actor=billing.receptionist,
        plan=plan,
        company=billing.company_a,
        item_ids=[root_item.pk, whitening.pk],
        payment_method="CASH",
        idempotency_key="csv-eur",
    )
    huf_invoice_row = dict(zip(INVOICE_HEADER, _rows(invoices_csv([invoice]))[1], strict=True))
    assert huf_invoice_row["Pénznem"] == "EUR"
    assert huf_invoice_row["Bruttó (Ft)"] == str(98038 + 61752 + 16674)
    assert huf_invoice_row["Bruttó (devizában)"] == "449,99"
    assert huf_invoice_row["Áfa (devizában)"] == "42,52"
    assert huf_invoice_row["Árfolyam (Ft)"] == "392,15"
    assert huf_invoice_row["Árfolyam dátuma"] == plan.exchange_rate_date.isoformat()  # type: ignore[union-attr]


def test_forint_invoice_leaves_the_currency_columns_empty(
    billing: Personas, patient: Patient
) -> None:
    plan = accepted_plan(billing, patient)
    root_item, _crown, _whitening = plan_items(plan)
    complete(billing, root_item)
    invoice = plan_invoice_items(
        actor=billing.receptionist,
        plan=plan,
        company=billing.company_a,
        item_ids=[root_item.pk],
        payment_method="CASH",
        idempotency_key="csv-huf",
    )
    row = dict(zip(INVOICE_HEADER, _rows(invoices_csv([invoice]))[1], strict=True))
    assert row["Pénznem"] == "HUF" and row["Bruttó (Ft)"] == _rows(invoices_csv([invoice]))[1][14]
    assert [row[k] for k in INVOICE_HEADER[-5:]] == ["", "", "", "", ""]
