"""Forms of the calendar. Every choice list is scoped to the acting practice, so an id of
another practice is an ordinary "invalid choice" error and never reaches a service."""

from datetime import date, datetime, timedelta
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zomanc.codes.catalogue_selectors import treatment_catalogue
from zomanc.codes.models import TreatmentItem
from zomanc.patients.models import Patient
from zomanc.practices.models import Company, OrgUnit, Practice, StaffMember
from zomanc.scheduling.models import Appointment, Chair
from zomanc.scheduling.selectors import chairs_for, doctors_for

DEFAULT_DURATION = timedelta(minutes=30)

_INVALID_CHOICE = _("Válasszon a listából.")
_EMPTY = _("— válasszon —")
_EMPTY_OPTIONAL = _("— nincs megadva —")


def aware(day: date, at: Any) -> datetime:
    """A local wall-clock time of the practice as an aware datetime."""
    return timezone.make_aware(datetime.combine(day, at))


class PatientChoiceField(forms.ModelChoiceField):
    """A patient picked by id (a million patients do not fit in a <select>); the template
    renders the picker. The queryset keeps the choice inside the practice."""

    widget = forms.HiddenInput

    def label_from_instance(self, obj: Patient) -> str:
        return str(obj)


class _ScheduleFields(forms.Form):
    day = forms.DateField(
        label=_("Nap"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    start_time = forms.TimeField(
        label=_("Kezdés"),
        widget=forms.TimeInput(format="%H:%M", attrs={"type": "time", "step": 300}),
    )
    end_time = forms.TimeField(
        label=_("Befejezés"),
        required=False,
        widget=forms.TimeInput(format="%H:%M", attrs={"type": "time", "step": 300}),
        help_text=_("Üresen hagyva a kezelés időtartama (vagy 30 perc)."),
    )
    chair = forms.ModelChoiceField(
        empty_label=_EMPTY,
        label=_("Szék"),
        queryset=Chair.objects.none(),
        error_messages={"invalid_choice": _INVALID_CHOICE},
    )
    doctor = forms.ModelChoiceField(
        empty_label=_EMPTY,
        label=_("Orvos"),
        queryset=StaffMember.objects.none(),
        error_messages={"invalid_choice": _INVALID_CHOICE},
    )

    def __init__(self, *args: Any, practice: Practice, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.practice = practice
        self.fields["chair"].queryset = chairs_for(practice)  # type: ignore[attr-defined]
        self.fields["doctor"].queryset = doctors_for(practice)  # type: ignore[attr-defined]

    def duration_default(self) -> timedelta:
        return DEFAULT_DURATION

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day, start_time = data.get("day"), data.get("start_time")
        if day is None or start_time is None:
            return data
        starts_at = aware(day, start_time)
        end_time = data.get("end_time")
        if end_time is None:
            ends_at = starts_at + self.duration_default()
        else:
            ends_at = aware(day, end_time)
            if ends_at <= starts_at:
                self.add_error("end_time", _("A befejezésnek a kezdés után kell lennie."))
        data["starts_at"], data["ends_at"] = starts_at, ends_at
        return data


class _DetailsFields(forms.Form):
    """The details that do not touch the schedule, as booking and the panel's edit ask them."""

    treatment = forms.ModelChoiceField(
        empty_label=_EMPTY_OPTIONAL,
        label=_("Tervezett kezelés"),
        queryset=TreatmentItem.objects.none(),
        required=False,
        error_messages={"invalid_choice": _INVALID_CHOICE},
    )
    note = forms.CharField(label=_("Megjegyzés"), required=False, max_length=500)
    company = forms.ModelChoiceField(
        empty_label=_EMPTY,
        label=_("Cég"),
        queryset=Company.objects.none(),
        error_messages={"invalid_choice": _INVALID_CHOICE},
    )
    org_unit = forms.ModelChoiceField(
        empty_label=_EMPTY,
        label=_("Szervezeti egység"),
        queryset=OrgUnit.objects.none(),
        error_messages={"invalid_choice": _INVALID_CHOICE},
    )

    def _details_choices(self, practice: Practice, *, active_only: bool) -> None:
        """A new booking offers only what is active; an existing appointment keeps what it
        was booked with even after that was deactivated."""
        companies = Company.objects.filter(practice=practice)
        org_units = OrgUnit.objects.filter(practice=practice)
        if active_only:
            companies = companies.filter(is_active=True)
            org_units = org_units.filter(is_active=True, company__is_active=True)
        self.fields["treatment"].queryset = treatment_catalogue(  # type: ignore[attr-defined]
            practice, active_only=active_only
        )
        self.fields["company"].queryset = companies.order_by("name")  # type: ignore[attr-defined]
        self.fields["org_unit"].queryset = org_units.order_by(  # type: ignore[attr-defined]
            "company__name", "name"
        )


class AppointmentCreateForm(_ScheduleFields, _DetailsFields):
    patient = PatientChoiceField(
        label=_("Páciens"),
        queryset=Patient.objects.none(),
        error_messages={
            "required": _("Válasszon pácienst (keresés név vagy TAJ szerint)."),
            "invalid_choice": _("Ismeretlen páciens."),
        },
    )

    field_order = [
        "patient", "day", "start_time", "end_time", "chair", "doctor", "treatment", "note",
        "company", "org_unit",
    ]  # fmt: skip

    def __init__(self, *args: Any, practice: Practice, **kwargs: Any) -> None:
        super().__init__(*args, practice=practice, **kwargs)
        self.fields["patient"].queryset = Patient.objects.filter(practice=practice)  # type: ignore[attr-defined]
        self._details_choices(practice, active_only=True)

    def duration_default(self) -> timedelta:
        treatment = self.cleaned_data.get("treatment")
        if treatment is not None and treatment.duration_minutes:
            return timedelta(minutes=treatment.duration_minutes)
        return DEFAULT_DURATION

    def selected_patient(self) -> Patient | None:
        """The chosen patient to show in the picker (bound or initial value), or None."""
        value = self["patient"].value()
        if not value:
            return None
        try:
            return Patient.objects.filter(practice=self.practice, pk=int(value)).first()
        except (TypeError, ValueError):
            return None


class AppointmentMoveForm(_ScheduleFields):
    """Move and resize: a new day, start, end, and optionally another chair or doctor."""

    def __init__(self, *args: Any, appointment: Appointment, **kwargs: Any) -> None:
        super().__init__(*args, practice=appointment.practice, **kwargs)
        self.appointment = appointment
        # A deactivated chair stays selectable for the appointment already on it.
        self.fields["chair"].queryset = (  # type: ignore[attr-defined]
            Chair.objects.filter(practice=appointment.practice)
            .filter(Q(is_active=True) | Q(pk=appointment.chair_id))
            .order_by("position", "name", "id")
        )
        self.fields["doctor"].queryset = doctors_for(  # type: ignore[attr-defined]
            appointment.practice, active_only=False
        )
        self.fields["end_time"].required = True

    def duration_default(self) -> timedelta:
        return self.appointment.ends_at - self.appointment.starts_at


class AppointmentResizeForm(forms.Form):
    end_time = forms.TimeField(
        label=_("Új befejezés"),
        widget=forms.TimeInput(format="%H:%M", attrs={"type": "time", "step": 300}),
    )


class AppointmentDetailsForm(_DetailsFields):
    def __init__(self, *args: Any, appointment: Appointment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._details_choices(appointment.practice, active_only=False)


class AppointmentCancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Lemondás oka"),
        max_length=300,
        error_messages={"required": _("Adja meg a lemondás okát.")},
    )


class ChairForm(forms.Form):
    name = forms.CharField(
        label=_("Megnevezés"),
        max_length=60,
        error_messages={"required": _("Adja meg a szék nevét.")},
    )


class ChairEditForm(ChairForm):
    is_active = forms.BooleanField(label=_("Aktív"), required=False)
