"""Forms of the EESZT settings page. Formats are checked here (a refusal next to the field);
rules that need the database are the services'."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from zomanc.eeszt.models import LoginMethod
from zomanc.practices.models import institution_id_validator, org_unit_code_validator

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
