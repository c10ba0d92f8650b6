"""Forms of the plan pages; the services validate again (a valid form may still be refused)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from zomanc.codes.catalogue_selectors import treatment_catalogue
from zomanc.codes.models import TreatmentItem
from zomanc.plans.models import Currency, PriceList, QuoteLanguage, TreatmentPlan
from zomanc.plans.selectors import quote_phases
from zomanc.practices.models import StaffMember

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PlanTermsForm(forms.Form):
    title = forms.CharField(label=_("Megnevezés"), max_length=200)
    language = forms.ChoiceField(label=_("Az árajánlat nyelve"), choices=QuoteLanguage.choices)
    currency = forms.ChoiceField(label=_("Pénznem"), choices=Currency.choices)
    price_list = forms.ModelChoiceField(
        label=_("Árlista"),
        queryset=PriceList.objects.none(),
        required=False,
        empty_label=_("Katalógusár (Ft)"),
    )
    valid_until = forms.DateField(label=_("Érvényes eddig"), required=False, widget=DATE)
    exchange_rate = forms.DecimalField(
        label=_("Árfolyam (Ft/EUR)"), required=False, max_digits=10, decimal_places=4
    )
    exchange_rate_date = forms.DateField(label=_("Árfolyam dátuma"), required=False, widget=DATE)
    advance_percent = forms.DecimalField(
        label=_("Előleg (%)"), required=False, max_digits=5, decimal_places=2
    )
    advance_amount = forms.DecimalField(
        label=_("Előleg (összeg)"), required=False, max_digits=12, decimal_places=2
    )
    note = forms.CharField(
        label=_("Megjegyzés"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: object, member: StaffMember, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["price_list"].queryset = PriceList.objects.filter(  # type: ignore[attr-defined]
            practice_id=member.practice_id, is_active=True
        ).order_by("name")


class TitleForm(forms.Form):
    title = forms.CharField(label=_("Megnevezés"), max_length=200)


class PlanItemForm(forms.Form):
    target = forms.ChoiceField(label=_("Szakasz / lehetőség"))
    treatment = forms.ModelChoiceField(label=_("Kezelés"), queryset=TreatmentItem.objects.none())
    tooth = forms.IntegerField(label=_("Fog"), required=False)
    surfaces = forms.CharField(label=_("Felszínek"), required=False, max_length=10)
    canals = forms.IntegerField(label=_("Csatornák"), required=False, min_value=1, max_value=9)
    quantity = forms.IntegerField(label=_("Mennyiség"), initial=1, min_value=1, max_value=999)
    unit_price = forms.DecimalField(
        label=_("Egységár"),
        required=False,
        max_digits=12,
        decimal_places=2,
        help_text=_("Üresen: az árlista ára."),
    )
    discount_percent = forms.DecimalField(
        label=_("Kedvezmény (%)"), required=False, max_digits=5, decimal_places=2
    )
    discount_amount = forms.DecimalField(
        label=_("Kedvezmény (összeg)"), required=False, max_digits=12, decimal_places=2
    )
    note = forms.CharField(label=_("Megjegyzés"), required=False, max_length=300)

    def __init__(self, *args: object, plan: TreatmentPlan, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["treatment"].queryset = treatment_catalogue(plan.practice)  # type: ignore[attr-defined]
        choices = []
        for phase in quote_phases(plan):
            choices.append((f"phase:{phase.phase.pk}", phase.phase.title))
            for option in phase.options:
                choices.append(
                    (
                        f"option:{option.option.pk}",
                        f"{phase.phase.title} – {option.option.label}: {option.option.title}",
                    )
                )
        self.fields["target"].choices = choices  # type: ignore[attr-defined]


class SignatureForm(forms.Form):
    signer_name = forms.CharField(label=_("Aláíró neve"), max_length=200)
    # A PNG data URL from the canvas (signature.js); at most ~700 kB of base64.
    image = forms.CharField(required=False, max_length=700_000)

    def clean_image(self) -> bytes:
        import base64
        import binascii

        value: str = self.cleaned_data.get("image") or ""
        prefix = "data:image/png;base64,"
        if not value.startswith(prefix):
            return b""
        try:
            return base64.b64decode(value.removeprefix(prefix), validate=True)
        except (binascii.Error, ValueError):
            return b""


class PriceListForm(forms.Form):
    name = forms.CharField(label=_("Megnevezés"), max_length=100)
    currency = forms.ChoiceField(label=_("Pénznem"), choices=Currency.choices)


class PriceListEntryForm(forms.Form):
    treatment = forms.IntegerField(widget=forms.HiddenInput)
    price = forms.DecimalField(label=_("Ár"), max_digits=12, decimal_places=2)
    name_hu = forms.CharField(label=_("Magyar név"), required=False, max_length=200)
    name_en = forms.CharField(label=_("Angol név"), required=False, max_length=200)
    name_de = forms.CharField(label=_("Német név"), required=False, max_length=200)
