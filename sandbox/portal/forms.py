"""Forms of the portal. Messages are Hungarian and stand next to the field."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sandbox.portal.models import InstitutionRightKind
from sandbox.registry.models import OrgUnit, Role
from sandbox.registry.selectors import user_get

# The card service names its algorithms its own way; the IDP contract has its own names.
CARD_ALGORITHMS = {
    "RSA-PKCS1v15-SHA256": "RSA_PKCS1_SHA256",
    "ECDSA-SHA256": "ECDSA_SHA256",
    "RSA_PKCS1_SHA256": "RSA_PKCS1_SHA256",
    "ECDSA_SHA256": "ECDSA_SHA256",
}


class Base64Field(forms.CharField):
    def to_python(self, value: Any) -> bytes:  # type: ignore[override]
        text = super().to_python(value) or ""
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise forms.ValidationError(_("Hibás adat érkezett a kártyaszolgáltatástól.")) from exc


def _user_id_field() -> forms.CharField:
    return forms.CharField(
        label=_("EESZT felhasználónév"),
        max_length=40,
        help_text=_("Orvosoknál „O” + pecsétszám, pl. O58012."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "characters"}),
    )


def _otp_field(label: Any) -> forms.CharField:
    return forms.RegexField(
        label=label,
        regex=r"^[0-9]{6}$",
        error_messages={"invalid": _("A kód 6 számjegy.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class CardUserForm(forms.Form):
    user_id = _user_id_field()

    def clean_user_id(self) -> str:
        return str(self.cleaned_data["user_id"]).strip().upper()


class CardSignatureForm(forms.Form):
    """What the browser brings back from the card service. The nonce is NOT a field: the
    portal keeps the one it issued in the session."""

    signature = Base64Field()
    certificate = Base64Field()
    algorithm = forms.CharField(max_length=40)

    def clean_algorithm(self) -> str:
        value = CARD_ALGORITHMS.get(str(self.cleaned_data["algorithm"]))
        if value is None:
            raise forms.ValidationError(_("A kártya aláírási algoritmusa nem támogatott."))
        return value


class TokenLoginForm(forms.Form):
    user_id = _user_id_field()
    password = forms.CharField(
        label=_("Jelszó"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    otp = _otp_field(_("Token kódja (egyszer használatos jelszó)"))

    def clean_user_id(self) -> str:
        return str(self.cleaned_data["user_id"]).strip().upper()


class MobileLoginForm(forms.Form):
    user_id = _user_id_field()
    otp = _otp_field(_("Mobiltoken kódja"))

    def clean_user_id(self) -> str:
        return str(self.cleaned_data["user_id"]).strip().upper()


class CardUploadForm(forms.Form):
    certificate = forms.FileField(
        label=_("Kártya tanúsítványa (DER vagy PEM)"),
        help_text=_("A kártyaolvasó programjával kimentett tanúsítványfájl."),
    )

    def clean_certificate(self) -> bytes:
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization

        upload = self.cleaned_data["certificate"]
        data = upload.read(64 * 1024 + 1)
        if len(data) > 64 * 1024:
            raise forms.ValidationError(_("A fájl túl nagy egy tanúsítványhoz."))
        try:
            if b"-----BEGIN CERTIFICATE-----" in data:
                cert = x509.load_pem_x509_certificate(data)
            else:
                cert = x509.load_der_x509_certificate(data)
        except ValueError as exc:
            raise forms.ValidationError(
                _("A fájl nem olvasható X.509 tanúsítvány (DER vagy PEM).")
            ) from exc
        return cert.public_bytes(serialization.Encoding.DER)


class MobileTokenConfirmForm(forms.Form):
    otp = _otp_field(_("Az alkalmazás által mutatott kód"))


class PasswordChangeForm(forms.Form):
    current = forms.CharField(
        label=_("Jelenlegi jelszó"),
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new = forms.CharField(
        label=_("Új jelszó"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    new_again = forms.CharField(
        label=_("Új jelszó még egyszer"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new") and data.get("new_again") and data["new"] != data["new_again"]:
            self.add_error("new_again", _("A két új jelszó nem egyezik."))
        return data


class _UserRefForm(forms.Form):
    user_id = forms.CharField(
        label=_("Felhasználó (EESZT felhasználónév)"),
        max_length=40,
        help_text=_("Pl. O61234. Bármely EESZT felhasználó hozzárendelhető."),
    )

    def clean_user_id(self) -> Any:
        user = user_get(user_id=str(self.cleaned_data["user_id"]).strip().upper())
        if user is None:
            raise forms.ValidationError(_("Nincs ilyen EESZT felhasználó."))
        return user


def _org_unit_label(obj: Any) -> str:
    return f"{obj.code} {obj.name}"


class GrantAddForm(_UserRefForm):
    org_unit = forms.ModelChoiceField(
        label=_("Szervezeti egység"), queryset=OrgUnit.objects.none(), empty_label=None
    )
    role = forms.ChoiceField(label=_("Szerepkör"), choices=Role.choices)

    def __init__(self, *args: Any, institution: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["org_unit"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = OrgUnit.objects.filter(institution=institution).order_by("code")
        field.label_from_instance = _org_unit_label  # type: ignore[method-assign]


class InstitutionRightAddForm(_UserRefForm):
    right = forms.ChoiceField(label=_("Intézményi jog"), choices=InstitutionRightKind.choices)


class OperatorLoginForm(forms.Form):
    token = forms.CharField(
        label=_("Üzemeltetői (admin) token"),
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text=_("A sandbox SANDBOX_ADMIN_TOKEN beállítása (demóban: sandbox-admin)."),
    )


class FaultRuleForm(forms.Form):
    """Shares are entered in percent (people think in %), stored as 0..1."""

    service = forms.ChoiceField(label=_("Szolgáltatás"))
    latency_ms = forms.IntegerField(
        label=_("Késleltetés (ms)"), min_value=0, max_value=60_000, initial=0
    )
    share_http_503 = forms.FloatField(
        label=_("HTTP 503 válaszok aránya (%)"), min_value=0, max_value=100, initial=0
    )
    share_unavailable_fault = forms.FloatField(
        label=_("SERVICE_UNAVAILABLE hibák aránya (%)"), min_value=0, max_value=100, initial=0
    )
    share_drop = forms.FloatField(
        label=_("Bontott kapcsolatok aránya (%)"), min_value=0, max_value=100, initial=0
    )
    share_hang = forms.FloatField(
        label=_("Feldolgozva, de válasz nélkül (időtúllépés) aránya (%)"),
        min_value=0,
        max_value=100,
        initial=0,
    )
    hang_seconds = forms.IntegerField(
        label=_("Válasz nélküli várakozás (mp)"), min_value=1, max_value=120, initial=30
    )
    maintenance_from = forms.DateTimeField(
        label=_("Karbantartás kezdete"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    maintenance_until = forms.DateTimeField(
        label=_("Karbantartás vége"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    retry_after_seconds = forms.IntegerField(
        label=_("Retry-After (mp)"), min_value=1, max_value=86_400, initial=30
    )

    def __init__(self, *args: Any, services: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [("*", _("Mindegyik szolgáltatás (*)")), *services]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("maintenance_from"), data.get("maintenance_until")
        if bool(start) != bool(end):
            self.add_error(
                "maintenance_until",
                _("A karbantartásnak kezdete és vége is kell (vagy egyik sem)."),
            )
        elif start and end and end <= start:
            self.add_error("maintenance_until", _("A karbantartás vége a kezdete után legyen."))
        return data

    def rule_values(self) -> dict[str, Any]:
        d = self.cleaned_data
        values = {name: d[name] for name in ("latency_ms", "hang_seconds", "retry_after_seconds")}
        for name in ("share_http_503", "share_unavailable_fault", "share_drop", "share_hang"):
            values[name] = float(d[name]) / 100
        values["maintenance_from"] = d.get("maintenance_from")
        values["maintenance_until"] = d.get("maintenance_until")
        return values


class ClockForm(forms.Form):
    days = forms.IntegerField(label=_("Nap"), min_value=-3650, max_value=3650, initial=0)
    hours = forms.IntegerField(label=_("Óra"), min_value=-23, max_value=23, initial=0)
    minutes = forms.IntegerField(label=_("Perc"), min_value=-59, max_value=59, initial=0)

    def seconds(self) -> int:
        d = self.cleaned_data
        return int(d["days"]) * 86_400 + int(d["hours"]) * 3_600 + int(d["minutes"]) * 60
