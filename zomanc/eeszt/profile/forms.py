"""Forms of the eProfil pages (S8)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

# Hungarian labels of the contract's categories (profile.xsd), in display order.
CATEGORY_LABELS: dict[str, Any] = {
    "ALLERGIA": _("Allergia"),
    "GYOGYSZER_INTOLERANCIA": _("Gyógyszer-intolerancia"),
    "IMPLANTATUM": _("Implantátum"),
    "KRONIKUS_BETEGSEG": _("Krónikus betegség"),
    "GONDOZASI_PROGRAM": _("Gondozási program"),
    "DIAGNOZIS": _("Diagnosztizált betegség"),
    "AKTUALIS_GYOGYSZER": _("Aktuális gyógyszerelés"),
}


class ProfileEntryForm(forms.Form):
    category = forms.ChoiceField(label=_("Kategória"), choices=list(CATEGORY_LABELS.items()))
    code = forms.CharField(
        label=_("Kód (BNO, ATC…)"),
        max_length=40,
        required=False,
        help_text=_("Krónikus és diagnosztizált betegségnél BNO-kód."),
    )
    text = forms.CharField(label=_("Megnevezés"), max_length=1000)
    note = forms.CharField(
        label=_("Megjegyzés"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_code(self) -> str:
        return str(self.cleaned_data["code"]).strip().upper()


class ProfileEntryUpdateForm(forms.Form):
    expected_version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    code = forms.CharField(label=_("Kód (BNO, ATC…)"), max_length=40, required=False)
    text = forms.CharField(label=_("Megnevezés"), max_length=1000)
    note = forms.CharField(
        label=_("Megjegyzés"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    reason = forms.CharField(
        label=_("A módosítás indoka"),
        max_length=1000,
        error_messages={"required": _("A módosítás indoka kötelező.")},
    )

    def clean_code(self) -> str:
        return str(self.cleaned_data["code"]).strip().upper()

    def clean_reason(self) -> str:
        reason = str(self.cleaned_data["reason"]).strip()
        if len(reason) < 5:
            raise forms.ValidationError(_("Írja le az indokot (legalább 5 karakter)."))
        return reason


class ProfileEntryDeleteForm(forms.Form):
    reason = forms.CharField(
        label=_("A törlés indoka"),
        max_length=1000,
        error_messages={"required": _("A törlés indoka kötelező.")},
    )

    def clean_reason(self) -> str:
        reason = str(self.cleaned_data["reason"]).strip()
        if len(reason) < 5:
            raise forms.ValidationError(_("Írja le az indokot (legalább 5 karakter)."))
        return reason
