"""The outbox page's filter form (state, kind, company, doctor)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from zomanc.eeszt.outbox.models import OutboxKind, OutboxState
from zomanc.practices.models import Company, Practice, StaffMember


class OutboxFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("Állapot"), required=False, choices=[("", _("mind")), *OutboxState.choices]
    )
    kind = forms.ChoiceField(
        label=_("Típus"), required=False, choices=[("", _("mind")), *OutboxKind.choices]
    )
    company = forms.ModelChoiceField(
        label=_("Cég"), required=False, queryset=Company.objects.none(), empty_label=_("mind")
    )
    responsible = forms.ModelChoiceField(
        label=_("Orvos"),
        required=False,
        queryset=StaffMember.objects.none(),
        empty_label=_("mind"),
    )
    patient = forms.IntegerField(label=_("Páciens azonosító"), required=False, min_value=1)
    # Set by a visit's EESZT badge (?visit=<id>): that visit's rows only. Hidden: the page
    # names the visit above the table; the practice scope is outbox_filter's.
    visit = forms.IntegerField(
        label=_("Ellátás"),
        required=False,
        min_value=1,
        max_value=2**63 - 1,  # a larger id would overflow the database's integer
        widget=forms.HiddenInput,
    )

    def __init__(self, *args: object, practice: Practice, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # Choices only from the member's own practice: another practice's id is a form error.
        self.fields["company"].queryset = Company.objects.filter(practice=practice)  # type: ignore[attr-defined]
        self.fields["responsible"].queryset = StaffMember.objects.filter(  # type: ignore[attr-defined]
            practice=practice
        ).exclude(stamp_number="")
