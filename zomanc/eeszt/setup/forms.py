"""Forms of the EESZT settings page. Formats are checked here (a refusal next to the field);
existence in the reference data is only a warning, checked by the service afterwards."""

import base64
import binascii

from django import forms
from django.utils.translation import gettext_lazy as _

from zomanc.eeszt.models import LoginMethod
from zomanc.practices.models import (
    institution_id_validator,
    org_unit_code_validator,
)

MAX_CERTIFICATE_BYTES = 256 * 1024  # a WAF-SSL PKCS#12 is ~5 KB; anything near this is not one


def _code(value: str) -> str:
    # Same normalisation as the practices app: printed with spaces / lower case on papers.
    return "".join(value.split()).upper()


class InstitutionForm(forms.Form):
    institution_name = forms.CharField(label=_("Intézmény (rendelő) neve"), max_length=200)
    institution_id = forms.CharField(
        label=_("Intézményazonosító (OTH szám)"),
        max_length=12,
        help_text=_("6 karakter, pl. 506097"),
    )

    def clean_institution_id(self) -> str:
        value = _code(self.cleaned_data["institution_id"])
        institution_id_validator(value)
        return value


class OrgUnitAddForm(forms.Form):
    code = forms.CharField(
        label=_("Szervezeti egység kódja"), max_length=15, help_text=_("9 karakter, pl. 001044299")
    )
    name = forms.CharField(label=_("Megnevezés"), max_length=200)

    def clean_code(self) -> str:
        value = _code(self.cleaned_data["code"])
        org_unit_code_validator(value)
        return value


class CertificateUploadForm(forms.Form):
    file = forms.FileField(
        label=_("SSL tanúsítványfájl (.p12 / .pfx)"),
        help_text=_(
            "Az ágazati portálon az „EESZT SSL tanúsítvány letöltése” menüpontban kapott fájl."
        ),
    )
    sms_code = forms.CharField(
        label=_("SMS kód"),
        max_length=128,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("A tanúsítvány jelszava, amelyet az EESZT SMS-ben küldött."),
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CERTIFICATE_BYTES:
            raise forms.ValidationError(
                _(
                    "A fájl túl nagy egy tanúsítványhoz (legfeljebb 256 KB). Biztosan jó "
                    "fájlt választott?"
                )
            )
        data: bytes = upload.read()
        return data


class MemberProfileForm(forms.Form):
    portal_username = forms.CharField(label=_("Portál felhasználónév"), max_length=40)
    login_method = forms.ChoiceField(
        label=_("Bejelentkezési mód"),
        choices=[("", _("— nincs kiválasztva —")), *LoginMethod.choices],
        required=False,
    )


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
