"""The breakglass form: the reason (EESZT's codes) and its justification."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zomanc.eeszt.client.access import EGYEB_MIN_JUSTIFICATION, BreakglassReason

REASON_CHOICES = [
    (BreakglassReason.ELETVESZELY.value, _("Életveszély")),
    (BreakglassReason.ESZMELETLEN.value, _("Eszméletlen beteg")),
    (BreakglassReason.SURGOS_ELLATAS.value, _("Sürgős ellátás")),
    (BreakglassReason.EGYEB.value, _("Egyéb (indoklással)")),
]


class BreakglassForm(forms.Form):
    reason_code = forms.ChoiceField(
        label=_("Indok"),
        choices=REASON_CHOICES,
        error_messages={
            "required": _("Válasszon indokot."),
            "invalid_choice": _("Ismeretlen indok."),
        },
    )
    justification = forms.CharField(
        label=_("Indoklás"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        error_messages={"required": _("Az indoklás kötelező.")},
        help_text=_("Az „Egyéb” indoknál legalább 20 karakter."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        text = data.get("justification") or ""
        if (
            data.get("reason_code") == BreakglassReason.EGYEB
            and text
            and len(text) < EGYEB_MIN_JUSTIFICATION
        ):
            self.add_error(
                "justification",
                _("Az „Egyéb” indokhoz legalább %(n)d karakteres indoklás szükséges.")
                % {"n": EGYEB_MIN_JUSTIFICATION},
            )
        return data
