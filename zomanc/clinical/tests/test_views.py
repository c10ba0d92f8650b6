"""Views of the chart: persona tests for every view (login, role, other practice), the htmx
entry flow, bad input messages, the receptionist's view, audit of views."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from zomanc.audit.models import AuditEntry
from zomanc.clinical.models import Visit, VisitProcedure, VisitRevision, VisitStatus
from zomanc.clinical.services import (
    diagnosis_add,
    visit_close,
    visit_command_apply,
    visit_notes_update,
)
from zomanc.codes.models import TreatmentItem
from zomanc.conftest import Personas
from zomanc.patients.models import Patient
from zomanc.scheduling.models import Appointment, Chair

HTMX = {"HX-Request": "true"}


@pytest.fixture
def closed_visit(personas: Personas, visit: Visit) -> Visit:
    visit_command_apply(visit=visit, line="36 MOD töm", entered_by=personas.assistant.user)
    visit_command_apply(visit=visit, line="16 car", entered_by=personas.assistant.user)
    diagnosis_add(visit=visit, code="K0210", added_by=personas.doctor.user)
    visit_notes_update(
        visit=visit,
        updated_by=personas.doctor.user,
        anamnesis="Hideg-meleg érzékenység a bal alsó őrlőfogon.",
        status_text="36 mély szuvasodás, ütőérzékenység nincs.",
        therapy="Kompozit tömés, gyűrűs matrica.",
        advice="Kontroll fél év múlva; fogselyem használata.",
    )
    return visit_close(
        visit=visit,
        closed_by=personas.doctor.user,
        closed_at=visit.started_at + dt.timedelta(minutes=45),
    )


@pytest.fixture
def appointment(personas: Personas, patient: Patient) -> Appointment:
    chair = Chair.objects.create(practice=personas.practice_a, name="1-es szék")
    start = timezone.now().replace(microsecond=0)
    return Appointment.objects.create(
        practice=personas.practice_a,
        patient=patient,
        doctor=personas.doctor,
        chair=chair,
        company=personas.company_a,
        org_unit=personas.org_unit_a,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=30),
    )


# (url name, method, kwargs(visit-ish fixtures) → url kwargs, needs closed visit)
Route = tuple[str, str, Callable[[Visit], dict[str, Any]], bool]
VISIT = lambda v: {"visit_id": v.pk}  # noqa: E731
ROUTES: list[Route] = [
    ("clinical:visit_detail", "get", VISIT, False),
    ("clinical:visit_chart", "get", VISIT, False),
    ("clinical:visit_command", "post", VISIT, False),
    ("clinical:visit_notes", "post", VISIT, False),
    ("clinical:diagnosis_add", "post", VISIT, False),
    (
        "clinical:diagnosis_delete",
        "post",
        lambda v: {"visit_id": v.pk, "diagnosis_id": v.diagnoses.first().pk},  # type: ignore[union-attr]
        True,
    ),
    ("clinical:procedure_add", "post", VISIT, False),
    (
        "clinical:procedure_delete",
        "post",
        lambda v: {"visit_id": v.pk, "procedure_id": v.procedures.first().pk},  # type: ignore[union-attr]
        True,
    ),
    (
        "clinical:finding_delete",
        "post",
        lambda v: {"visit_id": v.pk, "finding_id": v.findings.filter(procedure=None).first().pk},  # type: ignore[union-attr]
        True,
    ),
    ("clinical:visit_close", "post", VISIT, False),
    ("clinical:visit_correct", "get", VISIT, True),
    ("clinical:visit_correct", "post", VISIT, True),
    ("clinical:revision_detail", "get", lambda v: {"visit_id": v.pk, "number": 1}, True),
    ("clinical:visit_pdf", "get", VISIT, True),
    ("clinical:patient_activity", "get", lambda v: {"patient_id": v.patient_id}, False),
    ("clinical:patient_visit_history", "get", lambda v: {"patient_id": v.patient_id}, False),
    ("clinical:visit_open", "post", lambda v: {"patient_id": v.patient_id}, False),
]
CLINICAL_ONLY = [r for r in ROUTES if not r[0].startswith("clinical:patient_")]


def _call(client: Client, route: Route, visit: Visit) -> Any:
    name, method, kwargs, _closed = route
    url = reverse(name, kwargs=kwargs(visit))
    return getattr(client, method)(url)


def _ids(route: Route) -> str:
    return f"{route[0]}-{route[1]}"


@pytest.mark.parametrize("route", ROUTES, ids=_ids)
def test_requires_login(route: Route, closed_visit: Visit) -> None:
    response = _call(Client(), route, closed_visit)
    assert response.status_code == 302 and "/accounts/" in response["Location"]


@pytest.mark.parametrize("route", CLINICAL_ONLY, ids=_ids)
def test_requires_clinical_role(route: Route, personas: Personas, closed_visit: Visit) -> None:
    """The receptionist sees no clinical content and edits nothing of it."""
    response = _call(personas.client_for(personas.receptionist), route, closed_visit)
    assert response.status_code == 403


@pytest.mark.parametrize("route", ROUTES, ids=_ids)
def test_hides_other_practice(route: Route, personas: Personas, closed_visit: Visit) -> None:
    response = _call(personas.client_for(personas.outsider), route, closed_visit)
    assert response.status_code == 404
    assert closed_visit.revision == 1 and VisitRevision.objects.count() == 1


def test_open_from_appointment_personas(
    personas: Personas, appointment: Appointment, bno: None
) -> None:
    url = reverse("clinical:visit_open_from_appointment", args=[appointment.pk])
    assert Client().post(url).status_code == 302 and not Visit.objects.exists()
    assert personas.client_for(personas.receptionist).post(url).status_code == 403
    assert personas.client_for(personas.outsider).post(url).status_code == 404
    assert not Visit.objects.exists()
    response = personas.client_for(personas.assistant).post(url)
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert visit.appointment == appointment and visit.doctor == personas.doctor
    assert list(appointment.visits.all()) == [visit]
    # Again: goes to the existing visit, opens no second one.
    assert personas.client_for(personas.assistant).post(url).status_code == 302
    assert Visit.objects.count() == 1
    appointment.refresh_from_db()
    assert appointment.status == "arrived"


def test_a_cancelled_appointment_opens_no_visit(
    personas: Personas, appointment: Appointment, bno: None
) -> None:
    Appointment.objects.filter(pk=appointment.pk).update(status="cancelled")
    url = reverse("clinical:visit_open_from_appointment", args=[appointment.pk])
    response = personas.client_for(personas.assistant).post(url, follow=True)
    assert not Visit.objects.exists()
    assert "Lemondott időponthoz" in response.content.decode()


def test_bno_picker_personas_and_search(personas: Personas, visit: Visit) -> None:
    url = reverse("bno:picker")
    assert Client().get(url, {"q": "k02"}).status_code == 302
    assert personas.client_for(personas.receptionist).get(url, {"q": "k02"}).status_code == 403
    outsider = personas.client_for(personas.outsider)
    assert outsider.get(url, {"q": "k02", "visit": str(visit.pk)}).status_code == 404
    response = personas.client_for(personas.assistant).get(
        url, {"code": "dentin szuv", "visit": str(visit.pk)}, headers=HTMX
    )
    assert response.status_code == 200
    assert 'name="picked" value="K0210"' in response.content.decode()


# --- the entry box, as an assistant types ---------------------------------------------------


def test_open_then_enter_then_close_with_htmx(
    personas: Personas, patient: Patient, bno: None, catalogue: dict[str, TreatmentItem]
) -> None:
    client = personas.client_for(personas.assistant)
    response = client.post(
        reverse("clinical:visit_open", args=[patient.pk]),
        {
            "doctor": personas.doctor.pk,
            "company": personas.company_a.pk,
            "org_unit": personas.org_unit_a.pk,
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    visit = Visit.objects.get(patient=patient)
    body = response.content.decode()
    assert 'id="activity"' in body and reverse("clinical:visit_command", args=[visit.pk]) in body

    response = client.post(
        reverse("clinical:visit_command", args=[visit.pk]), {"line": "36 MOD töm"}, headers=HTMX
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body  # a partial: no page reload
    assert 'data-tooth="36" data-status="healthy"' in body
    assert 'fill="#1f77b4" stroke="#555" stroke-width="0.8" data-surface="O"' in body
    assert "Kompozit tömés" in body

    response = client.post(
        reverse("clinical:diagnosis_add", args=[visit.pk]),
        {"code": "", "picked": "K0210"},
        headers=HTMX,
    )
    assert "A dentin szuvasodása" in response.content.decode()
    response = client.post(
        reverse("clinical:procedure_add", args=[visit.pk]),
        {"treatment": catalogue["ext"].pk, "tooth": "46", "surfaces": "", "quantity": "1"},
        headers=HTMX,
    )
    assert 'data-tooth="46" data-status="missing"' in response.content.decode()
    response = client.post(
        reverse("clinical:visit_notes", args=[visit.pk]),
        {"anamnesis": "Panaszmentes", "status_text": "", "therapy": "", "advice": ""},
        headers=HTMX,
    )
    assert "Panaszmentes" in response.content.decode()
    response = client.post(reverse("clinical:visit_close", args=[visit.pk]), headers=HTMX)
    visit.refresh_from_db()
    assert visit.status == VisitStatus.CLOSED and visit.revision == 1
    assert "Új ellátás megnyitása" in response.content.decode()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("19 töm", "A(z) 19 nem FDI fogszám"),
        ("11 O töm", "A(z) 11. fogon nincs O felszín"),
        ("36 töm", "felszín(ek) megadása kötelező"),
        ("36 MOD zzz", "Ismeretlen rövidítés: „zzz”"),
    ],
)
def test_bad_command_shows_hungarian_message_and_saves_nothing(
    personas: Personas, visit: Visit, line: str, message: str
) -> None:
    response = personas.client_for(personas.assistant).post(
        reverse("clinical:visit_command", args=[visit.pk]), {"line": line}, headers=HTMX
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert f'value="{line}"' in response.content.decode()  # the line stays to fix it
    assert not VisitProcedure.objects.exists() and not visit.findings.exists()


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("K99X9", "Ismeretlen BNO-kód: K99X9"),
        ("C61H0", "csak férfi páciensnél"),
        ("D1640", "érvényessége: 1995.01.01.–2000.05.31."),
        ("O0000", "csak 8–60 éves kor között"),
    ],
)
def test_bad_diagnosis_shows_message(
    personas: Personas, visit: Visit, code: str, message: str
) -> None:
    # O0000 is fine for a 45-year-old woman: age it out by asking for it on a man-aged patient.
    if code == "O0000":
        visit.patient.birth_date = dt.date(1950, 1, 1)
        visit.patient.save()
    response = personas.client_for(personas.doctor).post(
        reverse("clinical:diagnosis_add", args=[visit.pk]), {"code": code}, headers=HTMX
    )
    assert message in response.content.decode()
    assert not visit.diagnoses.exists()


def test_other_practice_treatment_id_is_not_a_choice(
    personas: Personas, visit: Visit, catalogue_b: dict[str, TreatmentItem]
) -> None:
    response = personas.client_for(personas.assistant).post(
        reverse("clinical:procedure_add", args=[visit.pk]),
        {"treatment": catalogue_b["fk"].pk, "quantity": "1"},
        headers=HTMX,
    )
    assert "Válasszon érvényes" in response.content.decode()
    assert not VisitProcedure.objects.exists()


def test_editing_closed_visit_is_refused_with_message(
    personas: Personas, closed_visit: Visit
) -> None:
    client = personas.client_for(personas.doctor)
    response = client.post(
        reverse("clinical:visit_command", args=[closed_visit.pk]), {"line": "46 ext"}, headers=HTMX
    )
    assert "A lezárt ellátás nem szerkeszthető" in response.content.decode()
    response = client.post(
        reverse("clinical:visit_command", args=[closed_visit.pk]), {"line": "46 ext"}
    )
    assert response.status_code == 302  # without htmx: back to the patient page, with a message
    follow = client.get(response["Location"])
    assert "A lezárt ellátás nem szerkeszthető" in follow.content.decode()
    assert closed_visit.procedures.count() == 1


def test_open_form_errors_show_next_to_fields(personas: Personas, patient: Patient) -> None:
    response = personas.client_for(personas.assistant).post(
        reverse("clinical:visit_open", args=[patient.pk]),
        {"doctor": personas.assistant.pk, "company": personas.company_b.pk, "org_unit": ""},
        headers=HTMX,
    )
    body = response.content.decode()
    assert body.count("Válasszon érvényes") == 2  # the assistant has no stamp; B's company
    assert "Ennek a mezőnek a megadása kötelező" in body  # no org unit
    assert not Visit.objects.exists()


# --- correction, revisions, PDF -------------------------------------------------------------


def test_correction_form_creates_revision(personas: Personas, closed_visit: Visit) -> None:
    client = personas.client_for(personas.doctor)
    url = reverse("clinical:visit_correct", args=[closed_visit.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "reason": "",
            "diagnoses": "K0210",
            "advice": "Új javaslat",
        },
    )
    assert (
        response.status_code == 400
        and "Ennek a mezőnek a megadása kötelező" in response.content.decode()
    )
    response = client.post(
        url,
        {
            "reason": "Elírás a javaslatban",
            "anamnesis": closed_visit.anamnesis,
            "status_text": closed_visit.status_text,
            "therapy": closed_visit.therapy,
            "advice": "Kontroll három hónap múlva.",
            "diagnoses": "K0210\nK0400",
            "commands": "37 O car",
        },
    )
    assert response.status_code == 302, response.content.decode()
    closed_visit.refresh_from_db()
    assert closed_visit.revision == 2
    page = client.get(reverse("clinical:revision_detail", args=[closed_visit.pk, 1]))
    assert "Kontroll fél év múlva" in page.content.decode()  # the earlier revision stays readable
    page = client.get(reverse("clinical:visit_detail", args=[closed_visit.pk]))
    body = page.content.decode()
    assert "Kontroll három hónap múlva." in body and "Elírás a javaslatban" in body


def test_correct_open_visit_redirects_with_message(personas: Personas, visit: Visit) -> None:
    client = personas.client_for(personas.doctor)
    response = client.get(reverse("clinical:visit_correct", args=[visit.pk]))
    assert response.status_code == 302
    assert "Csak lezárt ellátás javítható" in client.get(response["Location"]).content.decode()


def test_views_of_the_record_are_audited(personas: Personas, closed_visit: Visit) -> None:
    client = personas.client_for(personas.doctor)
    client.get(reverse("clinical:visit_detail", args=[closed_visit.pk]))
    client.get(reverse("clinical:visit_pdf", args=[closed_visit.pk]))
    client.get(reverse("clinical:revision_detail", args=[closed_visit.pk, 1]))
    summaries = list(
        AuditEntry.objects.filter(action="view", object_type="clinical.visit").values_list(
            "summary", flat=True
        )
    )
    assert len(summaries) == 3
    assert any("Ambuláns lap (PDF, 1. revízió)" in s for s in summaries)
    assert all(
        e.patient_id == closed_visit.patient_id
        for e in AuditEntry.objects.filter(action="view", object_type="clinical.visit")
    )


def test_pdf_of_open_visit_is_refused(personas: Personas, visit: Visit) -> None:
    client = personas.client_for(personas.doctor)
    response = client.get(reverse("clinical:visit_pdf", args=[visit.pk]))
    assert response.status_code == 302
    assert "csak lezárt ellátásról" in client.get(response["Location"]).content.decode()


def test_unknown_revision_is_404(personas: Personas, closed_visit: Visit) -> None:
    client = personas.client_for(personas.doctor)
    assert (
        client.get(reverse("clinical:revision_detail", args=[closed_visit.pk, 7])).status_code
        == 404
    )
    assert (
        client.get(
            reverse("clinical:visit_pdf", args=[closed_visit.pk]), {"revizio": "7"}
        ).status_code
        == 404
    )
    assert (
        client.get(
            reverse("clinical:visit_pdf", args=[closed_visit.pk]), {"revizio": "x"}
        ).status_code
        == 404
    )


# --- the patient page --------------------------------------------------------------------------


def test_patient_page_shows_activity_list(personas: Personas, closed_visit: Visit) -> None:
    body = (
        personas.client_for(personas.assistant)
        .get(reverse("patients:detail", args=[closed_visit.patient_id]))
        .content.decode()
    )
    assert 'id="activity"' in body and 'id="entry-box"' in body
    assert "K0210" in body and "Kompozit tömés" in body and "<strong>36</strong> MOD" in body
    assert f'class="visit-actions" data-visit-id="{closed_visit.pk}"' in body
    assert "Nyomtatás (PDF)" in body and "Javítás" in body
    assert 'class="odontogram"' in body


def test_receptionist_sees_visit_dates_only(personas: Personas, closed_visit: Visit) -> None:
    body = (
        personas.client_for(personas.receptionist)
        .get(reverse("patients:detail", args=[closed_visit.patient_id]))
        .content.decode()
    )
    assert 'id="activity"' in body
    assert timezone.localtime(closed_visit.started_at).strftime("%Y.%m.%d.") in body
    for secret in ("K0210", "Kompozit tömés", "őrlőfogon", "odontogram", "entry-box", "Műveletek"):
        assert secret not in body, secret
