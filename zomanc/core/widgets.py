"""Form widgets rendered in Python instead of through the template engine.

Django renders a <select> as one template, plus an include of the option template and of the
attributes template per option: on the patient page the entry box's three selects were ≈ 10 %
of the page's rendering (docs/benchmarks.md, "Patient page p95"). PlainSelect gives the same
HTML, byte for byte, from the same widget context (zomanc/core/tests/test_widgets.py holds it
to Django's own templates)."""

from collections.abc import Mapping
from typing import Any

from django import forms
from django.forms.renderers import BaseRenderer
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe


def _attrs(attrs: Mapping[str, Any]) -> str:
    """django/forms/widgets/attrs.html: ` name="value"`, a bare ` name` for True, nothing for
    False."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        else:
            # `stringformat:'s'` makes a plain string: escaped even when the value was safe.
            parts.append(f' {conditional_escape(name)}="{escape(value)}"')
    return "".join(parts)


class PlainSelect(forms.Select):
    """forms.Select with the markup of django/forms/widgets/select.html and select_option.html
    built in Python (a project overriding those templates must not use it)."""

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: BaseRenderer | None = None,
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{conditional_escape(widget["name"])}"', _attrs(widget["attrs"])]
        parts.append(">")
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            for option in options:
                parts.append(
                    f'\n  <option value="{escape(option["value"])}"'
                    f"{_attrs(option['attrs'])}>{conditional_escape(option['label'])}</option>\n"
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # every value above is escaped
