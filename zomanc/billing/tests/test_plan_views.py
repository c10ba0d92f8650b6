"""The plan's invoicing page (who may, refusals in Hungarian with nothing saved, the VIEW
entry), the bilingual invoice PDF (every Áfa tv. 169. § element in both languages, read back
with pypdf; an EUR invoice's rate and HUF VAT) and e-mailing the invoice (queued with its PDF,
audited, delivered to a real SMTP server; refused without mail settings)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from zomanc.audit.models import AuditAction, AuditEntry
from zomanc.billing.models import Invoice
from zomanc.billing.pdf import invoice_pdf
from zomanc.billing.plan_invoices import plan_invoice_items
from zomanc.billing.tests.plan_fixtures import accepted_plan, complete, plan_items
from zomanc.conftest import Personas
from zomanc.messaging.models import MessageStatus, OutboundMessage
from zomanc.messaging.services import message_deliver
from zomanc.messaging.tests.conftest import configure
from zomanc.patients.models import Patient
from zomanc.plans.models import Currency, TreatmentPlan
from zomanc.testing.smtp_server import SmtpServer


def _page(plan: TreatmentPlan) -> str:
    return reverse("billing:plan", args=[plan.pk])


def _text(pdf: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(text.replace("\u00a0", " ").split())


def _has(text: str, wanted: str) -> bool:
    """`wanted` in the PDF's text, ignoring where the table's cells wrapped lines."""
    return "".join(wanted.split()) in "".join(text.split())


def _invoice(p: Personas, patient: Patient, currency: str = Currency.HUF) -> Invoice:
    plan = accepted_plan(p, patient, currency=currency)
    root, _crown, whitening = plan_items(plan)
    complete(p, root)
    complete(p, whitening)
    return plan_invoice_items(
        actor=p.receptionist,
        plan=plan,
        company=p.company_a,
        item_ids=[root.pk, whitening.pk],
        payment_method="CASH",
        idempotency_key=f"inv-{currency}",
    )


def test_who_may_bill_a_plan(billing: Personas, patient: Patient) -> None:
    plan = accepted_plan(billing, patient)
    for member in (billing.receptionist, billing.owner):
        response = billing.client_for(member).get(_page(plan))
        assert response.status_code == 200
        assert "Számlázás a tervből" in response.content.decode()
    # Doctors see invoices but do not issue them; another practice's owner gets a 404.
    assert billing.client_for(billing.doctor).get(_page(plan)).status_code == 403
    assert billing.client_for(billing.assistant).get(_page(plan)).status_code == 403
    assert billing.client_for(billing.outsider).get(_page(plan)).status_code == 404
    # The plan page links to it for those who may bill.
    detail = reverse("plans:detail", args=[plan.pk])
    assert _page(plan) in billing.client_for(billing.receptionist).get(detail).content.decode()
    assert _page(plan) not in billing.client_for(billing.doctor).get(detail).content.decode()


def test_page_issues_done_items_and_refuses_in_hungarian(
    billing: Personas, patient: Patient
) -> None:
    plan = accepted_plan(billing, patient)
    root, crown, _whitening = plan_items(plan)
    complete(billing, root)
    client = billing.client_for(billing.receptionist)
    page = client.get(_page(plan)).content.decode()
    assert f'value="{root.pk}"' in page and f'value="{crown.pk}"' not in page
    key = "page-key"
    form = {
        "idempotency_key": key,
        "company": billing.company_a.pk,
        "payment_method": "CASH",
        "action": "items",
    }
    # Not yet done (a forged checkbox): refused, nothing saved.
    response = client.post(_page(plan), {**form, "items": [root.pk, crown.pk]})
    assert response.status_code == 400
    assert "még nincs elvégezve" in response.content.decode()
    assert Invoice.objects.count() == 0
    # Nothing ticked: refused.
    response = client.post(_page(plan), form)
    assert response.status_code == 400 and "Válasszon legalább egy" in response.content.decode()
    response = client.post(_page(plan), {**form, "items": [root.pk]})
    invoice = Invoice.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{invoice.pk}/")
    assert [x.plan_item_id for x in invoice.lines.all()] == [root.pk]
    # The double click issues nothing more; the item shows its invoice.
    client.post(_page(plan), {**form, "items": [root.pk]})
    assert Invoice.objects.count() == 1
    assert invoice.number in client.get(_page(plan)).content.decode()
    # The advance invoice from the same page.
    response = client.post(_page(plan), {**form, "idempotency_key": "adv", "action": "advance"})
    advance = Invoice.objects.get(is_advance=True)
    assert advance.gross_total == 61500 and advance.plan_id == plan.pk


def test_page_leaves_a_view_entry(billing: Personas, patient: Patient) -> None:
    plan = accepted_plan(billing, patient)
    before = AuditEntry.objects.count()
    assert billing.client_for(billing.owner).get(_page(plan)).status_code == 200
    assert any(
        e.action == AuditAction.VIEW and e.patient_id == patient.pk
        for e in AuditEntry.objects.order_by("pk")[before:]
    )


# Every element of Áfa tv. 169. § on the invoice, as (Hungarian, English, German) labels.
ELEMENTS = [
    ("Számla", "Invoice", "Rechnung"),
    ("Számlaszám", "Invoice number", "Rechnungsnummer"),
    ("Kiállítás dátuma", "Date of issue", "Rechnungsdatum"),
    ("Teljesítés dátuma", "Date of supply", "Leistungsdatum"),
    ("Eladó", "Supplier", "Leistungserbringer"),
    ("Vevő", "Customer", "Kunde"),
    ("Adószám", "Tax number", "Steuernummer"),
    ("Megnevezés", "Description", "Bezeichnung"),
    ("Mennyiség", "Quantity", "Menge"),
    ("Nettó egységár", "Net unit price", "Netto-Einzelpreis"),
    ("Nettó érték", "Net amount", "Nettobetrag"),
    ("Áfakulcs / mentesség", "VAT rate / exemption", "MwSt.-Satz / Befreiung"),
    ("Áfa összege", "VAT amount", "MwSt.-Betrag"),
    ("Fizetendő összesen", "Total payable", "Zu zahlender Gesamtbetrag"),
    ("Áfa tv. 85. § (1) c)", "Section 85 (1) c) of the Hungarian VAT Act", "§ 85 Abs. 1 c)"),
]


@pytest.mark.parametrize("language,column", [("en", 1), ("de", 2)])
def test_bilingual_pdf_has_every_vat_act_element_in_both_languages(
    billing: Personas, patient: Patient, language: str, column: int
) -> None:
    invoice = _invoice(billing, patient)
    text = _text(invoice_pdf(invoice, language))
    for element in ELEMENTS:
        assert _has(text, element[0]), element[0]
        assert _has(text, element[column]), element[column]
    # The data themselves: number, dates, parties, tax number, line, rate, amounts.
    for value in (
        invoice.number,
        invoice.issue_date.strftime("%Y.%m.%d."),
        invoice.delivery_date.strftime("%Y.%m.%d."),
        "24681353-2-41",
        "Mosoly",
        invoice.customer_name,
        "21 Gyökérkezelés",
        "27 %",
        "8 504 Ft",  # the VAT of the 27 % line
        "85 000 Ft",  # the total: 45 000 + 40 000
    ):
        assert _has(text, value), value
    # Hungarian only by default: no English label.
    plain = _text(invoice_pdf(invoice))
    assert "Invoice number" not in plain and "Számlaszám" in plain


def test_bilingual_pdf_through_the_page(billing: Personas, patient: Patient) -> None:
    invoice = _invoice(billing, patient)
    client = billing.client_for(billing.doctor)  # doctors see invoices
    response = client.get(reverse("billing:pdf", args=[invoice.pk]) + "?nyelv=de")
    assert response.status_code == 200
    assert "Rechnungsnummer" in _text(response.content)


def test_eur_pdf_prints_the_rate_and_vat_in_huf(billing: Personas, patient: Patient) -> None:
    invoice = _invoice(billing, patient, Currency.EUR)
    text = _text(invoice_pdf(invoice, "en"))
    assert _has(text, "Árfolyam / Exchange rate: 392.15 Ft/EUR")
    assert invoice.exchange_rate_date is not None
    assert invoice.exchange_rate_date.strftime("%Y.%m.%d.") in text
    assert _has(text, "Áfa forintban / VAT in HUF")
    assert _has(text, "42.52 EUR") and _has(text, "16 674 Ft")
    assert _has(text, "Fizetendő összesen / Total payable: 449.99 EUR")


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def test_email_the_invoice_pdf(
    billing: Personas, patient: Patient, smtp_server: SmtpServer
) -> None:
    invoice = _invoice(billing, patient)
    url = reverse("billing:email", args=[invoice.pk])
    # No mail settings: refused in Hungarian, nothing queued, nothing audited.
    before = AuditEntry.objects.count()
    response = billing.client_for(billing.receptionist).post(
        url, {"recipient": "beteg@example.hu", "language": "en"}, follow=True
    )
    assert "nincs e-mail beállítása" in response.content.decode()
    assert OutboundMessage.objects.count() == 0
    assert not AuditEntry.objects.filter(
        pk__gt=before, object_type="messaging.outboundmessage"
    ).exists()
    configure(billing, smtp_server.port)
    # A bad address: refused in Hungarian.
    response = billing.client_for(billing.owner).post(
        url, {"recipient": "nem-cim", "language": "hu"}, follow=True
    )
    assert "érvényes e-mail címet" in response.content.decode()
    assert OutboundMessage.objects.count() == 0
    # Doctors do not send invoices; another practice's owner gets a 404.
    assert billing.client_for(billing.doctor).post(url, {"language": "hu"}).status_code == 403
    assert billing.client_for(billing.outsider).post(url, {"language": "hu"}).status_code == 404
    response = billing.client_for(billing.receptionist).post(
        url, {"recipient": "beteg@example.hu", "language": "en"}, follow=True
    )
    assert "A számla küldésre vár: beteg@example.hu" in response.content.decode()
    message = OutboundMessage.objects.get()
    assert (message.about_kind, message.about_id) == ("billing.invoice", str(invoice.pk))
    assert message.patient_id == patient.pk and message.language == "en"
    entry = AuditEntry.objects.get(object_type="messaging.outboundmessage")
    assert entry.patient_id == patient.pk and invoice.number in entry.summary
    message_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    (got,) = smtp_server.received
    assert got.rcpt_tos == ["beteg@example.hu"]
    assert got.message["Subject"].startswith(f"Invoice {invoice.number}")
    (pdf,) = list(got.message.iter_attachments())
    assert pdf.get_content_type() == "application/pdf"
    text = _text(pdf.get_content())
    assert "Számlaszám / Invoice number" in text and invoice.number in text


def test_email_without_address_refused(billing: Personas, patient: Patient) -> None:
    invoice = _invoice(billing, patient)
    Patient.objects.filter(pk=patient.pk).update(email="")
    response = billing.client_for(billing.receptionist).post(
        reverse("billing:email", args=[invoice.pk]), {"language": "hu"}, follow=True
    )
    assert "nincs e-mail címe" in response.content.decode()
    assert OutboundMessage.objects.count() == 0


def test_eur_plan_page_takes_the_rate_and_refuses_it_without_its_date(
    billing: Personas, patient: Patient
) -> None:
    plan = accepted_plan(billing, patient, currency=Currency.EUR)
    item = complete(billing, plan_items(plan)[0])
    client = billing.client_for(billing.receptionist)
    page = client.get(_page(plan)).content.decode()
    assert 'name="exchange_rate"' in page and "392.15" in page  # the plan's rate offered
    form = {
        "idempotency_key": "eur",
        "company": billing.company_a.pk,
        "payment_method": "CARD",
        "action": "items",
        "items": [item.pk],
        "exchange_rate": "395.5",
        "exchange_rate_date": "",
    }
    response = client.post(_page(plan), form)
    assert response.status_code == 400 and "árfolyam dátumát" in response.content.decode()
    assert Invoice.objects.count() == 0
    day = timezone.localdate() - dt.timedelta(days=3)
    response = client.post(_page(plan), {**form, "exchange_rate_date": day.isoformat()})
    invoice = Invoice.objects.get()
    assert response.status_code == 302
    assert (invoice.currency, str(invoice.exchange_rate)) == ("EUR", "395.500000")
    assert invoice.exchange_rate_date == day
