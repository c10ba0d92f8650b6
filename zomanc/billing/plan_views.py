"""The plan's invoicing page ("Számlázás a tervből": done items, the advance invoice, the
final invoice deducting it) and e-mailing an invoice. Thin: billing/plan_invoices.py and
billing/invoice_send.py decide."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zomanc.audit.models import AuditAction
from zomanc.audit.services import audit_record
from zomanc.billing import selectors
from zomanc.billing.invoice_send import invoice_email_send
from zomanc.billing.plan_forms import InvoiceEmailForm, PlanInvoiceForm
from zomanc.billing.plan_invoices import (
    BILLABLE_STATUSES,
    plan_advance_invoice,
    plan_advances,
    plan_invoice_items,
    plan_invoiced_items,
)
from zomanc.core.http import MemberRequest, member_required
from zomanc.plans.selectors import access_plan, plan_quote
from zomanc.practices.permissions import Perm


@member_required(Perm.INVOICE_ISSUE)
def plan_billing(request: MemberRequest, plan_id: int) -> HttpResponse:
    plan = access_plan(request.member, plan_id)
    form = PlanInvoiceForm(request.POST or None, practice_id=request.member.practice_id)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if form.is_valid():
            data = form.cleaned_data
            common = {
                "actor": request.member,
                "plan": plan,
                "company": data["company"],
                "payment_method": data["payment_method"],
                "idempotency_key": data["idempotency_key"],
                "exchange_rate": data["exchange_rate"],
                "exchange_rate_date": data["exchange_rate_date"],
            }
            try:
                if action == "advance":
                    invoice = plan_advance_invoice(**common)
                else:
                    ids = []
                    for value in request.POST.getlist("items"):
                        if not value.isdigit():
                            raise ValidationError(_("Hibás tételazonosító."))
                        ids.append(int(value))
                    invoice = plan_invoice_items(
                        **common, item_ids=ids, deduct_advances=bool(request.POST.get("final"))
                    )
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                messages.success(
                    request,
                    _("A %(number)s számla kiállítva; a NAV-nak a rendszer küldi be.")
                    % {"number": invoice.number},
                )
                return redirect("billing:detail", invoice.pk)
    quote = plan_quote(plan)
    invoiced = plan_invoiced_items(plan)
    rows = [
        {"item": q.item, "total": q.amounts.total, "invoice": invoiced.get(q.item.pk)}
        for phase in quote.phases
        for q in [*phase.common, *(phase.counted.items if phase.counted else [])]
    ]
    if not form.is_bound and plan.currency != "HUF":
        form.initial.update(
            exchange_rate=plan.exchange_rate, exchange_rate_date=plan.exchange_rate_date
        )
    audit_record(
        practice=request.practice,
        actor=request.user,
        action=AuditAction.VIEW,
        obj=plan,
        patient_id=plan.patient_id,
        summary=f"Kezelési terv számlázása (űrlap): {plan.patient}",
        request=request,
    )
    return render(
        request,
        "billing/plan_billing.html",
        {
            "plan": plan,
            "quote": quote,
            "rows": rows,
            "advances": plan_advances(plan),
            "form": form,
            "billable": plan.status in BILLABLE_STATUSES,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@require_POST
@member_required(Perm.INVOICE_ISSUE)
def invoice_email(request: MemberRequest, invoice_id: int) -> HttpResponse:
    invoice = selectors.access_invoice(request.member, invoice_id)
    form = InvoiceEmailForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for text in errors:
                messages.error(request, str(text))
        return redirect("billing:detail", invoice.pk)
    try:
        message = invoice_email_send(
            invoice=invoice,
            actor=request.member,
            recipient=form.cleaned_data["recipient"],
            language=form.cleaned_data["language"],
            request=request,
        )
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.success(
            request,
            _("A számla küldésre vár: %(to)s.") % {"to": message.recipient},
        )
    return redirect("billing:detail", invoice.pk)
