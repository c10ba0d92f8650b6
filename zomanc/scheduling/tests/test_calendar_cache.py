"""The calendar's grid kept between reloads (cells.calendar_grid): a page served from the
cache equals the page computed afresh after every kind of change — a test per input of its
key — and its forms carry the request's own CSRF token.

Each page test loads the week (filling the cache), makes one change, loads it again and
compares that with the week computed with the cache emptied: were the input missing from
the key, the second load would be the first page again."""

import dataclasses
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse, set_script_prefix
from django.utils import translation

from zomanc.codes.models import TreatmentItem
from zomanc.patients.models import Patient
from zomanc.practices.models import StaffMember
from zomanc.scheduling import cells
from zomanc.scheduling.hooks import AppointmentLine
from zomanc.scheduling.models import Appointment, Chair
from zomanc.scheduling.selectors import CalendarAppointment, appointment_visit
from zomanc.scheduling.services import (
    appointment_cancel,
    appointment_mark_arrived,
    appointment_move,
)
from zomanc.scheduling.tests.conftest import DAY, Cal, at

pytestmark = pytest.mark.django_db

_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    cells._kept.clear()
    yield
    cells._kept.clear()


@pytest.fixture
def hungarian() -> Iterator[None]:
    with translation.override("hu"):  # the baseline's language, whatever ran before
        yield


def _week(client: Client, **params: Any) -> str:
    """The calendar's grid and cancelled list, the per-request CSRF tokens blanked."""
    html = client.get(reverse("scheduling:week"), {"date": DAY.isoformat(), **params})
    assert html.status_code == 200
    text = html.content.decode()
    part = text[text.index('<div class="cal-layout">') : text.index("</main>")]
    return _TOKEN.sub('name="csrfmiddlewaretoken" value=""', part)


def _held(client: Client, change: Callable[[], Any], shows: str, **params: Any) -> None:
    before = _week(client, **params)
    change()
    kept = _week(client, **params)
    cells._kept.clear()
    fresh = _week(client, **params)
    assert shows in fresh  # the change is on the page computed afresh …
    assert kept == fresh  # … and on the page served after it
    assert kept != before


def _lines(cal: Cal, monkeypatch: pytest.MonkeyPatch) -> list[AppointmentLine]:
    """A lines reader whose answer the test changes."""
    answer = [AppointmentLine("11 tömés")]
    booked = Appointment.objects.get(practice=cal.p.practice_a)
    monkeypatch.setattr(
        "zomanc.scheduling.hooks.APPOINTMENT_LINES",
        [lambda practice_id, window: {booked.pk: list(answer)}],
    )
    return answer


CHANGES: dict[str, tuple[Callable[[Cal, Appointment, pytest.MonkeyPatch], Any], str]] = {
    "patient renamed": (
        lambda cal, a, mp: Patient.objects.filter(pk=a.patient_id).update(family_name="Kiss"),
        "Kiss Anna",
    ),
    "another patient": (
        lambda cal, a, mp: Appointment.objects.filter(pk=a.pk).update(patient=cal.bela),
        "Nagy Béla",
    ),
    "note": (
        lambda cal, a, mp: Appointment.objects.filter(pk=a.pk).update(note="Hívja vissza"),
        "Hívja vissza",
    ),
    "arrived": (
        lambda cal, a, mp: appointment_mark_arrived(appointment=a, actor=cal.p.receptionist),
        "megérkezett",
    ),
    "moved": (
        lambda cal, a, mp: appointment_move(
            appointment=a, actor=cal.p.receptionist, starts_at=at(10), ends_at=at(10, 45)
        ),
        "10:00–10:45",
    ),
    "moved to the other chair": (
        lambda cal, a, mp: appointment_move(
            appointment=a,
            actor=cal.p.receptionist,
            starts_at=at(9),
            ends_at=at(9, 30),
            chair=cal.chair2,
        ),
        '<td rowspan="2" class="cal-block">',  # not the day's first column: no day-start
    ),
    "cancelled": (
        lambda cal, a, mp: appointment_cancel(
            appointment=a, actor=cal.p.receptionist, reason="Beteg lett"
        ),
        "Beteg lett",
    ),
    "treatment planned": (
        lambda cal, a, mp: Appointment.objects.filter(pk=a.pk).update(
            treatment=TreatmentItem.objects.create(
                practice=cal.p.practice_a, shortcut="t", name="Tömés", price=1000
            )
        ),
        '<span class="appt-treatment">Tömés</span>',
    ),
    "chair renamed": (
        lambda cal, a, mp: Chair.objects.filter(pk=cal.chair1.pk).update(name="Ablak melletti"),
        "Ablak melletti",
    ),
    "chair added": (
        lambda cal, a, mp: Chair.objects.create(practice=cal.p.practice_a, name="3. szék"),
        "3. szék</th>",
    ),
    "doctor renamed": (
        lambda cal, a, mp: StaffMember.objects.filter(pk=a.doctor_id).update(
            display_name="Dr. Új Név"
        ),
        '<span class="appt-who">Dr. Új Név',
    ),
    "booked at the weekend": (
        lambda cal, a, mp: cal.book(at(9, day=DAY + timedelta(days=5)), 30),
        "szombat",
    ),
    "line added": (
        lambda cal, a, mp: _lines(cal, mp).append(AppointmentLine("12 húzás")),
        "12 húzás",
    ),
    "line done": (
        lambda cal, a, mp: _lines(cal, mp).__setitem__(0, AppointmentLine("11 tömés", done=True)),
        '<span class="appt-line done">11 tömés</span>',
    ),
}


@pytest.mark.parametrize("name", CHANGES)
def test_the_kept_week_follows_every_change(
    cal: Cal, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    booked = cal.book(at(9), 30)
    if name == "line done":
        _lines(cal, monkeypatch)
    change, shows = CHANGES[name]
    client = cal.p.client_for(cal.p.receptionist)
    _held(client, lambda: change(cal, booked, monkeypatch), shows)


def test_the_kept_week_follows_an_opened_visit(cal: Cal) -> None:
    from zomanc.clinical.services import visit_open

    booked = cal.book(at(9), 30)

    def open_visit() -> None:
        visit_open(
            patient=cal.anna, doctor=cal.p.doctor, company=cal.p.company_a,
            org_unit=cal.p.org_unit_a, started_at=at(9), appointment=booked,
            opened_by=cal.p.doctor.user,
        )  # fmt: skip

    _held(cal.p.client_for(cal.p.doctor), open_visit, "Ellátás megnyitva")


def test_the_kept_week_follows_the_time_zone(cal: Cal) -> None:
    cal.book(at(9), 30)
    client = cal.p.client_for(cal.p.receptionist)
    before = _week(client)
    with override_settings(TIME_ZONE="UTC"):
        kept = _week(client)
        cells._kept.clear()
        fresh = _week(client)
    assert "08:00–08:30" in fresh  # 09:00 in Budapest in March
    assert kept == fresh != before


def test_the_kept_week_follows_the_language_and_the_role(cal: Cal) -> None:
    cal.book(at(9), 30)
    doctor, receptionist = cal.p.client_for(cal.p.doctor), cal.p.client_for(cal.p.receptionist)
    hungarian = _week(receptionist)
    assert "Ellátás megnyitása" in _week(doctor)  # the doctor may open the visit …
    assert "Ellátás megnyitása" not in _week(receptionist)  # … the receptionist may not
    receptionist.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = _week(receptionist)
    assert "New appointment" in english and "Új időpont" not in english
    assert english != hungarian


@pytest.mark.parametrize(
    "argument",
    ["days", "mode", "chairs", "doctors", "appointments", "here", "chair_id", "doctor_id",
     "may_open_visits", "language", "time zone", "script prefix", "urlconf"],
)  # fmt: skip
def test_the_key_holds_every_input(cal: Cal, hungarian: None, argument: str) -> None:
    """The inputs the page tests cannot tell apart from the address (the slot), one by one."""
    booked = cal.book(at(9), 30)
    from zomanc.scheduling.selectors import calendar_appointments

    rows = calendar_appointments(practice=cal.p.practice_a, start=at(0), end=at(23))
    inputs: dict[str, Any] = dict(
        days=[DAY], mode="chair", chairs=[cal.chair1], doctors=[cal.p.doctor],
        appointments=rows, here="/naptar/het/", chair_id=None, doctor_id=None,
        may_open_visits=False,
    )  # fmt: skip
    key = cells._grid_key(**inputs)
    changed = {
        "days": [DAY, DAY + timedelta(days=1)],
        "mode": "doctor",
        "chairs": [Chair(pk=cal.chair1.pk, name="Átnevezett")],
        "doctors": [StaffMember(pk=cal.p.doctor.pk, display_name="Dr. Más")],
        "appointments": [],
        "here": "/naptar/het/?date=2026-03-09",
        "chair_id": cal.chair1.pk,
        "doctor_id": booked.doctor_id,
        "may_open_visits": True,
    }
    if argument in changed:
        assert cells._grid_key(**{**inputs, argument: changed[argument]}) != key
    elif argument == "language":
        with translation.override("en"):
            assert cells._grid_key(**inputs) != key
    elif argument == "time zone":
        with override_settings(TIME_ZONE="UTC"):
            assert cells._grid_key(**inputs) != key
    elif argument == "script prefix":
        set_script_prefix("/rendelo/")
        try:
            assert cells._grid_key(**inputs) != key
        finally:
            set_script_prefix("/")
    else:
        with override_settings(ROOT_URLCONF="zomanc.scheduling.tests.urls_fake_clinical"):
            assert cells._grid_key(**inputs) != key
    assert cells._grid_key(**inputs) == key  # nothing else moves it


def test_the_row_key_holds_every_field(cal: Cal) -> None:
    """A field added to the calendar's row is part of the key or this test fails; the
    doctor and the chair count by the name the page prints."""
    booked = cal.book(at(9), 30)
    from zomanc.scheduling.selectors import calendar_appointments

    (row,) = calendar_appointments(practice=cal.p.practice_a, start=at(0), end=at(23))
    other: dict[str, Any] = {
        "pk": booked.pk + 1, "starts_at": at(8), "ends_at": at(10), "status": "arrived",
        "note": "x", "cancel_reason": "y", "patient_id": cal.bela.pk, "patient_name": "Z",
        "doctor_id": row.doctor_id + 1,
        "doctor": StaffMember(pk=row.doctor_id, display_name="Dr. Más"),
        "chair_id": row.chair_id + 1, "chair": Chair(pk=row.chair_id, name="Más"),
        "treatment_name": "Tömés", "opened_visit_id": 7, "lines": (AppointmentLine("a"),),
    }  # fmt: skip
    fields = {f.name for f in dataclasses.fields(CalendarAppointment)}
    assert fields == set(other)  # a new field needs a value here, and a place in the key
    for name, value in other.items():
        assert cells._appointment_key(dataclasses.replace(row, **{name: value})) != (
            cells._appointment_key(row)
        ), name


def test_a_kept_week_carries_this_requests_csrf_token(cal: Cal) -> None:
    """The visit button's form posts with the token of the page it came from, also when the
    page's grid was kept from another request."""
    booked = cal.book(at(9), 30)
    doctor = Client(enforce_csrf_checks=True)
    doctor.force_login(cal.p.doctor.user)
    url = reverse("scheduling:week")
    doctor.get(url, {"date": DAY.isoformat()})  # computes and keeps the grid
    fresh_client = Client(enforce_csrf_checks=True)  # another session: another CSRF secret
    fresh_client.force_login(cal.p.doctor.user)
    html = fresh_client.get(url, {"date": DAY.isoformat()}).content.decode()
    form = html.split('class="appt-open" hx-boost="false">')[1]
    token = form.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    action = reverse("clinical:visit_open_from_appointment", args=[booked.pk])
    refused = fresh_client.post(action, {"appointment": booked.pk})
    assert refused.status_code == 403  # the check is on: without the token, refused
    response = fresh_client.post(action, {"appointment": booked.pk, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert appointment_visit(booked) is not None
