"""Forms of the "Üzenetküldés" card on the patient page: record a consent, withdraw one,
set the language of messages. The services decide; these only check the choices."""

from django import forms
from django.utils.translation import gettext_lazy as _

from zomanc.patients.consent_services import OPT_IN_METHODS
from zomanc.patients.models import Channel, ConsentMethod, MessageLanguage

# Staff record a withdrawal the patient made at the desk, on the phone or in writing; the
# link in a message records its own (patient_channel_opt_out with how=link).
STAFF_OPT_OUT_METHODS = tuple(m for m in ConsentMethod if m != ConsentMethod.LINK)


def _choices(methods: tuple[ConsentMethod, ...]) -> list[tuple[str, str]]:
    return [("", "---------"), *((str(m.value), str(m.label)) for m in methods)]


class ConsentOptInForm(forms.Form):
    prefix = "optin"
    channel = forms.ChoiceField(label=_("Csatorna"), choices=Channel.choices)
    method = forms.ChoiceField(
        label=_("Hogyan adta meg"),
        choices=_choices(OPT_IN_METHODS),
        error_messages={"required": _("Adja meg, hogyan adta meg a hozzájárulást.")},
    )
    note = forms.CharField(
        label=_("Megjegyzés"),
        required=False,
        max_length=300,
        help_text=_("Például: a nyilatkozat iktatószáma."),
    )


class ConsentOptOutForm(forms.Form):
    prefix = "optout"
    channel = forms.ChoiceField(label=_("Csatorna"), choices=Channel.choices)
    method = forms.ChoiceField(
        label=_("Hogyan vonta vissza"),
        choices=_choices(STAFF_OPT_OUT_METHODS),
        error_messages={"required": _("Adja meg, hogyan vonta vissza a hozzájárulást.")},
    )
    note = forms.CharField(label=_("Megjegyzés"), required=False, max_length=300)


class MessageLanguageForm(forms.Form):
    prefix = "lang"
    language = forms.ChoiceField(label=_("Üzenetek nyelve"), choices=MessageLanguage.choices)
