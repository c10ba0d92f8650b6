"""What every app's form views share: running a service with a form's cleaned data and
showing the service's ValidationError on the form (services validate too, so a form can be
valid and the save still refused)."""

from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError


def form_add_service_error(
    form: forms.BaseForm, error: ValidationError, field_map: Mapping[str, str] | None = None
) -> None:
    """A service's field errors next to the matching form field (`field_map` renames the
    service's field to the form's where they differ: starts_at → start_time); the rest, and
    errors of fields the form does not have, at the top of the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = (field_map or {}).get(field, field)
            form.add_error(target if target in form.fields else None, errors)
    else:
        form.add_error(None, error)


def form_submit[T](
    form: forms.BaseForm,
    save: Callable[[dict[str, Any]], T],
    field_map: Mapping[str, str] | None = None,
) -> T | None:
    """What `save` (a service call given the cleaned data) returned when the form is bound
    and valid and the service accepted it; None otherwise, with the errors on the form."""
    if not form.is_valid():
        return None
    try:
        return save(form.cleaned_data)
    except ValidationError as error:
        form_add_service_error(form, error, field_map)
        return None
