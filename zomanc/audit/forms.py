from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zomanc.audit.models import AuditAction
from zomanc.practices.models import Practice, StaffMember

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y.%m.%d.", "%Y.%m.%d", "%Y. %m. %d."]


class AuditFilterForm(forms.Form):
    date_from = forms.DateField(
        label=_("Ettől a naptól"),
        required=False,
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=_("Eddig a napig"),
        required=False,
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    user = forms.TypedChoiceField(label=_("Felhasználó"), required=False, coerce=int)
    action = forms.ChoiceField(
        label=_("Művelet"),
        required=False,
        choices=[("", _("mind")), *AuditAction.choices],
    )
    patient_id = forms.IntegerField(label=_("Páciens azonosító"), required=False, min_value=1)
    object_type = forms.CharField(
        label=_("Objektum típusa"),
        required=False,
        max_length=60,
        help_text=_("pl. patients.patient"),
    )

    def __init__(self, *args: Any, practice: Practice, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # One query, whether the form is rendered, validated or both.
        staff = StaffMember.objects.filter(practice=practice).order_by("display_name", "pk")
        choices: list[tuple[Any, Any]] = [("", _("mindenki"))]
        choices += [(s.user_id, s.display_name) for s in staff]
        self.fields["user"].choices = choices  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("A záró nap nem lehet korábbi a kezdő napnál."))
        return data
