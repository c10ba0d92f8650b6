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


class _OwnIds(forms.Form):
    """The login page shows three forms with the same field names: each gets its own element
    ids (card_user_id, token_user_id, …), else every label pointed at the first form's input
    (duplicate ids; clicking "Jelszó" under "Tokennel" focused the card form)."""

    id_prefix = "id"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class CardUserForm(_OwnIds):
    id_prefix = "card"
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


class TokenLoginForm(_OwnIds):
    id_prefix = "token"
    user_id = _user_id_field()
    password = forms.CharField(
        label=_("Jelszó"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    otp = _otp_field(_("Token kódja (egyszer használatos jelszó)"))

    def clean_user_id(self) -> str:
        return str(self.cleaned_data["user_id"]).strip().upper()


class MobileLoginForm(_OwnIds):
    id_prefix = "mobile"
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


class DorRestrictionForm(forms.Form):
    """One DÖR restriction. The value field depends on the scope; the access service checks
    that the institution / user / category exists."""

    scope = forms.ChoiceField(label=_("Mire vonatkozik"))
    institution = forms.ChoiceField(label=_("Intézmény"), required=False)
    user_id = forms.CharField(
        label=_("Felhasználó (pl. orvos: O + pecsétszám)"), max_length=40, required=False
    )
    category = forms.ChoiceField(label=_("Adatkategória (szakma)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from sandbox.access.models import DorScope
        from sandbox.registry.models import SPECIALTIES, Institution

        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = DorScope.choices  # type: ignore[attr-defined]
        self.fields["institution"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (i.institution_id, f"{i.institution_id} {i.name}")
            for i in Institution.objects.order_by("institution_id")
        ]
        self.fields["category"].choices = [("", "—"), *SPECIALTIES.items()]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        from sandbox.access.models import DorScope

        data = super().clean() or {}
        scope = data.get("scope")
        fields: dict[str, str] = {
            DorScope.INSTITUTION: "institution",
            DorScope.USER: "user_id",
            DorScope.CATEGORY: "category",
        }
        field = fields.get(str(scope or ""))
        if field is None:
            return data
        value = str(data.get(field) or "").strip()
        if field == "user_id":
            value = value.upper()
        if not value:
            self.add_error(field, _("Adja meg, kire vagy mire vonatkozik a tiltás."))
        data["value"] = value
        data["value_field"] = field
        return data


class WaiverForm(forms.Form):
    doctor = forms.ChoiceField(label=_("Orvos"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from sandbox.registry.models import Doctor

        super().__init__(*args, **kwargs)
        self.fields["doctor"].choices = [  # type: ignore[attr-defined]
            (d.stamp, f"{d.name} ({d.stamp})") for d in Doctor.objects.order_by("name")
        ]


def _patient_choices() -> list[tuple[str, str]]:
    from sandbox.registry.models import Patient

    return [(str(p.pk), f"{p.name} — TAJ {p.id_value}") for p in Patient.objects.order_by("name")]


def _org_unit_choices() -> list[tuple[str, str]]:
    return [
        (u.code, f"{u.institution.institution_id} {u.institution.name} / {u.code} {u.name}")
        for u in OrgUnit.objects.select_related("institution").order_by("code")
    ]


class ReferralIssueForm(forms.Form):
    """Test data: a referral issued by another provider to a test patient."""

    patient = forms.ChoiceField(label=_("Beteg"))
    referring_org_unit = forms.ChoiceField(label=_("Beutaló szervezeti egység"))
    referring_doctor = forms.ChoiceField(label=_("Beutaló orvos"))
    target_specialty = forms.ChoiceField(label=_("Célszakma"))
    target_institution = forms.ChoiceField(label=_("Cél intézmény (üres: bármely)"), required=False)
    history = forms.CharField(
        label=_("Rövid kórelőzmény"), widget=forms.Textarea(attrs={"rows": 2})
    )
    diagnosis_code = forms.CharField(label=_("BNO kód"), max_length=5, required=False)
    diagnosis_text = forms.CharField(label=_("Diagnózis szövege"), max_length=200, required=False)
    question = forms.CharField(
        label=_("Kérdés a szakorvoshoz"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    days_ago = forms.IntegerField(
        label=_("Kiállítás ennyi napja (pl. 100: már lejárt)"),
        min_value=0,
        max_value=3650,
        initial=0,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from sandbox.registry.models import SPECIALTIES, Doctor, Institution

        super().__init__(*args, **kwargs)
        self.fields["patient"].choices = _patient_choices()  # type: ignore[attr-defined]
        self.fields["referring_org_unit"].choices = _org_unit_choices()  # type: ignore[attr-defined]
        self.fields["referring_doctor"].choices = [  # type: ignore[attr-defined]
            (d.stamp, f"{d.name} ({d.stamp})") for d in Doctor.objects.order_by("name")
        ]
        self.fields["target_specialty"].choices = list(SPECIALTIES.items())  # type: ignore[attr-defined]
        self.fields["target_institution"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (i.institution_id, f"{i.institution_id} {i.name}")
            for i in Institution.objects.order_by("institution_id")
        ]

    def clean_diagnosis_code(self) -> str:
        return str(self.cleaned_data.get("diagnosis_code") or "").strip().upper()


class DocumentAddForm(forms.Form):
    """Test data: a document (with its closed care event) from another provider."""

    patient = forms.ChoiceField(label=_("Beteg"))
    org_unit = forms.ChoiceField(
        label=_("Szolgáltató szervezeti egység"),
        help_text=_(
            "A dokumentum adatkategóriája a szervezeti egység szakmája (pl. PSZICH: érzékeny)."
        ),
    )
    author = forms.ChoiceField(label=_("Szerző orvos"))
    doc_type = forms.ChoiceField(label=_("Dokumentumtípus"))
    title = forms.CharField(label=_("Cím"), max_length=200)
    text = forms.CharField(label=_("Szöveg"), widget=forms.Textarea(attrs={"rows": 3}))
    confidentiality = forms.ChoiceField(label=_("Bizalmasság"))
    diagnoses = forms.CharField(
        label=_("BNO kódok (vesszővel)"), required=False, help_text=_("Pl. K0210, F3200")
    )
    days_ago = forms.IntegerField(
        label=_("Ennyi napja készült"), min_value=0, max_value=3650, initial=10
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from sandbox.documents.models import DOC_TYPES, Confidentiality
        from sandbox.registry.models import User

        super().__init__(*args, **kwargs)
        self.fields["patient"].choices = _patient_choices()  # type: ignore[attr-defined]
        self.fields["org_unit"].choices = _org_unit_choices()  # type: ignore[attr-defined]
        self.fields["author"].choices = [  # type: ignore[attr-defined]
            (u.user_id, f"{u.name} ({u.user_id})")
            for u in User.objects.filter(doctor__isnull=False).order_by("name")
        ]
        self.fields["doc_type"].choices = list(DOC_TYPES.items())  # type: ignore[attr-defined]
        self.fields["confidentiality"].choices = Confidentiality.choices  # type: ignore[attr-defined]

    def clean_diagnoses(self) -> list[str]:
        raw = str(self.cleaned_data.get("diagnoses") or "")
        return [c.strip().upper() for c in raw.replace(";", ",").split(",") if c.strip()]


class PersonForm(forms.Form):
    """Operator: add a test person or edit one (matched by TAJ)."""

    taj = forms.RegexField(label=_("TAJ szám"), regex=r"^[0-9]{9}$", max_length=9)
    name = forms.CharField(label=_("Név"), max_length=200)
    birth_date = forms.DateField(label=_("Születési dátum"), help_text=_("ÉÉÉÉ-HH-NN"))
    sex = forms.ChoiceField(label=_("Nem"))
    eligibility = forms.ChoiceField(label=_("TB-lámpa"))
    deceased_on = forms.DateField(label=_("Elhunyt (dátum)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from sandbox.eligibility.services import COLOURS
        from sandbox.registry.models import Sex

        super().__init__(*args, **kwargs)
        self.fields["sex"].choices = Sex.choices  # type: ignore[attr-defined]
        self.fields["eligibility"].choices = list(COLOURS.items())  # type: ignore[attr-defined]
