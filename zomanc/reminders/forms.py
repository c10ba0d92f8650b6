from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zomanc.reminders import wording
from zomanc.reminders.services import SMS_TEMPLATE_MAX


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


class SmsTemplateForm(forms.Form):
    """The reminder SMS for one language (the page's language tabs choose it). Rendered with
    prefix "sms": its fields stand on the same page as the e-mail template's."""

    language = forms.ChoiceField(
        choices=[("hu", _("magyar")), ("en", _("angol")), ("de", _("német"))],
        widget=forms.HiddenInput,
    )
    body = forms.CharField(
        label=_("Az SMS szövege"),
        max_length=SMS_TEMPLATE_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "data-sms-body": ""}),
        error_messages={
            "required": _("Adja meg az SMS szövegét."),
            "max_length": _("Az SMS sablon legfeljebb %(limit_value)d karakter lehet."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "sms")
        super().__init__(*args, **kwargs)
        # The e-mail's three link names are still accepted (older templates) but not offered.
        self.fields["body"].help_text = _(
            "Helyettesítők: %(names)s. A {link} az időpont oldalára visz (visszaigazolás, "
            "másik időpont, lemondás, leiratkozás az SMS-ekről); ha a szövegben nincs, a végére "
            "kerül."
        ) % {"names": ", ".join("{" + n + "}" for n in wording.SMS_PLACEHOLDERS[:6])}
        # The counter below the field describes it too (read after the help).
        self.fields["body"].widget.attrs["aria-describedby"] = (
            f"{self['body'].auto_id}_helptext sms-count"
        )
