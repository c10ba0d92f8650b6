"""`{% main_nav %}`: the main menu of base.html (_nav.html) from the `fragments` cache.

Every page renders the menu — ten links, each a `reverse`, each label a translation — and it
depends only on which of the viewer's permissions are granted (the `can` map), the language
and where the URLs point (script prefix, URLconf): the key is a digest of these. It holds no
practice's data, so viewers of different practices with the same permissions share it.
Nothing is invalidated: a changed input is a new key."""

import datetime as dt
import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms, template
from django.core.cache import caches
from django.forms.formsets import BaseFormSet
from django.urls import get_script_prefix, get_urlconf
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

register = template.Library()

NAV_TEMPLATE = "_nav.html"
NAV_CACHE_ALIAS = "fragments"
# Bump when _nav.html changes: entries made by the previous code then miss.
NAV_MARKUP_VERSION = 5


def nav_cache_key(can: Mapping[str, bool]) -> str:
    inputs = repr(
        (
            NAV_MARKUP_VERSION,
            sorted(name for name, allowed in can.items() if allowed),
            translation.get_language(),
            get_script_prefix(),
            get_urlconf(),
        )
    )
    return "core:nav:" + hashlib.blake2b(inputs.encode(), digest_size=20).hexdigest()


@register.simple_tag(takes_context=True)
def main_nav(context: template.Context) -> SafeString:
    """Same markup as `{% include "_nav.html" %}`."""
    key = nav_cache_key(context.get("can") or {})
    cache = caches[NAV_CACHE_ALIAS]
    html: str | None = cache.get(key)
    if html is None:
        nav = context.template.engine.get_template(NAV_TEMPLATE)  # type: ignore[union-attr]
        html = str(nav.render(context))
        cache.set(key, html)
    return mark_safe(html)  # a rendered, autoescaped template


# --- the error summary of refused forms ----------------------------------------------------


@dataclass(frozen=True)
class SummaryError:
    message: str
    label: str = ""
    field_id: str = ""  # the input's id: the summary links to it


def _bound_forms(value: object) -> Iterator[forms.BaseForm]:
    """Forms in a context value: a form, a formset's forms, or forms one level inside a
    list, tuple or dict (the EESZT users table keeps (row, form) pairs)."""
    if isinstance(value, forms.BaseForm):
        yield value
    elif isinstance(value, BaseFormSet):
        yield from value.forms
    elif isinstance(value, list | tuple | dict):
        items = value.values() if isinstance(value, dict) else value
        for item in items:
            if isinstance(item, forms.BaseForm):
                yield item
            elif isinstance(item, list | tuple):
                yield from (f for f in item if isinstance(f, forms.BaseForm))


def refused_form_errors(context: Mapping[Any, Any]) -> list[SummaryError]:
    """Every error of every bound form the page shows, in the forms' field order: non-field
    errors first, then each field's with its label and input id."""
    errors: list[SummaryError] = []
    seen: set[int] = set()
    for value in context.values():
        for form in _bound_forms(value):
            if id(form) in seen or not form.is_bound or not form.errors:
                continue
            seen.add(id(form))
            errors.extend(SummaryError(str(e)) for e in form.non_field_errors())
            for field in form:
                if field.is_hidden:
                    errors.extend(SummaryError(str(e)) for e in field.errors)
                    continue
                for message in field.errors:
                    errors.append(
                        SummaryError(str(message), str(field.label or ""), field.id_for_label)
                    )
    return errors


@register.inclusion_tag("core/_error_summary.html", takes_context=True)
def error_summary(context: template.Context, fragment: bool = False) -> dict[str, Any]:
    """At the top of every page (base.html) and of htmx fragments that hold a form: a refused
    form is announced there, with a link to each field in error — not only beside the field,
    which may be far down a long page. Found in the context, so no view has to remember it.
    `fragment=True` (in a fragment's template) draws it only for an htmx request: rendered in
    a whole page, the fragment's form is already in base.html's summary."""
    request = context.get("request")
    if fragment and (request is None or request.headers.get("HX-Request") != "true"):
        return {"summary_errors": []}
    return {"summary_errors": refused_form_errors(context.flatten())}


# --- dates in the user's language -----------------------------------------------------------

# Hungarian month abbreviations as the Hungarian orthography writes them (AkH. 12. 286), with
# their full stop; Django's "M" gives "Dec" (English-like, capitalised) on a Hungarian page.
HU_MONTHS_SHORT = (
    "jan.", "febr.", "márc.", "ápr.", "máj.", "jún.",
    "júl.", "aug.", "szept.", "okt.", "nov.", "dec.",
)  # fmt: skip


@register.filter
def short_day(value: dt.date | None) -> str:
    """Month and day, short, in the current language: "dec. 7." in Hungarian, "Dec 7" in
    English (the calendar's day columns)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)  # the day where the practice is
    if (translation.get_language() or "hu").startswith("hu"):
        return f"{HU_MONTHS_SHORT[value.month - 1]} {value.day}."
    return date_format(value, "M j")


@register.filter
def plain_label(field: forms.BoundField) -> SafeString:
    """`field.label_tag` built in Python: Django renders each label through two templates
    (label.html, attrs.html), ≈ 0.2 ms a label — a noticeable part of the patient page's
    entry box (issue 18). The same markup as label_tag for a label without attributes; a
    form with a required-field class falls back to label_tag itself."""
    form = field.form
    if getattr(form, "required_css_class", None) or not field.id_for_label:
        return field.label_tag()
    suffix = field.field.label_suffix
    if suffix is None:
        suffix = form.label_suffix
    contents = conditional_escape(field.label)
    # Django's own rule: no suffix after a label that ends in punctuation.
    if suffix and contents and contents[-1] not in gettext(":?.!"):
        contents = format_html("{}{}", contents, suffix)
    return format_html('<label for="{}">{}</label>', field.id_for_label, contents)
