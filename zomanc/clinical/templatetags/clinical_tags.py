"""`{% load clinical_tags %}{% patient_activity patient %}`: the activity list of the
patient page (entry box + visits), rendered from zomanc/patients/templates/patients/
_activity_slot.html."""

from typing import Any

from django import template

from zomanc.clinical.teeth import ToothStatus
from zomanc.clinical.views import activity_context

register = template.Library()


@register.inclusion_tag("clinical/_activity.html", takes_context=True)
def patient_activity(context: template.Context, patient: Any) -> dict[str, Any]:
    return activity_context(context["request"], patient)


@register.filter
def tooth_status_label(value: str) -> str:
    """ "caries" → "szuvas" (unknown keys pass through)."""
    try:
        return str(ToothStatus(value).label)
    except ValueError:
        return value
