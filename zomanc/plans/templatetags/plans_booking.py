"""The plan page's booking column: an item's booking from the view's `bookings` dict."""

from typing import Any

from django import template

register = template.Library()


@register.filter
def booking_for(bookings: dict[int, Any] | None, item_id: int) -> Any:
    """`{% with b=bookings|booking_for:q.item.pk %}`: the item's ItemBooking, or None."""
    return (bookings or {}).get(item_id)
