from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zomanc.billing.models import INVOICE_PAYMENT_METHODS, CustomerKind, PaymentMethod
from zomanc.codes.models import VatRate


class IssueForm(forms.Form):
    """Who pays and how. The hidden key makes a double click (or a resent form) one invoice."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    customer_kind = forms.ChoiceField(label=_("Vevő"), choices=CustomerKind.choices)
    name = forms.CharField(label=_("Vevő neve"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Irányítószám"), max_length=10, required=False)
    city = forms.CharField(label=_("Település"), max_length=100, required=False)
    street = forms.CharField(label=_("Utca, házszám"), max_length=200, required=False)
    tax_number = forms.CharField(
        label=_("Vevő adószáma (cég, pénztár)"), max_length=13, required=False
    )
    fund_member_name = forms.CharField(label=_("Pénztártag neve"), max_length=200, required=False)
    fund_member_number = forms.CharField(
        label=_("Pénztártag azonosítója"), max_length=40, required=False
    )
    payment_method = forms.ChoiceField(label=_("Fizetési mód"), choices=INVOICE_PAYMENT_METHODS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)


class StornoForm(forms.Form):
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)


class NavSettingsForm(forms.Form):
    login = forms.CharField(label=_("Technikai felhasználó"), max_length=15)
    password = forms.CharField(
        label=_("Jelszó"), widget=forms.PasswordInput(render_value=False), max_length=100
    )
    signature_key = forms.CharField(
        label=_("Aláírókulcs"), widget=forms.PasswordInput(render_value=False), max_length=64
    )
    exchange_key = forms.CharField(
        label=_("Cserekulcs"), widget=forms.PasswordInput(render_value=False), max_length=32
    )


class CompanyBillingForm(forms.Form):
    tax_number = forms.CharField(label=_("Adószám"), max_length=13, help_text="12345678-1-42")
    postal_code = forms.CharField(label=_("Irányítószám"), max_length=10)
    city = forms.CharField(label=_("Település"), max_length=100)
    street_address = forms.CharField(label=_("Utca, házszám"), max_length=200)
    bank_account = forms.CharField(label=_("Bankszámlaszám"), max_length=40, required=False)
    vat_small_business_exempt = forms.BooleanField(
        label=_("Alanyi adómentes (AAM)"), required=False
    )
    invoice_prefix = forms.CharField(
        label=_("Számlaszám előtag"), max_length=10, help_text=_("pl. MF → MF-2026-000123")
    )


class PaymentForm(forms.Form):
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    method = forms.ChoiceField(label=_("Fizetési mód"), choices=PaymentMethod.choices)
    amount = forms.DecimalField(
        label=_("Összeg (Ft)"),
        max_digits=14,
        decimal_places=0,
        required=False,
        help_text=_("Üresen: a teljes hátralék."),
    )
    paid_on = forms.DateField(
        label=_("Fizetés napja"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Átutalásnál a jóváírás napja; üresen: ma."),
    )
    excess_as_credit = forms.BooleanField(
        label=_("Előleg / túlfizetés"),
        required=False,
        help_text=_("A hátralékon felüli összeg a páciens egyenlegén marad (jóváírás)."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)


class ModifyForm(forms.Form):
    """One difference line of a modification invoice (a negative price takes away)."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    description = forms.CharField(label=_("Megnevezés"), max_length=300)
    quantity = forms.DecimalField(
        label=_("Mennyiség"), max_digits=10, decimal_places=2, min_value=Decimal("0.01")
    )
    gross_unit_price = forms.DecimalField(
        label=_("Bruttó egységár (Ft, csökkentés negatív)"), max_digits=14, decimal_places=0
    )
    vat_rate = forms.ChoiceField(label=_("Áfa"), choices=VatRate.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)
            self.initial.setdefault("quantity", 1)


class ClosingForm(forms.Form):
    """The receptionist's count of the drawer at the end of the day."""

    counted_cash = forms.DecimalField(
        label=_("Számolt készpénz (Ft)"), max_digits=14, decimal_places=0, min_value=0
    )
    cash_removed = forms.DecimalField(
        label=_("Kivett készpénz, bankba (Ft)"),
        max_digits=14,
        decimal_places=0,
        min_value=0,
        required=False,
        help_text=_("A kasszában maradó összeg a következő nap nyitó készpénze."),
    )
    note = forms.CharField(
        label=_("Megjegyzés"),
        max_length=500,
        required=False,
        help_text=_("Eltérés esetén írja le az okát."),
    )


class ExportForm(forms.Form):
    """The accountant's period (at most a year: a month or a quarter is the usual)."""

    start = forms.DateField(
        label=_("Időszak kezdete"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=_("Időszak vége"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    company = forms.TypedChoiceField(label=_("Cég"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, companies: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["company"].choices = [("", _("Minden cég")), *companies]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("Az időszak vége nem lehet a kezdete előtt."))
            elif (end - start).days > 366:
                self.add_error("end", _("Legfeljebb egy évnyi időszak exportálható egyszerre."))
        return data
