"""Invoice pages: a patient's invoices and billable visits, issuing from a closed visit, an
invoice with its NAV badge, its PDF and storno, the NAV beküldések list and the NAV settings
of a company. Thin: services decide, selectors scope to the practice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zomanc.audit.models import AuditAction
from zomanc.audit.services import audit_patients_listed, audit_record
from zomanc.billing import selectors
from zomanc.billing.closing import DaySummary, day_close, day_summary
from zomanc.billing.exports import (
    invoices_csv,
    nav_xml_zip,
    payments_csv,
    period_invoices,
    period_payments,
)
from zomanc.billing.formatting import thousands_format
from zomanc.billing.forms import (
    ClosingForm,
    CompanyBillingForm,
    ExportForm,
    IssueForm,
    ModifyForm,
    NavSettingsForm,
    PaymentForm,
    StornoForm,
)
from zomanc.billing.list_rows import InvoiceListRows
from zomanc.billing.models import CustomerKind, InvoiceKind
from zomanc.billing.payments import (
    invoice_outstanding,
    patient_account,
    patient_credit,
    payment_take,
)
from zomanc.billing.pdf import closing_pdf, invoice_pdf
from zomanc.billing.services import (
    BILLING_FIELDS,
    CustomerInput,
    LineInput,
    company_billing_update,
    customer_of_patient,
    invoice_issue_for_visit,
    invoice_modify,
    invoice_storno,
)
from zomanc.core.http import MemberRequest, member_required
from zomanc.nav.client.errors import error_class
from zomanc.nav.models import FINAL_STATES, NavSettings, SubmissionState
from zomanc.nav.outbox import nav_settings_changed, nav_submission_retry
from zomanc.nav.services import nav_connection_test, nav_settings_save
from zomanc.practices.models import Company
from zomanc.practices.permissions import Perm, member_can


def _form_errors(
    form: IssueForm | NavSettingsForm | CompanyBillingForm | ModifyForm | ClosingForm,
    error: ValidationError,
) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _viewed(request: MemberRequest, obj: Any, patient_id: int | None, what: str) -> None:
    """Invoices show who was treated for what and for how much: every look leaves a VIEW
    entry (audit/tests/test_audit_coverage.py walks every view for it)."""
    audit_record(
        practice=request.practice,
        actor=request.user,
        action=AuditAction.VIEW,
        obj=obj,
        patient_id=patient_id,
        summary=what,
        request=request,
    )


@member_required(Perm.INVOICE_VIEW)
def invoice_list(request: MemberRequest) -> HttpResponse:
    invoices = selectors.invoice_list(request.member)
    audit_patients_listed(
        practice=request.practice,
        actor=request.user,
        what="Számlák listája",
        query="",
        patient_ids=list(dict.fromkeys(i.patient_id for i in invoices if i.patient_id)),
        request=request,
    )
    # The rows' markup built once a page in Python (list_rows.py: the template's loop over
    # model instances was ≈ 90 % of the page).
    rows = mark_safe(InvoiceListRows().render(invoices))  # every field escaped in list_rows
    return render(request, "billing/invoice_list.html", {"invoices": invoices, "rows": rows})


@member_required(Perm.INVOICE_VIEW)
def patient_billing(request: MemberRequest, patient_id: int) -> HttpResponse:
    patient = selectors.access_patient(request.member, patient_id)
    _viewed(request, patient, patient.pk, f"Páciens számlái és egyenlege: {patient}")
    return render(
        request,
        "billing/patient_billing.html",
        {
            "patient": patient,
            "visits": selectors.patient_closed_visits(request.member, patient),
            "account": patient_account(patient),
            "invoices": selectors.patient_invoices(request.member, patient),
        },
    )


@member_required(Perm.INVOICE_ISSUE)
def visit_invoice_new(request: MemberRequest, visit_id: int) -> HttpResponse:
    visit = selectors.access_billable_visit(request.member, visit_id)
    existing = selectors.visit_invoice(request.member, visit)
    if existing is not None and request.method != "POST":
        return redirect("billing:detail", existing.pk)
    patient = visit.patient
    if request.method == "POST":
        form = IssueForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            if data["customer_kind"] == CustomerKind.PATIENT:
                customer = customer_of_patient(patient)
            else:
                customer = CustomerInput(
                    kind=data["customer_kind"],
                    name=data["name"],
                    postal_code=data["postal_code"],
                    city=data["city"],
                    street=data["street"],
                    tax_number=data["tax_number"],
                    fund_member_name=data["fund_member_name"],
                    fund_member_number=data["fund_member_number"],
                )
            try:
                invoice = invoice_issue_for_visit(
                    actor=request.member,
                    visit=visit,
                    customer=customer,
                    payment_method=data["payment_method"],
                    idempotency_key=data["idempotency_key"],
                )
            except ValidationError as error:
                _form_errors(form, error)
            else:
                messages.success(
                    request,
                    _("A %(number)s számla kiállítva; a NAV-nak a rendszer küldi be.")
                    % {"number": invoice.number},
                )
                return redirect("billing:detail", invoice.pk)
    else:
        form = IssueForm(
            initial={
                "customer_kind": CustomerKind.PATIENT,
                "payment_method": "CASH",
                "fund_member_name": f"{patient.family_name} {patient.given_name}",
            }
        )
    procedures = list(visit.procedures.order_by("pk"))
    _viewed(request, visit, patient.pk, f"Számla kiállítása (űrlap): {patient}")
    return render(
        request,
        "billing/invoice_new.html",
        {
            "form": form,
            "visit": visit,
            "patient": patient,
            "procedures": procedures,
            "total": sum(p.unit_price * p.quantity for p in procedures),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@member_required(Perm.INVOICE_VIEW)
def invoice_detail(request: MemberRequest, invoice_id: int) -> HttpResponse:
    invoice = selectors.access_invoice(request.member, invoice_id)
    submission = getattr(invoice, "nav_submission", None)
    storno = invoice.corrections.filter(kind=InvoiceKind.STORNO).first()
    advice = ""
    if submission is not None and submission.state == SubmissionState.ABORTED:
        advice = _(
            "A NAV a számlát nem fogadta be. Az eredeti számla nem módosítható: állítson ki "
            "sztornó számlát, majd új, javított számlát; mindkettőt a rendszer küldi be."
        )
    elif submission is not None and submission.last_error_code:
        advice = error_class(submission.last_error_code).advice
    _viewed(request, invoice, invoice.patient_id, f"Számla megtekintése: {invoice.number}")
    return render(
        request,
        "billing/invoice_detail.html",
        {
            "invoice": invoice,
            "lines": list(invoice.lines.all()),
            "submission": submission,
            "storno": storno,
            "advice": advice,
            "storno_form": StornoForm(initial={"idempotency_key": f"storno-{invoice.pk}"}),
            "can_storno": invoice.kind != InvoiceKind.STORNO and storno is None,
            "payments": list(invoice.payments.select_related("taken_by").order_by("taken_at")),
            "outstanding": invoice_outstanding(invoice),
            "payment_form": PaymentForm(initial={"method": invoice.payment_method}),
            "credit_held": patient_credit(invoice.patient) if invoice.patient else 0,
        },
    )


@require_POST
@member_required(Perm.INVOICE_ISSUE)
def payment_take_view(request: MemberRequest, invoice_id: int) -> HttpResponse:
    invoice = selectors.access_invoice(request.member, invoice_id)
    form = PaymentForm(request.POST)
    if form.is_valid():
        try:
            payment = payment_take(
                actor=request.member,
                invoice=invoice,
                method=form.cleaned_data["method"],
                amount=form.cleaned_data["amount"],
                idempotency_key=form.cleaned_data["idempotency_key"],
                paid_on=form.cleaned_data["paid_on"],
                excess_as_credit=form.cleaned_data["excess_as_credit"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if payment.cash_amount is not None:
                messages.success(
                    request,
                    _("Befizetve: %(cash)s Ft készpénz (kerekítés: %(diff)s Ft).")
                    % {
                        "cash": thousands_format(payment.cash_amount),
                        "diff": thousands_format(payment.cash_rounding),
                    },
                )
            else:
                messages.success(
                    request,
                    _("Befizetve: %(amount)s Ft.") % {"amount": thousands_format(payment.amount)},
                )
            if payment.credit > 0:
                messages.info(
                    request,
                    _("A páciens egyenlegén jóváírva (túlfizetés): %(credit)s Ft.")
                    % {"credit": thousands_format(payment.credit)},
                )
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("billing:detail", invoice.pk)


@member_required(Perm.INVOICE_VIEW)
def invoice_pdf_view(request: MemberRequest, invoice_id: int) -> HttpResponse:
    invoice = selectors.access_invoice(request.member, invoice_id)
    _viewed(request, invoice, invoice.patient_id, f"Számla (PDF) megtekintése: {invoice.number}")
    # ?nyelv=en|de: bilingual (HU/EN, HU/DE); anything else: Hungarian.
    language = request.GET.get("nyelv")
    response = HttpResponse(invoice_pdf(invoice, language), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="szamla-{invoice.number}.pdf"'
    return response


@require_POST
@member_required(Perm.INVOICE_ISSUE)
def invoice_storno_view(request: MemberRequest, invoice_id: int) -> HttpResponse:
    invoice = selectors.access_invoice(request.member, invoice_id)
    form = StornoForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Hiányzó űrlapazonosító: töltse újra az oldalt."))
        return redirect("billing:detail", invoice.pk)
    try:
        storno = invoice_storno(
            actor=request.member,
            invoice=invoice,
            idempotency_key=form.cleaned_data["idempotency_key"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("billing:detail", invoice.pk)
    messages.success(
        request, _("A %(number)s sztornó számla kiállítva.") % {"number": storno.number}
    )
    return redirect("billing:detail", storno.pk)


@member_required(Perm.INVOICE_ISSUE)
def invoice_modify_view(request: MemberRequest, invoice_id: int) -> HttpResponse:
    invoice = selectors.access_invoice(request.member, invoice_id)
    form = ModifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            modification = invoice_modify(
                actor=request.member,
                invoice=invoice,
                lines=[
                    LineInput(
                        data["description"],
                        data["quantity"],
                        data["gross_unit_price"],
                        data["vat_rate"],
                    )
                ],
                idempotency_key=data["idempotency_key"],
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(
                request,
                _("A %(number)s módosító számla kiállítva.") % {"number": modification.number},
            )
            return redirect("billing:detail", modification.pk)
    _viewed(request, invoice, invoice.patient_id, f"Számla módosítása (űrlap): {invoice.number}")
    return render(
        request,
        "billing/invoice_modify.html",
        {"invoice": invoice, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


@member_required(Perm.INVOICE_ISSUE)
def nav_submission_list(request: MemberRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    if state not in SubmissionState.values:
        state = ""
    rows = selectors.nav_submissions(request.member, state=state)
    return render(
        request,
        "billing/nav_submissions.html",
        {
            "rows": rows,
            "state": state,
            "states": SubmissionState.choices,
            "final": FINAL_STATES,
        },
    )


@require_POST
@member_required(Perm.INVOICE_ISSUE)
def nav_submission_retry_view(request: MemberRequest, submission_id: int) -> HttpResponse:
    row = selectors.access_submission(request.member, submission_id)
    if row.state in FINAL_STATES:
        messages.info(request, _("Ez a beküldés már lezárult a NAV-nál."))
    else:
        nav_submission_retry(submission=row)
        messages.success(
            request, _("Újraküldés elindítva; a NAV ugyanazt a kérést nem dolgozza fel kétszer.")
        )
    return redirect("billing:nav_list")


@member_required(Perm.SETTINGS_EDIT)
def nav_settings(request: MemberRequest, company_id: int) -> HttpResponse:
    company = Company.objects.filter(practice_id=request.practice.pk, pk=company_id).first()
    if company is None:
        raise Http404
    row = NavSettings.objects.filter(company=company).first()
    if request.method == "POST" and request.POST.get("action") == "test":
        result = nav_connection_test(company=company)
        (messages.success if result.ok else messages.error)(request, result.message)
        return redirect("billing:nav_settings", company.pk)
    billing_form = CompanyBillingForm(
        initial={name: getattr(company, name) for name in BILLING_FIELDS}
    )
    if request.method == "POST" and request.POST.get("action") == "billing":
        billing_form = CompanyBillingForm(request.POST)
        if billing_form.is_valid():
            try:
                company_billing_update(
                    company=company, actor=request.member, data=billing_form.cleaned_data
                )
            except ValidationError as error:
                _form_errors(billing_form, error)
            else:
                messages.success(request, _("A cég számlázási adatai elmentve."))
                return redirect("billing:nav_settings", company.pk)
        form = NavSettingsForm(initial={"login": row.login if row else ""})
    elif request.method == "POST":
        form = NavSettingsForm(request.POST)
        if form.is_valid():
            try:
                nav_settings_save(company=company, actor=request.member, **form.cleaned_data)
            except ValidationError as error:
                _form_errors(form, error)
            else:
                nav_settings_changed(company_id=company.pk)
                messages.success(
                    request, _("A NAV technikai felhasználó elmentve; futtassa a kapcsolattesztet.")
                )
                return redirect("billing:nav_settings", company.pk)
    else:
        form = NavSettingsForm(initial={"login": row.login if row else ""})
    return render(
        request,
        "billing/nav_settings.html",
        {"company": company, "row": row, "form": form, "billing_form": billing_form},
        status=400 if (form.is_bound and form.errors) or billing_form.errors else 200,
    )


def _company_filter(request: MemberRequest) -> int | None:
    """?company=<id> of the member's practice, or None (every company)."""
    raw = request.GET.get("company", "")
    if not raw.isdigit():
        return None
    found = Company.objects.filter(practice_id=request.practice.pk, pk=int(raw)).first()
    if found is None:
        raise Http404
    return found.pk


@member_required(Perm.BILLING_REPORT)
def receivables(request: MemberRequest) -> HttpResponse:
    company_id = _company_filter(request)
    report = selectors.receivables(
        request.member, today=timezone.localdate(), company_id=company_id
    )
    audit_patients_listed(
        practice=request.practice,
        actor=request.user,
        what="Kintlévőségek",
        query=f"company={company_id}" if company_id else "",
        patient_ids=list(
            dict.fromkeys(r.invoice.patient_id for r in report.rows if r.invoice.patient_id)
        ),
        request=request,
    )
    return render(
        request,
        "billing/receivables.html",
        {
            "report": report,
            "buckets": [(key, label) for key, label, *_ in selectors.AGEING_BUCKETS],
            "companies": selectors.companies(request.member),
            "company_id": company_id,
        },
    )


# --- daily closing (napi zárás) --------------------------------------------------------


def _closing_target(request: MemberRequest, company_id: int, day: str) -> tuple[Company, dt.date]:
    company = Company.objects.filter(practice_id=request.practice.pk, pk=company_id).first()
    if company is None:
        raise Http404
    try:
        date = dt.date.fromisoformat(day)
    except ValueError:
        raise Http404 from None
    return company, date


def _may_see_closing(request: MemberRequest, summary: DaySummary) -> bool:
    """The desk sees today's closing and any day not yet closed (to close a forgotten one);
    the history of closings is the owner's report."""
    return (
        summary.closing is None
        or summary.day == timezone.localdate()
        or member_can(request.member, Perm.BILLING_REPORT)
    )


@member_required(Perm.DAY_CLOSE)
def closing_list(request: MemberRequest) -> HttpResponse:
    today = timezone.localdate()
    companies = selectors.companies(request.member)
    closed_today = selectors.closed_company_ids(request.member, today)
    history = (
        selectors.closings(request.member, company_id=_company_filter(request))
        if member_can(request.member, Perm.BILLING_REPORT)
        else None
    )
    return render(
        request,
        "billing/closing_list.html",
        {
            "today": today,
            "companies": [(c, c.pk in closed_today) for c in companies],
            "history": history,
            "all_companies": companies,
            "company_id": _company_filter(request),
        },
    )


@member_required(Perm.DAY_CLOSE)
def closing_day(request: MemberRequest, company_id: int, day: str) -> HttpResponse:
    company, date = _closing_target(request, company_id, day)
    summary = day_summary(company, date)
    if not _may_see_closing(request, summary):
        raise PermissionDenied
    form = ClosingForm(request.POST or None)
    if request.method == "POST" and summary.closing is None and form.is_valid():
        data = form.cleaned_data
        try:
            day_close(
                actor=request.member,
                company=company,
                day=date,
                counted_cash=data["counted_cash"],
                cash_removed=data["cash_removed"] or Decimal(0),
                note=data["note"],
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("A nap lezárva."))
            return redirect("billing:closing_day", company.pk, date.isoformat())
    return render(
        request,
        "billing/closing_day.html",
        {
            "summary": summary,
            "form": form,
            "can_close": summary.closing is None and date <= timezone.localdate(),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@member_required(Perm.DAY_CLOSE)
def closing_pdf_view(request: MemberRequest, company_id: int, day: str) -> HttpResponse:
    company, date = _closing_target(request, company_id, day)
    summary = day_summary(company, date)
    if summary.closing is None:
        raise Http404
    if not _may_see_closing(request, summary):
        raise PermissionDenied
    response = HttpResponse(closing_pdf(summary), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="napi-zaras-{company.pk}-{date.isoformat()}.pdf"'
    )
    return response


# --- the accountant's exports ------------------------------------------------------------

EXPORT_KINDS = {
    "szamlak.csv": "text/csv; charset=utf-8",
    "befizetesek.csv": "text/csv; charset=utf-8",
    "nav-szamlaadatok.zip": "application/zip",
}


def _export_form(request: MemberRequest, *, bound: bool = False) -> ExportForm:
    companies = [(c.pk, c.name) for c in selectors.companies(request.member)]
    if bound or request.GET.get("start") or request.GET.get("end"):
        return ExportForm(request.GET, companies=companies)
    today = timezone.localdate()
    last_month_end = today.replace(day=1) - dt.timedelta(days=1)
    return ExportForm(
        initial={"start": last_month_end.replace(day=1), "end": last_month_end},
        companies=companies,
    )


@member_required(Perm.BILLING_REPORT)
def exports(request: MemberRequest) -> HttpResponse:
    form = _export_form(request)
    if form.is_bound:
        form.is_valid()
    return render(
        request,
        "billing/exports.html",
        {"form": form, "kinds": list(EXPORT_KINDS)},
        status=400 if form.is_bound and form.errors else 200,
    )


@member_required(Perm.BILLING_REPORT)
def export_download(request: MemberRequest, kind: str) -> HttpResponse:
    if kind not in EXPORT_KINDS:
        raise Http404
    form = _export_form(request, bound=True)
    if not form.is_valid():
        return render(
            request, "billing/exports.html", {"form": form, "kinds": list(EXPORT_KINDS)}, status=400
        )
    start, end, company_id = (form.cleaned_data[k] for k in ("start", "end", "company"))
    if kind == "befizetesek.csv":
        payments = list(
            period_payments(request.member, start, end, company_id).select_related(
                "invoice", "taken_by"
            )
        )
        patient_ids = [p.invoice.patient_id for p in payments]
        body = payments_csv(payments)
    else:
        invoices = period_invoices(request.member, start, end, company_id)
        if kind == "szamlak.csv":
            rows = list(invoices.select_related("original", "nav_submission"))
            body = invoices_csv(rows)
        else:
            rows = list(invoices.select_related("nav_submission"))
            body, missing = nav_xml_zip(rows)
            if missing:
                messages.warning(
                    request,
                    _("NAV-adat nélküli számlák (kimaradtak): %(numbers)s")
                    % {"numbers": ", ".join(missing)},
                )
        patient_ids = [i.patient_id for i in rows]
    audit_patients_listed(
        practice=request.practice,
        actor=request.user,
        what=f"Export a könyvelőnek: {kind}",
        query=f"{start.isoformat()}..{end.isoformat()} company={company_id or ''}",
        patient_ids=list(dict.fromkeys(p for p in patient_ids if p)),
        request=request,
    )
    response = HttpResponse(body, content_type=EXPORT_KINDS[kind])
    stem, ext = kind.rsplit(".", 1)
    response["Content-Disposition"] = (
        f'attachment; filename="{stem}-{start.isoformat()}-{end.isoformat()}.{ext}"'
    )
    return response
