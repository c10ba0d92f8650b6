"""eKAT reads."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from sandbox.ekat.models import Event, EventStatus
from sandbox.registry.models import Patient


def events_of_patient(
    *, patient: Patient, start: dt.datetime | None, end: dt.datetime | None
) -> QuerySet[Event]:
    qs = (
        Event.objects.filter(patient=patient)
        .exclude(status=EventStatus.DELETED)
        .select_related("institution", "org_unit", "responsible")
        .order_by("event_time", "event_id")
    )
    if start is not None:
        qs = qs.filter(event_time__gte=start)
    if end is not None:
        qs = qs.filter(event_time__lte=end)
    return qs
