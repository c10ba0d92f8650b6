"""The catalogue item form. It only collects input; the service decides (one set of rules
and messages for the form, the demo loader and any import)."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zomanc.clinical.teeth import ToothStatus
from zomanc.codes.models import VARIANT_COUNT_MAX, VariantBasis, VatRate


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
    family = forms.CharField(
        label=_("Család"),
        max_length=100,
        required=False,
        help_text=_(
            "Az egymás változatait alkotó kezelések közös neve, pl. „Kompozit tömés”. A "
            "parancssor és a kezelésválasztó a megadott felszínek vagy csatornák száma szerint "
            "választ a család változatai közül."
        ),
        widget=forms.TextInput(attrs={"list": "treatment-families", "autocomplete": "off"}),
    )
    variant_basis = forms.ChoiceField(
        label=_("Változatok alapja"),
        choices=[("", _("— nincs —")), *VariantBasis.choices],
        required=False,
    )
    variant_count = forms.TypedChoiceField(
        label=_("Változat"),
        choices=[
            ("", _("— nincs —")),
            *[(str(n), str(n)) for n in range(1, VARIANT_COUNT_MAX)],
            (str(VARIANT_COUNT_MAX), f"{VARIANT_COUNT_MAX}+"),
        ],
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("Hány felszínre vagy csatornára szól ez a változat."),
    )
