"""PlainSelect gives Django's Select markup byte for byte (zomanc/core/widgets.py)."""

import copy

import pytest
from django import forms
from django.utils.safestring import mark_safe

from zomanc.clinical.forms import ProcedureForm, VisitOpenForm
from zomanc.clinical.tests.conftest import catalogue_for
from zomanc.conftest import Personas
from zomanc.core.widgets import PlainSelect

CHOICES = [
    ("", "- Válasszon -"),
    (1, "Dr. Fog Ferenc"),
    ("a&b", 'Kovács "Kis" <Anna>'),
    ("x", mark_safe("<b>biztonságos</b>")),  # a safe label is printed as it is
    (
        "Csoport <1>",
        [(2, "Első"), ("3", "Második & harmadik")],
    ),
]


@pytest.mark.parametrize("value", [None, "", 1, "1", "a&b", "3", "nincs ilyen"])
@pytest.mark.parametrize(
    "attrs",
    [None, {"required": True, "id": "id_doctor"}, {"disabled": False, "data-x": 'a"b<'}],
)
def test_same_markup_as_djangos_select(value: object, attrs: dict[str, object] | None) -> None:
    ours = PlainSelect(choices=CHOICES).render("doctor", value, attrs=attrs)
    django = forms.Select(choices=CHOICES).render("doctor", value, attrs=attrs)
    assert ours == django


def test_same_markup_in_the_entry_box_forms(personas: Personas) -> None:
    """The entry box's selects, bound and unbound: what the template prints for each."""
    member = personas.doctor
    catalogue_for(member.practice)
    forms_: list[forms.Form] = []
    for data in (None, {"doctor": str(member.pk), "company": "999", "treatment": "1"}):
        forms_.append(VisitOpenForm(data, practice=member.practice, member=member))
        forms_.append(ProcedureForm(data, practice=member.practice))
    for form in forms_:
        for field in (f for f in form if isinstance(f.field, forms.ModelChoiceField)):
            assert isinstance(field.field.widget, PlainSelect)
            ours = str(field)
            field.field.widget = copy.copy(field.field.widget)
            field.field.widget.__class__ = forms.Select  # the same widget, Django's templates
            assert ours == str(field)
