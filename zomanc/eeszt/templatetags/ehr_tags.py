"""Template filter for the chart: why EESZT actions are off for a patient."""

from django import template

from zomanc.eeszt.ehr.services import patient_eeszt_blocker
from zomanc.patients.models import Patient

register = template.Library()


@register.filter
def eeszt_blocker(patient: Patient) -> str:
    """Why EESZT actions are off for the patient ("" when on); no query."""
    return patient_eeszt_blocker(patient)
