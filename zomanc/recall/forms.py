"""Forms of the recall pages: a rule, a patient's own interval, a contact entry, the list's
filters. Choices of catalogue items are the practice's own."""

import datetime as dt
import functools
from typing import Any, cast

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from zomanc.codes.models import TreatmentItem
from zomanc.core.widgets import PlainSelect
from zomanc.practices.models import Practice
from zomanc.recall.models import RECORDED_STATES, ContactState

INTERVAL_ERRORS = {
    "required": _("Adja meg az időközt hónapokban."),
    "invalid": _("Az időköz egész szám (hónap)."),
    "min_value": _("Az időköz 1 és 60 hónap között lehet."),
    "max_value": _("Az időköz 1 és 60 hónap között lehet."),
}


def _interval_field(label: Any, required: bool = True) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=1,
        max_value=60,
        required=required,
        error_messages=INTERVAL_ERRORS,
    )


class _TreatmentForm(forms.Form):
    treatment = forms.ModelChoiceField(
        label=_("Kezelés"),
        queryset=TreatmentItem.objects.none(),
        error_messages={
            "required": _("Válasszon kezelést a katalógusból."),
            "invalid_choice": _("Válasszon kezelést a katalógusból."),
        },
    )

    def __init__(self, *args: Any, practice: Practice, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["treatment"])
        field.queryset = TreatmentItem.objects.filter(practice=practice, is_active=True).order_by(
            "name"
        )


class RecallRuleForm(_TreatmentForm):
    interval_months = _interval_field(_("Visszahívás ennyi hónap múlva"))


class RuleIntervalForm(forms.Form):
    interval_months = _interval_field(_("Hónap"))


class OwnIntervalForm(_TreatmentForm):
    interval_months = _interval_field(_("Saját időköz (hónap)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["interval_months"].help_text = _("Üresen hagyva a rendelő szabálya érvényes.")


class ContactForm(forms.Form):
    patient = forms.IntegerField(widget=forms.HiddenInput)
    treatment = forms.IntegerField(widget=forms.HiddenInput)
    since = forms.DateField(widget=forms.HiddenInput)
    state = forms.ChoiceField(
        label=_("Kapcsolatfelvétel"),
        choices=[
            ("", _("Mi történt?")),
            *((str(s.value), s.label) for s in RECORDED_STATES),  # lazy: the user's language
        ],
        widget=PlainSelect,  # the recall list renders it for its rows (list_rows.py)
        error_messages={
            "required": _("Válassza ki, mi történt (emlékeztettük, nem kér, nem elérhető)."),
            "invalid_choice": _("Válassza ki, mi történt (emlékeztettük, nem kér, nem elérhető)."),
        },
    )
    note = forms.CharField(
        label=_("Megjegyzés"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": _("megjegyzés")}),
    )


def month_choices(today: dt.date) -> list[tuple[str, str]]:
    """The list's month filter: overdue and this month, then this and the next twelve months
    by name ("2026. december"), in the active language."""
    return list(_month_choices(today, get_language()))


@functools.lru_cache(maxsize=16)
def _month_choices(today: dt.date, language: str | None) -> tuple[tuple[str, str], ...]:
    """Kept per (day, language): 13 `date_format`s were ≈ 0.3 ms of every recall list page.
    Why the key is exact: the choices are made from `today` and, through the translations
    and the language's format module, the active language — `language`, which the caller
    reads as it is active for this call; the catalogues and formats do not change while the
    process runs (tests/test_forms.py: a test per input)."""
    from django.utils.formats import date_format

    from zomanc.recall.due import add_months

    first = today.replace(day=1)
    choices = [("", str(_("Lejárt és e havi")))]
    for n in range(0, 13):
        month = add_months(first, n)
        choices.append((month.strftime("%Y-%m"), date_format(month, "YEAR_MONTH_FORMAT")))
    return tuple(choices)


class FilterForm(forms.Form):
    # PlainSelect: the same markup without a template render per option (≈ 2.8 ms a page).
    month = forms.ChoiceField(label=_("Esedékesség"), required=False, widget=PlainSelect)
    doctor = forms.TypedChoiceField(
        label=_("Orvos"), required=False, coerce=int, empty_value=None, widget=PlainSelect
    )
    state = forms.ChoiceField(label=_("Állapot"), required=False, widget=PlainSelect)

    def __init__(
        self, *args: Any, today: dt.date, doctors: list[tuple[int, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["month"]).choices = month_choices(today)
        cast(forms.ChoiceField, self.fields["doctor"]).choices = [
            ("", str(_("Mind"))),
            *((str(pk), name) for pk, name in doctors),
        ]
        cast(forms.ChoiceField, self.fields["state"]).choices = [
            ("", str(_("Teendő (nem kerestük, emlékeztettük, nem elérhető)"))),
            ("all", str(_("Mind"))),
            *((str(s.value), str(s.label)) for s in ContactState),
        ]

    def month_value(self) -> dt.date | None:
        raw = self.cleaned_data.get("month") if self.is_valid() else None
        if not raw:
            return None
        return dt.date.fromisoformat(raw + "-01")


SEND_ALL = "all"


class BulkSendForm(forms.Form):
    """The list's bulk send: on which channels (only those the practice has set up)."""

    channel = forms.ChoiceField(
        label=_("Csatorna"),
        widget=PlainSelect,
        error_messages={
            "required": _("Válassza ki, hogyan értesítsük a pácienseket."),
            "invalid_choice": _(
                "Ezen a csatornán a rendelő nem küld üzenetet (Beállítások / E-mail és SMS)."
            ),
        },
    )

    def __init__(self, *args: Any, channels: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, Any]] = []
        if len(channels) > 1:
            choices.append((SEND_ALL, _("Minden csatornán, amihez hozzájárult")))
        if "email" in channels:
            choices.append(("email", _("E-mailben")))
        if "sms" in channels:
            choices.append(("sms", _("SMS-ben")))
        cast(forms.ChoiceField, self.fields["channel"]).choices = choices
        self.channels = channels

    def chosen(self) -> list[str]:
        value = self.cleaned_data["channel"]
        return list(self.channels) if value == SEND_ALL else [value]
