"""The patient form: the model's Hungarian labels and lengths, a birth date typed the
Hungarian way, and the identifier checked by its type's rules."""

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from zomanc.patients.identifiers import identifier_normalise
from zomanc.patients.models import Patient, Sex
from zomanc.patients.services import DATA_FIELDS, PatientData

BIRTH_DATE_FORMATS = ["%Y.%m.%d.", "%Y.%m.%d", "%Y-%m-%d", "%Y. %m. %d."]


class PatientForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(forms.fields_for_model(Patient, fields=list(DATA_FIELDS)))
        self.fields["birth_date"] = forms.DateField(
            label=_("Születési dátum"),
            input_formats=BIRTH_DATE_FORMATS,
            widget=forms.DateInput(format="%Y.%m.%d.", attrs={"placeholder": "ÉÉÉÉ.HH.NN."}),
            help_text=_("Például 1980.05.17."),
        )
        self.fields["id_value"].required = False
        self.fields["id_value"].help_text = _(
            "TAJ: 9 számjegy, szóközzel is írható. Útlevél: a szám és az ellenőrző számjegy "
            "(a gépi olvasású sor első 10 karaktere, pl. L898902C36)."
        )
        sex = cast(forms.ChoiceField, self.fields["sex"])
        sex.choices = [("", "---------"), *Sex.choices]
        self.order_fields(DATA_FIELDS)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        id_type = cleaned.get("id_type")
        if id_type:
            try:
                cleaned["id_value"] = identifier_normalise(id_type, cleaned.get("id_value", ""))
            except ValidationError as exc:
                self.add_error("id_value", exc)
        return cleaned

    def patient_data(self) -> PatientData:
        return PatientData(**{name: self.cleaned_data[name] for name in DATA_FIELDS})
