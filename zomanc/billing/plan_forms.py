"""Forms of the plan's invoicing page and of e-mailing an invoice."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zomanc.billing.models import INVOICE_PAYMENT_METHODS
from zomanc.practices.models import Company

PDF_LANGUAGE_CHOICES = [
    ("hu", _("magyar")),
    ("en", _("magyar / angol")),
    ("de", _("magyar / német")),
]


class PlanInvoiceForm(forms.Form):
    """The plan's done items to invoice (or its advance), the issuing company, payment and,
    for a foreign-currency plan, the exchange rate and its date. The hidden key makes a
    double click one invoice."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    company = forms.ModelChoiceField(label=_("Kiállító cég"), queryset=Company.objects.none())
    payment_method = forms.ChoiceField(label=_("Fizetési mód"), choices=INVOICE_PAYMENT_METHODS)
    exchange_rate = forms.DecimalField(
        label=_("Árfolyam (Ft / egység)"),
        max_digits=14,
        decimal_places=6,
        required=False,
        min_value=0,
    )
    exchange_rate_date = forms.DateField(
        label=_("Árfolyam dátuma"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, practice_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        companies = Company.objects.filter(practice_id=practice_id, is_active=True).order_by("name")
        self.fields["company"].queryset = companies  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)
            first = companies.first()
            if first is not None:
                self.initial.setdefault("company", first.pk)


class InvoiceEmailForm(forms.Form):
    recipient = forms.EmailField(
        label=_("Címzett e-mail címe"),
        required=False,
        help_text=_("Üresen: a páciens e-mail címe."),
        error_messages={"invalid": _("Adjon meg érvényes e-mail címet.")},
    )
    language = forms.ChoiceField(label=_("A számla nyelve"), choices=PDF_LANGUAGE_CHOICES)
