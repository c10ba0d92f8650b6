from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from zomanc.audit.models import AuditAction, AuditEntry
from zomanc.audit.selectors import PAGE_SIZE
from zomanc.audit.services import audit_record
from zomanc.conftest import Personas

URL = "/naplo/"


def record(personas: Personas, **kwargs: object) -> AuditEntry:
    values: dict[str, object] = {
        "practice": personas.practice_a,
        "actor": personas.doctor.user,
        "action": AuditAction.VIEW,
        "object_type": "patients.patient",
        "object_id": "7",
        "patient_id": 7,
        "summary": "Karton megtekintése",
    }
    values.update(kwargs)
    return audit_record(**values)  # type: ignore[arg-type]


def test_requires_login(personas: Personas) -> None:
    response = Client().get(URL)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/naplo/"


@pytest.mark.parametrize("role", ["doctor", "doctor2", "assistant", "receptionist"])
def test_requires_owner(personas: Personas, role: str) -> None:
    assert personas.client_for(getattr(personas, role)).get(URL).status_code == 403


def test_hides_other_practice(personas: Personas) -> None:
    record(personas, summary="A rendelő bejegyzése")
    record(
        personas,
        practice=personas.practice_b,
        actor=personas.doctor_b.user,
        summary="B rendelő titka",
    )
    page = personas.client_for(personas.owner).get(URL).content.decode()
    assert "A rendelő bejegyzése" in page
    assert "B rendelő titka" not in page
    # A user id of the other practice is not even a valid choice of the filter.
    response = personas.client_for(personas.owner).get(URL, {"user": personas.doctor_b.user_id})
    assert "user" in response.context["form"].errors
    assert "B rendelő titka" not in response.content.decode()


def test_newest_first_and_paginated(personas: Personas) -> None:
    start = timezone.now() - timedelta(days=1)
    for i in range(PAGE_SIZE + 5):
        with time_machine.travel(start + timedelta(minutes=i), tick=False):
            record(personas, summary=f"bejegyzés-{i:03d}")
    client = personas.client_for(personas.owner)
    first = client.get(URL)
    entries = first.context["page"].entries
    assert entries[0].summary == f"bejegyzés-{PAGE_SIZE + 4:03d}"
    assert len(entries) == PAGE_SIZE
    assert first.context["page"].has_next
    second = client.get(URL, {"page": 2})
    assert [e.summary for e in second.context["page"].entries][-1] == "bejegyzés-000"
    assert not second.context["page"].has_next
    assert "page=1" in second.content.decode()


def test_filters(personas: Personas) -> None:
    day = datetime(2026, 3, 10, 23, 30)  # local time: still 10 March in Budapest
    with time_machine.travel(timezone.make_aware(day), tick=False):
        record(personas, summary="március tizedike késő este")
    with time_machine.travel(timezone.make_aware(day + timedelta(hours=1)), tick=False):
        record(personas, summary="március tizenegyedike", actor=personas.assistant.user)
    record(personas, summary="másik páciens", patient_id=8, object_id="8")
    record(
        personas,
        summary="cég módosítása",
        action=AuditAction.UPDATE,
        object_type="practices.company",
        patient_id=None,
    )
    client = personas.client_for(personas.owner)

    def summaries(**params: Any) -> set[str]:
        response = client.get(URL, params)
        return {e.summary for e in response.context["page"].entries}

    assert summaries(date_from="2026-03-10", date_to="2026-03-10") == {"március tizedike késő este"}
    assert summaries(user=personas.assistant.user_id) == {"március tizenegyedike"}
    assert summaries(patient_id=8) == {"másik páciens"}
    assert summaries(action="update") == {"cég módosítása"}
    assert summaries(object_type="practices.company") == {"cég módosítása"}


def test_filter_errors_are_hungarian_and_next_to_the_field(personas: Personas) -> None:
    response = personas.client_for(personas.owner).get(
        URL, {"date_from": "2026-03-12", "date_to": "2026-03-10", "patient_id": "abc"}
    )
    errors = response.context["form"].errors
    assert errors["date_to"] == ["A záró nap nem lehet korábbi a kezdő napnál."]
    assert errors["patient_id"] == ["Adjon meg egy egész számot."]
    assert response.status_code == 200


def test_query_count_is_constant(personas: Personas, django_assert_num_queries) -> None:
    for i in range(30):
        record(personas, summary=f"bejegyzés {i}", changes={"x": [1, 2]})
    client = personas.client_for(personas.owner)
    client.get(URL)
    with CaptureQueriesContext(connection) as baseline:
        client.get(URL, {"action": "view"})
    for i in range(30, 60):
        record(personas, summary=f"bejegyzés {i}", changes={"x": [1, 2]})
    # Layout queries (session, user, membership, other apps' header parts) plus two of the
    # log's own (staff for the user filter, one page of entries), however many entries.
    with django_assert_num_queries(len(baseline.captured_queries)):
        response = client.get(URL, {"action": "view", "page": "1"})
    assert len(response.context["page"].entries) == PAGE_SIZE
    with CaptureQueriesContext(connection) as home:
        client.get("/")
    assert len(baseline.captured_queries) - len(home.captured_queries) <= 2


@pytest.mark.parametrize("page", ["9" * 30, "-5", "x", "1e9"])
def test_a_page_number_too_large_or_bad_is_no_error(personas: Personas, page: str) -> None:
    """A 30-digit page overflowed the database's OFFSET: a 500 before."""
    record(personas)
    client = personas.client_for(personas.owner)
    response = client.get("/naplo/", {"page": page})
    assert response.status_code == 200
