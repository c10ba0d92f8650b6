from django import forms
from django.utils.translation import gettext_lazy as _


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Megnevezés"),
        max_length=100,
        help_text=_("Mire használja a kulcsot, pl. „számlázó program”."),
    )
