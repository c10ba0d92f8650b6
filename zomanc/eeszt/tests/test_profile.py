# ruff: noqa: F811 - the `eeszt` fixture is imported from the outbox tests' conftest
"""S8 eProfil against the real sandbox: another institution's entries without delete, the own
entry's create → modify (new version, history) → delete, version conflicts, refusals."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from zomanc.audit.models import AuditAction, AuditEntry
from zomanc.clinical.services import visit_open
from zomanc.conftest import Personas
from zomanc.eeszt.client import profile as eprofil
from zomanc.eeszt.outbox.models import OutboxItem
from zomanc.eeszt.outbox.services import outbox_item_deliver
from zomanc.eeszt.outbox.tests.conftest import Eeszt, eeszt  # noqa: F401 - the fixture
from zomanc.patients.models import IdType, Patient, Sex

pytestmark = pytest.mark.django_db(transaction=True)

SEEDED_TAJ = "987654322"  # the sandbox seeds three entries of 01060J for him
FORBIDDEN_TAJ = "200079196"  # he forbade the eProfil
SEEDED_ALLERGY = "202500000000000301"


def _patient(personas: Personas, taj: str, family: str = "Profil") -> Patient:
    return Patient.objects.create(
        practice=personas.practice_a,
        family_name=family,
        given_name="Péter",
        sex=Sex.MALE,
        birth_date=dt.date(1960, 5, 5),
        id_type=IdType.TAJ,
        id_value=taj,
    )


def _treating(eeszt: Eeszt, patient: Patient) -> None:
    """An eKAT event of the patient at our institution: the treating relationship EESZT
    requires for reading and writing the eProfil."""
    p = eeszt.personas
    visit = visit_open(
        patient=patient,
        doctor=p.doctor,
        company=p.company_a,
        org_unit=p.org_unit_a,
        opened_by=p.doctor.user,
    )
    for item in OutboxItem.objects.filter(visit=visit):
        outbox_item_deliver(item_id=item.pk)
    assert OutboxItem.objects.get(visit=visit).result["event_id"]


@pytest.fixture
def setup(eeszt: Eeszt) -> tuple[Eeszt, Patient, Client]:
    eeszt.card_login(eeszt.personas.doctor)
    patient = _patient(eeszt.personas, SEEDED_TAJ)
    _treating(eeszt, patient)
    return eeszt, patient, eeszt.personas.client_for(eeszt.personas.doctor)


def _url(name: str, patient: Patient, entry_id: str | None = None) -> str:
    args: list[object] = [patient.pk] if entry_id is None else [patient.pk, entry_id]
    return reverse(f"eeszt:{name}", args=args)


def _row(html: str, entry_id: str) -> str:
    match = re.search(rf'<tr data-entry-id="{entry_id}">(.*?)</tr>', html, re.S)
    assert match, f"no row for {entry_id}"
    return match.group(1)


def test_another_institutions_entries_show_their_creator_and_no_delete(setup) -> None:
    _eeszt, patient, client = setup
    response = client.get(_url("profile", patient))
    assert response.status_code == 200
    html = response.content.decode()
    for label in ("Allergia", "Krónikus betegség", "Aktuális gyógyszerelés", "Implantátum"):
        assert f"<h2>{label}</h2>" in html
    row = _row(html, SEEDED_ALLERGY)
    assert "Penicillin-allergia" in row
    assert "másik intézmény: 01060J, felhasználó: O70002" in row
    assert "Törölni csak a létrehozó intézmény tudja." in row
    assert "profile_delete" not in row and "/torles/" not in row
    assert AuditEntry.objects.filter(
        patient_id=patient.pk, action=AuditAction.VIEW, object_type="eeszt.eprofil"
    ).exists()


def test_not_owner_refusal_is_explained(setup) -> None:
    _eeszt, patient, client = setup
    response = client.post(
        _url("profile_delete", patient, SEEDED_ALLERGY), {"reason": "Téves bejegyzés"}, follow=True
    )
    assert "csak az törölheti" in response.content.decode()
    assert "NOT_OWNER" in response.content.decode()
    assert not AuditEntry.objects.filter(action=AuditAction.DELETE, patient_id=patient.pk).exists()


def test_create_update_history_conflict_delete(setup) -> None:
    eeszt, patient, client = setup
    response = client.post(
        _url("profile_create", patient),
        {"category": "IMPLANTATUM", "code": "", "text": "Titán implantátum 36", "note": "2024"},
    )
    assert response.status_code == 302
    html = client.get(_url("profile", patient)).content.decode()
    match = re.search(
        r'<tr data-entry-id="(\d{18})">(?:(?!</tr>).)*Titán implantátum 36', html, re.S
    )
    assert match
    entry_id = match.group(1)
    row = _row(html, entry_id)
    assert "saját intézmény" in row and "/torles/" in html

    # Opening the entry's form is a look at it (audited).
    assert client.get(_url("profile_update", patient, entry_id)).status_code == 200
    assert AuditEntry.objects.filter(
        patient_id=patient.pk, action=AuditAction.VIEW, object_id=entry_id
    ).exists()

    # Modify: the reason is required.
    response = client.post(
        _url("profile_update", patient, entry_id),
        {"expected_version": 1, "text": "Titán implantátum 36, 37", "reason": ""},
    )
    assert response.status_code == 200
    assert "A módosítás indoka kötelező." in response.content.decode()
    response = client.post(
        _url("profile_update", patient, entry_id),
        {
            "expected_version": 1,
            "text": "Titán implantátum 36, 37",
            "reason": "Második implantátum",
        },
    )
    assert response.status_code == 302
    history = client.get(_url("profile_history", patient, entry_id)).content.decode()
    assert history.count("data-version=") == 2
    assert "Második implantátum" in history and "módosítás" in history
    assert AuditEntry.objects.filter(
        patient_id=patient.pk, action=AuditAction.VIEW, summary__contains="előzményei"
    ).exists()

    # The same modification again with the stale version: explained, current version shown.
    response = client.post(
        _url("profile_update", patient, entry_id),
        {"expected_version": 1, "text": "Titán implantátum 36-37", "reason": "Elírás javítása"},
    )
    text = response.content.decode()
    assert "Közben valaki módosította: frissítse az oldalt" in text
    assert "2. verzió" in text

    response = client.post(
        _url("profile_delete", patient, entry_id), {"reason": "Az implantátumot eltávolították"}
    )
    assert response.status_code == 302
    listing = eprofil.profile_query(
        eeszt.conn,
        _ctx(eeszt),
        patient=eprofil.PatientRef("TAJ", SEEDED_TAJ),
    )
    assert entry_id not in [e.entry_id for e in listing.entries]
    actions = set(
        AuditEntry.objects.filter(patient_id=patient.pk, object_type="eeszt.eprofil").values_list(
            "action", flat=True
        )
    )
    assert {AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE} <= actions


def _ctx(eeszt: Eeszt):
    from zomanc.eeszt.context import eeszt_call_context
    from zomanc.eeszt.models import EesztSession

    session = EesztSession.objects.filter(member=eeszt.personas.doctor).latest("pk")
    return eeszt_call_context(
        session=session,
        company=eeszt.personas.company_a,
        org_unit=eeszt.personas.org_unit_a,
        role="ORVOS",
    )


def test_profile_forbidden_is_explained(eeszt: Eeszt) -> None:
    eeszt.card_login(eeszt.personas.doctor)
    patient = _patient(eeszt.personas, FORBIDDEN_TAJ, "Tiltó")
    _treating(eeszt, patient)
    client = eeszt.personas.client_for(eeszt.personas.doctor)
    html = client.get(_url("profile", patient)).content.decode()
    assert "megtiltotta az eProfil használatát" in html
    assert "PROFILE_FORBIDDEN" in html


def test_assistant_reads_but_cannot_write(eeszt: Eeszt) -> None:
    patient = _patient(eeszt.personas, SEEDED_TAJ)
    client = eeszt.personas.client_for(eeszt.personas.assistant)
    response = client.post(
        _url("profile_create", patient), {"category": "ALLERGIA", "text": "Latex"}, follow=True
    )
    assert "csak orvos rögzíthet" in response.content.decode()
    assert not AuditEntry.objects.filter(
        action=AuditAction.CREATE, patient_id=patient.pk, object_type="eeszt.eprofil"
    ).exists()


def test_without_eeszt_login_the_login_page_comes_first(eeszt: Eeszt) -> None:
    patient = _patient(eeszt.personas, SEEDED_TAJ)
    response = eeszt.personas.client_for(eeszt.personas.doctor).get(_url("profile", patient))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("eeszt:login"))


def test_patient_without_taj_is_told_why(personas: Personas) -> None:
    patient = Patient.objects.create(
        practice=personas.practice_a,
        family_name="Nincs",
        given_name="Taj",
        sex=Sex.FEMALE,
        birth_date=dt.date(1990, 1, 1),
        id_type=IdType.OTHER,
        id_value="X1",
    )
    html = personas.client_for(personas.doctor).get(_url("profile", patient)).content.decode()
    assert "nincs TAJ-száma" in html


# --- personas -------------------------------------------------------------------------


VIEWS = [
    ("profile", "get", False),
    ("profile_create", "post", False),
    ("profile_update", "get", True),
    ("profile_delete", "post", True),
    ("profile_history", "get", True),
]


@pytest.mark.parametrize(("name", "method", "with_entry"), VIEWS)
def test_requires_login(personas: Personas, name: str, method: str, with_entry: bool) -> None:
    patient = _patient(personas, SEEDED_TAJ)
    url = _url(name, patient, SEEDED_ALLERGY if with_entry else None)
    response = getattr(Client(), method)(url)
    assert (response.status_code == 302 and "/login" in response["Location"]) or (
        response.status_code == 302 and reverse("accounts:login") in response["Location"]
    )


@pytest.mark.parametrize(("name", "method", "with_entry"), VIEWS)
def test_requires_eeszt_user(personas: Personas, name: str, method: str, with_entry: bool) -> None:
    patient = _patient(personas, SEEDED_TAJ)
    url = _url(name, patient, SEEDED_ALLERGY if with_entry else None)
    response = getattr(personas.client_for(personas.receptionist), method)(url)
    assert response.status_code == 403


@pytest.mark.parametrize(("name", "method", "with_entry"), VIEWS)
def test_hides_other_practice(personas: Personas, name: str, method: str, with_entry: bool) -> None:
    other = Patient.objects.create(
        practice=personas.practice_b,
        family_name="Másik",
        given_name="Páciens",
        sex=Sex.MALE,
        birth_date=dt.date(1980, 1, 1),
        id_type=IdType.TAJ,
        id_value=SEEDED_TAJ,
    )
    url = _url(name, other, SEEDED_ALLERGY if with_entry else None)
    response = getattr(personas.client_for(personas.doctor), method)(url)
    assert response.status_code == 404


def test_the_entry_box_menu_offers_eprofil(personas: Personas) -> None:
    patient = _patient(personas, SEEDED_TAJ)
    html = (
        personas.client_for(personas.doctor)
        .get(reverse("patients:detail", args=[patient.pk]))
        .content.decode()
    )
    assert reverse("eeszt:profile", args=[patient.pk]) in html


def test_an_unknown_code_is_explained_on_the_form(setup) -> None:
    _eeszt, patient, client = setup
    response = client.post(
        _url("profile_create", patient),
        {"category": "KRONIKUS_BETEGSEG", "code": "ZZZ99", "text": "Valami betegség"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "A kód ismeretlen vagy érvénytelen" in html and "CODE_UNKNOWN" in html
    assert 'value="Valami betegség"' in html  # the input is kept for correction
    assert not AuditEntry.objects.filter(
        action=AuditAction.CREATE, patient_id=patient.pk, object_type="eeszt.eprofil"
    ).exists()
