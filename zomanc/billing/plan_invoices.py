"""Invoices from an accepted treatment plan: its done items, the quote's advance (előleg-
számla) and the final invoice deducting the advance (docs/invoicing.md, "From a plan").

- Only **done** items are invoiced. An item not yet carried out is no delivery yet: money
  asked for it before the work is an advance, and an advance is invoiced as one (an
  előlegszámla, Áfa tv. 59. §), not as an ordinary invoice with a future fulfilment date.
- Each plan item is invoiced at most once while its invoice is in force: a storno frees it.
  The plan row is locked (SELECT … FOR UPDATE) while the items are checked and the invoice
  is issued, so two receptionists at once cannot bill the same item twice.
- The advance invoice takes the quote's advance (plan_quote(plan).advance), split over the
  quote's VAT rates in proportion to their totals; its lines carry NAV's advanceIndicator.
- The final invoice ("végszámla") deducts every advance invoice in force that no invoice in
  force has deducted yet: per advance line, the same line negated (quantity −1, the advance's
  VAT code and amounts), with advanceData/advancePaymentData naming the advance invoice, its
  payment date (its fulfilment date: the day the advance was received) and its rate.
- The invoice is in the plan's currency; an EUR plan needs the rate and its date (the
  plan's, unless the receptionist gives the day's)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from zomanc.billing.models import Invoice, InvoiceKind, InvoiceLine
from zomanc.billing.services import (
    CustomerInput,
    LineInput,
    customer_of_patient,
    invoice_issue,
)
from zomanc.plans.models import PlanItem, PlanStatus, TreatmentPlan
from zomanc.plans.money import money_round
from zomanc.plans.selectors import plan_effective_items, plan_quote, quote_phases
from zomanc.practices.models import Company, StaffMember

# A plan is billed once the patient accepted it (and after it is completed).
BILLABLE_STATUSES = (PlanStatus.ACCEPTED, PlanStatus.IN_PROGRESS, PlanStatus.COMPLETED)
ADVANCE_STATUSES = (PlanStatus.ACCEPTED, PlanStatus.IN_PROGRESS)

IN_FORCE = Q(invoice__kind=InvoiceKind.NORMAL) & ~Q(invoice__corrections__kind=InvoiceKind.STORNO)


def plan_invoiced_items(plan: TreatmentPlan) -> dict[int, Invoice]:
    """{plan item id: the invoice in force that billed it}."""
    lines = (
        InvoiceLine.objects.filter(IN_FORCE, practice_id=plan.practice_id, plan_item__plan=plan)
        .select_related("invoice")
        .order_by("pk")
    )
    return {line.plan_item_id: line.invoice for line in lines if line.plan_item_id}


@dataclass
class AdvanceRow:
    invoice: Invoice
    deducted_by: Invoice | None  # the final invoice in force that deducted it


def plan_advances(plan: TreatmentPlan) -> list[AdvanceRow]:
    """The plan's advance invoices in force, each with the invoice that deducted it."""
    advances = list(
        Invoice.objects.filter(
            practice_id=plan.practice_id, plan=plan, is_advance=True, kind=InvoiceKind.NORMAL
        )
        .exclude(corrections__kind=InvoiceKind.STORNO)
        .order_by("pk")
    )
    deductions = {
        line.advance_invoice_id: line.invoice
        for line in InvoiceLine.objects.filter(
            IN_FORCE, practice_id=plan.practice_id, advance_invoice__in=advances
        ).select_related("invoice")
    }
    return [AdvanceRow(a, deductions.get(a.pk)) for a in advances]


def _rate(
    plan: TreatmentPlan, rate: Decimal | None, rate_date: dt.date | None
) -> tuple[Decimal | None, dt.date | None]:
    if plan.currency == "HUF":
        return None, None
    if rate is None and rate_date is None:
        return plan.exchange_rate, plan.exchange_rate_date
    return rate, rate_date


def _plan_checks(actor: StaffMember, plan: TreatmentPlan, company: Company) -> None:
    if plan.practice_id != actor.practice_id or company.practice_id != actor.practice_id:
        raise ValidationError(_("A terv vagy a cég nem ehhez a rendelőhöz tartozik."))


def _existing(actor: StaffMember, key: str) -> Invoice | None:
    return Invoice.objects.filter(practice_id=actor.practice_id, idempotency_key=key).first()


def plan_invoice_items(
    *,
    actor: StaffMember,
    plan: TreatmentPlan,
    company: Company,
    item_ids: list[int],
    payment_method: str,
    idempotency_key: str,
    deduct_advances: bool = False,
    customer: CustomerInput | None = None,
    exchange_rate: Decimal | None = None,
    exchange_rate_date: dt.date | None = None,
) -> Invoice:
    """An invoice of the plan's done items not yet invoiced; with `deduct_advances` the
    final invoice, deducting the advance invoices not yet deducted."""
    _plan_checks(actor, plan, company)
    found = _existing(actor, idempotency_key)
    if found is not None:
        return found
    if plan.status not in BILLABLE_STATUSES:
        raise ValidationError(
            _("Csak elfogadott (folyamatban lévő vagy befejezett) terv számlázható.")
        )
    if not item_ids and not deduct_advances:
        raise ValidationError(_("Válasszon legalább egy számlázandó tételt."))
    rate, rate_date = _rate(plan, exchange_rate, exchange_rate_date)
    with transaction.atomic():
        # The plan's row first: two receptionists billing its items at once wait here, and
        # the second sees the first one's lines.
        TreatmentPlan.objects.select_for_update().filter(pk=plan.pk).first()
        effective = {item.pk: item for item in plan_effective_items(plan)}
        invoiced = plan_invoiced_items(plan)
        # Items whose procedure was billed with its visit's invoice (in force).
        by_visit = {
            line.procedure_id: line.invoice
            for line in InvoiceLine.objects.filter(
                IN_FORCE,
                practice_id=plan.practice_id,
                procedure_id__in=[
                    i.done_procedure_id for i in effective.values() if i.done_procedure_id
                ],
            ).select_related("invoice")
        }
        items: list[PlanItem] = []
        for item_id in dict.fromkeys(item_ids):
            item = effective.get(item_id)
            if item is None:
                raise ValidationError(_("A tétel nem ennek a tervnek a (választott) tétele."))
            if item.pk in invoiced:
                raise ValidationError(
                    _(
                        "„%(item)s” már szerepel a(z) %(number)s számlán; sztornó után "
                        "számlázható újra."
                    )
                    % {"item": item.name, "number": invoiced[item.pk].number}
                )
            if item.done_procedure_id in by_visit:
                raise ValidationError(
                    _(
                        "„%(item)s” a vizit számláján (%(number)s) már szerepel; sztornó után "
                        "számlázható a tervből."
                    )
                    % {"item": item.name, "number": by_visit[item.done_procedure_id].number}
                )
            if item.done_at is None:
                raise ValidationError(
                    _(
                        "„%(item)s” még nincs elvégezve: csak elvégzett tétel számlázható. "
                        "Előre fizetéshez állítson ki előlegszámlát."
                    )
                    % {"item": item.name}
                )
            items.append(item)
        amounts = {
            q.item.pk: q.amounts.total
            for phase in quote_phases(plan)
            for q in [*phase.common, *(q for o in phase.options for q in o.items)]
        }
        lines = [
            LineInput(
                description=f"{item.tooth} {item.name}" if item.tooth else item.name,
                quantity=Decimal(item.quantity),
                # The line's total after its discount, as the quote has it (rounded once).
                gross_unit_price=amounts[item.pk] / item.quantity,
                vat_rate=item.vat_rate,
                currency=plan.currency,
                plan_item_id=item.pk,
            )
            for item in items
        ]
        if deduct_advances:
            pending = [a.invoice for a in plan_advances(plan) if a.deducted_by is None]
            if not pending:
                raise ValidationError(
                    _("A tervnek nincs levonandó (még le nem vont) előlegszámlája.")
                )
            for advance in pending:
                for line in advance.lines.all():
                    lines.append(
                        LineInput(
                            description=_("Előleg levonása (%(number)s)")
                            % {"number": advance.number},
                            quantity=line.quantity,
                            gross_unit_price=Decimal(0),
                            vat_rate=line.vat_code,
                            currency=advance.currency,
                            deducts=line,
                        )
                    )
        delivery = max(
            (timezone.localdate(item.done_at) for item in items if item.done_at),
            default=timezone.localdate(),
        )
        return invoice_issue(
            actor=actor,
            company=company,
            customer=customer or customer_of_patient(plan.patient),
            lines=lines,
            payment_method=payment_method,
            idempotency_key=idempotency_key,
            patient=plan.patient,
            delivery_date=delivery,
            currency=plan.currency,
            exchange_rate=rate,
            exchange_rate_date=rate_date,
            plan=plan,
        )


def advance_lines(plan: TreatmentPlan) -> list[LineInput]:
    """The quote's advance over its VAT rates, in proportion to their totals (the last rate
    takes the rounding remainder): an advance for exempt care is exempt, for 27 % work 27 %."""
    quote = plan_quote(plan)
    if quote.advance <= 0 or quote.totals.total <= 0:
        return []
    # Exempt care first, then the rates (the order the quote prints them).
    rates = sorted(
        ((r, t) for r, t in quote.totals.by_rate.items() if t > 0),
        key=lambda pair: (pair[0].isdigit(), pair[0]),
    )
    lines = []
    left = quote.advance
    for index, (rate, total) in enumerate(rates):
        share = (
            left
            if index == len(rates) - 1
            else money_round(quote.advance * total / quote.totals.total, plan.currency)
        )
        left -= share
        if share <= 0:
            continue
        lines.append(
            LineInput(
                description=_("Előleg – %(title)s (kezelési terv)") % {"title": plan.title},
                quantity=Decimal(1),
                gross_unit_price=share,
                vat_rate=rate,
                currency=plan.currency,
                advance=True,
            )
        )
    return lines


def plan_advance_invoice(
    *,
    actor: StaffMember,
    plan: TreatmentPlan,
    company: Company,
    payment_method: str,
    idempotency_key: str,
    customer: CustomerInput | None = None,
    exchange_rate: Decimal | None = None,
    exchange_rate_date: dt.date | None = None,
) -> Invoice:
    """The advance invoice (előlegszámla) of the accepted quote's advance; one in force
    per plan (a storno frees the plan for a new one)."""
    _plan_checks(actor, plan, company)
    found = _existing(actor, idempotency_key)
    if found is not None:
        return found
    if plan.status not in ADVANCE_STATUSES:
        raise ValidationError(_("Előlegszámla csak elfogadott, folyamatban lévő tervhez adható."))
    lines = advance_lines(plan)
    if not lines:
        raise ValidationError(_("Az árajánlat nem kér előleget (előleg: 0)."))
    rate, rate_date = _rate(plan, exchange_rate, exchange_rate_date)
    with transaction.atomic():
        TreatmentPlan.objects.select_for_update().filter(pk=plan.pk).first()
        if plan_advances(plan):
            raise ValidationError(
                _("Ehhez a tervhez már van érvényes előlegszámla; új csak annak sztornója után.")
            )
        return invoice_issue(
            actor=actor,
            company=company,
            customer=customer or customer_of_patient(plan.patient),
            lines=lines,
            payment_method=payment_method,
            idempotency_key=idempotency_key,
            patient=plan.patient,
            currency=plan.currency,
            exchange_rate=rate,
            exchange_rate_date=rate_date,
            plan=plan,
            is_advance=True,
        )
