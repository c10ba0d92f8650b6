"""`plain_label` (core_tags): the markup of Django's `label_tag`, built without its two
templates — for the entry box's forms, in both languages, and for the cases its rule
covers (a label ending in punctuation, a field's own suffix, markup in the label)."""

import pytest
from django import forms
from django.utils import translation

from zomanc.clinical.forms import NotesForm, VisitOpenForm
from zomanc.conftest import Personas
from zomanc.core.templatetags.core_tags import plain_label


class _Cases(forms.Form):
    plain = forms.CharField(label="Felelős orvos")
    question = forms.CharField(label="Kérdés?")
    own_suffix = forms.CharField(label="Saját", label_suffix=" –")
    no_suffix = forms.CharField(label="Nincs", label_suffix="")
    markup = forms.CharField(label="<b>Fog & íny</b>")
    prefixed = forms.CharField(label="Előtag")


class _Required(forms.Form):
    required_css_class = "required"
    name = forms.CharField(label="Név")


@pytest.mark.parametrize("language", ["hu", "en"])
def test_same_markup_as_label_tag(personas: Personas, language: str) -> None:
    with translation.override(language):
        open_form = VisitOpenForm(practice=personas.practice_a, member=personas.doctor)
        forms_ = [open_form, NotesForm(), _Cases(), _Cases(prefix="p"), _Cases(label_suffix="!")]
        for form in forms_:
            for field in form:
                assert plain_label(field) == field.label_tag(), field.name


def test_a_required_class_falls_back_to_label_tag() -> None:
    (field,) = list(_Required())
    assert plain_label(field) == field.label_tag()
    assert 'class="required"' in plain_label(field)
