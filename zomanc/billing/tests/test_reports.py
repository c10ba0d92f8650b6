"""The money reports with the personas: receivables with ageing (Kintlévőségek), the daily
closing pages (napi zárás: the desk closes, owners see every closing), the accountant's
exports (CSV for Hungarian Excel, NAV invoice data XML validated against the shared XSD);
login, role, the other practice, query counts, audit entries."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Callable
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from zomanc.billing.closing import day_close
from zomanc.billing.models import DailyClosing, Invoice
from zomanc.billing.payments import payment_take
from zomanc.billing.selectors import ageing_bucket
from zomanc.billing.services import CustomerInput, LineInput, invoice_issue, invoice_storno
from zomanc.conftest import Personas
from zomanc.patients.models import Patient

TODAY = timezone.localdate


def issue(
    p: Personas, patient: Patient | None, gross: int, key: str, *, method: str = "TRANSFER"
) -> Invoice:
    return invoice_issue(
        actor=p.receptionist,
        company=p.company_a,
        customer=CustomerInput(kind="patient", name="Kiss Máté"),
        lines=[LineInput("Kezelés", Decimal(1), Decimal(gross), "AAM")],
        payment_method=method,
        idempotency_key=key,
        patient=patient,
    )


def issued_days_ago(p: Personas, patient: Patient, days: int, gross: int, key: str) -> Invoice:
    """A transfer invoice issued `days` ago: due 8 days after (services.TRANSFER_DAYS). At
    noon of that Budapest day: `now - days` crosses a summer-time change, and between 22:00
    and 23:00 UTC in winter it fell on the next Budapest day (a CI run at 22:55 UTC read an
    invoice 120 days old as 119)."""
    day = timezone.localdate() - dt.timedelta(days=days)
    when = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
    with time_machine.travel(when, tick=False):
        return issue(p, patient, gross, key)


@pytest.fixture
def invoice(billing: Personas, patient: Patient) -> Invoice:
    return issue(billing, patient, 12_000, "inv", method="CASH")


def _day() -> str:
    return TODAY().isoformat()


Url = Callable[[Personas], str]
# (name, method, url, who may)
PAGES: list[tuple[str, str, Url, set[str]]] = [
    ("receivables", "get", lambda p: reverse("billing:receivables"), {"owner"}),
    ("closings", "get", lambda p: reverse("billing:closings"), {"owner", "receptionist"}),
    (
        "closing_day",
        "get",
        lambda p: reverse("billing:closing_day", args=[p.company_a.pk, _day()]),
        {"owner", "receptionist"},
    ),
    (
        "closing_close",
        "post",
        lambda p: reverse("billing:closing_day", args=[p.company_a.pk, _day()]),
        {"owner", "receptionist"},
    ),
    ("exports", "get", lambda p: reverse("billing:exports"), {"owner"}),
    (
        "export_download",
        "get",
        lambda p: (
            reverse("billing:export_download", args=["szamlak.csv"])
            + f"?start={_day()}&end={_day()}"
        ),
        {"owner"},
    ),
]
IDS = [page[0] for page in PAGES]


@pytest.mark.parametrize(("name", "method", "url", "allowed"), PAGES, ids=IDS)
def test_requires_login(
    billing: Personas, invoice: Invoice, name: str, method: str, url: Url, allowed: set[str]
) -> None:
    response = getattr(Client(), method)(url(billing))
    assert response.status_code == 302 and "/accounts/" in response["Location"]


@pytest.mark.parametrize(("name", "method", "url", "allowed"), PAGES, ids=IDS)
def test_requires_role(
    billing: Personas, invoice: Invoice, name: str, method: str, url: Url, allowed: set[str]
) -> None:
    for persona in ("owner", "doctor", "assistant", "receptionist"):
        client = billing.client_for(getattr(billing, persona))
        # An empty POST is a form error (400), not a closing: each persona sees the form.
        status = getattr(client, method)(url(billing)).status_code
        if persona in allowed:
            assert status in (200, 400), (persona, status)
        else:
            assert status == 403, (persona, status)


def test_hides_other_practice(billing: Personas, invoice: Invoice) -> None:
    payment_take(
        actor=billing.receptionist,
        invoice=invoice,
        method="CARD",
        amount=Decimal(1000),
        idempotency_key="p",
    )
    day_close(
        actor=billing.receptionist, company=billing.company_a, day=TODAY(), counted_cash=Decimal(0)
    )
    outsider = billing.client_for(billing.outsider)  # owner of practice B
    a = billing.company_a.pk
    for url in (
        reverse("billing:closing_day", args=[a, _day()]),
        reverse("billing:closing_pdf", args=[a, _day()]),
        reverse("billing:receivables") + f"?company={a}",
    ):
        assert outsider.get(url).status_code == 404, url
    for url in (
        reverse("billing:receivables"),
        reverse("billing:closings"),
        reverse("billing:export_download", args=["szamlak.csv"]) + f"?start={_day()}&end={_day()}",
        reverse("billing:export_download", args=["befizetesek.csv"])
        + f"?start={_day()}&end={_day()}",
    ):
        response = outsider.get(url)
        assert response.status_code == 200, url
        assert invoice.number.encode() not in response.content, url
        assert billing.company_a.name.encode() not in response.content, url


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (-8, "not_due"),
        (0, "not_due"),
        (1, "d1_30"),
        (30, "d1_30"),
        (31, "d31_60"),
        (60, "d31_60"),
        (61, "d61_90"),
        (90, "d61_90"),
        (91, "d90_plus"),
        (400, "d90_plus"),
    ],
)
def test_ageing_bucket_edges(days: int, bucket: str) -> None:
    assert ageing_bucket(days) == bucket


def test_receivables_ageing_totals_and_company_filter(billing: Personas, patient: Patient) -> None:
    issue(billing, patient, 1_000, "n")  # due in 8 days: not due
    issued_days_ago(billing, patient, 20, 2_000, "a")  # due 12 days ago
    issued_days_ago(billing, patient, 50, 3_000, "b")  # 42
    partly = issued_days_ago(billing, patient, 80, 4_000, "c")  # 72
    issued_days_ago(billing, patient, 120, 5_000, "d")  # 112
    payment_take(
        actor=billing.receptionist,
        invoice=partly,
        method="TRANSFER",
        amount=Decimal(1_500),
        idempotency_key="cp",
    )
    paid = issued_days_ago(billing, patient, 200, 6_000, "e")
    payment_take(
        actor=billing.receptionist,
        invoice=paid,
        method="TRANSFER",
        amount=None,
        idempotency_key="ep",
    )
    stornoed = issued_days_ago(billing, patient, 150, 7_000, "f")
    invoice_storno(actor=billing.receptionist, invoice=stornoed, idempotency_key="fs")
    owner = billing.client_for(billing.owner)
    page = owner.get(reverse("billing:receivables"))
    assert page.status_code == 200
    report = page.context["report"]
    assert report.totals == {
        "not_due": 1_000,
        "d1_30": 2_000,
        "d31_60": 3_000,
        "d61_90": 2_500,
        "d90_plus": 5_000,
        "total": 13_500,
    }
    assert [r.days_overdue for r in report.rows] == [112, 72, 42, 12, -8]
    html = page.content.decode()
    assert paid.number not in html and stornoed.number not in html
    assert 'data-bucket="total"><strong>13\u00a0500\u00a0Ft' in html
    # The other company of the practice has nothing outstanding.
    other = owner.get(reverse("billing:receivables") + f"?company={billing.company_a.pk}")
    assert other.context["report"].totals["total"] == 13_500
    assert owner.get(reverse("billing:receivables") + "?company=999999").status_code == 404


def test_receivables_and_closings_fixed_queries(billing: Personas, patient: Patient) -> None:
    owner = billing.client_for(billing.owner)
    url = reverse("billing:receivables")

    def count(target: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert owner.get(target).status_code == 200
        return len(queries)

    issue(billing, patient, 1_000, "x0")
    few = count(url)
    for i in range(6):
        invoice = issued_days_ago(billing, patient, 10 * i, 1_000 + i, f"x{i + 1}")
        payment_take(
            actor=billing.receptionist,
            invoice=invoice,
            method="CARD",
            amount=Decimal(100),
            idempotency_key=f"y{i}",
        )
    assert count(url) == few
    closings = reverse("billing:closings")
    day = reverse("billing:closing_day", args=[billing.company_a.pk, _day()])
    before_list, before_day = count(closings), count(day)
    yesterday = TODAY() - dt.timedelta(days=1)
    for back in (3, 2, 1):
        day_close(
            actor=billing.owner,
            company=billing.company_a,
            day=TODAY() - dt.timedelta(days=back),
            counted_cash=Decimal(0),
        )
    assert DailyClosing.objects.filter(day__lte=yesterday).count() == 3
    assert count(closings) == before_list
    assert count(day) == before_day


def test_report_reads_leave_view_entries(billing: Personas, invoice: Invoice) -> None:
    """Receivables and exports name patients' invoices: each leaves a VIEW entry with the
    patient ids (audit/tests/test_audit_coverage.py points here)."""
    from zomanc.audit.models import AuditAction, AuditEntry

    owner = billing.client_for(billing.owner)
    period = f"?start={_day()}&end={_day()}"
    urls = [reverse("billing:receivables")] + [
        reverse("billing:export_download", args=[kind]) + period
        for kind in ("szamlak.csv", "befizetesek.csv", "nav-szamlaadatok.zip")
    ]
    payment_take(
        actor=billing.receptionist,
        invoice=invoice,
        method="CASH",
        amount=Decimal(1_000),  # still outstanding: on the receivables list
        idempotency_key="pp",
    )
    for url in urls:
        before = AuditEntry.objects.count()
        assert owner.get(url).status_code == 200, url
        new = AuditEntry.objects.order_by("pk")[before:]
        assert any(
            e.action == AuditAction.VIEW and invoice.patient_id in e.changes.get("patient_ids", [])
            for e in new
        ), url


def _rows(body: bytes) -> list[list[str]]:
    assert body.startswith("\ufeff".encode())  # the BOM Excel needs for UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def test_csv_exports_for_hungarian_excel(billing: Personas, patient: Patient) -> None:
    first = issue(billing, patient, 12_003, "c1", method="CASH")
    payment_take(
        actor=billing.receptionist,
        invoice=first,
        method="CASH",
        amount=None,
        idempotency_key="c1p",
    )
    storno = invoice_storno(actor=billing.receptionist, invoice=first, idempotency_key="c1s")
    before = issued_days_ago(billing, patient, 40, 5_000, "old")  # outside the period
    owner = billing.client_for(billing.owner)
    period = f"?start={_day()}&end={_day()}&company={billing.company_a.pk}"
    response = owner.get(reverse("billing:export_download", args=["szamlak.csv"]) + period)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = _rows(response.content)
    assert rows[0][:3] == ["Számlaszám", "Típus", "Eredeti számla"]
    by_number = {r[0]: r for r in rows[1:]}
    assert set(by_number) == {first.number, storno.number}
    assert by_number[storno.number][1:3] == ["Sztornó számla", first.number]
    assert by_number[first.number][14] == "12003" and by_number[storno.number][14] == "-12003"
    assert before.number not in by_number
    pays = _rows(
        owner.get(reverse("billing:export_download", args=["befizetesek.csv"]) + period).content
    )
    assert pays[0][0] == "Fizetés napja" and len(pays) == 3
    cash, refund = pays[1], pays[2]
    assert (cash[4], cash[5], cash[7], cash[8]) == ("Készpénz", "12003", "12005", "2")
    assert (refund[5], refund[7], refund[9]) == ("-12003", "-12005", "igen")


def test_nav_xml_export_is_what_nav_got_and_valid(billing: Personas, patient: Patient) -> None:
    from zomanc.nav.client.schema import parse, validate

    first = issue(billing, patient, 12_000, "x1", method="CASH")
    storno = invoice_storno(actor=billing.receptionist, invoice=first, idempotency_key="x1s")
    owner = billing.client_for(billing.owner)
    response = owner.get(
        reverse("billing:export_download", args=["nav-szamlaadatok.zip"])
        + f"?start={_day()}&end={_day()}"
    )
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == sorted([f"{first.number}.xml", f"{storno.number}.xml"])
    for invoice in (first, storno):
        data = archive.read(f"{invoice.number}.xml")
        assert data == bytes(invoice.nav_submission.invoice_xml)
        validate(parse(data))  # the shared invoiceData.xsd


def test_export_bad_period_refused_in_hungarian(billing: Personas) -> None:
    owner = billing.client_for(billing.owner)
    url = reverse("billing:export_download", args=["szamlak.csv"])
    bad = owner.get(url + "?start=2026-12-07&end=2026-11-01")
    assert bad.status_code == 400 and "nem lehet a kezdete előtt".encode() in bad.content
    long = owner.get(url + "?start=2024-01-01&end=2026-11-01")
    assert long.status_code == 400 and "egy évnyi".encode() in long.content
    missing = owner.get(url)
    assert missing.status_code == 400
    assert owner.get(reverse("billing:export_download", args=["x.exe"])).status_code == 404


def test_closing_through_the_page_and_who_sees_it(billing: Personas, invoice: Invoice) -> None:
    desk = billing.client_for(billing.receptionist)
    payment_take(
        actor=billing.receptionist,
        invoice=invoice,
        method="CASH",
        amount=Decimal(11_998),
        idempotency_key="p1",
    )
    url = reverse("billing:closing_day", args=[billing.company_a.pk, _day()])
    page = desk.get(url)
    assert (
        page.status_code == 200
        and 'data-figure="expected">12\u00a0000\u00a0Ft' in page.content.decode()
    )
    bad = desk.post(url, {"counted_cash": "-5"})
    assert bad.status_code == 400 and not DailyClosing.objects.exists()
    done = desk.post(url, {"counted_cash": "11990", "note": "10 Ft hiány"}, follow=True)
    html = done.content.decode()
    assert 'data-figure="difference">-10\u00a0Ft' in html and "10 Ft hiány" in html
    pdf = desk.get(reverse("billing:closing_pdf", args=[billing.company_a.pk, _day()]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # A second post changes nothing (the closed day shows, no form).
    desk.post(url, {"counted_cash": "12000"})
    assert DailyClosing.objects.get().counted_cash == 11_990
    # The desk sees today's closing and open days, not the history; owners see every one.
    with time_machine.travel(timezone.now() + dt.timedelta(days=1), tick=False):
        new_today = reverse("billing:closing_day", args=[billing.company_a.pk, _day()])
        assert new_today != url and desk.get(new_today).status_code == 200
        assert desk.get(url).status_code == 403  # yesterday's, closed: the owner's report
        assert billing.client_for(billing.owner).get(url).status_code == 200
        listing = billing.client_for(billing.owner).get(reverse("billing:closings"))
        assert listing.context["history"][0].counted_cash == 11_990
        assert desk.get(reverse("billing:closings")).context["history"] is None
    bad_day = reverse("billing:closing_day", args=[billing.company_a.pk, "2026-13-01"])
    assert desk.get(bad_day).status_code == 404


def test_exports_in_fixed_queries(billing: Personas, patient: Patient) -> None:
    owner = billing.client_for(billing.owner)
    period = f"?start={_day()}&end={_day()}"
    urls = [
        reverse("billing:export_download", args=[kind]) + period
        for kind in ("szamlak.csv", "befizetesek.csv", "nav-szamlaadatok.zip")
    ]

    def counts() -> list[int]:
        found = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert owner.get(url).status_code == 200
            found.append(len(queries))
        return found

    def paid_invoice(key: str) -> Invoice:
        invoice = issue(billing, patient, 3_000, key, method="CASH")
        payment_take(
            actor=billing.receptionist,
            invoice=invoice,
            method="CASH",
            amount=None,
            idempotency_key=f"{key}p",
        )
        return invoice

    invoice_storno(actor=billing.receptionist, invoice=paid_invoice("q0"), idempotency_key="q0s")
    few = counts()
    for i in range(5):
        invoice_storno(
            actor=billing.receptionist, invoice=paid_invoice(f"q{i + 1}"), idempotency_key=f"s{i}"
        )
    assert counts() == few


def test_a_forgotten_day_is_pointed_at(billing: Personas, invoice: Invoice) -> None:
    earlier = TODAY() - dt.timedelta(days=2)
    payment_take(
        actor=billing.receptionist,
        invoice=invoice,
        method="CASH",
        amount=Decimal(2_000),
        idempotency_key="f1",
        paid_on=earlier,
    )
    desk = billing.client_for(billing.receptionist)
    today = reverse("billing:closing_day", args=[billing.company_a.pk, _day()])
    forgotten = reverse("billing:closing_day", args=[billing.company_a.pk, earlier.isoformat()])
    page = desk.get(today).content.decode()
    assert "Előbb a(z)" in page and f'href="{forgotten}"' in page
    refused = desk.post(today, {"counted_cash": "2000"})
    assert refused.status_code == 400 and "a napok sorban zárhatók" in refused.content.decode()
    assert desk.post(forgotten, {"counted_cash": "2000"}).status_code == 302
    assert desk.post(today, {"counted_cash": "2000"}).status_code == 302
    assert DailyClosing.objects.get(day=TODAY()).opening_cash == 2_000
