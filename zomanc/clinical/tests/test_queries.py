"""The patient page runs the same number of queries with 2 visits as with 200."""

import datetime as dt
import re
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from zomanc.clinical.models import ToothFinding, Visit, VisitDiagnosis, VisitProcedure, VisitStatus
from zomanc.codes.models import BnoCode, TreatmentItem
from zomanc.conftest import Personas
from zomanc.patients.models import Patient
from zomanc.practices.models import StaffMember


def _add_closed_visits(
    personas: Personas, patient: Patient, count: int, treatment: TreatmentItem
) -> None:
    bno = BnoCode.objects.get(code="K0210")
    base = timezone.make_aware(dt.datetime(2020, 1, 1, 9))
    existing = Visit.objects.filter(patient=patient).count()
    visits = Visit.objects.bulk_create(
        [
            Visit(
                practice=personas.practice_a,
                patient=patient,
                doctor=personas.doctor,
                company=personas.company_a,
                org_unit=personas.org_unit_a,
                started_at=base + dt.timedelta(days=existing + i),
                closed_at=base + dt.timedelta(days=existing + i, hours=1),
                status=VisitStatus.CLOSED,
                revision=1,
                opened_by=personas.doctor.user,
                closed_by=personas.doctor.user,
            )
            for i in range(count)
        ]
    )
    if connection.vendor == "sqlite":  # bulk_create sets pks on SQLite ≥ 3.35 and PostgreSQL
        assert all(v.pk for v in visits)
    VisitDiagnosis.objects.bulk_create(
        VisitDiagnosis(
            practice=personas.practice_a,
            visit=v,
            bno=bno,
            code=bno.code,
            name=bno.name,
            is_primary=True,
        )
        for v in visits
    )
    procedures = VisitProcedure.objects.bulk_create(
        VisitProcedure(
            practice=personas.practice_a,
            visit=v,
            treatment=treatment,
            name=treatment.name,
            tooth=36,
            surfaces="MO",
            unit_price=Decimal(18000),
            vat_rate=treatment.vat_rate,
        )
        for v in visits
    )
    ToothFinding.objects.bulk_create(
        ToothFinding(
            practice=personas.practice_a,
            visit=p.visit,
            procedure=p,
            tooth=36,
            surfaces="MO",
            status="filling",
        )
        for p in procedures
    )


def _count(member: StaffMember, patient: Patient, personas: Personas) -> tuple[int, str]:
    client = personas.client_for(member)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("patients:detail", args=[patient.pk]))
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_patient_page_queries_do_not_grow_with_visits(
    personas: Personas, patient: Patient, bno: None, catalogue: dict[str, TreatmentItem]
) -> None:
    _add_closed_visits(personas, patient, 2, catalogue["töm"])
    for member in (personas.assistant, personas.receptionist):
        small, _ = _count(member, patient, personas)
        _add_closed_visits(
            personas, patient, 198 if member == personas.assistant else 0, catalogue["töm"]
        )
        large, body = _count(member, patient, personas)
        assert small == large, (member, small, large)
    assert Visit.objects.filter(patient=patient).count() == 200
    assert "Összes ellátás (200)" in body


def test_history_page_queries_do_not_grow(
    personas: Personas, patient: Patient, bno: None, catalogue: dict[str, TreatmentItem]
) -> None:
    client = personas.client_for(personas.doctor)
    url = reverse("clinical:patient_visit_history", args=[patient.pk])
    _add_closed_visits(personas, patient, 3, catalogue["töm"])
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    _add_closed_visits(personas, patient, 120, catalogue["töm"])
    with CaptureQueriesContext(connection) as large:
        response = client.get(url, {"oldal": 2})
    assert len(small) == len(large)
    assert "Régebbiek" in response.content.decode()


def test_patient_page_shows_a_page_of_visits_and_loads_earlier_ones_in_place(
    personas: Personas, patient: Patient, bno: None, catalogue: dict[str, TreatmentItem]
) -> None:
    """The newest HISTORY_PAGE_SIZE visits; "Korábbi ellátások" fetches the next page as list
    items (htmx) that end with the control for the page after, and is a plain link without
    htmx."""
    from zomanc.clinical.selectors import HISTORY_PAGE_SIZE

    _add_closed_visits(personas, patient, 2 * HISTORY_PAGE_SIZE + 5, catalogue["töm"])
    client = personas.client_for(personas.doctor)
    _, body = _count(personas.doctor, patient, personas)
    history = reverse("clinical:patient_visit_history", args=[patient.pk])
    assert body.count('<li class="visit visit-closed"') == HISTORY_PAGE_SIZE
    assert f'href="{history}?oldal=2" hx-get="{history}?oldal=2"' in body
    assert "Korábbi ellátások" in body

    seen = set()
    for page, expected, more in ((2, HISTORY_PAGE_SIZE, True), (3, 5, False)):
        response = client.get(history, {"oldal": page}, headers={"HX-Request": "true"})
        fragment = response.content.decode()
        assert "<html" not in fragment
        assert fragment.count('<li class="visit visit-closed"') == expected
        assert (f"?oldal={page + 1}" in fragment) is more
        seen |= set(re.findall(r'id="visit-(\d+)"', fragment))
    seen |= set(re.findall(r'<li class="visit visit-closed" id="visit-(\d+)"', body))
    assert len(seen) == 2 * HISTORY_PAGE_SIZE + 5  # every visit once, none twice

    plain = client.get(history, {"oldal": 2}).content.decode()
    assert "<html" in plain and "Régebbiek" in plain
