from decimal import Decimal
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

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


# A plan's (and so its quote's) status as a design-system state (docs/design.md): waiting for
# someone is pending — the patient's decision on a presented quote, the work owed on an
# accepted plan being carried out —; done is ok; a refusal is refused; a quote that ran out
# is late (needs a new version); a draft and an old version are for information only.
PLAN_STATUS_STATES = {
    "draft": "info",
    "presented": "pending",
    "accepted": "ok",
    "in_progress": "pending",
    "completed": "ok",
    "rejected": "refused",
    "expired": "late",
    "superseded": "info",
}


@register.filter
def plan_state(status: str) -> str:
    """The badge state of a plan status: `{% include "core/_badge.html" with
    state=plan.status|plan_state label=plan.get_status_display %}`."""
    return PLAN_STATUS_STATES.get(status, "info")


@register.simple_tag(takes_context=True)
def plan_item_rows(context: template.Context, rows: list[Any], bookable: bool) -> SafeString:
    """The <tr> of each of `rows` (QuoteItem), as plans/_items.html's loop printed them, from
    the view's `item_rows` (zomanc/plans/item_rows.py: built in Python, fields escaped)."""
    return mark_safe(context["item_rows"].render(rows, bookable=bookable))
