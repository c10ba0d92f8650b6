"""The entry box's notes in Chromium (issue 12, defect 1), against a live server: typed text
saves itself ("mentve HH:MM"), a failed save — the connection lost, the server answering 503
— shows "nincs mentve, újrapróbálás…" and is retried until it lands; leaving with unsaved
text asks first; text typed while another action re-draws the entry box is kept and saved;
closing with an empty anamnesis and status asks exactly one question."""

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from zomanc.clinical.models import Visit, VisitStatus
from zomanc.clinical.services import diagnosis_add
from zomanc.clinical.tests.conftest import open_visit_for
from zomanc.conftest import Personas
from zomanc.patients.models import Patient

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SAVED = re.compile(r"^mentve \d\d:\d\d$")
RETRYING = "nincs mentve, újrapróbálás…"


@pytest.fixture
def page(personas: Personas, live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    pytest.importorskip("playwright.sync_api")
    # The tests read the database while Playwright's event loop runs in this thread; the
    # live server answers from its own thread, so nothing here is async.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from zomanc.testing.browser import member_page

    with member_page(live_server.url, personas.client_for(personas.doctor)) as page:
        yield page


@pytest.fixture
def open_visit(personas: Personas, patient: Patient, catalogue: object) -> Visit:
    return open_visit_for(personas, patient, started_at=timezone.now() - dt.timedelta(minutes=10))


def _goto_patient(page: Any, live_server: Any, visit: Visit) -> Any:
    page.goto(live_server.url + reverse("patients:detail", args=[visit.patient_id]))
    return page.locator("#entry-box form.notes")


def test_typed_text_saves_itself_and_is_there_after_a_reload(
    page: Any, live_server: Any, open_visit: Visit
) -> None:
    from playwright.sync_api import expect

    notes = _goto_patient(page, live_server, open_visit)
    notes.locator("textarea[name=anamnesis]").press_sequentially("Fogínyvérzés fogmosáskor")
    expect(notes.locator(".autosave-state")).to_have_text(SAVED)
    open_visit.refresh_from_db()
    assert open_visit.anamnesis == "Fogínyvérzés fogmosáskor"
    page.reload()
    expect(page.locator("#entry-box textarea[name=anamnesis]")).to_have_value(
        "Fogínyvérzés fogmosáskor"
    )


@pytest.mark.parametrize("failure", ["connection lost", "server error"])
def test_a_failed_save_is_shown_and_retried(
    page: Any, live_server: Any, open_visit: Visit, failure: str
) -> None:
    from playwright.sync_api import expect

    failed: list[str] = []

    def flaky(route: Any) -> None:
        # The first two saves fail (the server unreachable, or answering 503), then it is back.
        if len(failed) < 2:
            failed.append(route.request.post_data or "")
            if failure == "connection lost":
                route.abort("connectionrefused")
            else:
                route.fulfill(status=503, body="Service Unavailable")
            return
        route.continue_()

    page.route("**/szoveg/automentes/", flaky)
    notes = _goto_patient(page, live_server, open_visit)
    notes.locator("textarea[name=therapy]").press_sequentially("Depurálás")
    state = notes.locator(".autosave-state")
    expect(state).to_have_text(RETRYING)
    expect(state).to_have_attribute("data-state", "retry")
    assert Visit.objects.get(pk=open_visit.pk).therapy == ""
    expect(state).to_have_text(SAVED)  # retried by itself: nobody typed again
    assert len(failed) == 2
    assert Visit.objects.get(pk=open_visit.pk).therapy == "Depurálás"


def test_leaving_with_unsaved_text_asks_first(
    page: Any, live_server: Any, open_visit: Visit
) -> None:
    from playwright.sync_api import expect

    page.route("**/szoveg/automentes/", lambda route: route.abort("connectionrefused"))
    notes = _goto_patient(page, live_server, open_visit)
    notes.locator("textarea[name=advice]").press_sequentially("Kontroll")
    expect(notes.locator(".autosave-state")).to_have_text(RETRYING)
    asked: list[str] = []

    def stay(dialog: Any) -> None:
        asked.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    page.close(run_before_unload=True)
    expect(notes.locator("textarea[name=advice]")).to_have_value("Kontroll")
    assert asked == ["beforeunload"]
    assert not page.is_closed()


def test_text_survives_another_action_redrawing_the_entry_box(
    page: Any, live_server: Any, open_visit: Visit
) -> None:
    from playwright.sync_api import expect

    held: list[Any] = []
    page.route("**/szoveg/automentes/", lambda route: held.append(route))  # not answered yet
    notes = _goto_patient(page, live_server, open_visit)
    notes.locator("textarea[name=status_text]").press_sequentially("36 szuvas")
    page.wait_for_timeout(100)
    page.unroute("**/szoveg/automentes/")
    for route in held:
        route.abort("connectionrefused")
    # The command line re-draws the whole activity block from the server.
    line = page.locator("form.command-line input[name=line]")
    line.fill("16 car")
    line.press("Enter")
    expect(line).to_have_value("")
    expect(page.locator("#entry-box")).to_contain_text("szuvas")
    box = page.locator("#entry-box form.notes textarea[name=status_text]")
    expect(box).to_have_value("36 szuvas")
    expect(page.locator("#entry-box .autosave-state")).to_have_text(SAVED)
    assert Visit.objects.get(pk=open_visit.pk).status_text == "36 szuvas"


def test_closing_with_empty_anamnesis_and_status_asks_once(
    page: Any, live_server: Any, personas: Personas, open_visit: Visit, bno: None
) -> None:
    from playwright.sync_api import expect

    diagnosis_add(visit=open_visit, code="K0210", added_by=personas.doctor.user)
    notes = _goto_patient(page, live_server, open_visit)
    notes.locator("textarea[name=therapy]").fill("Fogkő-eltávolítás")
    questions: list[str] = []

    def accept(dialog: Any) -> None:
        questions.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    page.locator("#entry-box").get_by_role("button", name="Ellátás lezárása").click()
    expect(page.locator("#entry-box")).not_to_contain_text("Nyitott ellátás")
    assert questions == [
        "Az anamnézis és a státusz üres. Biztosan így zárja le az ellátást? Utána csak "
        "javítással, indoklással módosítható."
    ]
    visit = Visit.objects.get(pk=open_visit.pk)
    assert visit.status == VisitStatus.CLOSED and visit.therapy == "Fogkő-eltávolítás"


def test_the_chart_is_large_above_the_forms_and_its_teeth_are_selectable(
    page: Any, live_server: Any, open_visit: Visit, tmp_path: Any
) -> None:
    """The visit screen's chart: first in the entry box, wider than its drawn size (658 px),
    each tooth reachable with the keyboard; Enter on a tooth shows its history beside the
    chart and puts the tooth into the procedure row."""
    from playwright.sync_api import expect

    notes = _goto_patient(page, live_server, open_visit)
    chart = page.locator("#entry-box .chart-area-visit svg.odontogram")
    box = chart.bounding_box()
    assert box is not None and box["width"] >= 780, box
    forms = notes.bounding_box()
    assert forms is not None and box["y"] + box["height"] <= forms["y"]
    tooth = chart.locator("g.tooth[data-tooth='46']")
    tooth.focus()
    tooth.press("Enter")
    panel = page.locator("#entry-box .tooth-history")
    expect(panel).to_contain_text("46. fog előzményei")
    expect(panel).to_contain_text("Ennél a fognál még nincs bejegyzés.")
    expect(tooth).to_have_attribute("aria-pressed", "true")
    expect(page.locator("form.procedure-form input[name=tooth]")).to_have_value("46")
    page.screenshot(path=str(tmp_path / "visit-screen.png"), full_page=True)
