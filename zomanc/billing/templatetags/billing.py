from django import template

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
