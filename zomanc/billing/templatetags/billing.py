from decimal import Decimal

from django import template

from zomanc.billing.formatting import huf_format, thousands_format
from zomanc.billing.models import Invoice, InvoiceKind
from zomanc.clinical.models import Visit

register = template.Library()


@register.simple_tag
def visit_invoice_slot(visit: Visit) -> Invoice | None:
    """The visit's invoice in force (the visit's own practice: the page already scoped it)."""
    return (
        Invoice.objects.filter(practice_id=visit.practice_id, visit=visit, kind=InvoiceKind.NORMAL)
        .exclude(corrections__kind=InvoiceKind.STORNO)
        .select_related("nav_submission")
        .first()
    )


@register.filter
def get(mapping: dict[str, object], key: str) -> object:
    """mapping[key] in a template (report totals keyed by bucket or method)."""
    return mapping.get(key, "")


@register.filter
def huf(amount: Decimal | int | str | None) -> str:
    """A forint amount as the plan pages print it: "38 000 Ft"."""
    return huf_format(amount)


@register.filter
def thousands(amount: Decimal | int | str | None) -> str:
    """The figure of a forint amount grouped by thousands ("38 000")."""
    return thousands_format(amount)


# A NAV submission's state as a design-system state (docs/design.md): accepted is ok; on its
# way or being processed by NAV is pending; a retry after a failure or missing settings needs
# attention (late); NAV's refusal is refused.
NAV_STATE_STATES = {
    "done": "ok",
    "pending": "pending",
    "sending": "pending",
    "processing": "pending",
    "retrying": "late",
    "waiting_settings": "late",
    "aborted": "refused",
}


@register.filter
def nav_state(state: str) -> str:
    """A NavSubmission.state as a badge state (ok | pending | late | refused)."""
    return NAV_STATE_STATES.get(state, "info")
