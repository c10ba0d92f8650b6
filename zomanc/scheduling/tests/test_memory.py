"""The calendar week frees what it built with the request (docs/decisions.md, "Web memory"):
no cell, row or appointment is left for the cyclic garbage collector, and the opened visits
come without the per-appointment querysets of `prefetch_related` (as the newest visit's id,
a subquery of the appointments' query)."""

import gc
from collections.abc import Iterator
from datetime import timedelta
from typing import cast

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.client import ClientHandler
from django.urls import reverse

from zomanc.scheduling.grid import Cell, Row
from zomanc.scheduling.models import Appointment
from zomanc.scheduling.selectors import CalendarAppointment, calendar_appointments
from zomanc.scheduling.tests.conftest import DAY, Cal, at

pytestmark = pytest.mark.django_db


def _fill(cal: Cal) -> None:
    """Two chairs, Monday–Friday, half-hourly 08:00–12:00."""
    rows = []
    for day in range(5):
        for slot in range(8):
            start = at(8, day=DAY + timedelta(days=day)) + timedelta(minutes=30 * slot)
            for chair in (cal.chair1, cal.chair2):
                rows.append(
                    Appointment(
                        practice=cal.p.practice_a,
                        patient=cal.anna if slot % 2 else cal.bela,
                        doctor=cal.p.doctor,
                        chair=chair,
                        company=cal.p.company_a,
                        org_unit=cal.p.org_unit_a,
                        starts_at=start,
                        ends_at=start + timedelta(minutes=30),
                    )
                )
    Appointment.objects.bulk_create(rows)


@pytest.fixture
def no_automatic_gc() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


def test_week_page_leaves_no_cyclic_garbage(cal: Cal, no_automatic_gc: None) -> None:
    """Served as gunicorn serves it (the WSGI handler, without the test client's copies of
    the template contexts): after the response, a collection finds none of the grid's
    cells, rows and appointments — reference counting has freed them (the emptied grid is
    left with the template context)."""
    _fill(cal)
    client = cal.p.client_for(cal.p.doctor)
    url = reverse("scheduling:week")
    client.get(url, {"date": DAY.isoformat()})  # the session's first request may write it
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    environ = RequestFactory().get(url, {"date": DAY.isoformat()}, HTTP_COOKIE=cookie).environ
    response = cast(HttpResponse, ClientHandler()(environ))
    assert response.status_code == 200
    assert response.content.count(b'class="appt ') == 80
    del response

    gc.set_debug(gc.DEBUG_SAVEALL)  # keep what a collection finds, to look at it
    gc.collect()
    left = [o for o in gc.garbage if isinstance(o, Appointment | CalendarAppointment | Cell | Row)]
    assert left == []


def test_opened_visit_is_the_newest_and_only_its_ids_are_read(cal: Cal) -> None:
    from zomanc.clinical.services import diagnosis_add, visit_close, visit_open

    booked, other = cal.book(at(9), 30), cal.book(at(10), 30, chair=cal.chair2)
    user = cal.p.doctor.user
    visits = []
    for _ in range(2):
        visit = visit_open(
            patient=cal.anna, doctor=cal.p.doctor, company=cal.p.company_a,
            org_unit=cal.p.org_unit_a, started_at=at(9), appointment=booked, opened_by=user,
        )  # fmt: skip
        visits.append(visit)
        if len(visits) == 1:
            diagnosis_add(visit=visit, code="K0210", added_by=user)
            visit_close(visit=visit, closed_by=user)

    by_pk = {
        a.pk: a
        for a in calendar_appointments(
            practice=cal.p.practice_a, start=at(0), end=at(0, day=DAY + timedelta(days=1))
        )
    }
    # Plain values (no model instance, no queryset with a back reference): only the id.
    assert all(type(a) is CalendarAppointment for a in by_pk.values())
    assert by_pk[booked.pk].opened_visit_id == visits[-1].pk
    assert by_pk[other.pk].opened_visit_id is None
