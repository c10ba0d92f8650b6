"""The daily closing (napi zárás) of a company: the day's money by payment method, the cash
drawer, invoices and stornos issued, rounding differences; counted by the receptionist and
frozen.

The drawer: opening cash (what the previous closing left in it: counted minus taken to the
bank) + cash taken − cash given back = expected; the receptionist counts it, the difference
is recorded. A closing is immutable (model guard + PostgreSQL trigger) and is never
reopened: the day's figures were handed over (to the owner, to the bank, to the
accountant); a mistake found later is corrected by a payment or a refund on a later, open
day, where it shows as what it is instead of silently changing a day already reported.
For the same reason the books are closed up to the latest closing (payments.day_closed),
and days are closed in order: a day cannot be closed while an earlier day with payments is
still open (its cash would never be counted)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, F, Q, QuerySet, Sum, Value, When
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from zomanc.audit.models import AuditAction
from zomanc.audit.services import audit_record
from zomanc.billing.formatting import thousands_format
from zomanc.billing.models import DailyClosing, Invoice, InvoiceKind, Payment, PaymentMethod
from zomanc.billing.payments import MONEY
from zomanc.practices.models import Company, StaffMember

# Money that changed hands: cash as rounded, credit none, the rest exact (Payment.received).
_MOVED = Case(
    When(method=PaymentMethod.CASH, then=F("cash_amount")),
    When(method=PaymentMethod.CREDIT, then=Value(Decimal(0))),
    default=F("amount") + F("credit"),
    output_field=MONEY,
)


@dataclass
class MethodTotal:
    method: str
    label: str
    inflow: Decimal = Decimal(0)
    outflow: Decimal = Decimal(0)
    count: int = 0

    @property
    def net(self) -> Decimal:
        return self.inflow - self.outflow


@dataclass
class DaySummary:
    company: Company
    day: dt.date
    opening_cash: Decimal
    methods: list[MethodTotal]
    rounding_total: Decimal
    invoices_count: int
    invoices_total: Decimal
    stornos_count: int
    stornos_total: Decimal
    closing: DailyClosing | None = None
    open_earlier_day: dt.date | None = field(default=None)

    def _method(self, method: str) -> MethodTotal:
        return next(m for m in self.methods if m.method == method)

    @property
    def cash_in(self) -> Decimal:
        return self._method(PaymentMethod.CASH).inflow

    @property
    def cash_out(self) -> Decimal:
        return self._method(PaymentMethod.CASH).outflow

    @property
    def expected_cash(self) -> Decimal:
        return self.opening_cash + self.cash_in - self.cash_out


def _day_payments(company: Company, day: dt.date) -> QuerySet[Payment]:
    return Payment.objects.filter(
        practice_id=company.practice_id, invoice__company=company, paid_on=day
    )


def day_summary(company: Company, day: dt.date) -> DaySummary:
    """The day's figures as a closing would freeze them (or the closing itself, if done).
    Four queries whatever the day's size: the closings, payments by method, invoices by
    kind, the earliest open day with payments."""
    closings = list(DailyClosing.objects.filter(company=company, day__lte=day).order_by("-day")[:2])
    done = closings[0] if closings and closings[0].day == day else None
    if done is not None:
        return DaySummary(
            company=company,
            day=day,
            opening_cash=done.opening_cash,
            methods=closing_methods(done),
            rounding_total=done.rounding_total,
            invoices_count=done.invoices_count,
            invoices_total=done.invoices_total,
            stornos_count=done.stornos_count,
            stornos_total=done.stornos_total,
            closing=done,
        )
    previous = closings[0] if closings else None
    opening = previous.closing_cash if previous is not None else Decimal(0)
    totals: dict[str, dict[str, Any]] = {
        row["method"]: dict(row)
        for row in _day_payments(company, day)
        .values("method")
        .annotate(
            inflow=Sum(_MOVED, filter=Q(amount__gt=0)),
            outflow=Sum(-_MOVED, filter=Q(amount__lt=0)),
            count=Count("pk"),
            rounding=Sum("cash_rounding"),
        )
        .order_by()
    }
    methods = [
        MethodTotal(
            method=value,
            label=str(label),
            inflow=Decimal(totals.get(value, {}).get("inflow") or 0),
            outflow=Decimal(totals.get(value, {}).get("outflow") or 0),
            count=int(totals.get(value, {}).get("count") or 0),
        )
        for value, label in PaymentMethod.choices
    ]
    invoices: dict[str, dict[str, Any]] = {
        row["kind"]: dict(row)
        for row in Invoice.objects.filter(
            practice_id=company.practice_id, company=company, issue_date=day
        )
        .values("kind")
        .annotate(n=Count("pk"), s=Sum("gross_total"))
        .order_by()
    }
    issued = [invoices.get(k, {}) for k in (InvoiceKind.NORMAL, InvoiceKind.MODIFY)]
    storno = invoices.get(InvoiceKind.STORNO, {})
    earlier = Payment.objects.filter(
        practice_id=company.practice_id, invoice__company=company, paid_on__lt=day
    )
    if previous is not None:
        earlier = earlier.filter(paid_on__gt=previous.day)
    open_earlier = earlier.order_by("paid_on").values_list("paid_on", flat=True).first()
    return DaySummary(
        company=company,
        day=day,
        opening_cash=opening,
        methods=methods,
        rounding_total=Decimal(sum((Decimal(r["rounding"] or 0) for r in totals.values()), 0)),
        invoices_count=sum(int(r.get("n") or 0) for r in issued),
        invoices_total=Decimal(sum((Decimal(r.get("s") or 0) for r in issued), 0)),
        stornos_count=int(storno.get("n") or 0),
        stornos_total=Decimal(storno.get("s") or 0),
        open_earlier_day=open_earlier,
    )


def day_close(
    *,
    actor: StaffMember,
    company: Company,
    day: dt.date,
    counted_cash: Decimal,
    cash_removed: Decimal = Decimal(0),
    note: str = "",
) -> DailyClosing:
    """Closes the company's day: the figures frozen as they are now, the counted cash and
    its difference recorded. Refused for a future day, a day already closed (or before the
    latest closing), and while an earlier day with payments is still open."""
    if company.practice_id != actor.practice_id:
        raise ValidationError(_("A cég nem ehhez a rendelőhöz tartozik."))
    if day > timezone.localdate():
        raise ValidationError(_("Jövőbeli nap nem zárható le."))
    if counted_cash < 0:
        raise ValidationError({"counted_cash": _("A számolt készpénz nem lehet negatív.")})
    if not (0 <= cash_removed <= counted_cash):
        raise ValidationError(
            {
                "cash_removed": _(
                    "A kivett készpénz 0 és a számolt készpénz (%(counted)s Ft) között legyen."
                )
                % {"counted": thousands_format(counted_cash)}
            }
        )
    try:
        with transaction.atomic():
            # The company row locked: a payment on this day waits for the closing (and is
            # then refused), or lands first and is counted.
            Company.objects.select_for_update().filter(pk=company.pk).first()
            latest = (
                DailyClosing.objects.filter(company=company).order_by("-day").only("day").first()
            )
            if latest is not None and latest.day >= day:
                raise ValidationError(
                    _(
                        "Ez a nap már le van zárva (a legutóbbi zárás: %(day)s). A zárás nem "
                        "nyitható újra: a javítást egy későbbi napon rögzítse befizetésként "
                        "vagy visszafizetésként."
                    )
                    % {"day": formats.date_format(latest.day, "Y.m.d.")}
                )
            summary = day_summary(company, day)
            if summary.open_earlier_day is not None:
                raise ValidationError(
                    _(
                        "Előbb a(z) %(day)s napot zárja le: azon a napon is volt befizetés, "
                        "és a napok sorban zárhatók."
                    )
                    % {"day": formats.date_format(summary.open_earlier_day, "Y.m.d.")}
                )
            closing = DailyClosing.objects.create(
                practice_id=company.practice_id,
                company=company,
                day=day,
                opening_cash=summary.opening_cash,
                cash_in=summary.cash_in,
                cash_out=summary.cash_out,
                expected_cash=summary.expected_cash,
                counted_cash=counted_cash,
                difference=counted_cash - summary.expected_cash,
                cash_removed=cash_removed,
                rounding_total=summary.rounding_total,
                by_method={
                    m.method: {"in": str(m.inflow), "out": str(m.outflow), "count": m.count}
                    for m in summary.methods
                },
                invoices_count=summary.invoices_count,
                invoices_total=summary.invoices_total,
                stornos_count=summary.stornos_count,
                stornos_total=summary.stornos_total,
                note=note.strip(),
                closed_by=actor,
                closed_at=timezone.now(),
            )
            audit_record(
                practice=actor.practice,
                actor=actor.user,
                action=AuditAction.CREATE,
                obj=closing,
                summary=_("Napi zárás: %(company)s, %(day)s; eltérés %(diff)s Ft")
                % {
                    "company": company.name,
                    "day": formats.date_format(day, "Y.m.d."),
                    "diff": closing.difference,
                },
            )
            return closing
    except IntegrityError:
        raise ValidationError(_("Ez a nap már le van zárva.")) from None


def closing_methods(closing: DailyClosing) -> list[MethodTotal]:
    """A closed day's totals by method, as frozen."""
    labels = dict(PaymentMethod.choices)
    return [
        MethodTotal(
            method=method,
            label=str(labels.get(method, method)),
            inflow=Decimal(values["in"]),
            outflow=Decimal(values["out"]),
            count=int(values["count"]),
        )
        for method, values in closing.by_method.items()
    ]
