from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _

from zomanc.messaging.models import (
    EMAIL_RATE_DEFAULT,
    RATE_MAX,
    SMS_RATE_DEFAULT,
    SmtpSecurity,
)

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise


def _rate(initial: int, help_text: "_StrPromise") -> forms.IntegerField:
    return forms.IntegerField(
        label=_("Legfeljebb ennyi üzenet percenként"),
        min_value=1,
        max_value=RATE_MAX,
        initial=initial,
        # Empty keeps the saved limit (the default on a first save).
        required=False,
        help_text=help_text,
        error_messages={
            "min_value": _("Percenként legalább 1 üzenet."),
            "max_value": _("Percenként legfeljebb %(limit_value)s üzenet."),
            "invalid": _("Egész számot adjon meg."),
        },
    )


class MailSettingsForm(forms.Form):
    host = forms.CharField(label=_("SMTP-szerver"), max_length=255, help_text="smtp.example.hu")
    port = forms.IntegerField(label=_("Port"), min_value=1, max_value=65535, initial=587)
    security = forms.ChoiceField(
        label=_("Titkosítás"), choices=SmtpSecurity.choices, initial=SmtpSecurity.STARTTLS
    )
    username = forms.CharField(
        label=_("Felhasználónév"),
        max_length=255,
        required=False,
        help_text=_("Üresen: bejelentkezés nélkül (csak helyi levelezőszervernél)."),
    )
    # Never shown back (render_value=False); empty keeps the stored one.
    password = forms.CharField(
        label=_("Jelszó"),
        max_length=255,
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Titkosítva tároljuk, és soha nem jelenítjük meg. Üresen: a mentett marad."),
    )
    from_email = forms.EmailField(label=_("Feladó e-mail címe"))
    from_name = forms.CharField(label=_("Feladó neve"), max_length=200, required=False)
    reply_to = forms.EmailField(label=_("Válaszcím"), required=False)
    rate_per_minute = _rate(
        EMAIL_RATE_DEFAULT,
        _(
            "A többi levél kivár, nem vész el. A szolgáltatók korlátozzák a tömeges küldőket "
            "(a Microsoft 365 percenként 30 levelet enged): ne adjon meg többet, mint amennyit "
            "a szolgáltatója enged."
        ),
    )


class MailTestForm(forms.Form):
    to = forms.EmailField(label=_("Címzett"))


class SmsSettingsForm(forms.Form):
    url = forms.URLField(
        label=_("Az SMS-átjáró címe"),
        max_length=500,
        assume_scheme="https",
        help_text="https://sms.example.hu/sms/api/messages",
    )
    # Never shown back (render_value=False); empty keeps the stored one.
    api_key = forms.CharField(
        label=_("API-kulcs"),
        max_length=200,
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Titkosítva tároljuk, és soha nem jelenítjük meg. Üresen: a mentett marad."),
    )
    sender_name = forms.CharField(
        label=_("Feladó neve"),
        max_length=11,
        required=False,
        help_text=_("Legfeljebb 11 ékezet nélküli karakter, ha az átjáró engedi (pl. Mosoly)."),
    )
    rate_per_minute = _rate(
        SMS_RATE_DEFAULT,
        _(
            "A többi SMS kivár, nem vész el. Az átjárók fiókonként korlátozzák a küldést, és "
            "minden SMS-t kiszámláznak: a korlát egy elszabadult küldést is megfog."
        ),
    )
