"""Booking in Chromium against a live server: the receptionist opens an accepted plan, ticks
two items, books them on the pre-filled form, and finds the appointment with its planned
items in the calendar week (CSP strict: no inline script is needed)."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from zomanc.codes.models import TreatmentItem
from zomanc.conftest import Personas
from zomanc.plans.models import PlanItem, PlanPhase, TreatmentPlan
from zomanc.plans.tests.test_booking import Booked, accepted_plan
from zomanc.scheduling.models import Appointment

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def booked(
    personas: Personas, plan: TreatmentPlan, phase: PlanPhase, catalogue: dict[str, TreatmentItem]
) -> Booked:
    return accepted_plan(personas, plan, phase, catalogue)


@pytest.fixture
def page(personas: Personas, live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from zomanc.testing.browser import member_page

    with member_page(live_server.url, personas.client_for(personas.receptionist)) as page:
        yield page


def test_receptionist_books_two_items_and_sees_them_in_the_week(
    booked: Booked, live_server: Any, page: Any
) -> None:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(live_server.url + reverse("plans:detail", args=[booked.plan.pk]))
    page.get_by_label(f"Kijelölés foglaláshoz: {booked.scaling.name}").check()
    page.get_by_label(f"Kijelölés foglaláshoz: {booked.filling.name}").check()
    page.get_by_role("button", name="Időpont foglalása").click()

    page.wait_for_url("**" + reverse("plans:book", args=[booked.plan.pk]) + "?**")
    assert "105 perc" in page.content()  # 2 × 30 + 45 minutes from the catalogue
    day = timezone.localdate() + dt.timedelta(days=7)
    page.fill("input[name=day]", day.isoformat())
    page.fill("input[name=start_time]", "10:00")
    page.select_option("select[name=chair]", str(booked.chair.pk))
    page.get_by_role("button", name="Időpont foglalása").click()

    page.wait_for_url("**" + reverse("scheduling:week") + "?**")
    appointment = Appointment.objects.get()
    assert timezone.localtime(appointment.starts_at).strftime("%H:%M") == "10:00"
    assert appointment.duration_minutes == 105
    assert set(PlanItem.objects.filter(appointment=appointment).values_list("pk", flat=True)) == {
        booked.scaling.pk,
        booked.filling.pk,
    }
    block = page.locator(".appt", has_text=str(booked.plan.patient))
    assert block.locator(".appt-line").all_inner_texts() == [
        "Fogkő-eltávolítás ×2",
        "36 MO Kompozit tömés",
    ]
    assert block.locator(".appt-time").inner_text() == "10:00–11:45"
    assert not [e for e in errors if "Content Security Policy" in e], errors
