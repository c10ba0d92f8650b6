"""Persona tests for the recall pages (house style §4): login, the matrix's recall_run and
recall_rules_edit, other practices hidden; the list's behaviour, audit, bad input and its
fixed number of queries."""

import datetime as dt
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from zomanc.audit.models import AuditAction, AuditEntry
from zomanc.conftest import Personas
from zomanc.patients.consent_services import patient_channel_opt_in
from zomanc.patients.models import Patient
from zomanc.patients.tests.factories import make_patient
from zomanc.recall import hooks, selectors
from zomanc.recall.due import add_months
from zomanc.recall.models import PatientRecallInterval, RecallContact, RecallRule
from zomanc.recall.tests.conftest import Catalogue, procedure_done

TODAY = timezone.localdate()
SINCE = add_months(TODAY, -7)


@pytest.fixture
def due_patient(personas: Personas, items: Catalogue) -> Patient:
    patient = make_patient(personas.receptionist, family_name="Esedékes")
    procedure_done(personas, patient, items.scaling, SINCE)
    return patient


def _contact(patient: Patient, items: Catalogue, state: str = "declined") -> dict[str, str]:
    return {
        "prefix": "c0",
        "c0-patient": str(patient.pk),
        "c0-treatment": str(items.scaling.pk),
        "c0-since": SINCE.isoformat(),
        "c0-state": state,
        "c0-note": "nem ér rá",
        "next": reverse("recall:list"),
    }


def _gets(patient: Patient) -> list[str]:
    return [
        reverse("recall:list"),
        reverse("recall:patient", args=[patient.pk]),
        reverse("recall:rules"),
    ]


def test_requires_login(client: Client, due_patient: Patient, items: Catalogue) -> None:
    rule = RecallRule.objects.get(treatment=items.scaling)
    for url in _gets(due_patient):
        response = client.get(url)
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    for url in (reverse("recall:contact"), reverse("recall:rule_edit", args=[rule.pk])):
        response = client.post(url, {})
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("role", ["doctor", "assistant"])
def test_requires_recall_run(
    personas: Personas, due_patient: Patient, items: Catalogue, role: str
) -> None:
    client = personas.client_for(getattr(personas, role))
    for url in _gets(due_patient):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("recall:contact"), _contact(due_patient, items)).status_code == 403
    assert not RecallContact.objects.exists()
    assert reverse("recall:list") not in client.get(reverse("core:home")).content.decode()


def test_requires_recall_rules_edit(
    personas: Personas, due_patient: Patient, items: Catalogue
) -> None:
    client = personas.client_for(personas.receptionist)
    rule = RecallRule.objects.get(treatment=items.scaling)
    assert client.get(reverse("recall:rules")).status_code == 403
    response = client.post(reverse("recall:rule_edit", args=[rule.pk]), {"delete": "1"})
    assert response.status_code == 403
    assert RecallRule.objects.filter(pk=rule.pk).exists()
    page = client.get(reverse("recall:list")).content.decode()
    assert reverse("recall:rules") not in page
    home = client.get(reverse("core:home")).content.decode()
    assert reverse("recall:list") in home and "Esedékes visszahívások" in home


def test_hides_other_practice(personas: Personas, due_patient: Patient, items: Catalogue) -> None:
    client = personas.client_for(personas.outsider)
    assert "Esedékes Anna" not in client.get(reverse("recall:list")).content.decode()
    assert client.get(reverse("recall:patient", args=[due_patient.pk])).status_code == 404
    response = client.post(reverse("recall:contact"), _contact(due_patient, items))
    assert response.status_code == 404
    rule = RecallRule.objects.get(treatment=items.scaling)
    response = client.post(reverse("recall:rule_edit", args=[rule.pk]), {"delete": "1"})
    assert response.status_code == 404
    assert not RecallContact.objects.exists() and RecallRule.objects.filter(pk=rule.pk).exists()
    # Their catalogue's items cannot be picked for a rule here.
    response = client.post(
        reverse("recall:rules"), {"treatment": items.scaling.pk, "interval_months": 2}
    )
    assert response.status_code == 400
    assert "Válasszon kezelést a katalógusból." in response.content.decode()


def test_list_shows_the_due_patient_with_booking_and_audits(
    personas: Personas, due_patient: Patient, items: Catalogue
) -> None:
    client = personas.client_for(personas.receptionist)
    response = client.get(reverse("recall:list"))
    page = response.content.decode()
    assert "Esedékes Anna" in page and "Fogkő-eltávolítás" in page
    assert add_months(SINCE, 6).strftime("%Y.%m.%d.") in page and "lejárt" in page
    assert "még nem kerestük" in page
    booking = next(
        link
        for link in response.context["rows"][0][1:2]  # (row, booking_url, form)
    )
    query = parse_qs(urlparse(booking).query)
    assert urlparse(booking).path == reverse("scheduling:appointment_create")
    assert query["patient"] == [str(due_patient.pk)]
    assert query["doctor"] == [str(personas.doctor.pk)]
    assert query["treatment"] == [str(items.scaling.pk)]
    assert query["next"] == [reverse("recall:list")]
    # The booking form opens with the patient chosen.
    form_page = client.get(booking).content.decode()
    assert "Esedékes Anna" in form_page
    entry = AuditEntry.objects.filter(action=AuditAction.VIEW).latest("id")
    assert "Esedékes visszahívások" in entry.summary
    assert due_patient.pk in entry.changes["patient_ids"]


def test_record_a_contact_from_the_list(
    personas: Personas, due_patient: Patient, items: Catalogue
) -> None:
    client = personas.client_for(personas.receptionist)
    response = client.post(reverse("recall:contact"), _contact(due_patient, items, "reminded"))
    assert response.status_code == 302 and response["Location"] == reverse("recall:list")
    contact = RecallContact.objects.get()
    assert (contact.state, contact.note, contact.recorded_by) == (
        "reminded",
        "nem ér rá",
        personas.receptionist,
    )
    page = client.get(reverse("recall:list")).content.decode()
    assert "emlékeztettük" in page
    assert AuditEntry.objects.filter(
        patient_id=due_patient.pk, object_type="recall.recallcontact"
    ).exists()


def test_contact_bad_input_says_what_is_wrong(
    personas: Personas, due_patient: Patient, items: Catalogue
) -> None:
    client = personas.client_for(personas.receptionist)
    response = client.post(
        reverse("recall:contact"), _contact(due_patient, items, "booked"), follow=True
    )
    assert "Válassza ki, mi történt" in response.content.decode()
    stale = {**_contact(due_patient, items), "c0-since": (SINCE - dt.timedelta(days=1)).isoformat()}
    response = client.post(reverse("recall:contact"), stale, follow=True)
    assert "már nem aktuális" in response.content.decode()
    assert not RecallContact.objects.exists()


def test_patient_page_own_interval_and_audit(
    personas: Personas, due_patient: Patient, items: Catalogue
) -> None:
    client = personas.client_for(personas.receptionist)
    url = reverse("recall:patient", args=[due_patient.pk])
    page = client.get(url).content.decode()
    assert "Fogkő-eltávolítás" in page and "6 hónap" in page
    assert AuditEntry.objects.filter(action=AuditAction.VIEW, patient_id=due_patient.pk).exists()
    response = client.post(url, {"treatment": items.scaling.pk, "interval_months": 3})
    assert response.status_code == 302
    assert PatientRecallInterval.objects.get().interval_months == 3
    assert add_months(SINCE, 3).strftime("%Y.%m.%d.") in client.get(url).content.decode()
    response = client.post(url, {"treatment": items.scaling.pk, "interval_months": 0})
    assert response.status_code == 400
    assert "Az időköz 1 és 60 hónap között lehet." in response.content.decode()
    response = client.post(url, {"treatment": items.scaling.pk, "interval_months": ""})
    assert response.status_code == 302 and not PatientRecallInterval.objects.exists()
    # The patient page links here for those who run recall.
    detail = client.get(reverse("patients:detail", args=[due_patient.pk])).content.decode()
    assert url in detail
    doctor_detail = (
        personas.client_for(personas.doctor)
        .get(reverse("patients:detail", args=[due_patient.pk]))
        .content.decode()
    )
    assert url not in doctor_detail


def test_owner_sets_rules(personas: Personas, items: Catalogue) -> None:
    client = personas.client_for(personas.owner)
    url = reverse("recall:rules")
    assert client.post(url, {"treatment": items.xray.pk, "interval_months": 24}).status_code == 302
    rule = RecallRule.objects.get(treatment=items.xray)
    assert rule.interval_months == 24
    response = client.post(url, {"treatment": items.xray.pk, "interval_months": 61})
    assert response.status_code == 400
    assert "Az időköz 1 és 60 hónap között lehet." in response.content.decode()
    edit = reverse("recall:rule_edit", args=[rule.pk])
    assert client.post(edit, {f"r{rule.pk}-interval_months": 18}).status_code == 302
    rule.refresh_from_db()
    assert rule.interval_months == 18
    page = client.post(edit, {f"r{rule.pk}-interval_months": "x"}, follow=True).content.decode()
    assert "Az időköz egész szám (hónap)." in page
    assert client.post(edit, {"delete": "1"}).status_code == 302
    assert not RecallRule.objects.filter(pk=rule.pk).exists()
    assert AuditEntry.objects.filter(object_type="recall.recallrule").count() == 3


def test_no_bulk_selection_without_a_send_action(
    personas: Personas, due_patient: Patient, items: Catalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = personas.client_for(personas.receptionist)
    monkeypatch.setattr(hooks, "BULK_ACTION_TEMPLATES", [])  # an install without sending
    page = client.get(reverse("recall:list")).content.decode()
    assert 'name="recall"' not in page and "recall-bulk" not in page
    patient_channel_opt_in(
        patient=due_patient, channel="email", method="paper", actor=personas.receptionist
    )
    other = make_patient(personas.receptionist, family_name="Hozzájárulásnélküli")
    procedure_done(personas, other, items.scaling, SINCE)
    # The sending side registers its action: the selection appears, one box per recall,
    # enabled only where a channel is consented.
    monkeypatch.setattr(hooks, "BULK_ACTION_TEMPLATES", ["core/_toast.html"])
    page = client.get(reverse("recall:list")).content.decode()
    assert 'id="recall-bulk"' in page
    assert page.count('name="recall"') == 2
    assert page.count('form="recall-bulk" aria-label="Hozzájárulásnélküli Anna" disabled') == 1


def test_list_queries_are_fixed(
    personas: Personas, items: Catalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same number of queries for one recall as for six on three pages, on every page."""
    monkeypatch.setattr(selectors, "RECALL_PAGE_SIZE", 2)
    client = personas.client_for(personas.receptionist)
    url = reverse("recall:list") + "?state=all"

    def count(page: int = 1) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, {"page": page})
            assert response.status_code == 200 and response.context["result"].page == page
        return len(ctx.captured_queries)

    first = make_patient(personas.receptionist)
    procedure_done(personas, first, items.scaling, SINCE)
    client.get(url)
    one = count()
    for n in range(5):
        patient = make_patient(personas.receptionist, family_name=f"Páciens{n}")
        procedure_done(personas, patient, items.scaling, SINCE - dt.timedelta(days=n + 1))
    assert [count(1), count(2), count(3)] == [one, one, one]


@pytest.fixture
def five_due(
    personas: Personas, items: Catalogue, monkeypatch: pytest.MonkeyPatch
) -> list[Patient]:
    """Five recalls due, the oldest first (Lap0 … Lap4), two a page: pages of 2, 2, 1."""
    monkeypatch.setattr(selectors, "RECALL_PAGE_SIZE", 2)
    patients = []
    for n in range(5):
        patient = make_patient(personas.receptionist, family_name=f"Lap{n}")
        procedure_done(personas, patient, items.scaling, SINCE - dt.timedelta(days=10 - n))
        patients.append(patient)
    return patients


def _shown(response: Any) -> list[int]:
    return [row.patient.pk for row, _url in response.context["rows"]]


def test_the_list_pages_through_every_recall(personas: Personas, five_due: list[Patient]) -> None:
    client = personas.client_for(personas.receptionist)
    url = reverse("recall:list")
    first = client.get(url)
    page = first.content.decode()
    assert _shown(first) == [five_due[0].pk, five_due[1].pk]
    assert "5 visszahívás · 1–2. sor látszik" in page
    assert "1. oldal, összesen 3" in page
    assert 'href="?page=2" rel="next" aria-label="Következő oldal"' in page
    assert 'rel="prev"' not in page

    middle = client.get(url, {"page": "2"})
    page = middle.content.decode()
    assert _shown(middle) == [five_due[2].pk, five_due[3].pk]
    assert "3–4. sor látszik" in page and "2. oldal, összesen 3" in page
    assert 'href="?page=1" rel="prev" aria-label="Előző oldal"' in page
    assert 'href="?page=3" rel="next"' in page
    # Each row's forms come back to this page.
    assert f'name="next" value="{url}?page=2"' in page

    last = client.get(url, {"page": "3"})
    page = last.content.decode()
    assert _shown(last) == [five_due[4].pk]
    assert "5–5. sor látszik" in page and 'rel="prev"' in page and 'rel="next"' not in page


def test_the_pager_keeps_the_filters(personas: Personas, five_due: list[Patient]) -> None:
    client = personas.client_for(personas.receptionist)
    response = client.get(
        reverse("recall:list"), {"state": "all", "doctor": str(personas.doctor.pk), "page": "2"}
    )
    page = response.content.decode()
    assert _shown(response) == [five_due[2].pk, five_due[3].pk]
    query = f"state=all&amp;doctor={personas.doctor.pk}"
    assert f'href="?{query}&amp;page=1" rel="prev"' in page
    assert f'href="?{query}&amp;page=3" rel="next"' in page


@pytest.mark.parametrize(
    ("asked", "shown"), [("99", 3), ("0", 1), ("-4", 1), ("abc", 1), ("", 1), ("2.5", 1)]
)
def test_a_page_out_of_range_or_garbage_is_clamped(
    personas: Personas, five_due: list[Patient], asked: str, shown: int
) -> None:
    client = personas.client_for(personas.receptionist)
    response = client.get(reverse("recall:list"), {"page": asked})
    assert response.status_code == 200
    assert response.context["result"].page == shown
    assert f"{shown}. oldal, összesen 3" in response.content.decode()


def test_one_page_has_no_pager(personas: Personas, due_patient: Patient) -> None:
    page = personas.client_for(personas.receptionist).get(reverse("recall:list")).content
    assert "1 visszahívás" in page.decode()
    assert b'class="pager"' not in page and "sor látszik".encode() not in page


def test_the_audit_entry_names_the_page_s_patients(
    personas: Personas, five_due: list[Patient]
) -> None:
    client = personas.client_for(personas.receptionist)
    client.get(reverse("recall:list"), {"state": "all", "page": "2"})
    entry = AuditEntry.objects.filter(action=AuditAction.VIEW).latest("id")
    assert entry.changes["patient_ids"] == [five_due[2].pk, five_due[3].pk]
    assert entry.changes["page"] == 2 and entry.changes["query"] == "state=all"


def test_bad_filters_are_named_and_the_default_list_shown(
    personas: Personas, due_patient: Patient
) -> None:
    client = personas.client_for(personas.receptionist)
    response = client.get(reverse("recall:list"), {"month": "2026-13", "doctor": "abc"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Válasszon érvényes elemet" in page  # Django's Hungarian, in the error summary
    assert "Esedékes Anna" in page
