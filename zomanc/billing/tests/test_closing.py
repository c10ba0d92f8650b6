"""The daily closing (napi zárás): totals by payment method, the drawer (opening + cash in −
cash out = expected; counted, difference), invoices and stornos, rounding; a closed day takes
no payment and never changes (model guard + PostgreSQL trigger), days close in order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from zomanc.billing.closing import day_close, day_summary
from zomanc.billing.models import DailyClosing, ImmutableError, Invoice
from zomanc.billing.payments import payment_take
from zomanc.billing.services import CustomerInput, LineInput, invoice_issue, invoice_storno
from zomanc.conftest import Personas
from zomanc.patients.models import Patient

TODAY = timezone.localdate


def issue(p: Personas, patient: Patient | None, gross: int, key: str, **kw: object) -> Invoice:
    customer = kw.pop("customer", CustomerInput(kind="patient", name="Kiss Máté"))
    return invoice_issue(
        actor=kw.pop("actor", p.receptionist),  # type: ignore[arg-type]
        company=kw.pop("company", p.company_a),  # type: ignore[arg-type]
        customer=customer,  # type: ignore[arg-type]
        lines=[LineInput("Kezelés", Decimal(1), Decimal(gross), "AAM")],
        payment_method=str(kw.pop("method", "CASH")),
        idempotency_key=key,
        patient=patient,
    )


def pay(p: Personas, invoice: Invoice, method: str, amount: int | None, key: str, **kw: object):
    return payment_take(
        actor=p.receptionist,
        invoice=invoice,
        method=method,
        amount=None if amount is None else Decimal(amount),
        idempotency_key=key,
        **kw,  # type: ignore[arg-type]
    )


FUND = CustomerInput(
    kind="health_fund",
    name="Vitamin Egészségpénztár",
    postal_code="1138",
    city="Budapest",
    street="Váci út 1.",
    tax_number="24681353-2-41",
    fund_member_name="Kiss Máté",
    fund_member_number="EP-1",
)


def test_day_figures_by_method_drawer_and_invoices(billing: Personas, patient: Patient) -> None:
    a = issue(billing, patient, 20_003, "a")
    pay(billing, a, "CARD", 15_000, "a1")
    pay(billing, a, "CASH", None, "a2")  # 5 003 → 5 005 in cash, rounding +2
    b = issue(billing, patient, 18_000, "b", customer=FUND, method="FUND_CARD")
    pay(billing, b, "FUND_CARD", None, "b1")
    c = issue(billing, patient, 7_001, "c")
    pay(billing, c, "CASH", 10_001, "c1", excess_as_credit=True)  # 10 000 in cash, −1
    d = issue(billing, patient, 4_000, "d")
    pay(billing, d, "CASH", None, "d1")
    invoice_storno(actor=billing.receptionist, invoice=d, idempotency_key="ds")  # −4 000 cash
    e = issue(billing, patient, 2_000, "e")
    pay(billing, e, "CREDIT", None, "e1")  # from the 3 000 credit: no money moves
    # Another practice's company and its desk: nothing of it counts here.
    other = issue(billing, None, 9_999, "o", actor=billing.outsider, company=billing.company_b)
    payment_take(
        actor=billing.outsider, invoice=other, method="CASH", amount=None, idempotency_key="o1"
    )
    s = day_summary(billing.company_a, TODAY())
    methods = {m.method: (m.count, m.inflow, m.outflow) for m in s.methods}
    assert methods == {
        "CASH": (4, 5_005 + 10_000 + 4_000, 4_000),
        "CARD": (1, 15_000, 0),
        "TRANSFER": (0, 0, 0),
        "FUND_CARD": (1, 18_000, 0),
        "CREDIT": (1, 0, 0),
    }
    assert (s.opening_cash, s.cash_in, s.cash_out, s.expected_cash) == (0, 19_005, 4_000, 15_005)
    assert s.rounding_total == 2 - 1
    assert (s.invoices_count, s.invoices_total) == (5, 20_003 + 18_000 + 7_001 + 4_000 + 2_000)
    assert (s.stornos_count, s.stornos_total) == (1, -4_000)
    closing = day_close(
        actor=billing.receptionist,
        company=billing.company_a,
        day=TODAY(),
        counted_cash=Decimal(14_995),
        cash_removed=Decimal(10_000),
    )
    assert (closing.expected_cash, closing.difference, closing.closing_cash) == (15_005, -10, 4_995)
    assert closing.by_method["CASH"] == {"in": "19005", "out": "4000", "count": 4}
    # The closed day shows the frozen figures.
    again = day_summary(billing.company_a, TODAY())
    assert again.closing == closing and again.expected_cash == 15_005


def test_the_next_day_opens_with_what_the_drawer_kept(billing: Personas, patient: Patient) -> None:
    yesterday = TODAY() - dt.timedelta(days=1)
    a = issue(billing, patient, 12_000, "a")
    pay(billing, a, "CASH", 5_000, "a1", paid_on=yesterday)
    day_close(
        actor=billing.receptionist,
        company=billing.company_a,
        day=yesterday,
        counted_cash=Decimal(25_000),  # 20 000 was in the drawer already
        cash_removed=Decimal(15_000),
    )
    pay(billing, a, "CASH", None, "a2")
    s = day_summary(billing.company_a, TODAY())
    assert (s.opening_cash, s.cash_in, s.expected_cash) == (10_000, 7_000, 17_000)


def test_a_closed_day_takes_no_payment_and_cannot_change(
    billing: Personas, patient: Patient
) -> None:
    a = issue(billing, patient, 12_000, "a")
    closing = day_close(
        actor=billing.receptionist, company=billing.company_a, day=TODAY(), counted_cash=Decimal(0)
    )
    with pytest.raises(ValidationError, match="le van zárva"):
        pay(billing, a, "CARD", None, "a1")
    with pytest.raises(ValidationError, match="le van zárva"):  # a day before it, too
        pay(billing, a, "TRANSFER", None, "a2", paid_on=TODAY() - dt.timedelta(days=3))
    assert not a.payments.exists()
    with pytest.raises(ValidationError, match="nem nyitható újra"):
        day_close(
            actor=billing.owner, company=billing.company_a, day=TODAY(), counted_cash=Decimal(5)
        )
    closing.counted_cash = Decimal(1)
    with pytest.raises(ImmutableError):
        closing.save()
    with pytest.raises(ImmutableError):
        DailyClosing.objects.filter(pk=closing.pk).update(counted_cash=1)
    with pytest.raises(ImmutableError):
        closing.delete()
    if connection.vendor == "postgresql":
        for sql in (
            "UPDATE billing_dailyclosing SET counted_cash = 1 WHERE id = %s",
            "DELETE FROM billing_dailyclosing WHERE id = %s",
        ):
            with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
                cur.execute(sql, [closing.pk])
    assert DailyClosing.objects.get(pk=closing.pk).counted_cash == 0


def test_closing_refuses_bad_input_and_out_of_order_days(
    billing: Personas, patient: Patient
) -> None:
    a = issue(billing, patient, 12_000, "a")
    two_days_ago = TODAY() - dt.timedelta(days=2)
    pay(billing, a, "CASH", 1_000, "a1", paid_on=two_days_ago)
    close: dict[str, Any] = {"actor": billing.receptionist, "company": billing.company_a}
    with pytest.raises(ValidationError, match="Jövőbeli nap"):
        day_close(**close, day=TODAY() + dt.timedelta(days=1), counted_cash=Decimal(0))
    with pytest.raises(ValidationError, match="nem lehet negatív"):
        day_close(**close, day=TODAY(), counted_cash=Decimal(-1))
    with pytest.raises(ValidationError, match="között legyen"):
        day_close(**close, day=TODAY(), counted_cash=Decimal(10), cash_removed=Decimal(11))
    with pytest.raises(ValidationError, match="Előbb a"):
        day_close(**close, day=TODAY(), counted_cash=Decimal(1_000))
    assert not DailyClosing.objects.exists()
    day_close(**close, day=two_days_ago, counted_cash=Decimal(1_000))
    closing = day_close(**close, day=TODAY(), counted_cash=Decimal(1_000))
    assert closing.opening_cash == 1_000 and closing.difference == 0
    # Another practice's company cannot be closed by this desk.
    with pytest.raises(ValidationError, match="nem ehhez a rendelőhöz"):
        day_close(
            actor=billing.receptionist,
            company=billing.company_b,
            day=TODAY(),
            counted_cash=Decimal(0),
        )


@pytest.mark.django_db(transaction=True)
def test_a_payment_racing_the_closing_is_counted_or_refused(
    billing: Personas, patient: Patient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Real concurrent transactions: the closing has read the day's figures and not yet
    written them when a payment arrives. The payment waits for the company row and is then
    refused — without the lock (PostgreSQL) it would commit in between and no closing would
    ever count it."""
    import threading
    import time

    from django.db import OperationalError, connections

    from zomanc.billing import closing as closing_module

    invoice = issue(billing, patient, 9_000, "race")
    figures_read = threading.Event()
    real_summary = closing_module.day_summary

    def slow_summary(company: object, day: dt.date) -> object:
        summary = real_summary(company, day)  # type: ignore[arg-type]
        figures_read.set()
        time.sleep(1.0)  # the payment arrives now
        return summary

    monkeypatch.setattr(closing_module, "day_summary", slow_summary)
    outcome: dict[str, object] = {}

    def retrying(what: str, call: Callable[[], object]) -> None:
        try:
            for _ in range(500):
                try:
                    outcome[what] = call()
                    return
                except OperationalError:
                    if connection.vendor != "sqlite":  # shared-cache "locked": try again
                        raise
                    time.sleep(0.01)
        except BaseException as exc:
            outcome[what] = exc
        finally:
            connections.close_all()

    def close() -> None:
        retrying(
            "closing",
            lambda: day_close(
                actor=billing.receptionist,
                company=billing.company_a,
                day=TODAY(),
                counted_cash=Decimal(0),
            ),
        )

    def pay_now() -> None:
        figures_read.wait(timeout=30)
        retrying("payment", lambda: pay(billing, invoice, "CASH", None, "race-p"))

    threads = [threading.Thread(target=close), threading.Thread(target=pay_now)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    closing = outcome["closing"]
    assert isinstance(closing, DailyClosing), outcome
    payment = outcome["payment"]
    if isinstance(payment, ValidationError):
        assert "le van zárva" in str(payment)
        assert not invoice.payments.exists() and closing.cash_in == 0
    else:  # it landed first: then the closing counted it
        assert closing.cash_in == 9_000, (payment, closing.cash_in)
