"""In Chromium, against a live server: the desk takes a split payment (card + cash, the cash
rounded) on an invoice, runs the daily closing, counts the drawer and sees the day's totals
by method, the expected cash and the difference."""

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from zomanc.billing.models import DailyClosing, Invoice
from zomanc.billing.services import CustomerInput, LineInput, invoice_issue
from zomanc.conftest import Personas
from zomanc.patients.models import Patient

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(billing: Personas, live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from zomanc.testing.browser import member_page

    with member_page(live_server.url, billing.client_for(billing.receptionist)) as page:
        yield page


@pytest.fixture
def invoice(billing: Personas, patient: Patient) -> Invoice:
    return invoice_issue(
        actor=billing.receptionist,
        company=billing.company_a,
        customer=CustomerInput(kind="patient", name="Kiss Máté"),
        lines=[LineInput("Tömés", Decimal(1), Decimal(20_003), "AAM")],
        payment_method="CASH",
        idempotency_key="browser",
        patient=patient,
    )


def test_split_payment_then_daily_closing(
    page: Any, live_server: Any, billing: Personas, invoice: Invoice
) -> None:
    from playwright.sync_api import expect

    page.goto(live_server.url + reverse("billing:detail", args=[invoice.pk]))
    page.select_option("#id_method", "CARD")
    page.fill("#id_amount", "15000")
    page.get_by_role("button", name="Befizetés rögzítése").click()
    expect(page.get_by_text("Befizetve: 15\u00a0000 Ft.")).to_be_visible()
    page.select_option("#id_method", "CASH")  # the rest, in cash: 5 003 → 5 005
    page.get_by_role("button", name="Befizetés rögzítése").click()
    expect(page.get_by_text("Befizetve: 5\u00a0005 Ft készpénz (kerekítés: 2 Ft).")).to_be_visible()
    expect(page.get_by_text("Hátralék: 0\u00a0Ft")).to_be_visible()

    page.goto(live_server.url + reverse("billing:closings"))
    row = page.locator("tr", has_text=billing.company_a.name)
    row.get_by_role("link", name="Napi zárás").click()
    expect(page.locator('tr[data-method="CARD"] td').nth(2)).to_have_text("15\u00a0000\u00a0Ft")
    expect(page.locator('tr[data-method="CASH"] td').nth(2)).to_have_text("5\u00a0005\u00a0Ft")
    expect(page.locator('[data-figure="expected"]')).to_have_text("5\u00a0005\u00a0Ft")
    page.fill("#id_counted_cash", "5000")
    page.fill("#id_note", "5 Ft hiány")
    page.get_by_role("button", name="Nap lezárása").click()
    expect(page.get_by_text("A nap lezárva.")).to_be_visible()
    expect(page.locator('[data-figure="difference"]')).to_have_text("-5\u00a0Ft")
    expect(page.locator('[data-figure="counted"]')).to_have_text("5\u00a0000\u00a0Ft")
    expect(page.locator(".page-subtitle .badge")).to_have_text("lezárva")
    expect(page.get_by_role("button", name="Nap lezárása")).to_have_count(0)
    closing = DailyClosing.objects.get()
    assert (closing.cash_in, closing.expected_cash, closing.difference) == (5005, 5005, -5)
    assert closing.by_method["CARD"]["in"] == "15000"
