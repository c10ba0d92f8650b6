from decimal import Decimal

from django import template

register = template.Library()


def money_format(amount: Decimal | int | None, currency: str, language: str = "hu") -> str:
    """HUF in whole forints ("25 000 Ft"), EUR in cents ("1 234,56 €"; English "€1,234.56",
    German "1.234,56 €"). Non-breaking spaces keep a figure on one line."""
    if amount is None:
        return ""
    value = Decimal(amount)
    if currency == "HUF":
        return f"{int(value):,}".replace(",", "\xa0") + "\xa0Ft"
    text = f"{value:,.2f}"
    if language == "en":
        return "€" + text
    separator = "." if language == "de" else "\xa0"
    whole, cents = text.split(".")
    return whole.replace(",", separator) + "," + cents + "\xa0€"


@register.simple_tag
def money(amount: Decimal | int | None, currency: str, language: str = "hu") -> str:
    return money_format(amount, currency, language)
