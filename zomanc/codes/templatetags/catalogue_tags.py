"""Display helpers of the treatment catalogue."""

from decimal import Decimal

from django import template

from zomanc.clinical.teeth import ToothStatus

register = template.Library()


@register.filter
def forint(value: Decimal | int | None) -> str:
    """25000 → "25 000 Ft" (Hungarian thousands separator: a non-breaking space)."""
    if value is None or value == "":
        return ""
    return f"{int(value):,}".replace(",", "\xa0") + "\xa0Ft"


@register.filter
def tooth_status_label(value: str) -> str:
    if not value:
        return "—"
    try:
        return str(ToothStatus(value).label)
    except ValueError:
        return value
