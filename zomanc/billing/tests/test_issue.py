"""Issuing invoices: numbers, VAT per line, customers, idempotency, immutability, storno,
refusals with nothing half-saved."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, OperationalError, connection, connections, transaction
from lxml import etree

from zomanc.billing.models import ImmutableError, Invoice, InvoiceCounter, InvoiceKind
from zomanc.billing.services import (
    CustomerInput,
    LineInput,
    customer_of_patient,
    invoice_issue,
    invoice_issue_for_visit,
    invoice_storno,
)
from zomanc.billing.tests.fixtures import make_visit
from zomanc.conftest import Personas
from zomanc.nav.client import schema
from zomanc.nav.models import NavSubmission
from zomanc.patients.models import Patient

LINES = [
    LineInput("Fogkő-eltávolítás", Decimal(1), Decimal(12000), "AAM"),
    LineInput("Fogfehérítés", Decimal(1), Decimal(40000), "27"),
]


def _issue(p: Personas, key: str = "k1", **kw: object) -> Invoice:
    args: dict[str, object] = {
        "actor": p.receptionist,
        "company": p.company_a,
        "customer": CustomerInput(kind="patient", name="Kiss Máté"),
        "lines": LINES,
        "payment_method": "CASH",
        "idempotency_key": key,
    }
    args.update(kw)
    return invoice_issue(**args)  # type: ignore[arg-type]


def _xml(invoice: Invoice) -> etree._Element:
    return schema.parse(bytes(NavSubmission.objects.get(invoice=invoice).invoice_xml))


def _t(root: etree._Element, name: str) -> list[str]:
    return [e.text or "" for e in root.iter(f"{{{schema.NS_DATA}}}{name}")]


def test_numbers_vat_and_report_row(billing: Personas) -> None:
    first = _issue(billing, "a")
    second = _issue(billing, "b")
    prefix = billing.company_a.invoice_prefix
    year = first.issue_date.year
    assert first.number == f"{prefix}-{year}-000001"
    assert second.number == f"{prefix}-{year}-000002"
    lines = list(first.lines.all())
    assert (lines[0].vat_code, lines[0].net, lines[0].vat) == ("TAM", 12000, 0)
    assert "85. § (1) c)" in lines[0].vat_reason
    assert (lines[1].vat_code, lines[1].net, lines[1].vat, lines[1].gross) == (
        "27",
        31496,
        8504,
        40000,
    )
    assert (first.net_total, first.vat_total, first.gross_total) == (43496, 8504, 52000)
    root = _xml(first)
    schema.validate(root)
    assert _t(root, "case") == ["TAM", "TAM"]  # line and summary
    assert _t(root, "customerVatStatus") == ["PRIVATE_PERSON"]
    assert _t(root, "customerName") == []  # a private person is not reported
    assert NavSubmission.objects.filter(invoice=first, operation="CREATE").count() == 1


def test_small_business_exempt_company_issues_with_aam(billing: Personas) -> None:
    billing.company_a.vat_small_business_exempt = True
    billing.company_a.save()
    invoice = _issue(billing)
    assert {x.vat_code for x in invoice.lines.all()} == {"AAM"}
    assert invoice.vat_total == 0 and invoice.gross_total == 52000
    root = _xml(invoice)
    assert _t(root, "individualExemption") == ["true"]
    assert set(_t(root, "case")) == {"AAM"}


def test_double_click_issues_one_invoice(billing: Personas) -> None:
    assert _issue(billing, "same").pk == _issue(billing, "same").pk
    assert Invoice.objects.count() == 1 and NavSubmission.objects.count() == 1


def test_company_customer_needs_a_valid_tax_number_nothing_saved(billing: Personas) -> None:
    bad = CustomerInput(
        kind="company",
        name="Fog Kft.",
        postal_code="1111",
        city="Budapest",
        street="Fő u. 1.",
        tax_number="24681354-2-41",
    )
    with pytest.raises(ValidationError) as caught:
        _issue(billing, customer=bad)
    assert "ellenőrző számjegy" in str(caught.value)
    assert not Invoice.objects.exists() and not NavSubmission.objects.exists()
    assert not InvoiceCounter.objects.filter(last_number__gt=0).exists()
    good = CustomerInput(
        kind="company",
        name="Fog Kft.",
        postal_code="1111",
        city="Budapest",
        street="Fő u. 1.",
        tax_number="13579241-1-13",
    )
    invoice = _issue(billing, customer=good)
    assert invoice.number.endswith("-000001")  # the refused one took no number
    root = _xml(invoice)
    assert _t(root, "customerVatStatus") == ["DOMESTIC"]
    assert _t(root, "customerName") == ["Fog Kft."]


def test_health_fund_invoice_names_the_member(billing: Personas) -> None:
    fund = CustomerInput(
        kind="health_fund",
        name="Prémium Egészségpénztár",
        postal_code="1138",
        city="Budapest",
        street="Váci út 1.",
        tax_number="13579241-1-13",
        fund_member_name="Kiss Máté",
    )
    with pytest.raises(ValidationError) as caught:
        _issue(billing, customer=fund)
    assert "pénztártag" in str(caught.value)
    fund = CustomerInput(**{**fund.__dict__, "fund_member_number": "123456789"})
    invoice = _issue(billing, customer=fund)
    assert (invoice.fund_member_name, invoice.fund_member_number) == ("Kiss Máté", "123456789")
    assert "123456789" in _t(_xml(invoice), "dataValue")


def test_visit_invoice_refusals(billing: Personas, patient: Patient) -> None:
    empty = make_visit(billing, patient, [])
    with pytest.raises(ValidationError, match="üres vizit"):
        invoice_issue_for_visit(
            actor=billing.receptionist,
            visit=empty,
            customer=customer_of_patient(patient),
            payment_method="CASH",
            idempotency_key="e",
        )
    open_visit = make_visit(billing, patient, [("Tömés", 15000, "AAM")], closed=False)
    with pytest.raises(ValidationError, match="lezárt"):
        invoice_issue_for_visit(
            actor=billing.receptionist,
            visit=open_visit,
            customer=customer_of_patient(patient),
            payment_method="CASH",
            idempotency_key="o",
        )
    visit = make_visit(billing, patient, [("Tömés", 15000, "AAM"), ("Fehérítés", 40000, "27")])
    invoice = invoice_issue_for_visit(
        actor=billing.receptionist,
        visit=visit,
        customer=customer_of_patient(patient),
        payment_method="CARD",
        idempotency_key="v1",
    )
    assert invoice.gross_total == 55000 and invoice.visit_id == visit.pk
    assert [x.vat_code for x in invoice.lines.all()] == ["TAM", "27"]
    with pytest.raises(ValidationError, match="már van érvényes számla"):
        invoice_issue_for_visit(
            actor=billing.receptionist,
            visit=visit,
            customer=customer_of_patient(patient),
            payment_method="CASH",
            idempotency_key="v2",
        )
    invoice_storno(actor=billing.receptionist, invoice=invoice, idempotency_key="s")
    again = invoice_issue_for_visit(
        actor=billing.receptionist,
        visit=visit,
        customer=customer_of_patient(patient),
        payment_method="CASH",
        idempotency_key="v3",
    )
    assert again.number.endswith("-000003")
    assert Invoice.objects.count() == 3


def test_other_practice_company_refused(billing: Personas) -> None:
    with pytest.raises(ValidationError):
        _issue(billing, company=billing.company_b)


def test_storno_chain_and_refusals(billing: Personas) -> None:
    original = _issue(billing)
    storno = invoice_storno(actor=billing.receptionist, invoice=original, idempotency_key="s1")
    assert storno.kind == InvoiceKind.STORNO and storno.original_id == original.pk
    assert storno.gross_total == -original.gross_total
    assert (
        invoice_storno(actor=billing.receptionist, invoice=original, idempotency_key="s1") == storno
    )
    root = _xml(storno)
    schema.validate(root)
    assert _t(root, "originalInvoiceNumber") == [original.number]
    assert _t(root, "modificationIndex") == ["1"]
    with pytest.raises(ValidationError, match="már sztornózták"):
        invoice_storno(actor=billing.receptionist, invoice=original, idempotency_key="s2")
    with pytest.raises(ValidationError, match="Sztornó számlát nem lehet"):
        invoice_storno(actor=billing.receptionist, invoice=storno, idempotency_key="s3")
    assert Invoice.objects.count() == 2


def test_issued_invoice_is_immutable(billing: Personas) -> None:
    invoice = _issue(billing)
    with pytest.raises(ImmutableError):
        invoice.save()
    with pytest.raises(ImmutableError):
        Invoice.objects.filter(pk=invoice.pk).update(customer_name="X")
    with pytest.raises(ImmutableError):
        invoice.lines.first().delete()  # type: ignore[union-attr]
    if connection.vendor == "postgresql":
        # The database itself refuses, whoever asks.
        for sql in (
            "UPDATE billing_invoice SET customer_name = 'X' WHERE id = %s",
            "DELETE FROM billing_invoiceline WHERE invoice_id = %s",
        ):
            with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as c:
                c.execute(sql, [invoice.pk])
    assert Invoice.objects.get(pk=invoice.pk).customer_name == "Kiss Máté"


@pytest.mark.django_db(transaction=True)
def test_concurrent_issuers_get_consecutive_numbers(billing: Personas) -> None:
    """Real concurrent transactions (threads, each with its own connection)."""
    count = 8
    barrier = threading.Barrier(count)
    numbers: list[str] = []
    errors: list[BaseException] = []

    def issue(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            for _ in range(200):
                try:
                    numbers.append(_issue(billing, f"c{i}").number)
                    break
                except OperationalError:
                    # SQLite's shared-cache test database answers "table is locked" where
                    # a file database would wait; PostgreSQL must never get here.
                    if connection.vendor != "sqlite":
                        raise
                    time.sleep(0.01)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    prefix, year = billing.company_a.invoice_prefix, numbers[0].split("-")[1]
    assert sorted(numbers) == [f"{prefix}-{year}-{i:06d}" for i in range(1, count + 1)]
    assert NavSubmission.objects.count() == count
