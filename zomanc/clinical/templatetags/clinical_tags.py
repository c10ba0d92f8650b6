"""`{% load clinical_tags %}{% patient_activity patient %}`: the activity list of the
patient page (entry box + visits), rendered from zomanc/patients/templates/patients/
_activity_slot.html; `{% visit_items visits %}`: the visit list's items (fragment cache,
zomanc/clinical/fragments.py)."""

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from zomanc.clinical.fragments import visit_items_render
from zomanc.clinical.models import Visit
from zomanc.clinical.teeth import ToothStatus
from zomanc.clinical.views import activity_context

register = template.Library()


@register.inclusion_tag("clinical/_activity.html", takes_context=True)
def patient_activity(context: template.Context, patient: Any) -> dict[str, Any]:
    return activity_context(context["request"], patient)


@register.simple_tag(takes_context=True)
def visit_items(context: template.Context, visits: list[Visit]) -> SafeString:
    """Same markup as `{% for visit in visits %}{% include "clinical/_visit_item.html" %}`."""
    return mark_safe(visit_items_render(context, visits))  # rendered, autoescaped templates


@register.filter
def tooth_status_label(value: str) -> str:
    """ "caries" → "szuvas" (unknown keys pass through)."""
    try:
        return str(ToothStatus(value).label)
    except ValueError:
        return value
