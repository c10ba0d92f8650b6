"""S10: the insurance light (TB-lámpa) against the real sandbox's seeded patients, fetched
on demand and kept for the day; never an EESZT call on a plain patient page."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse

from zomanc.audit.models import AuditAction, AuditEntry
from zomanc.eeszt.tests.conftest import Live
from zomanc.patients.models import IdType, Patient, Sex

# The sandbox's register (docs/sandbox.md): these TAJ numbers have these colours.
SEEDED = [
    ("111111110", "ZÖLD", "Érvényes a biztosítási jogviszony."),
    ("200158389", "PIROS", "ellátást ettől nem szabad megtagadni"),
    ("200237572", "KÉK", "Másik EU-tagállamban biztosított."),
    ("200316765", "BARNA", "az ellátás térítésköteles"),
    ("200395951", "SÁRGA", "csak sürgős esetben"),
]


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def _patient(practice, taj="111111110", id_type=IdType.TAJ):
    return Patient.objects.create(
        practice=practice,
        family_name="Lámpa",
        given_name="Teszt",
        sex=Sex.FEMALE,
        birth_date=dt.date(1980, 5, 5),
        id_type=id_type,
        id_value=taj,
    )


def _url(patient):
    return reverse("eeszt:ehr_eligibility", args=[patient.pk])


@pytest.mark.parametrize(("taj", "label", "meaning"), SEEDED)
def test_colours_of_seeded_patients(live: Live, taj, label, meaning):
    live.card_login(live.personas.doctor)
    patient = _patient(live.personas.practice_a, taj)
    client = live.personas.client_for(live.personas.doctor)
    response = client.post(_url(patient), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"TB-lámpa: {label}" in html
    assert meaning in html
    assert AuditEntry.objects.filter(
        action=AuditAction.VIEW, patient_id=patient.pk, object_type="eeszt.eligibility"
    ).exists()


# The sandbox's reserved TAJ numbers (docs/sandbox.md, "Bármely érvényes TAJ szám
# biztosított") and a valid TAJ it has never seen (EESZT knows every insured person: ZÖLD).
RESERVED = [
    ("999000014", "BARNA", "az ellátás térítésköteles"),  # not found
    ("999000021", "PIROS", "ellátást ettől nem szabad megtagadni"),
    ("999000038", "KÉK", "Másik EU-tagállamban biztosított."),
    ("999000045", "BARNA", "az ellátás térítésköteles"),  # not insured
    ("999000052", "SÁRGA", "csak sürgős esetben"),
    ("999000069", "BARNA", "az ellátás térítésköteles"),  # deceased
    ("123456788", "ZÖLD", "Érvényes a biztosítási jogviszony."),
]


@pytest.mark.parametrize(("taj", "label", "meaning"), RESERVED)
def test_reserved_and_unseen_taj_numbers_in_hungarian(live: Live, taj, label, meaning):
    live.card_login(live.personas.doctor)
    patient = _patient(live.personas.practice_a, taj)
    client = live.personas.client_for(live.personas.doctor)
    html = client.post(_url(patient), HTTP_HX_REQUEST="true").content.decode()
    assert f"TB-lámpa: {label}" in html
    assert meaning in html


def test_answer_is_kept_for_the_day_without_calling_eeszt_again(live: Live, settings):
    live.card_login(live.personas.doctor)
    patient = _patient(live.personas.practice_a, "200158389")
    client = live.personas.client_for(live.personas.doctor)
    # Before any check the lazy fragment only offers the button.
    html = client.get(_url(patient)).content.decode()
    assert "TB-lámpa:" not in html and "TB-jogviszony lekérdezése (EESZT)" in html
    client.post(_url(patient), HTTP_HX_REQUEST="true")
    settings.EESZT_ENDPOINT = "https://127.0.0.1:9"  # EESZT is gone from now on
    html = client.get(_url(patient)).content.decode()
    assert "TB-lámpa: PIROS" in html
    # Asking again now says clearly that EESZT is unreachable (not a 500).
    response = client.post(_url(patient), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Az EESZT most nem érhető el" in response.content.decode()


def test_a_changed_taj_is_not_shown_the_old_colour(live: Live):
    live.card_login(live.personas.doctor)
    patient = _patient(live.personas.practice_a, "200158389")
    client = live.personas.client_for(live.personas.doctor)
    client.post(_url(patient), HTTP_HX_REQUEST="true")
    Patient.objects.filter(pk=patient.pk).update(id_value="111111110")
    assert "TB-lámpa:" not in client.get(_url(patient)).content.decode()


def test_check_without_eeszt_login_goes_to_login(live: Live):
    patient = _patient(live.personas.practice_a)
    client = live.personas.client_for(live.personas.doctor)
    detail = reverse("patients:detail", args=[patient.pk])
    response = client.post(
        _url(patient), HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL=f"http://testserver{detail}"
    )
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("eeszt:login"))


def test_patient_without_taj_is_told_why(personas):
    patient = _patient(personas.practice_a, "", IdType.UNKNOWN)
    html = personas.client_for(personas.doctor).get(_url(patient)).content.decode()
    assert "csak TAJ szám alapján kérdezhető le" in html
    assert "<button" not in html


def test_patient_page_loads_the_light_lazily_without_extra_queries(
    personas, django_assert_num_queries
):
    patient = _patient(personas.practice_a)
    client = personas.client_for(personas.doctor)
    url = reverse("patients:detail", args=[patient.pk])
    html = client.get(url).content.decode()
    assert f'hx-get="{_url(patient)}"' in html and 'hx-trigger="load"' in html
    assert "TB-lámpa:" not in html  # nothing from EESZT in the page itself
    with django_assert_num_queries(0):
        render_to_string(
            "eeszt/_ehr_eligibility_slot.html", {"patient": patient, "can": {"eeszt_use": True}}
        )
    # The receptionist (no EESZT use) gets no light at all.
    html = personas.client_for(personas.receptionist).get(url).content.decode()
    assert _url(patient) not in html


# --- personas -------------------------------------------------------------------------------


def test_requires_login(client, personas):
    patient = _patient(personas.practice_a)
    for response in (client.get(_url(patient)), client.post(_url(patient))):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_requires_eeszt_use_role(personas):
    patient = _patient(personas.practice_a)
    client = personas.client_for(personas.receptionist)
    assert client.get(_url(patient)).status_code == 403
    assert client.post(_url(patient)).status_code == 403


def test_hides_other_practice(personas):
    other = _patient(personas.practice_b)
    client = personas.client_for(personas.doctor)
    assert client.get(_url(other)).status_code == 404
    assert client.post(_url(other)).status_code == 404
