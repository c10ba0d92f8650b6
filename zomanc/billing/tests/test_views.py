"""Invoice pages with the personas: login required, role required, other practice hidden;
issuing from a visit through the form, the NAV badge and ABORTED advice, PDF, storno, the
NAV beküldések page and the NAV settings page."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from zomanc.billing.models import Invoice, InvoiceKind
from zomanc.billing.services import CustomerInput, LineInput, invoice_issue
from zomanc.billing.tests.fixtures import make_visit
from zomanc.conftest import Personas
from zomanc.nav.models import NavSubmission, SubmissionState
from zomanc.nav.tests.fixtures import NavSandbox
from zomanc.patients.models import Patient


@pytest.fixture
def invoice(billing: Personas, patient: Patient) -> Invoice:
    return invoice_issue(
        actor=billing.receptionist,
        company=billing.company_a,
        customer=CustomerInput(kind="patient", name="Kiss Máté"),
        lines=[LineInput("Fogkő-eltávolítás", Decimal(1), Decimal(12000), "AAM")],
        payment_method="CASH",
        idempotency_key="v",
        patient=patient,
    )


Url = Callable[[Personas, Invoice], str]
# (name, method, url builder, permission that opens it: who may)
PAGES: list[tuple[str, str, Url, set[str]]] = [
    ("list", "get", lambda p, i: reverse("billing:list"), {"owner", "doctor", "receptionist"}),
    (
        "patient",
        "get",
        lambda p, i: reverse("billing:patient", args=[i.patient_id]),
        {"owner", "doctor", "receptionist"},
    ),
    (
        "detail",
        "get",
        lambda p, i: reverse("billing:detail", args=[i.pk]),
        {"owner", "doctor", "receptionist"},
    ),
    (
        "pdf",
        "get",
        lambda p, i: reverse("billing:pdf", args=[i.pk]),
        {"owner", "doctor", "receptionist"},
    ),
    (
        "storno",
        "post",
        lambda p, i: reverse("billing:storno", args=[i.pk]),
        {"owner", "receptionist"},
    ),
    (
        "payment",
        "post",
        lambda p, i: reverse("billing:payment", args=[i.pk]),
        {"owner", "receptionist"},
    ),
    (
        "modify",
        "get",
        lambda p, i: reverse("billing:modify", args=[i.pk]),
        {"owner", "receptionist"},
    ),
    ("nav_list", "get", lambda p, i: reverse("billing:nav_list"), {"owner", "receptionist"}),
    (
        "nav_retry",
        "post",
        lambda p, i: reverse("billing:nav_retry", args=[i.nav_submission.pk]),
        {"owner", "receptionist"},
    ),
    (
        "nav_settings",
        "get",
        lambda p, i: reverse("billing:nav_settings", args=[p.company_a.pk]),
        {"owner"},
    ),
]
IDS = [page[0] for page in PAGES]


@pytest.mark.parametrize(("name", "method", "url", "allowed"), PAGES, ids=IDS)
def test_requires_login(
    billing: Personas, invoice: Invoice, name: str, method: str, url: Url, allowed: set[str]
) -> None:
    response = getattr(Client(), method)(url(billing, invoice))
    assert response.status_code == 302 and "/accounts/" in response["Location"]


@pytest.mark.parametrize(("name", "method", "url", "allowed"), PAGES, ids=IDS)
def test_requires_role(
    billing: Personas, invoice: Invoice, name: str, method: str, url: Url, allowed: set[str]
) -> None:
    for persona in ("owner", "doctor", "assistant", "receptionist"):
        client = billing.client_for(getattr(billing, persona))
        status = getattr(client, method)(url(billing, invoice)).status_code
        if persona in allowed:
            assert status in (200, 302), (persona, status)
        else:
            assert status == 403, (persona, status)


@pytest.mark.parametrize(("name", "method", "url", "allowed"), PAGES, ids=IDS)
def test_hides_other_practice(
    billing: Personas, invoice: Invoice, name: str, method: str, url: Url, allowed: set[str]
) -> None:
    client = billing.client_for(billing.outsider)  # owner of practice B
    response = getattr(client, method)(url(billing, invoice))
    if name in ("list", "nav_list"):
        assert response.status_code == 200
        assert invoice.number.encode() not in response.content
    else:
        assert response.status_code == 404


def test_issue_from_visit_double_click_one_invoice(billing: Personas, patient: Patient) -> None:
    visit = make_visit(billing, patient, [("Tömés", 15000, "AAM")])
    client = billing.client_for(billing.receptionist)
    url = reverse("billing:visit_new", args=[visit.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Tömés".encode() in page.content
    key = page.context["form"].initial["idempotency_key"]
    data = {"idempotency_key": key, "customer_kind": "patient", "payment_method": "CASH"}
    first = client.post(url, data)
    second = client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Invoice.objects.count() == 1
    invoice = Invoice.objects.get()
    assert invoice.customer_name == f"{patient.family_name} {patient.given_name}"
    detail = client.get(first["Location"])
    assert "NAV: Beküldésre vár".encode() in detail.content
    # The visit page shows the invoice (the one include line).
    owner = billing.client_for(billing.owner)
    visit_page = owner.get(reverse("clinical:visit_detail", args=[visit.pk]))
    assert visit_page.status_code == 200
    assert invoice.number.encode() in visit_page.content


def test_bad_customer_tax_number_specific_message_nothing_saved(
    billing: Personas, patient: Patient
) -> None:
    visit = make_visit(billing, patient, [("Tömés", 15000, "AAM")])
    client = billing.client_for(billing.receptionist)
    response = client.post(
        reverse("billing:visit_new", args=[visit.pk]),
        {
            "idempotency_key": "x1",
            "customer_kind": "company",
            "name": "Fog Kft.",
            "postal_code": "1111",
            "city": "Budapest",
            "street": "Fő u. 1.",
            "tax_number": "24681354-2-41",
            "payment_method": "TRANSFER",
        },
    )
    assert response.status_code == 400
    assert "ellenőrző számjegy".encode() in response.content
    assert not Invoice.objects.exists() and not NavSubmission.objects.exists()


def test_empty_visit_refused_with_message(billing: Personas, patient: Patient) -> None:
    visit = make_visit(billing, patient, [])
    client = billing.client_for(billing.receptionist)
    response = client.post(
        reverse("billing:visit_new", args=[visit.pk]),
        {"idempotency_key": "x2", "customer_kind": "patient", "payment_method": "CASH"},
    )
    assert response.status_code == 400 and "üres vizit".encode() in response.content


def test_aborted_invoice_shows_navs_message_and_what_to_do(
    billing: Personas, invoice: Invoice
) -> None:
    NavSubmission.objects.filter(invoice=invoice).update(
        state=SubmissionState.ABORTED,
        messages=[
            {
                "result": "ERROR",
                "code": "INVOICE_NUMBER_NOT_UNIQUE",
                "text": "A számlaszám már létezik.",
            }
        ],
    )
    client = billing.client_for(billing.receptionist)
    page = client.get(reverse("billing:detail", args=[invoice.pk])).content.decode()
    assert "A számlaszám már létezik." in page
    assert "sztornó számlát" in page
    nav = client.get(reverse("billing:nav_list") + "?state=aborted").content.decode()
    assert invoice.number in nav and "A számlaszám már létezik." in nav
    assert 'class="badge state-refused nav-aborted"' in page


def test_first_time_success_does_not_look_like_a_retry(billing: Personas, invoice: Invoice) -> None:
    # A send and one status poll are two claims of the outbox row (attempts == 2): the page
    # calls them NAV contacts, and speaks of failures only when there were some.
    NavSubmission.objects.filter(invoice=invoice).update(
        state=SubmissionState.DONE, attempts=2, failures=0, transaction_id="T1"
    )
    client = billing.client_for(billing.receptionist)
    nav = client.get(reverse("billing:nav_list")).content.decode()
    assert "2 NAV-kapcsolat (beküldés és állapot-lekérdezések)" in nav
    assert "kísérlet" not in nav and "sikertelen" not in nav
    assert 'class="badge state-ok"' in nav
    NavSubmission.objects.filter(invoice=invoice).update(
        state=SubmissionState.RETRYING, attempts=3, failures=3
    )
    nav = client.get(reverse("billing:nav_list")).content.decode()
    assert "ebből 3 sikertelen egymás után, újrapróbálja" in nav
    assert 'class="badge state-late"' in nav
    empty = client.get(reverse("billing:nav_list") + "?state=aborted").content.decode()
    assert "Nincs a szűrésnek megfelelő beküldés." in empty


def test_pdf_and_storno(billing: Personas, invoice: Invoice) -> None:
    client = billing.client_for(billing.receptionist)
    pdf = client.get(reverse("billing:pdf", args=[invoice.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    url = reverse("billing:storno", args=[invoice.pk])
    data = {"idempotency_key": f"storno-{invoice.pk}"}
    client.post(url, data)
    client.post(url, data)  # a double click: one storno
    assert Invoice.objects.filter(kind=InvoiceKind.STORNO).count() == 1


def test_invoice_html_has_the_vat_act_elements(billing: Personas, invoice: Invoice) -> None:
    from zomanc.billing.pdf import invoice_html

    html = invoice_html(invoice)
    for needed in (
        invoice.number,
        "Kiállítás dátuma",
        "Teljesítés dátuma",
        "24681353-2-41",
        "Kiss Máté",
        "Fogkő-eltávolítás",
        "TAM",
        "85. § (1) c)",
        "Fizetendő",
        "Nádor u. 12.",
    ):
        assert needed in html, needed


def test_nav_settings_page_saves_and_tests(billing: Personas, nav_sandbox: NavSandbox) -> None:
    client = billing.client_for(billing.owner)
    url = reverse("billing:nav_settings", args=[billing.company_a.pk])
    creds = nav_sandbox.users["24681353-2-41"][1]
    response = client.post(
        url,
        {
            "login": creds.login,
            "password": creds.password,
            "signature_key": creds.signature_key,
            "exchange_key": "short",
        },
    )
    assert response.status_code == 400 and b"16 karakter" in response.content
    response = client.post(
        url,
        {
            "login": creds.login,
            "password": creds.password,
            "signature_key": creds.signature_key,
            "exchange_key": creds.exchange_key,
        },
    )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert creds.password not in page and creds.exchange_key not in page
    client.post(url, {"action": "test"})
    page = client.get(url).content.decode()
    assert "Sikeres kapcsolat" in page


def test_company_billing_data_page(billing: Personas) -> None:
    client = billing.client_for(billing.owner)
    url = reverse("billing:nav_settings", args=[billing.company_a.pk])
    data = {
        "action": "billing",
        "tax_number": "24681354-2-41",
        "postal_code": "1051",
        "city": "Budapest",
        "street_address": "Nádor u. 12.",
        "invoice_prefix": "mf",
    }
    response = client.post(url, data)
    assert response.status_code == 400 and "ellenőrző számjegy".encode() in response.content
    billing.company_a.refresh_from_db()
    assert billing.company_a.tax_number == "24681353-2-41"  # nothing saved
    response = client.post(
        url, {**data, "tax_number": "24681353-2-41", "vat_small_business_exempt": "on"}
    )
    assert response.status_code == 302
    billing.company_a.refresh_from_db()
    assert billing.company_a.invoice_prefix == "MF"
    assert billing.company_a.vat_small_business_exempt is True
    edit = client.get(reverse("practices:company_edit", args=[billing.company_a.pk]))
    assert url.encode() in edit.content


def test_cash_payment_through_the_page(billing: Personas, invoice: Invoice) -> None:
    client = billing.client_for(billing.receptionist)
    url = reverse("billing:payment", args=[invoice.pk])
    over = client.post(
        url, {"idempotency_key": "o", "method": "CARD", "amount": "99999"}, follow=True
    )
    assert "több a hátralévő".encode() in over.content
    data = {"idempotency_key": "k", "method": "CASH", "amount": "11998"}
    page = client.post(url, data, follow=True).content.decode()
    assert "12\u00a0000 Ft készpénz (kerekítés: 2 Ft)" in page
    client.post(url, data)  # a double click
    assert invoice.payments.count() == 1
    patient_page = client.get(reverse("billing:patient", args=[invoice.patient_id])).content
    assert "<dt>Hátralék</dt><dd><strong>2\u00a0Ft".encode() in patient_page


def test_every_billing_read_leaves_a_view_entry(billing: Personas, invoice: Invoice) -> None:
    """Invoices show who was treated for what: each page leaves a VIEW entry naming the
    patient (AuditAction.VIEW; audit/tests/test_audit_coverage.py points here)."""
    from zomanc.audit.models import AuditAction, AuditEntry
    from zomanc.billing.tests.fixtures import make_visit

    client = billing.client_for(billing.owner)
    pid = invoice.patient_id
    assert invoice.patient is not None
    second = make_visit(billing, invoice.patient, [("Fogkő", 15000, "AAM")])
    urls = [
        reverse("billing:list"),
        reverse("billing:patient", args=[pid]),
        reverse("billing:detail", args=[invoice.pk]),
        reverse("billing:pdf", args=[invoice.pk]),
        reverse("billing:visit_new", args=[second.pk]),
        reverse("billing:modify", args=[invoice.pk]),
    ]
    for url in urls:
        before = AuditEntry.objects.count()
        assert client.get(url).status_code == 200, url
        new = AuditEntry.objects.order_by("pk")[before:]
        assert any(
            e.action == AuditAction.VIEW
            and (e.patient_id == pid or pid in e.changes.get("patient_ids", []))
            for e in new
        ), url


def test_modification_through_the_page(billing: Personas, invoice: Invoice) -> None:
    client = billing.client_for(billing.receptionist)
    url = reverse("billing:modify", args=[invoice.pk])
    key = client.get(url).context["form"].initial["idempotency_key"]
    bad = client.post(
        url,
        {
            "idempotency_key": key,
            "description": "Kedvezmény",
            "quantity": "1",
            "gross_unit_price": "-20000",
            "vat_rate": "AAM",
        },
    )
    assert bad.status_code == 400 and "negatív".encode() in bad.content
    data = {
        "idempotency_key": key,
        "description": "Kedvezmény",
        "quantity": "1",
        "gross_unit_price": "-2000",
        "vat_rate": "AAM",
    }
    first = client.post(url, data)
    client.post(url, data)  # a double click
    assert first.status_code == 302
    modification = Invoice.objects.get(kind=InvoiceKind.MODIFY)
    assert modification.gross_total == -2000 and modification.original_id == invoice.pk
    detail = client.get(reverse("billing:detail", args=[invoice.pk])).content.decode()
    assert "Hátralék: <strong>10\u00a0000\u00a0Ft" in detail


def test_overpayment_and_closed_day_through_the_page(billing: Personas, invoice: Invoice) -> None:
    from django.utils import timezone

    from zomanc.billing.closing import day_close

    client = billing.client_for(billing.receptionist)
    url = reverse("billing:payment", args=[invoice.pk])
    data = {"idempotency_key": "o1", "method": "CARD", "amount": "15000"}
    refused = client.post(url, data, follow=True).content.decode()
    assert "Előleg / túlfizetés" in refused and not invoice.payments.exists()
    done = client.post(url, {**data, "excess_as_credit": "on"}, follow=True).content.decode()
    assert "jóváírva (túlfizetés): 3\u00a0000 Ft" in done
    patient_page = client.get(reverse("billing:patient", args=[invoice.patient_id])).content
    assert "(előleg, túlfizetés)</dt><dd>3\u00a0000\u00a0Ft".encode() in patient_page
    second = invoice_issue(
        actor=billing.receptionist,
        company=billing.company_a,
        customer=CustomerInput(kind="patient", name="Kiss Máté"),
        lines=[LineInput("Kontroll", Decimal(1), Decimal(5000), "AAM")],
        payment_method="CASH",
        idempotency_key="v2",
        patient=invoice.patient,
    )
    day_close(
        actor=billing.receptionist,
        company=billing.company_a,
        day=timezone.localdate(),
        counted_cash=Decimal(0),
    )
    page = client.post(
        reverse("billing:payment", args=[second.pk]),
        {"idempotency_key": "o2", "method": "CREDIT", "amount": "3000"},
        follow=True,
    ).content.decode()
    assert "pénztára le van zárva" in page and not second.payments.exists()
