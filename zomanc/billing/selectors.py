"""Reads of invoices, scoped to the member's practice (another practice's row is a 404)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from zomanc.billing.models import Invoice, InvoiceKind
from zomanc.clinical.models import Visit, VisitStatus
from zomanc.nav.models import NavSubmission
from zomanc.patients.models import Patient
from zomanc.practices.models import StaffMember


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


def invoice_list(member: StaffMember, *, limit: int = 200) -> list[Invoice]:
    return list(_invoices(member).order_by("-issued_at")[:limit])


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
