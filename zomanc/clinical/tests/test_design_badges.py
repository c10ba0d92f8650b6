"""The visit's status as a badge (issue 19): colour, icon and word, on the visit page and in
the patient's visit list (the cached item: MARKUP_VERSION)."""

from django.urls import reverse

from zomanc.clinical.models import Visit
from zomanc.conftest import Personas

BADGE_ICON = '<span class="state-icon" aria-hidden="true"></span>'


def test_open_visit_is_a_pending_badge(personas: Personas, visit: Visit) -> None:
    client = personas.client_for(personas.doctor)
    badge = f'<span class="badge state-pending">{BADGE_ICON}nyitott</span>'
    assert badge in client.get(reverse("clinical:visit_detail", args=[visit.pk])).content.decode()
    page = client.get(reverse("patients:detail", args=[visit.patient_id])).content.decode()
    assert badge in page
