"""Payments: cash rounded to 0/5 Ft with the difference booked, card exact, no overpayment
unless held as credit, one payment per key, none on a stornoed invoice, the health-fund
card only on the fund's invoice, refunds by method with the storno, no payment on a closed
day, the patient's account totals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from zomanc.billing.models import DailyClosing, ImmutableError, Invoice, Payment
from zomanc.billing.payments import cash_round, patient_account, patient_credit, payment_take
from zomanc.billing.services import CustomerInput, LineInput, invoice_issue, invoice_storno
from zomanc.conftest import Personas
from zomanc.patients.models import Patient
from zomanc.practices.models import Company


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


# --- issue 16, "Payments and the patient's account": methods, credit, refunds, closed days --


def _fund_invoice(p: Personas, patient: Patient, gross: int, key: str) -> Invoice:
    return invoice_issue(
        actor=p.receptionist,
        company=p.company_a,
        customer=CustomerInput(
            kind="health_fund",
            name="Vitamin Egészségpénztár",
            postal_code="1138",
            city="Budapest",
            street="Váci út 1.",
            tax_number="24681353-2-41",
            fund_member_name="Kiss Máté",
            fund_member_number="EP-123",
        ),
        lines=[LineInput("Tömés", Decimal(1), Decimal(gross), "AAM")],
        payment_method="FUND_CARD",
        idempotency_key=key,
        patient=patient,
    )


def _closed(p: Personas, day: dt.date, company: Company | None = None) -> DailyClosing:
    company = company or p.company_a
    return DailyClosing.objects.create(
        practice_id=company.practice_id,
        company=company,
        day=day,
        opening_cash=0,
        cash_in=0,
        cash_out=0,
        expected_cash=0,
        counted_cash=0,
        difference=0,
        rounding_total=0,
        invoices_count=0,
        invoices_total=0,
        stornos_count=0,
        stornos_total=0,
        closed_by=p.receptionist,
        closed_at=timezone.now(),
    )


def _pay(p: Personas, invoice: Invoice, method: str, amount: int | None, key: str, **kw: Any):
    return payment_take(
        actor=p.receptionist,
        invoice=invoice,
        method=method,
        amount=None if amount is None else Decimal(amount),
        idempotency_key=key,
        **kw,
    )


def test_fund_card_only_on_an_invoice_to_the_fund(billing: Personas, patient: Patient) -> None:
    private = _invoice(billing, patient, 10_000, "g")
    with pytest.raises(ValidationError, match="egészségpénztár nevére"):
        _pay(billing, private, "FUND_CARD", None, "g1")
    assert not private.payments.exists()
    fund = _fund_invoice(billing, patient, 18_000, "h")
    payment = _pay(billing, fund, "FUND_CARD", None, "h1")
    assert (payment.amount, payment.cash_amount, payment.received) == (18_000, None, 18_000)


def test_fund_card_invoice_is_reported_as_card(billing: Personas, patient: Patient) -> None:
    """NAV's paymentMethod has no health-fund card: the card it is goes as CARD, and the
    invoice data stays valid against the shared XSD."""
    from lxml import etree

    from zomanc.nav.client.schema import parse, validate

    fund = _fund_invoice(billing, patient, 18_000, "i")
    data = parse(bytes(fund.nav_submission.invoice_xml))
    validate(data)
    method = data.find(".//{*}paymentMethod")
    assert method is not None and method.text == "CARD", etree.tostring(data)[:200]


def test_card_and_credit_cannot_be_an_invoices_method(billing: Personas, patient: Patient) -> None:
    with pytest.raises(ValidationError, match="Ismeretlen fizetési mód"):
        invoice_issue(
            actor=billing.receptionist,
            company=billing.company_a,
            customer=CustomerInput(kind="patient", name="Kiss Máté"),
            lines=[LineInput("Kezelés", Decimal(1), Decimal(1000), "AAM")],
            payment_method="CREDIT",
            idempotency_key="j",
            patient=patient,
        )


def test_overpayment_held_as_credit_then_spent(billing: Personas, patient: Patient) -> None:
    first = _invoice(billing, patient, 15_000, "k")
    with pytest.raises(ValidationError, match="Előleg / túlfizetés"):
        _pay(billing, first, "CASH", 20_000, "k0")
    assert not first.payments.exists()
    paid = _pay(billing, first, "CASH", 20_003, "k1", excess_as_credit=True)
    # The invoice is settled by 15 000; 5 003 is held; the drawer got 20 005 (rounded).
    assert (paid.amount, paid.credit, paid.cash_amount, paid.cash_rounding) == (
        15_000,
        5_003,
        20_005,
        2,
    )
    account = patient_account(patient)
    assert (account.invoiced, account.paid, account.outstanding, account.credit) == (
        15_000,
        15_000,
        0,
        5_003,
    )
    second = _invoice(billing, patient, 8_000, "l")
    # The error's text shows through its repr, which escapes the no-break space of "5 003".
    with pytest.raises(ValidationError, match=r"egyenlege 5\\xa0003 Ft"):
        _pay(billing, second, "CREDIT", None, "l0")  # 8 000 asked, 5 003 held
    spent = _pay(billing, second, "CREDIT", 5_003, "l1")
    assert (spent.amount, spent.credit, spent.received) == (5_003, -5_003, 0)
    account = patient_account(patient)
    assert (account.outstanding, account.credit) == (2_997, 0)


def test_overpayment_on_an_invoice_without_patient_refused(billing: Personas) -> None:
    invoice = invoice_issue(
        actor=billing.receptionist,
        company=billing.company_a,
        customer=CustomerInput(
            kind="company",
            name="Fog Kft.",
            postal_code="1111",
            city="Budapest",
            street="Fő u. 1.",
            tax_number="13579241-1-13",
        ),
        lines=[LineInput("Kezelés", Decimal(1), Decimal(10_000), "AAM")],
        payment_method="TRANSFER",
        idempotency_key="m",
    )
    with pytest.raises(ValidationError, match="csak a páciens nevére"):
        _pay(billing, invoice, "TRANSFER", 12_000, "m1", excess_as_credit=True)
    assert not invoice.payments.exists()


def test_a_funds_money_is_not_the_patients_credit(billing: Personas, patient: Patient) -> None:
    fund = _fund_invoice(billing, patient, 10_000, "fm")
    with pytest.raises(ValidationError, match="csak a páciens nevére"):
        _pay(billing, fund, "FUND_CARD", 12_000, "fm1", excess_as_credit=True)
    own = _invoice(billing, patient, 1_000, "fo")
    _pay(billing, own, "CARD", 5_000, "fo1", excess_as_credit=True)  # 4 000 credit
    with pytest.raises(ValidationError, match="egyenlegéből csak"):
        _pay(billing, fund, "CREDIT", 1_000, "fm2")
    assert not fund.payments.exists() and patient_credit(patient) == 4_000


def test_storno_of_a_paid_invoice_refunds_by_method(billing: Personas, patient: Patient) -> None:
    invoice = _invoice(billing, patient, 20_003, "n")
    _pay(billing, invoice, "CARD", 15_000, "n1")
    _pay(billing, invoice, "CASH", None, "n2")  # 5 003 → 5 005 handed over
    storno = invoice_storno(actor=billing.receptionist, invoice=invoice, idempotency_key="ns")
    refunds = {p.method: p for p in storno.payments.all()}
    assert set(refunds) == {"CARD", "CASH"}
    assert refunds["CARD"].amount == -15_000 and refunds["CARD"].cash_amount is None
    assert (refunds["CASH"].amount, refunds["CASH"].cash_amount) == (-5_003, -5_005)
    assert all(p.paid_on == timezone.localdate() for p in refunds.values())
    account = patient_account(patient)
    assert (account.invoiced, account.paid, account.outstanding) == (0, 0, 0)
    # A double click on the storno: the same storno, no second refund.
    again = invoice_storno(actor=billing.receptionist, invoice=invoice, idempotency_key="ns")
    assert again == storno and Payment.objects.filter(amount__lt=0).count() == 2


def test_storno_refunds_credit_spent_back_to_credit(billing: Personas, patient: Patient) -> None:
    first = _invoice(billing, patient, 1_000, "o")
    _pay(billing, first, "CARD", 4_000, "o1", excess_as_credit=True)  # 3 000 credit
    second = _invoice(billing, patient, 2_000, "p")
    _pay(billing, second, "CREDIT", None, "p1")
    assert patient_credit(patient) == 1_000
    invoice_storno(actor=billing.receptionist, invoice=second, idempotency_key="ps")
    assert patient_credit(patient) == 3_000


def test_storno_on_a_closed_day_refused_nothing_half_saved(
    billing: Personas, patient: Patient
) -> None:
    from zomanc.nav.models import NavSubmission

    invoice = _invoice(billing, patient, 9_000, "q")
    _pay(billing, invoice, "CARD", None, "q1")
    _closed(billing, timezone.localdate())
    count = (Invoice.objects.count(), Payment.objects.count(), NavSubmission.objects.count())
    with pytest.raises(ValidationError, match="pénztára le van zárva"):
        invoice_storno(actor=billing.receptionist, invoice=invoice, idempotency_key="qs")
    after = (Invoice.objects.count(), Payment.objects.count(), NavSubmission.objects.count())
    assert after == count


def test_no_payment_on_a_closed_day(billing: Personas, patient: Patient) -> None:
    invoice = _invoice(billing, patient, 9_000, "r")
    today = timezone.localdate()
    yesterday, three_days_ago = today - dt.timedelta(days=1), today - dt.timedelta(days=3)
    # An open earlier day takes the transfer that arrived then (backdated, not closed).
    payment = _pay(billing, invoice, "TRANSFER", 1_000, "r0", paid_on=three_days_ago)
    assert payment.paid_on == three_days_ago
    _closed(billing, yesterday)
    with pytest.raises(ValidationError, match="le van zárva"):
        _pay(billing, invoice, "TRANSFER", None, "r1", paid_on=yesterday)
    # Before the latest closing the books are closed, also on a day without its own closing.
    with pytest.raises(ValidationError, match="le van zárva"):
        _pay(billing, invoice, "TRANSFER", None, "r2", paid_on=three_days_ago)
    with pytest.raises(ValidationError, match="jövőbeli"):
        _pay(billing, invoice, "TRANSFER", None, "r3", paid_on=today + dt.timedelta(days=1))
    assert invoice.payments.count() == 1
    # Another company's closing closes nothing of company A.
    other = _invoice(billing, patient, 1_000, "r4")
    _closed(billing, today, company=billing.company_b)
    assert _pay(billing, other, "CASH", None, "r5").paid_on == timezone.localdate()


def test_patient_account_in_fixed_queries(billing: Personas, patient: Patient) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            patient_account(patient)
        return len(captured)

    first = _invoice(billing, patient, 1_000, "s0")
    _pay(billing, first, "CARD", 500, "s0p")
    few = queries()
    for i in range(5):
        invoice = _invoice(billing, patient, 2_000, f"s{i + 1}")
        _pay(billing, invoice, "CASH", 3_000, f"s{i + 1}p", excess_as_credit=True)
    invoice_storno(actor=billing.receptionist, invoice=first, idempotency_key="s0s")
    assert queries() == few == 3
    account = patient_account(patient)
    assert (account.invoiced, account.paid, account.outstanding, account.credit) == (
        10_000,
        10_000,
        0,
        5_000,
    )
