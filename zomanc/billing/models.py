"""Invoices (számla), their lines, the per-company number counters and payments.

An issued invoice never changes (Áfa tv.; NAV's invoice chain): the model refuses updates
and deletes, and on PostgreSQL a trigger refuses them whoever asks (migration 0002), like
the audit log. A mistake is fixed by a storno (or modification) invoice that refers to the
original; what happens to an invoice later (its NAV report, its payments) lives in other
rows."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NoReturn

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zomanc.clinical.models import Visit, VisitProcedure
from zomanc.patients.models import Patient
from zomanc.practices.models import Company, Practice, StaffMember


class ImmutableError(RuntimeError):
    """Raised on any attempt to change or remove an issued invoice or its lines."""


def _refuse(what: str) -> NoReturn:
    raise ImmutableError(f"An issued invoice cannot change: {what} is not allowed.")


class ImmutableQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> int:
        _refuse("update()")

    def delete(self) -> tuple[int, dict[str, int]]:
        _refuse("delete()")


class ImmutableModel(models.Model):
    objects = ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            _refuse("saving an issued row")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse("delete()")


class InvoiceCounter(models.Model):
    """The last number of a company's numbering block (prefix + year). Locked with
    SELECT … FOR UPDATE in the issuing transaction: numbers are consecutive, never skipped
    (a rolled-back issue rolls the counter back too), never reused."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    prefix = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "company", "prefix", "year"], name="invoicecounter_block"
            )
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last_number}"


class InvoiceKind(models.TextChoices):
    NORMAL = "normal", _("Számla")
    STORNO = "storno", _("Sztornó számla")
    MODIFY = "modify", _("Módosító számla")


class CustomerKind(models.TextChoices):
    PATIENT = "patient", _("Páciens (magánszemély)")
    COMPANY = "company", _("Cég / áfaalany")
    HEALTH_FUND = "health_fund", _("Egészségpénztár (tag helyett)")


class PaymentMethod(models.TextChoices):
    CASH = "CASH", _("Készpénz")
    CARD = "CARD", _("Bankkártya")
    TRANSFER = "TRANSFER", _("Átutalás")
    # The card of the patient's health fund (egészségpénztári kártya): pays an invoice made
    # out to the fund (the member's name on it), reported to NAV as CARD.
    FUND_CARD = "FUND_CARD", _("Egészségpénztári kártya")
    # Settled from the patient's credit (an earlier overpayment held on his account): no
    # money changes hands. Never an invoice's own payment method.
    CREDIT = "CREDIT", _("Egyenlegből (korábbi túlfizetés)")


# What an invoice may name as its payment method (CREDIT is only a way of settling it).
INVOICE_PAYMENT_METHODS = [c for c in PaymentMethod.choices if c[0] != PaymentMethod.CREDIT]
# NAV's paymentMethod (TRANSFER | CASH | CARD | VOUCHER | OTHER) for each of ours.
NAV_PAYMENT_METHOD = {PaymentMethod.FUND_CARD.value: "CARD"}


class Invoice(ImmutableModel):
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("típus"), max_length=10, choices=InvoiceKind.choices)
    number = models.CharField(_("számlaszám"), max_length=50)
    # The original a storno or modification refers to, and its place in the chain (1, 2 …).
    original = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    modification_index = models.PositiveIntegerField(null=True, blank=True)
    patient = models.ForeignKey(
        Patient, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    visit = models.ForeignKey(
        Visit, null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    # The supplier as printed and reported (copied: later company edits change nothing).
    supplier_name = models.CharField(_("eladó"), max_length=200)
    supplier_tax_number = models.CharField(_("eladó adószáma"), max_length=13)
    supplier_address = models.CharField(_("eladó címe"), max_length=300)
    supplier_postal_code = models.CharField(max_length=10)
    supplier_city = models.CharField(max_length=100)
    supplier_street = models.CharField(max_length=200)
    supplier_bank_account = models.CharField(_("bankszámlaszám"), max_length=40, blank=True)
    supplier_small_business_exempt = models.BooleanField(default=False)
    customer_kind = models.CharField(_("vevő"), max_length=20, choices=CustomerKind.choices)
    customer_name = models.CharField(_("vevő neve"), max_length=200)
    customer_postal_code = models.CharField(_("irányítószám"), max_length=10, blank=True)
    customer_city = models.CharField(_("település"), max_length=100, blank=True)
    customer_street = models.CharField(_("utca, házszám"), max_length=200, blank=True)
    customer_tax_number = models.CharField(_("vevő adószáma"), max_length=13, blank=True)
    # A health fund pays for its member: both printed, as the funds require.
    fund_member_name = models.CharField(_("pénztártag neve"), max_length=200, blank=True)
    fund_member_number = models.CharField(_("pénztártag azonosító"), max_length=40, blank=True)
    issue_date = models.DateField(_("kiállítás dátuma"))
    delivery_date = models.DateField(_("teljesítés dátuma"))
    payment_method = models.CharField(
        _("fizetési mód"), max_length=10, choices=INVOICE_PAYMENT_METHODS
    )
    payment_due = models.DateField(_("fizetési határidő"))
    currency = models.CharField(_("pénznem"), max_length=3, default="HUF")
    # A foreign-currency invoice: HUF per unit of the currency and the day of that rate
    # (NAV's exchangeRate; printed). The books stay in forints: net/vat/gross (here and on
    # the lines) are the HUF amounts, *_cur the invoice's own currency (docs/invoicing.md).
    exchange_rate = models.DecimalField(
        _("árfolyam"), max_digits=14, decimal_places=6, default=Decimal(1)
    )
    exchange_rate_date = models.DateField(_("árfolyam dátuma"), null=True, blank=True)
    net_total_cur = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    vat_total_cur = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    gross_total_cur = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    # The treatment plan the invoice bills (its done items, or its advance), if any.
    plan = models.ForeignKey(
        "plans.TreatmentPlan", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # An advance invoice (előlegszámla): its lines carry NAV's advanceIndicator.
    is_advance = models.BooleanField(_("előlegszámla"), default=False)
    net_total = models.DecimalField(_("nettó"), max_digits=14, decimal_places=0)
    vat_total = models.DecimalField(_("áfa"), max_digits=14, decimal_places=0)
    gross_total = models.DecimalField(_("bruttó"), max_digits=14, decimal_places=0)
    # A double click (or a resent form) issues one invoice.
    idempotency_key = models.CharField(max_length=64)
    issued_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("kiállítva"))

    class Meta:
        verbose_name = _("számla")
        verbose_name_plural = _("számlák")
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "company", "number"], name="invoice_unique_number"
            ),
            models.UniqueConstraint(
                fields=["practice", "idempotency_key"], name="invoice_unique_idempotency"
            ),
            # One storno per original (a second one would cancel twice).
            models.UniqueConstraint(
                fields=["practice", "original"],
                condition=Q(kind="storno"),
                name="invoice_one_storno",
            ),
        ]
        indexes = [
            models.Index(fields=["practice", "-issued_at"], name="invoice_recent"),
            models.Index(fields=["practice", "patient", "-issued_at"], name="invoice_patient"),
        ]

    def __str__(self) -> str:
        return self.number


class InvoiceLine(ImmutableModel):
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    line_number = models.PositiveIntegerField()
    procedure = models.ForeignKey(
        VisitProcedure, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The plan item it bills (each item at most once while the invoice is in force).
    plan_item = models.ForeignKey(
        "plans.PlanItem", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # An advance line (on an advance invoice), or the deduction of an advance invoice on the
    # final invoice (negative quantity and amounts; `advance_invoice` = that advance invoice).
    advance = models.BooleanField(default=False)
    advance_invoice = models.ForeignKey(
        "Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="deducted_by"
    )
    description = models.CharField(_("megnevezés"), max_length=300)
    quantity = models.DecimalField(_("mennyiség"), max_digits=10, decimal_places=2)
    unit_price_net = models.DecimalField(_("nettó egységár"), max_digits=14, decimal_places=2)
    # "27" (a rate in percent) or an exemption case: "TAM" (Áfa tv. 85. §), "AAM" (alanyi).
    vat_code = models.CharField(_("áfa"), max_length=3)
    vat_reason = models.CharField(_("mentesség jogcíme"), max_length=200, blank=True)
    net = models.DecimalField(_("nettó"), max_digits=14, decimal_places=0)
    vat = models.DecimalField(_("áfa összege"), max_digits=14, decimal_places=0)
    gross = models.DecimalField(_("bruttó"), max_digits=14, decimal_places=0)
    # A foreign-currency invoice's line in its own currency (net/vat/gross above: HUF).
    net_cur = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    vat_cur = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    gross_cur = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("számlatétel")
        verbose_name_plural = _("számlatételek")
        ordering = ["line_number"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "line_number"], name="invoiceline_number")
        ]

    def __str__(self) -> str:
        return f"{self.line_number}. {self.description}"

    @property
    def vat_label(self) -> str:
        return f"{self.vat_code} %" if self.vat_code.isdigit() else self.vat_code


class Payment(ImmutableModel):
    """Money taken for an invoice, or given back (a refund: negative, written with the
    storno). Immutable like the invoice (a wrong payment is answered by a refund, not an
    edit). In cash the amount handed over is rounded to 0 or 5 forints (the 2008 rounding
    rule); the difference is booked in `cash_rounding` and shown.

    `amount` settles the invoice; `credit` is what the patient's account gains (an
    overpayment the patient chose to leave as credit: positive) or spends (a payment from
    the credit: negative, method CREDIT). Money that changed hands = amount + credit (cash:
    `cash_amount`, rounded)."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(_("fizetési mód"), max_length=10, choices=PaymentMethod.choices)
    # What settles the invoice (the invoice's currency, forints).
    amount = models.DecimalField(_("összeg"), max_digits=14, decimal_places=0)
    credit = models.DecimalField(
        _("egyenlegre (túlfizetés)"), max_digits=14, decimal_places=0, default=0
    )
    # Cash only: what changed hands (amount + credit + rounding), and the rounding difference.
    cash_amount = models.DecimalField(
        _("kézpénzben"), max_digits=14, decimal_places=0, null=True, blank=True
    )
    cash_rounding = models.DecimalField(
        _("kerekítési különbözet"), max_digits=3, decimal_places=0, default=0
    )
    # The business day the money moved (a transfer: the day it reached the account). A
    # closed day (DailyClosing) takes no payment.
    paid_on = models.DateField(_("fizetés napja"))
    idempotency_key = models.CharField(max_length=64)
    taken_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    taken_at = models.DateTimeField(_("időpont"))

    class Meta:
        verbose_name = _("befizetés")
        verbose_name_plural = _("befizetések")
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "idempotency_key"], name="payment_unique_idempotency"
            )
        ]
        indexes = [
            models.Index(fields=["practice", "invoice"], name="payment_invoice"),
            models.Index(fields=["practice", "paid_on"], name="payment_day"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id}: {self.amount} ({self.method})"

    @property
    def received(self) -> Decimal:
        """Money that changed hands (negative: given back); cash as rounded."""
        if self.cash_amount is not None:
            return self.cash_amount
        if self.method == PaymentMethod.CREDIT:
            return Decimal(0)
        return self.amount + self.credit


class DailyClosing(ImmutableModel):
    """A company's napi zárás: the day's money by payment method, the cash drawer (opening
    + cash in − cash out = expected; counted by the receptionist, the difference shown),
    invoices and stornos issued, rounding differences. Frozen once written (model guard +
    PostgreSQL trigger, migration 0006) and never reopened: the day takes no payment after
    it; a correction is a payment or a refund on a later day (docs/invoicing.md)."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("nap"))
    opening_cash = models.DecimalField(_("nyitó készpénz"), max_digits=14, decimal_places=0)
    cash_in = models.DecimalField(_("készpénz be"), max_digits=14, decimal_places=0)
    cash_out = models.DecimalField(_("készpénz ki"), max_digits=14, decimal_places=0)
    expected_cash = models.DecimalField(_("várt készpénz"), max_digits=14, decimal_places=0)
    counted_cash = models.DecimalField(_("számolt készpénz"), max_digits=14, decimal_places=0)
    difference = models.DecimalField(_("eltérés"), max_digits=14, decimal_places=0)
    # Taken out of the drawer at closing (to the bank): the next day opens with the rest.
    cash_removed = models.DecimalField(
        _("kivett készpénz (bankba)"), max_digits=14, decimal_places=0, default=0
    )
    rounding_total = models.DecimalField(
        _("kerekítési különbözet"), max_digits=14, decimal_places=0
    )
    # {method: {"in": n, "out": n, "count": n}} — frozen as closed.
    by_method = models.JSONField(default=dict)
    invoices_count = models.PositiveIntegerField(_("kiállított számlák"))
    invoices_total = models.DecimalField(_("számlák bruttó"), max_digits=14, decimal_places=0)
    stornos_count = models.PositiveIntegerField(_("sztornó számlák"))
    stornos_total = models.DecimalField(_("sztornók bruttó"), max_digits=14, decimal_places=0)
    note = models.CharField(_("megjegyzés"), max_length=500, blank=True)
    closed_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(_("lezárva"))

    class Meta:
        verbose_name = _("napi zárás")
        verbose_name_plural = _("napi zárások")
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "company", "day"], name="dailyclosing_one_per_day"
            )
        ]
        indexes = [models.Index(fields=["practice", "-day"], name="dailyclosing_recent")]

    def __str__(self) -> str:
        return f"{self.company_id} {self.day}"

    @property
    def closing_cash(self) -> Decimal:
        """What stays in the drawer: the next day's opening cash."""
        return self.counted_cash - self.cash_removed
