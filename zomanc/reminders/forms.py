from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zomanc.reminders import wording


class RuleForm(forms.Form):
    is_active = forms.BooleanField(label=_("Emlékeztetők küldése"), required=False)
    first_hours = forms.IntegerField(
        label=_("Első emlékeztető: ennyi órával az időpont előtt"),
        min_value=1,
        max_value=336,
        error_messages={
            "required": _("Adja meg, hány órával előtte menjen az első emlékeztető."),
            "invalid": _("Egész számot adjon meg (óra)."),
            "min_value": _("Legalább 1 óra."),
            "max_value": _("Legfeljebb 336 óra (14 nap)."),
        },
    )
    second_hours = forms.IntegerField(
        label=_("Második emlékeztető (nem kötelező): ennyi órával előtte"),
        required=False,
        min_value=1,
        max_value=336,
        error_messages={
            "invalid": _("Egész számot adjon meg (óra)."),
            "min_value": _("Legalább 1 óra."),
            "max_value": _("Legfeljebb 336 óra (14 nap)."),
        },
    )
    use_email = forms.BooleanField(label=_("E-mailben"), required=False)
    use_sms = forms.BooleanField(
        label=_("SMS-ben"),
        required=False,
        help_text=_("SMS csak a rendelő SMS-beállításával megy ki (Beállítások / E-mail és SMS)."),
    )


class TemplateForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Nyelv"),
        choices=[("hu", _("magyar")), ("en", _("angol")), ("de", _("német"))],
    )
    subject = forms.CharField(label=_("Tárgy"), max_length=200, required=False)
    body = forms.CharField(
        label=_("Szöveg"),
        widget=forms.Textarea(attrs={"rows": 12}),
        error_messages={"required": _("Adja meg az üzenet szövegét.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].help_text = _("Helyettesítők: %(names)s") % {
            "names": ", ".join("{" + n + "}" for n in wording.PLACEHOLDERS)
        }
