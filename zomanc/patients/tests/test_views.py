"""Persona tests for the Páciensek pages (house style §4) and their behaviour."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zomanc.audit.models import AuditAction, AuditEntry
from zomanc.conftest import Personas
from zomanc.patients.models import Patient
from zomanc.patients.tests.factories import make_patient
from zomanc.practices import permissions
from zomanc.practices.models import Role
from zomanc.practices.permissions import Perm

FORM = {
    "family_name": "Szabó",
    "given_name": "Gergő",
    "sex": "M",
    "birth_date": "1991.03.04.",
    "birth_place": "Debrecen",
    "mother_name": "Kiss Ilona",
    "postal_code": "4025",
    "city": "Debrecen",
    "street_address": "Piac utca 1.",
    "country": "HU",
    "phone": "+36 52 123 456",
    "email": "gergo@example.test",
    "id_type": "TAJ",
    "id_value": "987 654 322",
}


def _urls(patient_id: int) -> list[str]:
    return [
        reverse("patients:list"),
        reverse("patients:create"),
        reverse("patients:detail", args=[patient_id]),
        reverse("patients:edit", args=[patient_id]),
    ]


def test_requires_login(personas: Personas, client: Client) -> None:
    patient = make_patient(personas.receptionist)
    for url in _urls(patient.pk):
        response = client.get(url)
        assert response.status_code == 302, url
        assert reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("role", ["owner", "doctor", "assistant", "receptionist"])
def test_every_role_sees_and_edits_patients(personas: Personas, role: str) -> None:
    patient = make_patient(personas.receptionist)
    client = personas.client_for(getattr(personas, role))
    for url in _urls(patient.pk):
        assert client.get(url).status_code == 200, url


def test_requires_patient_view_permission(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pages ask the permission matrix: a role without the permission gets 403."""
    patient = make_patient(personas.receptionist)
    monkeypatch.setitem(
        permissions.MATRIX, Perm.PATIENT_VIEW, frozenset(set(Role) - {Role.RECEPTIONIST})
    )
    monkeypatch.setitem(
        permissions.MATRIX, Perm.PATIENT_EDIT, frozenset(set(Role) - {Role.RECEPTIONIST})
    )
    client = personas.client_for(personas.receptionist)
    for url in _urls(patient.pk):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("patients:create"), FORM).status_code == 403
    assert not Patient.objects.filter(family_name="Szabó").exists()


def test_requires_patient_edit_permission(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    patient = make_patient(personas.receptionist)
    monkeypatch.setitem(
        permissions.MATRIX, Perm.PATIENT_EDIT, frozenset(set(Role) - {Role.RECEPTIONIST})
    )
    client = personas.client_for(personas.receptionist)
    assert client.get(reverse("patients:detail", args=[patient.pk])).status_code == 200
    assert client.get(reverse("patients:create")).status_code == 403
    assert client.post(reverse("patients:edit", args=[patient.pk]), FORM).status_code == 403
    list_page = client.get(reverse("patients:list")).content.decode()
    assert reverse("patients:create") not in list_page


def test_hides_other_practice(personas: Personas) -> None:
    other = make_patient(personas.outsider, family_name="Titkos")
    client = personas.client_for(personas.doctor)
    for url in _urls(other.pk)[2:]:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("patients:edit", args=[other.pk]), FORM).status_code == 404
    assert "Titkos" not in client.get(reverse("patients:list")).content.decode()
    assert "Titkos" not in client.get(reverse("patients:list"), {"q": "titkos"}).content.decode()
    # The searches are logged (with what was asked), but nothing names the hidden patient.
    views = AuditEntry.objects.filter(action=AuditAction.VIEW)
    assert not views.filter(patient_id=other.pk).exists()
    assert all(entry.changes["patient_ids"] == [] for entry in views)


def test_create_patient(personas: Personas) -> None:
    client = personas.client_for(personas.receptionist)
    response = client.post(reverse("patients:create"), FORM)
    patient = Patient.objects.get(family_name="Szabó")
    assert response.status_code == 302
    assert response["Location"] == reverse("patients:detail", args=[patient.pk])
    assert patient.practice == personas.practice_a
    assert patient.id_value == "987654322"
    assert str(patient.birth_date) == "1991-03-04"
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, patient_id=patient.pk).exists()


def test_create_with_iso_birth_date_and_without_taj(personas: Personas) -> None:
    client = personas.client_for(personas.receptionist)
    data = {**FORM, "birth_date": "1991-03-04", "id_type": "UNKNOWN", "id_value": ""}
    assert client.post(reverse("patients:create"), data).status_code == 302
    assert Patient.objects.get(family_name="Szabó").id_value == ""


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("111111111", "ellenőrző számjegye hibás"),
        ("12345678", "pontosan 9 számjegy"),
        ("12345678X", "csak számjegyeket"),
        ("000000000", "csupa nulla"),
        ("", "Adja meg a TAJ számot"),
    ],
)
def test_invalid_taj_message_next_to_field(personas: Personas, value: str, message: str) -> None:
    client = personas.client_for(personas.receptionist)
    response = client.post(reverse("patients:create"), {**FORM, "id_value": value})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["id_value"]
    assert message in errors["id_value"][0]
    assert message in response.content.decode()
    assert not Patient.objects.exists()


def test_required_fields_in_hungarian(personas: Personas) -> None:
    client = personas.client_for(personas.receptionist)
    response = client.post(reverse("patients:create"), {"id_type": "UNKNOWN"})
    errors = response.context["form"].errors
    assert {"family_name", "given_name", "sex", "birth_date"} <= set(errors)
    assert "Ennek a mezőnek a megadása kötelező." in errors["family_name"]


def test_bad_birth_date(personas: Personas) -> None:
    client = personas.client_for(personas.receptionist)
    response = client.post(reverse("patients:create"), {**FORM, "birth_date": "17/05/1980"})
    assert "birth_date" in response.context["form"].errors
    response = client.post(reverse("patients:create"), {**FORM, "birth_date": "2999.01.01."})
    assert "1900.01.01. és a mai nap" in response.content.decode()
    assert not Patient.objects.exists()


def test_duplicate_taj_links_existing_patient(personas: Personas) -> None:
    existing = make_patient(personas.doctor, id_value="987654322")
    client = personas.client_for(personas.receptionist)
    response = client.post(reverse("patients:create"), FORM)
    assert response.status_code == 200
    link = reverse("patients:detail", args=[existing.pk])
    assert f'<a href="{link}">' in response.content.decode()
    assert link in response.context["form"].errors["id_value"][0]
    assert Patient.objects.count() == 1


def test_edit_patient(personas: Personas) -> None:
    patient = make_patient(personas.receptionist)
    client = personas.client_for(personas.assistant)
    page = client.get(reverse("patients:edit", args=[patient.pk])).content.decode()
    assert 'value="1980.05.17."' in page
    response = client.post(reverse("patients:edit", args=[patient.pk]), FORM)
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.family_name == "Szabó"
    entry = AuditEntry.objects.get(action=AuditAction.UPDATE, patient_id=patient.pk)
    assert entry.changes["family_name"] == ["Kovács", "Szabó"]
    assert entry.actor == personas.assistant.user


def test_detail_shows_identity_and_audits_view(personas: Personas) -> None:
    patient = make_patient(personas.receptionist, id_value="123456788")
    client = personas.client_for(personas.doctor)
    page = client.get(reverse("patients:detail", args=[patient.pk])).content.decode()
    assert "Kovács Anna" in page
    assert "123 456 788" in page
    assert "1980.05.17." in page
    assert "éves" in page
    assert "1117 Budapest, Október huszonharmadika utca 8." in page
    assert reverse("patients:edit", args=[patient.pk]) in page
    entry = AuditEntry.objects.get(action=AuditAction.VIEW)
    assert entry.patient_id == patient.pk and entry.actor == personas.doctor.user
    client.get(reverse("patients:detail", args=[patient.pk]))
    assert AuditEntry.objects.filter(action=AuditAction.VIEW).count() == 2


def test_search_page(personas: Personas) -> None:
    make_patient(personas.receptionist, family_name="Kovács", id_value="123456788")
    make_patient(personas.receptionist, family_name="Tóth", given_name="Béla")
    client = personas.client_for(personas.receptionist)
    page = client.get(reverse("patients:list"), {"q": "kovacs"}).content.decode()
    assert "Kovács Anna" in page and "Tóth Béla" not in page
    page = client.get(reverse("patients:list"), {"q": "123 456 788"}).content.decode()
    assert "Kovács Anna" in page and "Tóth Béla" not in page
    page = client.get(reverse("patients:list"), {"q": "zzz", "page": "x"}).content.decode()
    assert "Nincs a keresésnek megfelelő páciens." in page


def test_nav_has_patients(personas: Personas) -> None:
    client = personas.client_for(personas.receptionist)
    page = client.get(reverse("core:home")).content.decode()
    assert reverse("patients:list") in page and "Páciensek" in page


def _queries(client: Client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


@pytest.mark.parametrize("query", ["", "kovacs"])
def test_list_query_count_is_fixed(personas: Personas, query: str) -> None:
    """The page of patients is one query, whatever the number of patients and the page size;
    everything else on the page (session, user, membership, the base template) is fixed."""
    url = reverse("patients:list") + f"?q={query}"
    client = personas.client_for(personas.receptionist)
    make_patient(personas.receptionist, given_name="Anna0")
    _queries(client, url)  # warm the session
    few = _queries(client, url)
    for i in range(1, 40):
        make_patient(personas.receptionist, given_name=f"Anna{i}")
    many = _queries(client, url)
    assert len(many) == len(few)
    assert sum("patients_patient" in sql for sql in many) == 1
    assert len(few) <= 8  # a regression guard: middleware + one page query + base template
