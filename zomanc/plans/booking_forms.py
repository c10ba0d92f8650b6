"""The form that books plan items: the calendar's booking form (day, start, end, chair,
doctor, note, company, org unit — the same choices and checks) without the patient and the
single planned treatment, which the plan gives, plus the items to book."""

from datetime import timedelta
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zomanc.plans.booking_selectors import booking_duration_minutes
from zomanc.plans.models import PlanItem, TreatmentPlan
from zomanc.scheduling.forms import AppointmentCreateForm


class PlanBookingForm(AppointmentCreateForm):
    items = forms.ModelMultipleChoiceField(
        label=_("Tételek"),
        queryset=PlanItem.objects.none(),
        widget=forms.MultipleHiddenInput,
        error_messages={
            "required": _("Jelölje ki a foglalandó tételeket."),
            "invalid_choice": _("Nincs ilyen tétel a tervben."),
            "invalid_pk_value": _("Nincs ilyen tétel a tervben."),
        },
    )

    def __init__(self, *args: Any, plan: TreatmentPlan, **kwargs: Any) -> None:
        super().__init__(*args, practice=plan.practice, **kwargs)
        del self.fields["patient"]
        del self.fields["treatment"]
        self.plan = plan
        self.fields["items"].queryset = PlanItem.objects.filter(  # type: ignore[attr-defined]
            practice_id=plan.practice_id, plan=plan
        ).select_related("treatment")
        self.fields["end_time"].help_text = _(
            "Üresen hagyva a tételek katalógus szerinti időtartama."
        )
        self.order_fields(["items", "day", "start_time", "end_time", "chair", "doctor"])

    def duration_default(self) -> timedelta:
        items = list(self.cleaned_data.get("items") or [])
        minutes = booking_duration_minutes(items)
        return timedelta(minutes=minutes) if minutes else super().duration_default()
