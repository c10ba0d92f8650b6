"""The recall walk in Chromium against a live server (issue 17, Done means): a scaling is
recorded in a visit and the visit closed (through the clinical services); the receptionist
opens "Esedékes visszahívások" for the month six months ahead, sees the patient due, books
him from the list on the calendar's form (back on the list, the recall is booked and leaves
the work list); the next patient, overdue, is marked "declined"."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from zomanc.conftest import Personas
from zomanc.patients.tests.factories import make_patient
from zomanc.recall.due import add_months
from zomanc.recall.models import RecallContact
from zomanc.recall.tests.conftest import Catalogue, procedure_done
from zomanc.scheduling.models import Appointment, Chair

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(personas: Personas, live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from zomanc.testing.browser import member_page

    with member_page(live_server.url, personas.client_for(personas.receptionist)) as page:
        yield page


def test_scaling_brings_the_patient_back_in_six_months(
    personas: Personas, items: Catalogue, live_server: Any, page: Any
) -> None:
    from playwright.sync_api import expect

    from zomanc.testing.browser import axe_check

    today = timezone.localdate()
    chair = Chair.objects.create(practice=personas.practice_a, name="1. szék", position=1)
    scaled = make_patient(personas.receptionist, family_name="Fogköves", given_name="Ferenc")
    procedure_done(personas, scaled, items.scaling, today)
    overdue = make_patient(personas.receptionist, family_name="Régi", given_name="Rita")
    procedure_done(personas, overdue, items.scaling, add_months(today, -7))
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    # The menu's Kezelések group leads to the list.
    page.goto(live_server.url + "/")
    page.locator("details.navgroup > summary").click()
    page.get_by_role("link", name="Esedékes visszahívások").click()
    page.wait_for_url("**" + reverse("recall:list"))
    expect(page.get_by_role("heading", name="Esedékes visszahívások")).to_be_visible()
    expect(page.locator("tr", has_text="Régi Rita")).to_be_visible()
    expect(page.locator("tr", has_text="Fogköves Ferenc")).to_have_count(0)  # not yet due
    axe_check(page, label="recall list")

    # Six months ahead: the scaled patient is due then.
    due = add_months(today, 6)
    page.select_option("select[name=month]", due.strftime("%Y-%m"))
    page.get_by_role("button", name="Szűrés").click()
    row = page.locator("tr", has_text="Fogköves Ferenc")
    expect(row).to_be_visible()
    expect(row).to_contain_text(due.strftime("%Y.%m.%d."))
    expect(row).to_contain_text("Fogkő-eltávolítás")
    expect(row).to_contain_text("még nem kerestük")
    expect(row).to_contain_text(personas.doctor.display_name)
    list_url = page.url

    # Book from the list: the calendar's form opens with the patient, back to the list.
    row.get_by_role("link", name="Időpont foglalása").click()
    page.wait_for_url("**" + reverse("scheduling:appointment_create") + "?**")
    expect(page.locator("main")).to_contain_text("Fogköves Ferenc")
    page.fill("input[name=day]", due.isoformat())
    page.fill("input[name=start_time]", "10:00")
    page.select_option("select[name=chair]", str(chair.pk))
    page.get_by_role("button", name="Foglalás").click()
    page.wait_for_url(list_url)
    appointment = Appointment.objects.get(patient=scaled)
    assert appointment.treatment_id == items.scaling.pk
    assert appointment.doctor_id == personas.doctor.pk
    # Booked: off the work list; shown as booked under that state.
    expect(page.locator("tr", has_text="Fogköves Ferenc")).to_have_count(0)
    page.select_option("select[name=state]", "booked")
    page.get_by_role("button", name="Szűrés").click()
    expect(page.locator("tr", has_text="Fogköves Ferenc")).to_contain_text("időpontot foglalt")

    # The overdue one says no: "declined", recorded from the row.
    page.goto(live_server.url + reverse("recall:list"))
    row = page.locator("tr", has_text="Régi Rita")
    expect(row).to_contain_text("lejárt")
    row.get_by_label("Kapcsolatfelvétel").select_option("declined")
    row.get_by_label("Megjegyzés").fill("telefonon: most nem kér")
    row.get_by_role("button", name="Rögzítés").click()
    expect(page.get_by_role("status").first).to_contain_text("nem kér időpontot")
    expect(page.locator("tr", has_text="Régi Rita")).to_have_count(0)
    contact = RecallContact.objects.get(patient=overdue)
    assert (contact.state, contact.note) == ("declined", "telefonon: most nem kér")
    # The patient's recall page, with its own-interval form.
    page.goto(live_server.url + reverse("recall:patient", args=[overdue.pk]))
    expect(page.get_by_role("heading", name=f"Visszahívás: {overdue.full_name}")).to_be_visible()
    axe_check(page, label="a patient's recall page")
    assert not [e for e in errors if "Content Security Policy" in e], errors
