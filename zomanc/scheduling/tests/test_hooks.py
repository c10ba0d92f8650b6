"""The calendar's extra-lines hook (scheduling.hooks.APPOINTMENT_LINES): a registered reader's
lines show in the week's block and in the appointment panel, asked once per window."""

import re
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from zomanc.scheduling import hooks
from zomanc.scheduling.hooks import (
    AppointmentLine,
    Appointments,
    AppointmentWindow,
    appointment_lines,
)
from zomanc.scheduling.models import Appointment
from zomanc.scheduling.tests.conftest import DAY, Cal, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, Appointments]]:
    calls: list[tuple[int, Appointments]] = []

    def lines(practice_id: int, appointments: Appointments) -> dict[int, list[AppointmentLine]]:
        calls.append((practice_id, appointments))
        if isinstance(appointments, AppointmentWindow):
            ids = list(
                Appointment.objects.filter(
                    practice_id=practice_id,
                    starts_at__lt=appointments.end,
                    ends_at__gt=appointments.start,
                ).values_list("pk", flat=True)
            )
        else:
            ids = appointments
        return {
            pk: [
                AppointmentLine(f"sor <{pk}>", url=f"/x/{pk}/", done=pk % 2 == 0, group="Első"),
                AppointmentLine(f"válasz <{pk}>", group="Második"),
            ]
            for pk in ids
        }

    monkeypatch.setattr(hooks, "APPOINTMENT_LINES", [lines])
    return calls


def test_no_appointments_no_question(reader: list[Any]) -> None:
    assert appointment_lines(1, []) == {} and reader == []


def test_week_and_panel_show_the_lines(cal: Cal, reader: list[Any]) -> None:
    first = cal.book(at(9))
    second = cal.book(at(10), patient=cal.bela)
    client = cal.p.client_for(cal.p.receptionist)
    html = client.get(reverse("scheduling:week"), {"date": DAY.isoformat()}).content.decode()
    assert f"sor &lt;{first.pk}&gt;" in html and f"sor &lt;{second.pk}&gt;" in html
    # once a week, asked for the week (a fixed-shape read the readers can prebuild)
    monday = timezone.make_aware(datetime.combine(DAY, time()))
    window = AppointmentWindow(monday, monday + timedelta(days=7))
    assert reader == [(cal.p.practice_a.pk, window)]
    panel = client.get(reverse("scheduling:appointment_edit", args=[first.pk])).content.decode()
    assert f'href="/x/{first.pk}/"' in panel
    # Each reader's lines under its own heading, in the readers' order.
    assert re.search(
        r"<h3>Első</h3><ul><li[^>]*><a[^>]*>sor &lt;\d+&gt;</a>.*</ul>"
        r"<h3>Második</h3><ul><li>válasz",
        panel,
    )
