"""Reads of invoices, scoped to the member's practice (another practice's row is a 404)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from zomanc.billing.models import DailyClosing, Invoice, InvoiceKind
from zomanc.billing.payments import with_outstanding
from zomanc.clinical.models import Visit, VisitStatus
from zomanc.nav.models import NavSubmission
from zomanc.patients.models import Patient
from zomanc.practices.models import Company, StaffMember


def _invoices(member: StaffMember) -> QuerySet[Invoice]:
    return Invoice.objects.filter(practice_id=member.practice_id).select_related(
        "nav_submission", "original", "company", "patient"
    )


def access_invoice(member: StaffMember, invoice_id: int) -> Invoice:
    invoice = _invoices(member).filter(pk=invoice_id).first()
    if invoice is None:
        raise Http404
    return invoice


def access_patient(member: StaffMember, patient_id: int) -> Patient:
    patient = Patient.objects.filter(practice_id=member.practice_id, pk=patient_id).first()
    if patient is None:
        raise Http404
    return patient


def access_billable_visit(member: StaffMember, visit_id: int) -> Visit:
    visit = (
        Visit.objects.filter(practice_id=member.practice_id, pk=visit_id)
        .select_related("patient", "company")
        .first()
    )
    if visit is None:
        raise Http404
    return visit


class InvoiceListRow(NamedTuple):
    """What the list shows of an invoice (and the patient its audit entry names)."""

    pk: int
    number: str
    kind: str
    issue_date: dt.date
    customer_name: str
    gross_total: Decimal
    nav_state: str | None  # None: no NAV submission
    patient_id: int | None


def invoice_list(member: StaffMember, *, limit: int = 200) -> list[InvoiceListRow]:
    """The latest `limit` invoices as the list shows them: plain values, one query (the
    list's rows are built in Python, list_rows.py)."""
    rows = (
        Invoice.objects.filter(practice_id=member.practice_id)
        .order_by("-issued_at")
        .values_list(
            "pk", "number", "kind", "issue_date", "customer_name", "gross_total",
            "nav_submission__state", "patient_id",
        )[:limit]
    )  # fmt: skip
    return [InvoiceListRow(*row) for row in rows]


def patient_invoices(member: StaffMember, patient: Patient) -> list[Invoice]:
    return list(_invoices(member).filter(patient=patient).order_by("-issued_at"))


def patient_closed_visits(
    member: StaffMember, patient: Patient
) -> list[tuple[Visit, Invoice | None]]:
    """The patient's closed visits, each with its invoice in force (None: not invoiced)."""
    visits = list(
        Visit.objects.filter(
            practice_id=member.practice_id, patient=patient, status=VisitStatus.CLOSED
        ).order_by("-started_at")[:50]
    )
    invoices = {
        i.visit_id: i
        for i in Invoice.objects.filter(
            practice_id=member.practice_id, visit__in=visits, kind=InvoiceKind.NORMAL
        ).exclude(corrections__kind=InvoiceKind.STORNO)
    }
    return [(v, invoices.get(v.pk)) for v in visits]


def visit_invoice(member: StaffMember, visit: Visit) -> Invoice | None:
    return (
        Invoice.objects.filter(practice_id=member.practice_id, visit=visit, kind=InvoiceKind.NORMAL)
        .exclude(corrections__kind=InvoiceKind.STORNO)
        .first()
    )


def nav_submissions(
    member: StaffMember, *, state: str = "", limit: int = 200
) -> list[NavSubmission]:
    rows = NavSubmission.objects.filter(practice_id=member.practice_id).select_related("invoice")
    if state:
        rows = rows.filter(state=state)
    return list(rows.order_by("-created_at")[:limit])


def access_submission(member: StaffMember, submission_id: int) -> NavSubmission:
    row = NavSubmission.objects.filter(practice_id=member.practice_id, pk=submission_id).first()
    if row is None:
        raise Http404
    return row


# --- receivables (kintlévőségek) with ageing -------------------------------------------

StrOrPromise = str | Promise

# (key, label, lowest days overdue, highest) — "not due" is anything due today or later.
AGEING_BUCKETS: list[tuple[str, StrOrPromise, int, int | None]] = [
    ("not_due", gettext_lazy("Nem lejárt"), -(10**6), 0),
    ("d1_30", gettext_lazy("1–30 nap"), 1, 30),
    ("d31_60", gettext_lazy("31–60 nap"), 31, 60),
    ("d61_90", gettext_lazy("61–90 nap"), 61, 90),
    ("d90_plus", gettext_lazy("90 napon túl"), 91, None),
]


def ageing_bucket(days_overdue: int) -> str:
    for key, _label, low, high in AGEING_BUCKETS:
        if days_overdue >= low and (high is None or days_overdue <= high):
            return key
    raise AssertionError(days_overdue)  # the buckets cover every integer


@dataclass
class ReceivableRow:
    invoice: Invoice
    outstanding: Decimal
    days_overdue: int
    bucket: str


@dataclass
class Receivables:
    rows: list[ReceivableRow]
    # company name → {bucket: total, "total": total}; "" → every company together
    by_company: dict[str, dict[str, Decimal]]
    totals: dict[str, Decimal]


def receivables(
    member: StaffMember, *, today: dt.date, company_id: int | None = None
) -> Receivables:
    """Invoices in force with something still to pay, oldest due first, each in its ageing
    bucket by days past the payment due date; totals per company and bucket. One query."""
    invoices = Invoice.objects.filter(practice_id=member.practice_id)
    if company_id is not None:
        invoices = invoices.filter(company_id=company_id)
    found = (
        with_outstanding(invoices)
        .filter(Q(outstanding__gt=0))
        .select_related("company")
        .order_by("payment_due", "number")
    )
    keys = [key for key, *_ in AGEING_BUCKETS]
    totals = dict.fromkeys([*keys, "total"], Decimal(0))
    by_company: dict[str, dict[str, Decimal]] = {}
    rows = []
    for invoice in found:
        outstanding = Decimal(invoice.outstanding)  # type: ignore[attr-defined]
        days = (today - invoice.payment_due).days
        bucket = ageing_bucket(days)
        rows.append(ReceivableRow(invoice, outstanding, days, bucket))
        company = by_company.setdefault(
            invoice.company.name, dict.fromkeys([*keys, "total"], Decimal(0))
        )
        for sums in (company, totals):
            sums[bucket] += outstanding
            sums["total"] += outstanding
    return Receivables(rows=rows, by_company=by_company, totals=totals)


def companies(member: StaffMember) -> list[Company]:
    return list(Company.objects.filter(practice_id=member.practice_id).order_by("name"))


def closed_company_ids(member: StaffMember, day: dt.date) -> set[int]:
    return set(
        DailyClosing.objects.filter(practice_id=member.practice_id, day=day).values_list(
            "company_id", flat=True
        )
    )


def closings(
    member: StaffMember, *, company_id: int | None = None, limit: int = 120
) -> list[DailyClosing]:
    rows = DailyClosing.objects.filter(practice_id=member.practice_id).select_related(
        "company", "closed_by"
    )
    if company_id is not None:
        rows = rows.filter(company_id=company_id)
    return list(rows.order_by("-day", "company__name")[:limit])
