"""The accountant's exports of a period: invoices and payments as CSV, and the NAV invoice
data XML of every invoice as it was reported (docs/invoicing.md, "Exports").

CSV for Hungarian Excel: UTF-8 with a BOM (without it Excel reads UTF-8 as Latin-2 and
breaks ő and ű), `;` between fields (Excel's list separator where the decimal separator
is a comma), CRLF line ends, Hungarian headers. Amounts are whole forints written as plain
integers (no thousands separator, so both Excel and an import script read them as
numbers); a fractional value (a quantity, a later foreign-currency amount) takes a decimal
comma, as a Hungarian Excel expects. Dates are ISO (2026-12-07): Excel takes them as dates
and no import script has to parse "2026.12.07.".

XML: a zip with one file per invoice, `<number>.xml`, the invoiceData document exactly as
sent to NAV (NavSubmission.invoice_xml, frozen when it was written) — the accountant's
software imports NAV's own format, and the bytes are the ones NAV holds."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal

from django.db.models import QuerySet

from zomanc.billing.models import Invoice, Payment
from zomanc.practices.models import StaffMember

BOM = "\ufeff"


def _num(value: Decimal | int) -> str:
    text = format(Decimal(value).normalize(), "f") if value else "0"
    return text.replace(".", ",")


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def period_invoices(
    member: StaffMember, start: dt.date, end: dt.date, company_id: int | None
) -> QuerySet[Invoice]:
    rows = Invoice.objects.filter(
        practice_id=member.practice_id, issue_date__gte=start, issue_date__lte=end
    )
    if company_id is not None:
        rows = rows.filter(company_id=company_id)
    return rows.order_by("company__name", "number")


def period_payments(
    member: StaffMember, start: dt.date, end: dt.date, company_id: int | None
) -> QuerySet[Payment]:
    rows = Payment.objects.filter(
        practice_id=member.practice_id, paid_on__gte=start, paid_on__lte=end
    )
    if company_id is not None:
        rows = rows.filter(invoice__company_id=company_id)
    return rows.order_by("paid_on", "taken_at", "pk")


INVOICE_HEADER = [
    "Számlaszám",
    "Típus",
    "Eredeti számla",
    "Kiállító cég",
    "Kiállító adószáma",
    "Kiállítás dátuma",
    "Teljesítés dátuma",
    "Fizetési határidő",
    "Fizetési mód",
    "Vevő",
    "Vevő adószáma",
    "Pénztártag",
    "Nettó (Ft)",
    "Áfa (Ft)",
    "Bruttó (Ft)",
    "Pénznem",
    "NAV állapot",
    "NAV tranzakcióazonosító",
    # A foreign-currency invoice: the books are in forints (the columns above); its own
    # currency's amounts and the rate they were converted at, for the accountant to match.
    "Árfolyam (Ft)",
    "Árfolyam dátuma",
    "Nettó (devizában)",
    "Áfa (devizában)",
    "Bruttó (devizában)",
]


def _foreign(invoice: Invoice) -> list[str]:
    if invoice.currency == "HUF":
        return ["", "", "", "", ""]
    amounts = (invoice.net_total_cur, invoice.vat_total_cur, invoice.gross_total_cur)
    return [
        _num(invoice.exchange_rate),
        invoice.exchange_rate_date.isoformat() if invoice.exchange_rate_date else "",
        *(_num(a) if a is not None else "" for a in amounts),
    ]


def invoices_csv(invoices: list[Invoice]) -> bytes:
    rows = []
    for i in invoices:
        submission = getattr(i, "nav_submission", None)
        rows.append(
            [
                i.number,
                str(i.get_kind_display()),
                i.original.number if i.original else "",
                i.supplier_name,
                i.supplier_tax_number,
                i.issue_date.isoformat(),
                i.delivery_date.isoformat(),
                i.payment_due.isoformat(),
                str(i.get_payment_method_display()),
                i.customer_name,
                i.customer_tax_number,
                f"{i.fund_member_name} ({i.fund_member_number})" if i.fund_member_name else "",
                _num(i.net_total),
                _num(i.vat_total),
                _num(i.gross_total),
                i.currency,
                str(submission.get_state_display()) if submission else "",
                submission.transaction_id if submission else "",
                *_foreign(i),
            ]
        )
    return _csv(INVOICE_HEADER, rows)


PAYMENT_HEADER = [
    "Fizetés napja",
    "Számlaszám",
    "Kiállító cég",
    "Vevő",
    "Fizetési mód",
    "Számlára (Ft)",
    "Egyenlegre (Ft)",
    "Készpénzben átadva (Ft)",
    "Kerekítési különbözet (Ft)",
    "Visszafizetés",
    "Rögzítette",
    "Rögzítve",
]


def payments_csv(payments: list[Payment]) -> bytes:
    rows = [
        [
            p.paid_on.isoformat(),
            p.invoice.number,
            p.invoice.supplier_name,
            p.invoice.customer_name,
            str(p.get_method_display()),
            _num(p.amount),
            _num(p.credit),
            _num(p.cash_amount) if p.cash_amount is not None else "",
            _num(p.cash_rounding),
            "igen" if p.amount < 0 else "",
            p.taken_by.display_name,
            p.taken_at.isoformat(timespec="seconds"),
        ]
        for p in payments
    ]
    return _csv(PAYMENT_HEADER, rows)


def nav_xml_zip(invoices: list[Invoice]) -> tuple[bytes, list[str]]:
    """The zip, and the numbers of invoices left out because they have no report (none
    should: every invoice writes its report row in the issuing transaction)."""
    missing = []
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for invoice in invoices:
            submission = getattr(invoice, "nav_submission", None)
            if submission is None:
                missing.append(invoice.number)
                continue
            archive.writestr(f"{invoice.number}.xml", bytes(submission.invoice_xml))
    return out.getvalue(), missing
