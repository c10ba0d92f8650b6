"""In Chromium, against a live server: the invoice issue form shows only the customer fields
the chosen customer kind uses (billing/invoice-form.js toggles `hidden`); without JavaScript
every field is there (the server ignores what the kind does not use)."""

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from zomanc.billing.tests.fixtures import make_visit
from zomanc.conftest import Personas
from zomanc.patients.models import Patient

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

COMPANY_FIELDS = ["Vevő neve", "Irányítószám", "Település", "Utca, házszám"]
FUND_FIELDS = ["Pénztártag neve", "Pénztártag azonosítója"]


@pytest.fixture
def page(billing: Personas, live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from zomanc.testing.browser import member_page

    with member_page(live_server.url, billing.client_for(billing.receptionist)) as page:
        yield page


def test_customer_fields_follow_the_customer_kind(
    page: Any, live_server: Any, billing: Personas, patient: Patient
) -> None:
    from playwright.sync_api import expect

    from zomanc.testing.browser import axe_check

    visit = make_visit(billing, patient, [("Tömés", 38000, "AAM")])
    page.goto(live_server.url + reverse("billing:visit_new", args=[visit.pk]))
    form = page.locator("form.invoice-issue")
    expect(page.get_by_text("38\u00a0000\u00a0Ft").first).to_be_visible()
    # A patient customer: the name and address come from the patient, nothing else asked.
    expect(form.get_by_label("Vevő", exact=True)).to_have_value("patient")
    for label in [*COMPANY_FIELDS, *FUND_FIELDS]:
        expect(form.get_by_label(label)).to_be_hidden()
    expect(form.get_by_label("Fizetési mód")).to_be_visible()
    axe_check(page, label="invoice issue form")
    form.get_by_label("Vevő", exact=True).select_option("company")
    for label in COMPANY_FIELDS:
        expect(form.get_by_label(label)).to_be_visible()
    for label in FUND_FIELDS:
        expect(form.get_by_label(label)).to_be_hidden()
    form.get_by_label("Vevő", exact=True).select_option("health_fund")
    for label in [*COMPANY_FIELDS, *FUND_FIELDS]:
        expect(form.get_by_label(label)).to_be_visible()
    form.get_by_label("Vevő", exact=True).select_option("patient")
    expect(form.get_by_label("Vevő neve")).to_be_hidden()


def test_without_javascript_every_field_shows(billing: Personas, patient: Patient) -> None:
    visit = make_visit(billing, patient, [("Tömés", 38000, "AAM")])
    client = billing.client_for(billing.receptionist)
    html = client.get(reverse("billing:visit_new", args=[visit.pk])).content.decode()
    assert " hidden" not in html.split('class="card form-2col invoice-issue"')[1]
    assert html.count("data-customer-kinds=") == 7
    assert "billing/invoice-form.js" in html


def test_billing_pages_pass_axe(
    page: Any, live_server: Any, billing: Personas, patient: Patient
) -> None:
    from playwright.sync_api import expect

    from zomanc.billing.models import Invoice
    from zomanc.billing.services import CustomerInput, LineInput, invoice_issue
    from zomanc.testing.browser import axe_check

    invoice: Invoice = invoice_issue(
        actor=billing.receptionist,
        company=billing.company_a,
        customer=CustomerInput(kind="patient", name="Kiss Máté"),
        lines=[LineInput("Tömés", Decimal(1), Decimal(38000), "AAM")],
        payment_method="CASH",
        idempotency_key="axe",
        patient=patient,
    )
    for name, url in [
        ("invoice", reverse("billing:detail", args=[invoice.pk])),
        ("invoices", reverse("billing:list")),
        ("patient billing", reverse("billing:patient", args=[patient.pk])),
        ("nav submissions", reverse("billing:nav_list")),
    ]:
        page.goto(live_server.url + url)
        expect(page.locator("h1")).to_have_count(1)
        axe_check(page, label=name)
    # The invoice page: the pending NAV state as a badge and a sentence, the total grouped.
    page.goto(live_server.url + reverse("billing:detail", args=[invoice.pk]))
    expect(page.locator("h1 .badge.state-pending.nav-pending")).to_have_text("NAV: Beküldésre vár")
    expect(page.locator("section.nav-state")).to_contain_text("a rendszer magától beküldi")
    expect(page.get_by_text("Fizetendő: 38\u00a0000\u00a0Ft")).to_be_visible()
