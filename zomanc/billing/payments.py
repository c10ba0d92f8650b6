"""Taking payments and the patient's account.

Cash: the amount handed over is rounded to 0 or 5 forints (final digit 1–2 → 0, 3–7 → 5,
8–9 → 10; 2008. évi III. törvény), the difference is booked on the payment and shown; the
invoice is settled by the unrounded amount. Card and transfer are exact."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from zomanc.billing.models import Invoice, InvoiceKind, Payment, PaymentMethod
from zomanc.patients.models import Patient
from zomanc.practices.models import StaffMember


def cash_round(amount: Decimal) -> Decimal:
    """To the nearest 0 or 5 forints (…1, …2 down to …0; …3, …4 up and …6, …7 down to …5;
    …8, …9 up to the next ten)."""
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


def payment_take(
    *,
    actor: StaffMember,
    invoice: Invoice,
    method: str,
    amount: Decimal | None,
    idempotency_key: str,
) -> Payment:
    """A payment of `amount` (None: everything outstanding) towards the invoice."""
    if invoice.practice_id != actor.practice_id:
        raise ValidationError(_("A számla nem ehhez a rendelőhöz tartozik."))
    found = Payment.objects.filter(
        practice_id=actor.practice_id, idempotency_key=idempotency_key
    ).first()
    if found is not None:
        return found
    if method not in PaymentMethod.values:
        raise ValidationError({"method": _("Ismeretlen fizetési mód.")})
    try:
        with transaction.atomic():
            # The invoice row locked: two desks cannot both take the last forint.
            Invoice.objects.select_for_update().filter(pk=invoice.pk).first()
            outstanding = invoice_outstanding(invoice)
            if outstanding <= 0:
                raise ValidationError(_("Ezen a számlán nincs fizetendő összeg."))
            value = outstanding if amount is None else amount
            if value <= 0:
                raise ValidationError({"amount": _("Az összeg pozitív szám legyen.")})
            if value > outstanding:
                raise ValidationError(
                    {
                        "amount": _(
                            "Az összeg (%(amount)s Ft) több a hátralévő %(outstanding)s Ft-nál; "
                            "előleg fogadása még nem lehetséges."
                        )
                        % {"amount": value, "outstanding": outstanding}
                    }
                )
            cash = cash_round(value) if method == PaymentMethod.CASH else None
            return Payment.objects.create(
                practice_id=invoice.practice_id,
                invoice=invoice,
                method=method,
                amount=value,
                cash_amount=cash,
                cash_rounding=(cash - value) if cash is not None else Decimal(0),
                idempotency_key=idempotency_key,
                taken_by=actor,
                taken_at=timezone.now(),
            )
    except IntegrityError:
        found = Payment.objects.filter(
            practice_id=actor.practice_id, idempotency_key=idempotency_key
        ).first()
        if found is not None:
            return found
        raise


@dataclass(frozen=True)
class Account:
    invoiced: Decimal
    paid: Decimal
    outstanding: Decimal


def patient_account(patient: Patient) -> Account:
    """Invoiced (stornos subtract), paid, outstanding — in forints."""
    invoices = Invoice.objects.filter(practice_id=patient.practice_id, patient=patient)
    invoiced = Decimal(invoices.aggregate(s=Sum("gross_total"))["s"] or 0)
    paid = Decimal(
        Payment.objects.filter(practice_id=patient.practice_id, invoice__in=invoices).aggregate(
            s=Sum("amount")
        )["s"]
        or 0
    )
    outstanding = sum(
        (invoice_outstanding(i) for i in invoices.filter(kind=InvoiceKind.NORMAL)), Decimal(0)
    )
    return Account(invoiced=invoiced, paid=paid, outstanding=outstanding)
