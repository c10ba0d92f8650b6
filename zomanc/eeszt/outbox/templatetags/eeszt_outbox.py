"""The EESZT state of a visit, from its outbox rows (prefetched by the clinical selectors,
so the activity list gains no query per visit)."""

from dataclasses import dataclass

from django import template
from django.utils.translation import gettext_lazy as _

from zomanc.clinical.models import Visit
from zomanc.eeszt.outbox.models import OutboxItem, OutboxState
from zomanc.eeszt.refusals import REFUSALS, RefusalText, refusal_text

register = template.Library()


@dataclass(frozen=True)
class VisitEesztState:
    key: str
    label: str
    items: list[OutboxItem]
    # What holds the visit, in plain Hungarian (the most urgent row's problem), or None.
    problem: RefusalText | None = None
    # EESZT accepted one of the visit's rows after the legal deadline (its answer said so).
    late: bool = False


@register.filter
def outbox_problem(item: OutboxItem) -> RefusalText | None:
    """A row's last problem as shown: EESZT's refusals through the one table
    (eeszt/refusals.py); our own waits (no certificate, waiting for a login) keep the
    sentence we stored. The code comes last, small."""
    if not item.last_error_code:
        return None
    code = item.last_error_code
    if item.state == OutboxState.REFUSED or code in REFUSALS or code.startswith("HTTP_"):
        return refusal_text(code, item.last_error_message)
    return RefusalText(item.last_error_message, "", code)


# The visit shows its most urgent row: a refusal needs a person, a missing login needs the
# doctor, anything else is on its way.
_ORDER = [
    (OutboxState.REFUSED, _("EESZT: elutasítva")),
    (OutboxState.WAITING_LOGIN, _("EESZT: bejelentkezésre vár")),
    (OutboxState.RETRYING, _("EESZT: újrapróbálás")),
    (OutboxState.SENDING, _("EESZT: küldés alatt")),
    (OutboxState.PENDING, _("EESZT: küldésre vár")),
]


@register.simple_tag
def visit_eeszt_state(visit: Visit) -> VisitEesztState | None:
    items = list(visit.eeszt_items.all())
    if not items:
        return None
    states = {item.state for item in items}
    late = any((item.result or {}).get("late") for item in items)
    for state, label in _ORDER:
        if state in states:
            first = next(item for item in items if item.state == state)
            return VisitEesztState(
                key=state.value,
                label=str(label),
                items=items,
                problem=outbox_problem(first),
                late=late,
            )
    return VisitEesztState(
        key=OutboxState.SENT.value, label=str(_("EESZT: elküldve")), items=items, late=late
    )
