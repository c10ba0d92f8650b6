"""The visit screen a dentist can trust (issue 12): typed notes are never lost at close, they
save themselves, an empty anamnesis and status is asked about once; the open form preselects
company and org unit; the appointment's planned treatment is one click; a tooth's history."""

import datetime as dt
import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from zomanc.audit.models import AuditAction, AuditEntry
from zomanc.clinical.models import Visit, VisitRevision, VisitStatus
from zomanc.clinical.services import (
    SECTION_MAX_LENGTH,
    diagnosis_add,
    visit_close,
    visit_command_apply,
    visit_notes_update,
)
from zomanc.clinical.tests.conftest import open_visit_for
from zomanc.codes.models import TreatmentItem
from zomanc.conftest import Personas
from zomanc.eeszt.outbox.models import OutboxItem
from zomanc.patients.models import Patient
from zomanc.practices.models import Company, OrgUnit
from zomanc.scheduling.models import Appointment, Chair

HTMX = {"HX-Request": "true"}
NOTES = {
    "anamnesis": "Hideg-meleg érzékenység a bal alsó őrlőfogon két hete.",
    "status_text": "36 MOD mély szuvasodás, ütőérzékenység nincs.",
    "therapy": "Kompozit tömés, gyűrűs matrica.",
    "advice": "Kontroll fél év múlva.",
}
EMPTY = {"anamnesis": "", "status_text": "", "therapy": "", "advice": ""}


def _close_url(visit: Visit) -> str:
    return reverse("clinical:visit_close", args=[visit.pk])


def _pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def _with_diagnosis(personas: Personas, visit: Visit) -> Visit:
    diagnosis_add(visit=visit, code="K0210", added_by=personas.doctor.user)
    return visit


# --- defect 1: nothing typed is lost ----------------------------------------------------------


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain-form"])
def test_close_saves_the_text_posted_with_it(personas: Personas, visit: Visit, htmx: bool) -> None:
    """The natural order: type, then "Ellátás lezárása" without "Szöveg mentése". The close
    posts the boxes; they are saved before the snapshot, so the revision (what EESZT gets)
    and the printed Ambuláns lap hold them — also without JavaScript."""
    _with_diagnosis(personas, visit)
    client = personas.client_for(personas.doctor)
    response = client.post(_close_url(visit), NOTES, headers=HTMX if htmx else {})
    assert response.status_code in (200, 302)
    visit.refresh_from_db()
    assert visit.status == VisitStatus.CLOSED
    assert (visit.anamnesis, visit.status_text, visit.therapy, visit.advice) == tuple(
        NOTES.values()
    )
    revision = VisitRevision.objects.get(visit=visit, number=1)
    assert revision.content["sections"] == NOTES
    # EESZT's Ambuláns lap is built from this revision's content (outbox_visit_closed); the
    # setup walk checks the document at the sandbox.
    pdf = client.get(reverse("clinical:visit_pdf", args=[visit.pk]))
    text = " ".join(_pdf_text(pdf.content).split())
    for value in NOTES.values():
        assert value in text
    updates = AuditEntry.objects.filter(
        action=AuditAction.UPDATE, summary__startswith="Ellátás szöveges részeinek"
    )
    assert updates.count() == 1


def test_a_refused_close_saves_nothing_and_keeps_the_text_in_the_boxes(
    personas: Personas, visit: Visit
) -> None:
    """No diagnosis: the close is refused, the text is not half-saved (the visit is as it
    was), and the answer shows the boxes still holding it, marked unsaved (the script saves
    it then)."""
    client = personas.client_for(personas.doctor)
    response = client.post(_close_url(visit), NOTES, headers=HTMX)
    body = response.content.decode()
    visit.refresh_from_db()
    assert visit.status == VisitStatus.OPEN and visit.anamnesis == "" and visit.therapy == ""
    assert (
        not VisitRevision.objects.exists()
        and not OutboxItem.objects.filter(kind="document").exists()
    )
    assert "Lezárás előtt adjon meg legalább egy BNO-diagnózist." in body
    assert NOTES["anamnesis"] in body and 'data-unsaved="1"' in body
    # Without JavaScript: a page with the boxes filled, not a redirect that drops them.
    response = client.post(_close_url(visit), NOTES)
    assert response.status_code == 400
    assert NOTES["status_text"] in response.content.decode()
    visit.refresh_from_db()
    assert visit.anamnesis == ""


def test_too_long_text_refuses_the_close_with_a_message(personas: Personas, visit: Visit) -> None:
    _with_diagnosis(personas, visit)
    too_long = {**NOTES, "advice": "x" * (SECTION_MAX_LENGTH + 1)}
    response = personas.client_for(personas.doctor).post(_close_url(visit), too_long, headers=HTMX)
    body = response.content.decode()
    assert "Az ellátás nincs lezárva: javítsa a szöveg hibáit." in body
    visit.refresh_from_db()
    assert visit.status == VisitStatus.OPEN and visit.anamnesis == ""


def test_empty_anamnesis_and_status_are_asked_about_once(personas: Personas, visit: Visit) -> None:
    _with_diagnosis(personas, visit)
    client = personas.client_for(personas.doctor)
    only_therapy = {**EMPTY, "therapy": "Fogkő-eltávolítás."}
    response = client.post(_close_url(visit), only_therapy, headers=HTMX)
    body = response.content.decode()
    visit.refresh_from_db()
    assert visit.status == VisitStatus.OPEN and visit.therapy == ""  # nothing half-saved
    assert "Az anamnézis és a státusz üres. Biztosan így zárja le az ellátást?" in body
    assert 'name="confirm_empty" value="1"' in body and "Igen, lezárom így" in body
    response = client.post(_close_url(visit), {**only_therapy, "confirm_empty": "1"}, headers=HTMX)
    visit.refresh_from_db()
    assert visit.status == VisitStatus.CLOSED and visit.therapy == "Fogkő-eltávolítás."


@pytest.mark.parametrize("field", ["anamnesis", "status_text"])
def test_either_anamnesis_or_status_closes_without_a_question(
    personas: Personas, visit: Visit, field: str
) -> None:
    _with_diagnosis(personas, visit)
    personas.client_for(personas.doctor).post(
        _close_url(visit), {**EMPTY, field: "Panaszmentes."}, headers=HTMX
    )
    visit.refresh_from_db()
    assert visit.status == VisitStatus.CLOSED


def test_the_service_keeps_its_callers_unchanged(personas: Personas, visit: Visit) -> None:
    """Without sections the stored text is used; the question is the entry box's."""
    _with_diagnosis(personas, visit)
    visit_notes_update(visit=visit, updated_by=personas.doctor.user, advice="Kontroll.")
    visit_close(visit=visit, closed_by=personas.doctor.user)
    assert Visit.objects.get(pk=visit.pk).advice == "Kontroll."


def test_the_entry_box_posts_the_boxes_with_the_close(personas: Personas, visit: Visit) -> None:
    """The close button belongs to the notes form (plain form and htmx alike), the page loads
    the script, the boxes carry their autosave URL and the state label's texts."""
    body = personas.client_for(personas.doctor).get(
        reverse("patients:detail", args=[visit.patient_id])
    )
    html = body.content.decode()
    form_id = f"visit-notes-{visit.pk}"
    assert f'id="{form_id}"' in html
    close = re.search(
        r'<button type="submit" form="([^"]+)" formaction="([^"]+)" class="close-visit"', html
    )
    assert close is not None and close.groups() == (form_id, _close_url(visit))
    assert (
        f'data-autosave-url="{reverse("clinical:visit_notes_autosave", args=[visit.pk])}"' in html
    )
    assert 'data-msg-retry="nincs mentve, újrapróbálás…"' in html
    assert "clinical/visit.js" in html and "<script>" not in html  # CSP: no inline script


def test_autosave_saves_and_answers_the_time(personas: Personas, visit: Visit) -> None:
    url = reverse("clinical:visit_notes_autosave", args=[visit.pk])
    client = personas.client_for(personas.assistant)
    response = client.post(url, {**EMPTY, "anamnesis": "Félig begépelt"})
    assert response.status_code == 200
    body = response.json()
    assert body["saved"] is True and re.fullmatch(r"mentve \d\d:\d\d", body["label"])
    visit.refresh_from_db()
    assert visit.anamnesis == "Félig begépelt"
    response = client.post(url, {**EMPTY, "anamnesis": "x" * (SECTION_MAX_LENGTH + 1)})
    assert response.status_code == 400 and response.json()["saved"] is False
    assert "20000" in response.json()["label"]
    visit.refresh_from_db()
    assert visit.anamnesis == "Félig begépelt"


def test_autosave_on_a_closed_visit_is_refused_with_the_reason(
    personas: Personas, visit: Visit
) -> None:
    _with_diagnosis(personas, visit)
    visit_close(visit=visit, closed_by=personas.doctor.user)
    url = reverse("clinical:visit_notes_autosave", args=[visit.pk])
    response = personas.client_for(personas.doctor).post(url, {**EMPTY, "advice": "késő"})
    assert response.status_code == 400
    assert "A lezárt ellátás nem szerkeszthető." in response.json()["label"]
    assert Visit.objects.get(pk=visit.pk).advice == ""


def test_autosave_personas(personas: Personas, visit: Visit) -> None:
    url = reverse("clinical:visit_notes_autosave", args=[visit.pk])
    data = {**EMPTY, "advice": "x"}
    response = Client().post(url, data)
    assert response.status_code == 302 and "/accounts/" in response["Location"]
    assert personas.client_for(personas.receptionist).post(url, data).status_code == 403
    assert personas.client_for(personas.outsider).post(url, data).status_code == 404
    assert personas.client_for(personas.doctor).get(url).status_code == 405
    assert Visit.objects.get(pk=visit.pk).advice == ""


# --- defect 4: company and org unit preselected -------------------------------------------------


def _selected(html: str, name: str) -> str | None:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None
    chosen = re.search(r'<option value="(\d+)" selected>', select.group(1))
    return chosen.group(1) if chosen else None


def _open_form(personas: Personas, patient: Patient) -> str:
    client = personas.client_for(personas.doctor)
    return client.get(reverse("patients:detail", args=[patient.pk])).content.decode()


def test_the_only_company_and_unit_are_preselected(personas: Personas, patient: Patient) -> None:
    html = _open_form(personas, patient)
    assert _selected(html, "company") == str(personas.company_a.pk)
    assert _selected(html, "org_unit") == str(personas.org_unit_a.pk)
    assert _selected(html, "doctor") == str(personas.doctor.pk)


def test_else_the_doctors_last_choice(personas: Personas, patient: Patient, bno: None) -> None:
    second = Company.objects.create(
        practice=personas.practice_a, name="Második Kft.", institution_id="506098"
    )
    unit = OrgUnit.objects.create(
        practice=personas.practice_a, company=second, code="001044300", name="Szájsebészet"
    )
    html = _open_form(personas, patient)
    assert _selected(html, "company") is None and _selected(html, "org_unit") is None
    other_patient = Patient.objects.create(
        practice=personas.practice_a,
        family_name="Másik",
        given_name="Páciens",
        sex="F",
        birth_date=dt.date(1990, 1, 1),
    )
    # The last visit this doctor opened, in this practice: Második Kft. / Szájsebészet.
    visit_close_ready = Visit.objects.create(
        practice=personas.practice_a,
        patient=other_patient,
        doctor=personas.doctor,
        company=second,
        org_unit=unit,
        started_at=timezone.now(),
        opened_by=personas.doctor.user,
    )
    assert visit_close_ready.pk
    html = _open_form(personas, patient)
    assert _selected(html, "company") == str(second.pk)
    assert _selected(html, "org_unit") == str(unit.pk)
    # Another member's choice is not this doctor's: doctor2 sees no preselection.
    html = (
        personas.client_for(personas.doctor2)
        .get(reverse("patients:detail", args=[patient.pk]))
        .content.decode()
    )
    assert _selected(html, "company") is None
    # A deactivated unit is not offered, so not preselected either.
    OrgUnit.objects.filter(pk=unit.pk).update(is_active=False)
    html = _open_form(personas, patient)
    assert _selected(html, "org_unit") != str(unit.pk)


def test_the_preselection_reads_the_choice_lists_the_form_prints(personas: Personas) -> None:
    """Issue 18: the companies and org units are read once, for the preselection and the
    select boxes together — four queries with the doctors and the last visit (were six)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from zomanc.clinical.forms import VisitOpenForm

    second = Company.objects.create(
        practice=personas.practice_a, name="Második Kft.", institution_id="506098"
    )
    OrgUnit.objects.create(practice=personas.practice_a, company=second, code="X1", name="Kettő")
    with CaptureQueriesContext(connection) as queries:
        form = VisitOpenForm(practice=personas.practice_a, member=personas.doctor)
        html = "".join(str(form[name]) for name in ("doctor", "company", "org_unit"))
    assert len(queries) == 4, [q["sql"] for q in queries]
    assert "Második Kft." in html and "Kettő" in html and personas.org_unit_a.name in html
    # A bound form reads them only when it is printed or checked.
    with CaptureQueriesContext(connection) as bound:
        VisitOpenForm(
            {"company": str(second.pk)}, practice=personas.practice_a, member=personas.doctor
        )
    assert len(bound) == 0


# --- defect 5: the planned treatment as one click --------------------------------------------


@pytest.fixture
def planned(
    personas: Personas, patient: Patient, bno: None, catalogue: dict[str, TreatmentItem]
) -> Appointment:
    chair = Chair.objects.create(practice=personas.practice_a, name="1-es szék")
    start = timezone.now().replace(microsecond=0)
    return Appointment.objects.create(
        practice=personas.practice_a,
        patient=patient,
        doctor=personas.doctor,
        chair=chair,
        company=personas.company_a,
        org_unit=personas.org_unit_a,
        treatment=catalogue["fk"],
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=30),
    )


def test_the_planned_treatment_is_one_click(
    personas: Personas, planned: Appointment, catalogue: dict[str, TreatmentItem]
) -> None:
    client = personas.client_for(personas.assistant)
    client.post(reverse("clinical:visit_open_from_appointment", args=[planned.pk]))
    visit = Visit.objects.get(appointment=planned)
    html = client.get(reverse("patients:detail", args=[planned.patient_id])).content.decode()
    form = re.search(r'<form[^>]*class="planned-treatment">(.*?)</form>', html, re.S)
    assert form is not None
    assert f'name="treatment" value="{catalogue["fk"].pk}"' in form.group(1)
    assert "Rögzítés: Fogkő-eltávolítás" in form.group(1)
    assert 'name="tooth"' not in form.group(1)  # it needs no tooth: one click records it
    response = client.post(
        reverse("clinical:procedure_add", args=[visit.pk]),
        {"treatment": catalogue["fk"].pk, "quantity": "1"},
        headers=HTMX,
    )
    assert [p.name for p in visit.procedures.all()] == ["Fogkő-eltávolítás"]
    assert 'class="planned-treatment"' not in response.content.decode()  # offered until done


def test_a_planned_treatment_needing_a_tooth_asks_for_it(
    personas: Personas, planned: Appointment, catalogue: dict[str, TreatmentItem]
) -> None:
    Appointment.objects.filter(pk=planned.pk).update(treatment=catalogue["töm"])
    client = personas.client_for(personas.assistant)
    client.post(reverse("clinical:visit_open_from_appointment", args=[planned.pk]))
    html = client.get(reverse("patients:detail", args=[planned.patient_id])).content.decode()
    form = re.search(r'<form[^>]*class="planned-treatment">(.*?)</form>', html, re.S)
    assert (
        form is not None and 'name="tooth"' in form.group(1) and 'name="surfaces"' in form.group(1)
    )


def test_no_planned_treatment_no_button(personas: Personas, visit: Visit) -> None:
    html = (
        personas.client_for(personas.doctor)
        .get(reverse("patients:detail", args=[visit.patient_id]))
        .content.decode()
    )
    assert 'class="planned-treatment"' not in html


# --- the tooth chart: a tooth's history -----------------------------------------------------


def _history_url(patient: Patient) -> str:
    return reverse("clinical:tooth_history", args=[patient.pk])


@pytest.fixture
def two_visits(personas: Personas, patient: Patient, bno: None, catalogue: object) -> list[Visit]:
    first = open_visit_for(
        personas, patient, started_at=timezone.make_aware(dt.datetime(2025, 2, 3, 9))
    )
    visit_command_apply(visit=first, line="36 MO car", entered_by=personas.doctor.user)
    visit_command_apply(visit=first, line="11 I töm", entered_by=personas.doctor.user)
    diagnosis_add(visit=first, code="K0210", added_by=personas.doctor.user)
    visit_close(visit=first, closed_by=personas.doctor.user)
    second = Visit.objects.create(
        practice=personas.practice_a,
        patient=patient,
        doctor=personas.doctor2,
        company=personas.company_a,
        org_unit=personas.org_unit_a,
        started_at=timezone.make_aware(dt.datetime(2026, 3, 10, 10)),
        opened_by=personas.doctor2.user,
    )
    visit_command_apply(visit=second, line="36 MOD töm", entered_by=personas.doctor2.user)
    return [first, second]


def test_a_tooths_history_newest_first_with_dates_and_doctors(
    personas: Personas, patient: Patient, two_visits: list[Visit]
) -> None:
    response = personas.client_for(personas.assistant).get(
        _history_url(patient), {"fog": "36"}, headers=HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and "36. fog előzményei" in html
    events = re.findall(
        r"<li><time[^>]*>([^<]+)</time> · <span class=\"doctor\">([^<]+)</span>", html
    )
    assert events == [("2026.03.10.", "Dr. Második Mária"), ("2025.02.03.", "Dr. Fog Ferenc")]
    assert html.index("Kompozit tömés") < html.index("szuvas")
    assert "MOD" in html and "→ tömött" in html
    # The tooth as the chart shows it now, surface by surface, in words.
    assert "M (meziális): tömött" in html and "D (disztális): tömött" in html
    other = personas.client_for(personas.assistant).get(
        _history_url(patient), {"fog": "11"}, headers=HTMX
    )
    assert "Kompozit tömés" in other.content.decode() and "szuvas" not in other.content.decode()
    empty = personas.client_for(personas.assistant).get(
        _history_url(patient), {"fog": "48"}, headers=HTMX
    )
    assert "Ennél a fognál még nincs bejegyzés." in empty.content.decode()


def test_a_tooths_history_is_audited(
    personas: Personas, patient: Patient, two_visits: list[Visit]
) -> None:
    personas.client_for(personas.doctor).get(_history_url(patient), {"fog": "36"}, headers=HTMX)
    entry = AuditEntry.objects.get(action=AuditAction.VIEW, patient_id=patient.pk)
    assert entry.summary.endswith("36. fog")


@pytest.mark.parametrize("raw", ["19", "", "abc", "3" * 30, "-36"])
def test_a_wrong_tooth_gets_a_hungarian_message(
    personas: Personas, patient: Patient, raw: str
) -> None:
    response = personas.client_for(personas.doctor).get(
        _history_url(patient), {"fog": raw}, headers=HTMX
    )
    assert response.status_code == 400
    assert "FDI fogszám" in response.content.decode()
    assert not AuditEntry.objects.filter(action=AuditAction.VIEW).exists()


def test_tooth_history_personas(
    personas: Personas, patient: Patient, two_visits: list[Visit]
) -> None:
    url = _history_url(patient)
    response = Client().get(url, {"fog": "36"})
    assert response.status_code == 302 and "/accounts/" in response["Location"]
    assert personas.client_for(personas.receptionist).get(url, {"fog": "36"}).status_code == 403
    outsider = personas.client_for(personas.outsider).get(url, {"fog": "36"})
    assert outsider.status_code == 404
    # Without htmx: a page of its own.
    page = personas.client_for(personas.doctor).get(url, {"fog": "36"}).content.decode()
    assert "<html" in page and "36. fog előzményei" in page


def test_the_chart_is_selectable_and_points_to_the_history(
    personas: Personas, patient: Patient, two_visits: list[Visit]
) -> None:
    html = (
        personas.client_for(personas.doctor)
        .get(reverse("patients:detail", args=[patient.pk]))
        .content.decode()
    )
    assert f'data-tooth-history-url="{_history_url(patient)}"' in html
    assert re.search(
        r'<g class="tooth[^"]*" data-tooth="36" data-status="[a-z_]+" tabindex="0" role="button"',
        html,
    )
    # The open visit's chart sits in the entry box above its forms, the history panel beside.
    entry_box = html[html.index('id="entry-box"') :]
    assert entry_box.index('class="chart-area chart-area-visit"') < entry_box.index("entry-grid")
    assert 'class="tooth-history"' in entry_box
