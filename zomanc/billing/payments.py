"""Taking payments, refunds with a storno, and the patient's account.

Methods: cash, bank card, transfer (taken on the day the money reached the account), the
health fund's card (only on an invoice made out to the fund) and the patient's credit.
Cash: the amount handed over is rounded to 0 or 5 forints (final digit 1–2 → 0, 3–7 → 5,
8–9 → 10; 2008. évi III. törvény), the difference is booked on the payment and shown; the
invoice is settled by the unrounded amount. The others are exact.

Paying more than is outstanding is refused unless the receptionist says so ("előleg /
túlfizetés"): then the invoice is settled and the excess is held as credit on the
patient's account, spent later with the method CREDIT. A day whose daily closing is done
takes no payment (closing.py); the company row is locked by both, so a payment either
lands before the closing counts the day or sees the closing and is refused."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import (
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from zomanc.audit.models import AuditAction
from zomanc.audit.services import audit_record
from zomanc.billing.formatting import thousands_format
from zomanc.billing.models import (
    CustomerKind,
    DailyClosing,
    Invoice,
    InvoiceKind,
    Payment,
    PaymentMethod,
)
from zomanc.patients.models import Patient
from zomanc.practices.models import Company, StaffMember

MONEY = DecimalField(max_digits=14, decimal_places=0)


def cash_round(amount: Decimal) -> Decimal:
    """To the nearest 0 or 5 forints (…1, …2 down to …0; …3, …4 up and …6, …7 down to …5;
    …8, …9 up to the next ten). Symmetric for refunds (negative amounts)."""
    return (amount / 5).quantize(Decimal(1), rounding="ROUND_HALF_UP") * 5


def invoice_paid(invoice: Invoice) -> Decimal:
    total = invoice.payments.aggregate(s=Sum("amount"))["s"]
    return Decimal(total or 0)


def invoice_outstanding(invoice: Invoice) -> Decimal:
    """What is still to pay on an invoice with its modifications; 0 for a storno, a
    modification (paid on its original) and a stornoed invoice (nothing is owed)."""
    if (
        invoice.kind != InvoiceKind.NORMAL
        or invoice.corrections.filter(kind=InvoiceKind.STORNO).exists()
    ):
        return Decimal(0)  # a modification's difference is paid on its original
    modified = invoice.corrections.filter(kind=InvoiceKind.MODIFY).aggregate(s=Sum("gross_total"))
    total = invoice.gross_total + Decimal(modified["s"] or 0)
    return max(total - invoice_paid(invoice), Decimal(0))


def with_outstanding(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """Originals in force (not stornoed) annotated with `owed` (gross with modifications),
    `paid_total` and `outstanding` — in the one query of the caller (lists, ageing)."""
    modifications = (
        Invoice.objects.filter(original=OuterRef("pk"), kind=InvoiceKind.MODIFY)
        .values("original")
        .annotate(s=Sum("gross_total"))
        .values("s")
    )
    paid = (
        Payment.objects.filter(invoice=OuterRef("pk"))
        .values("invoice")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    zero = Value(Decimal(0), output_field=MONEY)
    return (
        invoices.filter(kind=InvoiceKind.NORMAL)
        .exclude(Exists(Invoice.objects.filter(original=OuterRef("pk"), kind=InvoiceKind.STORNO)))
        .annotate(
            owed=F("gross_total") + Coalesce(Subquery(modifications, output_field=MONEY), zero),
            paid_total=Coalesce(Subquery(paid, output_field=MONEY), zero),
        )
        .annotate(outstanding=F("owed") - F("paid_total"))
    )


def day_closed(company_id: int, day: dt.date) -> bool:
    """The company's books are closed up to its latest daily closing: that day and every
    day before it (also one without a closing of its own, like a Sunday) take no payment —
    else a backdated payment would land where no closing ever counts it."""
    return DailyClosing.objects.filter(company_id=company_id, day__gte=day).exists()


def _closed_day_error(day: dt.date) -> ValidationError:
    return ValidationError(
        {
            "paid_on": _(
                "A(z) %(day)s nap pénztára le van zárva (napi zárás): erre a napra nem "
                "rögzíthető befizetés vagy visszafizetés. A javítást egy későbbi, még "
                "nyitott napon rögzítse."
            )
            % {"day": formats.date_format(day, "Y.m.d.")}
        }
    )


def patient_credit(patient: Patient) -> Decimal:
    """The credit held on the patient's account (overpayments left minus credit spent)."""
    total = Payment.objects.filter(
        practice_id=patient.practice_id, invoice__patient=patient
    ).aggregate(s=Sum("credit"))["s"]
    return Decimal(total or 0)


def _patients_own(invoice: Invoice) -> bool:
    """An invoice the patient pays himself: only its money may go to or come from his
    credit (a fund's or an employer's money is not the patient's)."""
    return invoice.patient_id is not None and invoice.customer_kind == CustomerKind.PATIENT


def _payment_create(
    *,
    actor: StaffMember,
    invoice: Invoice,
    method: str,
    amount: Decimal,
    credit: Decimal,
    paid_on: dt.date,
    idempotency_key: str,
) -> Payment:
    moved = amount + credit
    cash = cash_round(moved) if method == PaymentMethod.CASH else None
    payment = Payment.objects.create(
        practice_id=invoice.practice_id,
        invoice=invoice,
        method=method,
        amount=amount,
        credit=credit,
        cash_amount=cash,
        cash_rounding=(cash - moved) if cash is not None else Decimal(0),
        paid_on=paid_on,
        idempotency_key=idempotency_key,
        taken_by=actor,
        taken_at=timezone.now(),
    )
    audit_record(
        practice=actor.practice,
        actor=actor.user,
        action=AuditAction.CREATE,
        obj=payment,
        patient_id=invoice.patient_id,
        summary=(
            _("Visszafizetés: %(number)s, %(amount)s Ft (%(method)s)")
            if amount < 0
            else _("Befizetés: %(number)s, %(amount)s Ft (%(method)s)")
        )
        % {"number": invoice.number, "amount": moved, "method": payment.get_method_display()},
    )
    return payment


def payment_take(
    *,
    actor: StaffMember,
    invoice: Invoice,
    method: str,
    amount: Decimal | None,
    idempotency_key: str,
    paid_on: dt.date | None = None,
    excess_as_credit: bool = False,
) -> Payment:
    """A payment of `amount` (None: everything outstanding) towards the invoice, on the day
    `paid_on` (today when None). More than outstanding only with `excess_as_credit`."""
    if invoice.practice_id != actor.practice_id:
        raise ValidationError(_("A számla nem ehhez a rendelőhöz tartozik."))
    found = Payment.objects.filter(
        practice_id=actor.practice_id, idempotency_key=idempotency_key
    ).first()
    if found is not None:
        return found
    if method not in PaymentMethod.values:
        raise ValidationError({"method": _("Ismeretlen fizetési mód.")})
    today = timezone.localdate()
    day = paid_on or today
    if day > today:
        raise ValidationError({"paid_on": _("A fizetés napja nem lehet jövőbeli.")})
    if method == PaymentMethod.FUND_CARD and invoice.customer_kind != CustomerKind.HEALTH_FUND:
        raise ValidationError(
            {
                "method": _(
                    "Egészségpénztári kártyával csak az egészségpénztár nevére (a tag nevével) "
                    "kiállított számla fizethető; állítson ki egészségpénztári számlát."
                )
            }
        )
    if method == PaymentMethod.CREDIT and excess_as_credit:
        raise ValidationError(
            {"method": _("Egyenlegből fizetésnél nem keletkezhet újabb túlfizetés.")}
        )
    try:
        with transaction.atomic():
            # The company row locked: a daily closing of the day waits for this payment or
            # this payment sees the closing. The invoice row locked: two desks cannot both
            # take the last forint.
            Company.objects.select_for_update().filter(pk=invoice.company_id).first()
            Invoice.objects.select_for_update().filter(pk=invoice.pk).first()
            if day_closed(invoice.company_id, day):
                raise _closed_day_error(day)
            outstanding = invoice_outstanding(invoice)
            if outstanding <= 0:
                raise ValidationError(_("Ezen a számlán nincs fizetendő összeg."))
            value = outstanding if amount is None else amount
            if value <= 0:
                raise ValidationError({"amount": _("Az összeg pozitív szám legyen.")})
            credit = Decimal(0)
            if value > outstanding:
                if not excess_as_credit:
                    raise ValidationError(
                        {
                            "amount": _(
                                "Az összeg (%(amount)s Ft) több a hátralévő %(outstanding)s "
                                "Ft-nál. Ha a különbözetet a páciens egyenlegén kell tartani, "
                                "jelölje be: „Előleg / túlfizetés”."
                            )
                            % {
                                "amount": thousands_format(value),
                                "outstanding": thousands_format(outstanding),
                            }
                        }
                    )
                if not _patients_own(invoice):
                    raise ValidationError(
                        {
                            "amount": _(
                                "Túlfizetés csak a páciens nevére szóló számlán tartható "
                                "egyenlegként; ezen a számlán legfeljebb %(outstanding)s Ft "
                                "fizethető."
                            )
                            % {"outstanding": thousands_format(outstanding)}
                        }
                    )
                credit, value = value - outstanding, outstanding
            if method == PaymentMethod.CREDIT:
                if not _patients_own(invoice):
                    raise ValidationError(
                        {
                            "method": _(
                                "A páciens egyenlegéből csak a páciens nevére szóló számla "
                                "fizethető (cég vagy pénztár számlája nem)."
                            )
                        }
                    )
                held = patient_credit(invoice.patient) if invoice.patient else Decimal(0)
                if value > held:
                    raise ValidationError(
                        {
                            "amount": _(
                                "A páciens egyenlege %(held)s Ft; egyenlegből legfeljebb ennyi "
                                "fizethető."
                            )
                            % {"held": thousands_format(held)}
                        }
                    )
                credit = -value
            return _payment_create(
                actor=actor,
                invoice=invoice,
                method=method,
                amount=value,
                credit=credit,
                paid_on=day,
                idempotency_key=idempotency_key,
            )
    except IntegrityError:
        found = Payment.objects.filter(
            practice_id=actor.practice_id, idempotency_key=idempotency_key
        ).first()
        if found is not None:
            return found
        raise


def refunds_write(*, actor: StaffMember, original: Invoice, storno: Invoice) -> list[Payment]:
    """Inside the storno's transaction (which locked the company row): what was paid on
    the original goes back by the method it came in, as negative payments on the storno
    dated today (cash rounded again; what came from the patient's credit goes back to the
    credit). Credit the patient left as overpayment stays on his account: it was never
    this invoice's. Refused when today is closed — and the storno with it."""
    paid = (
        Payment.objects.filter(invoice=original)
        .values("method")
        .annotate(s=Sum("amount"))
        .order_by("method")
    )
    back = [(row["method"], Decimal(row["s"])) for row in paid if row["s"]]
    if not back:
        return []
    today = timezone.localdate()
    # (The storno locked the company row already: a closing cannot slip in between.)
    if day_closed(original.company_id, today):
        raise ValidationError(
            _(
                "A mai nap pénztára le van zárva (napi zárás), így a sztornóval járó "
                "visszafizetés nem rögzíthető ma. A sztornót a következő munkanapon állítsa ki."
            )
        )
    return [
        _payment_create(
            actor=actor,
            invoice=storno,
            method=method,
            amount=-value,
            credit=value if method == PaymentMethod.CREDIT else Decimal(0),
            paid_on=today,
            idempotency_key=f"refund-{storno.pk}-{method}",
        )
        for method, value in back
    ]


@dataclass(frozen=True)
class Account:
    invoiced: Decimal
    paid: Decimal
    outstanding: Decimal
    credit: Decimal


def patient_account(patient: Patient) -> Account:
    """Invoiced (stornos subtract), paid (refunds subtract), outstanding, credit held — in
    forints, in three queries whatever the number of invoices."""
    invoices = Invoice.objects.filter(practice_id=patient.practice_id, patient=patient)
    invoiced = Decimal(invoices.aggregate(s=Sum("gross_total"))["s"] or 0)
    money = Payment.objects.filter(
        practice_id=patient.practice_id, invoice__patient=patient
    ).aggregate(paid=Sum("amount"), credit=Sum("credit"))
    # A modification that lowered a paid invoice leaves it overpaid, not a debt below zero.
    outstanding = (
        with_outstanding(invoices).filter(Q(outstanding__gt=0)).aggregate(s=Sum("outstanding"))["s"]
    )
    return Account(
        invoiced=invoiced,
        paid=Decimal(money["paid"] or 0),
        outstanding=Decimal(outstanding or 0),
        credit=Decimal(money["credit"] or 0),
    )
