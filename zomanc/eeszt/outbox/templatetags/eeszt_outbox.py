"""The EESZT state of a visit, from its outbox rows (prefetched by the clinical selectors,
so the activity list gains no query per visit)."""

from dataclasses import dataclass

from django import template
from django.utils.translation import gettext_lazy as _

from zomanc.clinical.models import Visit
from zomanc.eeszt.outbox.models import OutboxItem, OutboxState

register = template.Library()


@dataclass(frozen=True)
class VisitEesztState:
    key: str
    label: str
    items: list[OutboxItem]


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
    for state, label in _ORDER:
        if state in states:
            return VisitEesztState(key=state.value, label=str(label), items=items)
    return VisitEesztState(key=OutboxState.SENT.value, label=str(_("EESZT: elküldve")), items=items)
