"""Settings forms. They check formats next to the field; the services re-check everything
(they are also called without a form) and their errors land on the same fields."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zomanc.practices.models import (
    Role,
    institution_id_validator,
    org_unit_code_validator,
    stamp_number_validator,
)
from zomanc.practices.services import normalize_code


class CodeField(forms.CharField):
    """Upper case, spaces removed, before the format check."""

    def to_python(self, value: Any) -> str:
        return normalize_code(super().to_python(value) or "")


class PracticeForm(forms.Form):
    name = forms.CharField(label=_("A rendelő neve"), max_length=200)
    phone = forms.CharField(
        label=_("A rendelő telefonszáma"),
        max_length=40,
        required=False,
        help_text=_("A pácienseknek küldött visszahívó üzenetekben: ezen foglalhat időpontot."),
    )
    require_owner_2fa = forms.BooleanField(
        label=_("Kétlépcsős azonosítás kötelező a tulajdonosoknak"),
        required=False,
        help_text=_(
            "Bekapcsolva minden tulajdonosnak be kell állítania a hitelesítő alkalmazást, "
            "mielőtt tovább dolgozhatna."
        ),
    )


class LogoForm(forms.Form):
    logo = forms.FileField(
        label=_("Logó"),
        help_text=_(
            "PNG vagy JPEG, legfeljebb 1 MB és 2000 × 2000 képpont; az árajánlatok fejlécében "
            "jelenik meg."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
        error_messages={"required": _("Válassza ki a logó képfájlját.")},
    )

    def clean_logo(self) -> bytes:
        """The bytes (the kind is sniffed by the service); a file over the limit is refused
        before it is read into memory."""
        from zomanc.practices.logo import LOGO_MAX_BYTES

        upload = self.cleaned_data["logo"]
        if upload.size > LOGO_MAX_BYTES:
            raise forms.ValidationError(_("A fájl túl nagy; legfeljebb 1 MB lehet."))
        data: bytes = upload.read()
        return data


class CompanyForm(forms.Form):
    name = forms.CharField(label=_("Cégnév"), max_length=200)
    institution_name = forms.CharField(label=_("Intézmény (rendelő) neve"), max_length=200)
    institution_id = CodeField(
        label=_("Intézményazonosító (OTH/NNGYK)"),
        max_length=12,
        validators=[institution_id_validator],
        help_text=_("6 karakter, pl. 506097"),
    )


class OrgUnitForm(forms.Form):
    code = CodeField(
        label=_("Szervezeti egység kódja"),
        max_length=15,
        validators=[org_unit_code_validator],
        help_text=_("9 karakter, pl. 001044299"),
    )
    name = forms.CharField(label=_("Megnevezés"), max_length=200)


class StaffEditForm(forms.Form):
    role = forms.ChoiceField(label=_("Szerepkör"), choices=Role.choices)
    display_name = forms.CharField(label=_("Megjelenített név"), max_length=200)
    stamp_number = forms.CharField(
        label=_("Pecsétszám"),
        max_length=5,
        required=False,
        validators=[stamp_number_validator],
        help_text=_("Orvosoknak kötelező; 5 számjegy, pl. 58012"),
    )


class StaffCreateForm(StaffEditForm):
    email = forms.EmailField(
        label=_("E-mail cím"),
        help_text=_("Ha még nincs fiókja, e-mailben kap linket a jelszava beállításához."),
    )
    full_name = forms.CharField(
        label=_("Teljes név"),
        max_length=200,
        required=False,
        help_text=_("Új felhasználónál kötelező."),
    )
    display_name = forms.CharField(
        label=_("Megjelenített név"),
        max_length=200,
        required=False,
        help_text=_("Ha üres, a teljes név."),
    )

    field_order = ["email", "full_name", "display_name", "role", "stamp_number"]
