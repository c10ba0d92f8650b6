"""Forms of the EESZT login page: one-time code (token, mobile app) and the eID card PIN."""

from __future__ import annotations

import base64
import binascii

from django import forms
from django.utils.translation import gettext_lazy as _

# --- EESZT login (S3) ----------------------------------------------------------------------


class OneTimeCodeInput(forms.TextInput):
    """A text box that never writes its value back into the page: a one-time code typed once
    must not reappear in the HTML after a failed attempt."""

    input_type = "text"

    def format_value(self, value: object) -> None:
        return None


def _otp_field() -> forms.CharField:
    return forms.CharField(
        label=_("Egyszer használatos kód"),
        min_length=6,
        max_length=8,
        widget=OneTimeCodeInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}
        ),
        error_messages={
            "required": _("Írja be a tokenen látható kódot."),
            "min_length": _("A kód 6–8 számjegy."),
            "max_length": _("A kód 6–8 számjegy."),
        },
    )


def _clean_otp(value: str) -> str:
    value = "".join(value.split())
    if not value.isdigit():
        raise forms.ValidationError(_("A kód csak számjegyekből áll."))
    return value


class TokenLoginForm(forms.Form):
    password = forms.CharField(
        label=_("Ágazati portál jelszó"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Írja be az ágazati portál jelszavát.")},
    )
    otp = _otp_field()

    def clean_otp(self) -> str:
        return _clean_otp(self.cleaned_data["otp"])


class MobileLoginForm(forms.Form):
    otp = _otp_field()

    def clean_otp(self) -> str:
        return _clean_otp(self.cleaned_data["otp"])


class CardLoginForm(forms.Form):
    """What the page's script posts after the card service signed the challenge. The PIN is
    not here: it goes from the browser to the card service only."""

    signature = forms.CharField(max_length=2048)
    certificate = forms.CharField(max_length=16384)
    algorithm = forms.CharField(max_length=40)

    def _b64(self, name: str) -> bytes:
        try:
            return base64.b64decode(self.cleaned_data[name], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise forms.ValidationError(
                _("A kártyaszolgáltatás válasza hibás. Próbálja újra.")
            ) from exc

    def clean_signature(self) -> bytes:
        return self._b64("signature")

    def clean_certificate(self) -> bytes:
        return self._b64("certificate")
