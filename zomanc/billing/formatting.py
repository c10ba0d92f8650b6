"""Forint amounts as the product prints them (the plan pages' money_format): "38 000 Ft",
thousands grouped by no-break spaces so a figure stays on one line."""

from decimal import Decimal

from zomanc.plans.templatetags.plans_tags import money_format


def huf_format(amount: Decimal | int | str | None) -> str:
    """38000 → "38 000 Ft"; -5 → "-5 Ft"; None (or a report's missing "") → ""."""
    if amount is None or amount == "":
        return ""
    return money_format(Decimal(amount), "HUF")


def thousands_format(amount: Decimal | int | str | None) -> str:
    """38000 → "38 000": the figure alone, for a sentence that says "Ft" itself."""
    if amount is None or amount == "":
        return ""
    return f"{int(Decimal(amount)):,}".replace(",", "\xa0")
