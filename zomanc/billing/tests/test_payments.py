"""Payments: cash rounded to 0/5 Ft with the difference booked, card exact, no overpayment,
one payment per key, none on a stornoed invoice, the patient's account totals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from zomanc.billing.models import ImmutableError, Invoice
from zomanc.billing.payments import cash_round, patient_account, payment_take
from zomanc.billing.services import CustomerInput, LineInput, invoice_issue, invoice_storno
from zomanc.conftest import Personas
from zomanc.patients.models import Patient


def _invoice(p: Personas, patient: Patient, gross: int, key: str) -> Invoice:
    return invoice_issue(
        actor=p.receptionist,
        company=p.company_a,
        customer=CustomerInput(kind="patient", name="Kiss Máté"),
        lines=[LineInput("Kezelés", Decimal(1), Decimal(gross), "AAM")],
        payment_method="CASH",
        idempotency_key=key,
        patient=patient,
    )


@pytest.mark.parametrize(
    ("amount", "rounded"),
    [
        (52000, 52000),
        (52001, 52000),
        (52002, 52000),
        (52003, 52005),
        (52004, 52005),
        (52006, 52005),
        (52007, 52005),
        (52008, 52010),
        (52009, 52010),
    ],
)
def test_cash_rounding_rule(amount: int, rounded: int) -> None:
    assert cash_round(Decimal(amount)) == rounded


def test_cash_payment_books_the_rounding(billing: Personas, patient: Patient) -> None:
    invoice = _invoice(billing, patient, 12_003, "a")
    payment = payment_take(
        actor=billing.receptionist,
        invoice=invoice,
        method="CASH",
        amount=None,
        idempotency_key="p1",
    )
    assert (payment.amount, payment.cash_amount, payment.cash_rounding) == (12003, 12005, 2)
    assert (
        payment_take(
            actor=billing.receptionist,
            invoice=invoice,
            method="CASH",
            amount=None,
            idempotency_key="p1",
        )
        == payment
    )  # a double click
    with pytest.raises(ValidationError, match="nincs fizetendő"):
        payment_take(
            actor=billing.receptionist,
            invoice=invoice,
            method="CARD",
            amount=None,
            idempotency_key="p2",
        )
    with pytest.raises(ImmutableError):
        payment.save()


def test_no_overpayment_and_split_payment(billing: Personas, patient: Patient) -> None:
    invoice = _invoice(billing, patient, 20_000, "b")
    with pytest.raises(ValidationError, match="több a hátralévő"):
        payment_take(
            actor=billing.receptionist,
            invoice=invoice,
            method="CARD",
            amount=Decimal(25_000),
            idempotency_key="x",
        )
    payment_take(
        actor=billing.receptionist,
        invoice=invoice,
        method="CARD",
        amount=Decimal(15_000),
        idempotency_key="c1",
    )
    cash = payment_take(
        actor=billing.receptionist,
        invoice=invoice,
        method="CASH",
        amount=None,
        idempotency_key="c2",
    )
    assert cash.amount == 5_000 and cash.cash_rounding == 0
    account = patient_account(patient)
    assert (account.invoiced, account.paid, account.outstanding) == (20_000, 20_000, 0)


def test_account_and_stornoed_invoice(billing: Personas, patient: Patient) -> None:
    first = _invoice(billing, patient, 30_000, "d")
    _invoice(billing, patient, 10_000, "e")
    assert patient_account(patient).outstanding == 40_000
    invoice_storno(actor=billing.receptionist, invoice=first, idempotency_key="s")
    account = patient_account(patient)
    assert (account.invoiced, account.outstanding) == (10_000, 10_000)
    with pytest.raises(ValidationError, match="nincs fizetendő"):
        payment_take(
            actor=billing.receptionist,
            invoice=first,
            method="CASH",
            amount=None,
            idempotency_key="f",
        )
