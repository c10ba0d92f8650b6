"""Every refused form is announced at the top of the page (core/_error_summary.html through
{% error_summary %} in base.html): role="alert", focusable (app.js focuses it), one link per
field in error pointing at the field's input by id — found in the template context, so no view
or template has to remember it."""

import re

import pytest
from django import forms
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from zomanc.conftest import Personas
from zomanc.core.templatetags.core_tags import refused_form_errors


class _Form(forms.Form):
    name = forms.CharField(label="Név")
    code = forms.CharField(label="Kód", required=False)

    def clean(self) -> dict[str, object]:
        raise forms.ValidationError("Az egész űrlap hibás.")


def _summary(html: str) -> str:
    match = re.search(r'<div class="alert alert-refused error-summary"[^>]*>.*?</div>', html, re.S)
    assert match, "no error summary"
    return match.group(0)


def test_summary_lists_every_error_and_links_to_the_fields() -> None:
    form = _Form(data={"name": ""})
    with translation.override("hu"):
        html = Template("{% load core_tags %}{% error_summary %}").render(
            Context({"form": form, "pairs": [("row", _Form())]})
        )
    summary = _summary(html)
    assert 'role="alert"' in summary and 'tabindex="-1"' in summary
    assert "2 hiba miatt nem sikerült" in summary
    assert "Az egész űrlap hibás." in summary
    assert (
        '<a href="#id_name" data-error-link>Név: Ennek a mezőnek a megadása kötelező.</a>'
        in summary
    )


def test_no_summary_for_unbound_or_valid_forms() -> None:
    class Ok(forms.Form):
        name = forms.CharField()

    context = {"a": Ok(), "b": Ok(data={"name": "x"}), "rows": {1: Ok()}}
    assert refused_form_errors(context) == []
    html = Template("{% load core_tags %}{% error_summary %}").render(Context(context))
    assert "error-summary" not in html


def test_forms_inside_lists_tuples_and_dicts_are_found() -> None:
    refused = _Form(data={"name": "x"})
    for value in ([refused], [("row", refused)], {7: refused}):
        assert [e.message for e in refused_form_errors({"v": value})] == ["Az egész űrlap hibás."]


def _main_starts_with_summary(html: str) -> str:
    main = html[html.index('<main id="main">') :]
    assert main.startswith('<main id="main"><div class="alert alert-refused error-summary"')
    return _summary(main)


def test_refused_login_and_patient_form_have_the_summary(personas: Personas) -> None:
    from django.test import Client

    login = Client().post(
        reverse("accounts:login"), {"email": "nincs@ilyen.test", "password": "rossz"}
    )
    assert "error-summary" in login.content.decode()
    _main_starts_with_summary(login.content.decode())
    client = personas.client_for(personas.owner)
    refused = client.post(reverse("patients:create"), {"given_name": "Anna"})
    assert refused.status_code in (200, 400)
    summary = _main_starts_with_summary(refused.content.decode())
    assert 'href="#id_family_name"' in summary


@pytest.mark.parametrize("path", ["zomanc/static/zomanc/app.js"])
def test_the_page_script_focuses_the_summary(path: str) -> None:
    from pathlib import Path

    from django.conf import settings

    script = (Path(settings.BASE_DIR) / path).read_text()
    assert '.querySelector("[data-error-summary]")' in script and "box.focus(" in script


def test_a_fragment_draws_its_summary_only_for_htmx() -> None:
    from django.test import RequestFactory

    source = "{% load core_tags %}{% error_summary fragment=True %}"
    form = _Form(data={"name": ""})
    plain = RequestFactory().post("/")
    htmx = RequestFactory().post("/", headers={"HX-Request": "true"})
    with translation.override("hu"):
        whole_page = Template(source).render(Context({"form": form, "request": plain}))
        swapped = Template(source).render(Context({"form": form, "request": htmx}))
    assert "error-summary" not in whole_page  # base.html's summary covers the whole page
    assert 'role="alert"' in _summary(swapped)


def test_refused_appointment_in_the_calendar_panel_has_its_summary(personas: Personas) -> None:
    client = personas.client_for(personas.receptionist)
    response = client.post(
        reverse("scheduling:appointment_create"),
        {"day": "2026-12-07"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert "<html" not in html  # the fragment
    summary = _summary(html)
    assert 'href="#id_start_time"' in summary or "data-error-link" in summary
