"""Field labels start with a capital letter in every form of the product (issue 12 item 9:
"születési dátum" beside "Családi név"). Read from the form classes, so a new form is checked
without being listed here."""

import importlib
from pathlib import Path

from django import forms
from django.conf import settings
from django.utils import translation


def _form_classes() -> list[type[forms.BaseForm]]:
    root = Path(settings.BASE_DIR)
    for path in sorted((root / "zomanc").rglob("*forms*.py")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        importlib.import_module(".".join(path.relative_to(root).with_suffix("").parts))
    found: list[type[forms.BaseForm]] = []
    todo: list[type] = [forms.BaseForm]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("zomanc.") and ".tests" not in cls.__module__:
            found.append(cls)
    return found


def test_every_field_label_starts_with_a_capital() -> None:
    classes = _form_classes()
    assert len(classes) > 20  # the scan found the product's forms
    bad = []
    with translation.override("hu"):
        for cls in classes:
            try:  # fields added in __init__ too (the patient form adds its birth date there)
                fields = cls().fields
            except Exception:  # forms that need arguments: their declared fields
                fields = getattr(cls, "base_fields", {})
            for name, field in fields.items():
                label = str(field.label or "")
                if label and label[0].isalpha() and not label[0].isupper():
                    bad.append(f"{cls.__module__}.{cls.__name__}.{name}: {label!r}")
    assert bad == []
