"""The daily closing row of the invoices section (issue 16): `closing_run` builds the days it
claims (invoices, stornos, payments by company and day), closes the earlier ones in order and
measures the day with a query count that does not grow with the day's size."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from bench.invoices import closing_run
from zomanc.billing.models import DailyClosing, Invoice, InvoiceKind, Payment
from zomanc.conftest import make_member
from zomanc.practices.models import Company, Practice, Role

pytestmark = pytest.mark.django_db


def _setup(tag: str = "") -> Any:
    practice = Practice.objects.create(name=f"Bench Fogászat{tag}")
    company = Company.objects.create(
        practice=practice,
        name="Bench Fogászat Kft.",
        tax_number="24681353-2-41",
        postal_code="1051",
        city="Budapest",
        street_address="Nádor utca 12.",
        invoice_prefix="BF",
    )
    desk = make_member(practice, f"recepcio{tag}@bench.test", "Recepciós Réka", Role.RECEPTIONIST)
    return SimpleNamespace(practice=practice, company=company, receptionist=desk)


def test_closing_run_closes_every_day_and_counts_the_measured_one() -> None:
    setup = _setup()
    small = closing_run(setup, invoices=40, history_days=2)
    assert (small["invoices"], small["history_days"]) == (40, 2)
    company = Company.objects.get(name="Zárás Fogászat Kft.")
    closings = list(DailyClosing.objects.filter(company=company).order_by("day"))
    assert len(closings) == 3  # two earlier days and the measured one, in order
    last = closings[-1]
    assert (last.invoices_count, last.stornos_count) == (38, 2)  # every 20th stornoed
    assert Invoice.objects.filter(company=company, kind=InvoiceKind.STORNO).count() == 6
    # Each original paid once, each storno's payment given back: 40 + 2 a day.
    assert (
        small["payments"] == 40 and Payment.objects.filter(invoice__company=company).count() == 120
    )
    assert last.rounding_total != 0 or last.cash_in > 0
    assert last.opening_cash == closings[-2].closing_cash  # the drawer carried over
    # The summary's queries do not depend on the day's size (docstring of day_summary).
    assert small["summary_queries"] == 4
    assert small["summary_ms_p50"] is not None and small["close_ms"] is not None


def test_closing_run_query_count_does_not_grow_with_the_day() -> None:
    small = closing_run(_setup(" A"), invoices=20, history_days=1)
    large = closing_run(_setup(" B"), invoices=200, history_days=1)
    assert large["invoices"] == 200
    assert small["summary_queries"] == large["summary_queries"]
    assert small["close_queries"] == large["close_queries"]
