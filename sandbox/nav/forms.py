"""Forms of the NAV portal pages (Hungarian only, like the rest of the sandbox portal)."""

from __future__ import annotations

from typing import Any

from django import forms

from sandbox.nav import crypto


class TaxpayerForm(forms.Form):
    tax_number = forms.RegexField(
        label="Adószám",
        regex=r"^\d{8}(-\d-\d{2})?$",
        help_text="11111111-2-41 vagy csak a 8 jegyű törzsszám.",
        error_messages={"invalid": "Az adószám formája 12345678-1-42 vagy 12345678."},
    )
    name = forms.CharField(label="Név", max_length=200)
    short_name = forms.CharField(label="Rövid név", max_length=100, required=False)
    postal_code = forms.CharField(label="Irányítószám", max_length=10, initial="1000")
    city = forms.CharField(label="Település", max_length=100, initial="Budapest")
    street_name = forms.CharField(label="Közterület neve", max_length=100, initial="Fő")
    public_place_category = forms.CharField(
        label="Közterület jellege", max_length=30, initial="utca"
    )
    number = forms.CharField(label="Házszám", max_length=20, initial="1")

    def clean_tax_number(self) -> str:
        value = str(self.cleaned_data["tax_number"])
        if not crypto.check_digit_valid(value[:8]):
            raise forms.ValidationError(
                "Érvénytelen adószám: a törzsszám ellenőrző számjegye hibás "
                "(súlyok 9, 7, 3, 1, 9, 7, 3)."
            )
        return value


class NavFaultForm(forms.Form):
    """Shares in percent, stored as 0..1 on the ``nav`` fault rule."""

    latency_ms = forms.IntegerField(
        label="Késleltetés (ms)", min_value=0, max_value=60_000, initial=0
    )
    share_http_503 = forms.FloatField(
        label="Nem elérhető: HTTP 503 aránya (%)", min_value=0, max_value=100, initial=0
    )
    share_unavailable_fault = forms.FloatField(
        label="OPERATION_FAILED (HTTP 500) aránya (%)", min_value=0, max_value=100, initial=0
    )
    share_drop = forms.FloatField(
        label="Bontott kapcsolatok aránya (%)", min_value=0, max_value=100, initial=0
    )
    share_hang = forms.FloatField(
        label="Feldolgozva, de válasz nélkül (időtúllépés) aránya (%)",
        min_value=0,
        max_value=100,
        initial=0,
    )
    hang_seconds = forms.IntegerField(
        label="Válasz nélküli várakozás (mp)", min_value=1, max_value=120, initial=30
    )
    maintenance_minutes = forms.IntegerField(
        label="Karbantartás (MAINTENANCE_MODE) mostantól ennyi percig",
        min_value=0,
        max_value=24 * 60,
        initial=0,
        required=False,
    )

    def rule_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "latency_ms": data["latency_ms"],
            "share_http_503": data["share_http_503"] / 100,
            "share_unavailable_fault": data["share_unavailable_fault"] / 100,
            "share_drop": data["share_drop"] / 100,
            "share_hang": data["share_hang"] / 100,
            "hang_seconds": data["hang_seconds"],
        }
