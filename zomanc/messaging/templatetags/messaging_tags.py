"""`{% load messaging_tags %}{% patient_messages patient %}`: the "Üzenetek" card of the
patient page (its message log), rendered from messaging/_patient_messages_slot.html; one
query."""

from typing import Any

from django import template

from zomanc.messaging.selectors import patient_messages as messages_of

register = template.Library()


@register.inclusion_tag("messaging/_patient_messages.html", takes_context=True)
def patient_messages(context: template.Context, patient: Any) -> dict[str, Any]:
    return {
        "patient": patient,
        "patient_messages": messages_of(practice_id=patient.practice_id, patient_id=patient.pk),
    }
