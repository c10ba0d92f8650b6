"""The "EESZT beküldések" page: who sees it, what it shows, the manual retry, tenants."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from zomanc.clinical.models import Visit
from zomanc.conftest import Personas
from zomanc.eeszt.outbox.models import OutboxItem, OutboxKind, OutboxState
from zomanc.patients.models import IdType, Patient, Sex

pytestmark = pytest.mark.django_db
URL = "/eeszt/bekuldesek/"


def make_rows(personas: Personas, n: int, *, practice_b: bool = False) -> list[OutboxItem]:
    practice = personas.practice_b if practice_b else personas.practice_a
    company = personas.company_b if practice_b else personas.company_a
    unit = personas.org_unit_b if practice_b else personas.org_unit_a
    doctor = personas.doctor_b if practice_b else personas.doctor
    rows = []
    for i in range(n):
        patient = Patient.objects.create(
            practice=practice,
            family_name="Beküld",
            given_name=f"Béla{i}{'B' if practice_b else ''}",
            sex=Sex.MALE,
            birth_date=dt.date(1970, 1, 1),
            id_type=IdType.TAJ,
            id_value="",
        )
        visit = Visit.objects.create(
            practice=practice,
            patient=patient,
            doctor=doctor,
            company=company,
            org_unit=unit,
            started_at=timezone.now(),
            opened_by=doctor.user,
        )
        rows.append(
            OutboxItem.objects.create(
                practice=practice,
                company=company,
                org_unit=unit,
                visit=visit,
                patient=patient,
                responsible=doctor,
                kind=OutboxKind.EVENT_START,
                seq=1,
                state=OutboxState.REFUSED if i % 2 else OutboxState.SENT,
                last_error_code="TAJ_INVALID" if i % 2 else "",
                last_error_message="Érvénytelen TAJ szám." if i % 2 else "",
                result={} if i % 2 else {"event_id": "1" * 18},
                deadline_at=timezone.now() + dt.timedelta(days=4),
            )
        )
    return rows


def test_requires_login() -> None:
    response = Client().get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_requires_a_clinical_role(personas: Personas) -> None:
    assert personas.client_for(personas.receptionist).get(URL).status_code == 403
    for member in (personas.owner, personas.doctor, personas.assistant):
        assert personas.client_for(member).get(URL).status_code == 200


def test_shows_states_errors_and_counts(personas: Personas) -> None:
    make_rows(personas, 4)
    page = personas.client_for(personas.assistant).get(URL).content.decode()
    assert "Elutasítva: <strong>2</strong>" in page and "Elküldve: <strong>2</strong>" in page
    # EESZT's refusal in plain Hungarian with what to do, its code small after it.
    assert "A TAJ-szám hibás" in page and '<small class="eeszt-code">TAJ_INVALID</small>' in page
    assert "Pótlási határidő" in page and "1" * 18 in page


def test_filter_by_state(personas: Personas) -> None:
    make_rows(personas, 4)
    page = personas.client_for(personas.doctor).get(URL, {"state": "refused"}).content.decode()
    assert "Béla1" in page and "Béla3" in page and "Béla0" not in page


def test_hides_other_practice(personas: Personas) -> None:
    make_rows(personas, 2)
    theirs = make_rows(personas, 2, practice_b=True)
    page = personas.client_for(personas.doctor).get(URL).content.decode()
    assert "Béla0B" not in page and "Béla1B" not in page
    retry = personas.client_for(personas.doctor).post(f"{URL}{theirs[1].pk}/ujrakuldes/")
    assert retry.status_code == 404
    theirs[1].refresh_from_db()
    assert theirs[1].state == OutboxState.REFUSED


def test_retry_puts_a_refused_row_back_in_line(personas: Personas) -> None:
    refused = make_rows(personas, 2)[1]
    response = personas.client_for(personas.doctor).post(f"{URL}{refused.pk}/ujrakuldes/")
    assert response.status_code == 302
    refused.refresh_from_db()
    assert refused.state == OutboxState.PENDING


def test_retry_is_post_only(personas: Personas) -> None:
    refused = make_rows(personas, 2)[1]
    assert (
        personas.client_for(personas.doctor).get(f"{URL}{refused.pk}/ujrakuldes/").status_code
        == 405
    )


def test_query_count_does_not_grow_with_rows(personas: Personas) -> None:
    client = personas.client_for(personas.doctor)
    make_rows(personas, 3)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    make_rows(personas, 30)
    with CaptureQueriesContext(connection) as many:
        client.get(URL)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_visit_shows_its_eeszt_state_on_the_patient_page_and_in_detail(
    personas: Personas,
) -> None:
    sent, refused = make_rows(personas, 2)
    client = personas.client_for(personas.doctor)
    page = client.get(f"/patients/{refused.patient_id}/").content.decode()
    assert "EESZT: elutasítva" in page
    page = client.get(f"/patients/{sent.patient_id}/").content.decode()
    assert "EESZT: elküldve" in page
    detail = client.get(f"/karton/ellatas/{refused.visit_id}/").content.decode()
    assert "TAJ_INVALID" in detail and "Ellátás megkezdése (eKAT)" in detail


def test_receptionist_sees_no_eeszt_details(personas: Personas) -> None:
    _, refused = make_rows(personas, 2)
    page = personas.client_for(personas.receptionist).get(f"/patients/{refused.patient_id}/")
    assert "EESZT: elutasítva" not in page.content.decode()


def test_the_visit_badge_links_to_that_visits_submissions_only(personas: Personas) -> None:
    """Issue 12, defect 6: the badge's ?visit=<id> filters the page to that visit; another
    practice's visit id shows none of its rows (nor its patient)."""
    first, second = make_rows(personas, 2)
    (other,) = make_rows(personas, 1, practice_b=True)
    client = personas.client_for(personas.doctor)
    patient_page = client.get(f"/patients/{first.patient_id}/").content.decode()
    assert f'href="{URL}?visit={first.visit_id}"' in patient_page
    body = client.get(URL, {"visit": first.visit_id}).content.decode()
    assert "Béla0" in body and "Béla1" not in body
    assert "Egy ellátás beküldései: Beküld Béla0" in body
    assert f'type="hidden" name="visit" value="{first.visit_id}"' in body  # kept by "Szűrés"
    body = client.get(URL, {"visit": second.visit_id}).content.decode()
    assert "Béla1" in body and "Béla0" not in body
    body = client.get(URL, {"visit": other.visit_id}).content.decode()
    assert "Béla0B" not in body and "Nincs a szűrésnek megfelelő beküldés." in body
    assert client.get(URL, {"visit": "9" * 30}).status_code == 200  # no 500
