"""form_submit / form_add_service_error: a service's refusal lands where the person can see
it, and a refused or invalid form never reports success."""

from django import forms
from django.core.exceptions import ValidationError

from zomanc.core.forms import form_submit


class _TimeForm(forms.Form):
    start_time = forms.CharField()


def _refuse(error: ValidationError):
    def save(data: dict) -> object:
        raise error

    return save


def test_returns_what_the_service_returned() -> None:
    form = _TimeForm({"start_time": "09:00"})
    assert form_submit(form, lambda data: data["start_time"] + "!") == "09:00!"


def test_unbound_or_invalid_form_does_not_call_the_service() -> None:
    calls: list[dict] = []
    assert form_submit(_TimeForm(), calls.append) is None
    assert form_submit(_TimeForm({}), calls.append) is None
    assert calls == []


def test_field_error_is_mapped_to_the_form_field() -> None:
    form = _TimeForm({"start_time": "09:00"})
    error = ValidationError({"starts_at": "Foglalt."})
    assert form_submit(form, _refuse(error), {"starts_at": "start_time"}) is None
    assert form.errors == {"start_time": ["Foglalt."]}


def test_unknown_field_and_plain_errors_go_on_top() -> None:
    form = _TimeForm({"start_time": "09:00"})
    assert form_submit(form, _refuse(ValidationError({"chair": "Inaktív."}))) is None
    assert form.non_field_errors() == ["Inaktív."]
    form = _TimeForm({"start_time": "09:00"})
    assert form_submit(form, _refuse(ValidationError("Ütközés: %(x)s", params={"x": 1}))) is None
    assert form.non_field_errors() == ["Ütközés: 1"]
