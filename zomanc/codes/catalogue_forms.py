"""The catalogue item form. It only collects input; the service decides (one set of rules
and messages for the form, the demo loader and any import)."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zomanc.clinical.teeth import ToothStatus
from zomanc.codes.models import VatRate


class ForintField(forms.CharField):
    """Whole forints; "25 000", "25000 Ft" and "25000" all read as 25000."""

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if not text:
            return None
        compact = text.replace(" ", "").replace("\xa0", "").removesuffix("Ft").strip()
        try:
            return Decimal(compact.replace(",", "."))
        except InvalidOperation:
            raise forms.ValidationError(
                _("Adja meg az árat forintban (pl. 25000)."), code="invalid"
            ) from None


class TreatmentItemForm(forms.Form):
    name = forms.CharField(
        label=_("Megnevezés"),
        max_length=200,
        error_messages={"required": _("Adja meg a kezelés megnevezését.")},
    )
    shortcut = forms.CharField(
        label=_("Gyorsbillentyű"),
        max_length=20,
        required=False,
        help_text=_("A parancssor szava, pl. „töm” a „36 MOD töm” sorban."),
    )
    price = ForintField(
        label=_("Ár (Ft)"), error_messages={"required": _("Adja meg az árat forintban.")}
    )
    vat_rate = forms.ChoiceField(
        label=_("Áfakulcs"),
        choices=VatRate.choices,
        initial=VatRate.EXEMPT,
        help_text=_("Az egészségügyi ellátás áfamentes (AAM); az esztétikai kezelés 27 %."),
    )
    duration_minutes = forms.IntegerField(
        label=_("Időtartam (perc)"),
        initial=30,
        error_messages={"required": _("Adja meg az időtartamot percben.")},
    )
    oeno_code = forms.CharField(
        label=_("OENO-kód"),
        max_length=5,
        required=False,
        help_text=_("5 számjegy; ha nem ismert, hagyja üresen."),
    )
    needs_tooth = forms.BooleanField(label=_("Fog megadása kötelező"), required=False)
    needs_surfaces = forms.BooleanField(label=_("Felszín megadása kötelező"), required=False)
    resulting_status = forms.ChoiceField(
        label=_("Eredő fogstátusz"),
        choices=[("", _("— nem változtat —")), *ToothStatus.choices],
        required=False,
    )
