"""EESZT's refusals in plain Hungarian with what to do next, the code small after the
sentence: the one table (eeszt/refusals.py) and the pages that show a refusal."""

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from sandbox.soap.errors import FAULT_CODES
from zomanc.eeszt.client.errors import EesztRefused
from zomanc.eeszt.ehr.views import eeszt_error_text
from zomanc.eeszt.profile.views import PROFILE_HELP
from zomanc.eeszt.profile.views import eeszt_error_text as profile_error_text
from zomanc.eeszt.refusals import REFUSALS, refusal_html, refusal_text
from zomanc.eeszt.tests.conftest import Live
from zomanc.patients.models import IdType, Patient, Sex

CODE_AFTER = re.compile(r'^(?P<text>[^<]+) <small class="eeszt-code">(?P<code>[A-Z0-9_]+)</small>$')


def test_every_fault_code_of_the_sandbox_has_a_sentence_and_a_next_step() -> None:
    missing = set(FAULT_CODES) - set(REFUSALS)
    assert not missing, f"no Hungarian sentence for {sorted(missing)}"
    for code, (message, next_step) in REFUSALS.items():
        assert str(message).strip() and str(next_step).strip(), code
        assert code not in str(message) and code not in str(next_step)


@pytest.mark.parametrize("code", sorted(REFUSALS))
def test_the_code_comes_small_after_the_sentence_never_first(code: str) -> None:
    html = refusal_html(code, "EESZT saját üzenete")
    match = CODE_AFTER.match(str(html))
    assert match, html
    assert match["code"] == code
    assert not match["text"].startswith(code)
    assert match["text"] == str(refusal_text(code))


def test_a_code_the_table_does_not_know_keeps_eeszts_message_and_points_to_support() -> None:
    text = refusal_text("SOMETHING_NEW", "Az EESZT új hibája")
    assert text.message == "Az EESZT új hibája."
    assert "támogatás" in text.next_step and text.code == "SOMETHING_NEW"


def test_the_pages_helpers_put_the_code_last() -> None:
    exc = EesztRefused("PATIENT_NOT_FOUND", "A beteg nem található.")
    for html in (eeszt_error_text(exc), profile_error_text(exc, PROFILE_HELP)):
        match = CODE_AFTER.match(str(html))
        assert match and match["code"] == "PATIENT_NOT_FOUND", html
        assert match["text"].startswith("Az EESZT nem talál beteget")
    # A page's own help (eProfil) keeps its text, the code still last.
    forbidden = profile_error_text(EesztRefused("PROFILE_FORBIDDEN", "x"), PROFILE_HELP)
    assert str(forbidden).endswith('<small class="eeszt-code">PROFILE_FORBIDDEN</small>')


# --- against the real sandbox: the eligibility check and the EHR documents page -------------


@pytest.fixture
def bad_taj_patient(live: Live) -> Patient:
    cache.clear()
    live.card_login(live.personas.doctor)
    return Patient.objects.create(
        practice=live.personas.practice_a,
        family_name="Hibás",
        given_name="Taj",
        sex=Sex.FEMALE,
        birth_date=dt.date(1980, 5, 5),
        id_type=IdType.TAJ,
        id_value="111111111",  # wrong check digit: the sandbox answers TAJ_INVALID
    )


def test_the_eligibility_check_explains_a_refusal(live: Live, bad_taj_patient: Patient) -> None:
    client = live.personas.client_for(live.personas.doctor)
    response = client.post(
        reverse("eeszt:ehr_eligibility", args=[bad_taj_patient.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "A TAJ-szám hibás: nem stimmel az ellenőrző számjegye." in html
    assert "Javítsa a TAJ-számot a páciens adatlapján" in html
    assert '<small class="eeszt-code">TAJ_INVALID</small>' in html
    assert "TAJ_INVALID:" not in html and "(TAJ_INVALID)" not in html


def test_the_documents_page_explains_a_refusal(live: Live, bad_taj_patient: Patient) -> None:
    client = live.personas.client_for(live.personas.doctor)
    response = client.get(reverse("eeszt:ehr_documents", args=[bad_taj_patient.pk]))
    html = response.content.decode()
    assert "A TAJ-szám hibás: nem stimmel az ellenőrző számjegye." in html
    assert '<small class="eeszt-code">TAJ_INVALID</small>' in html
    assert "(TAJ_INVALID)" not in html


def test_the_reserved_sensitive_taj_shows_its_withheld_document_in_hungarian(live: Live) -> None:
    """The sandbox's reserved TAJ 999000076 (docs/sandbox.md) has a sensitive document at
    another institution: the page says in Hungarian that one is withheld, and why."""
    cache.clear()
    live.card_login(live.personas.doctor)
    patient = Patient.objects.create(
        practice=live.personas.practice_a,
        family_name="Érzékeny",
        given_name="Teszt",
        sex=Sex.FEMALE,
        birth_date=dt.date(1980, 5, 5),
        id_type=IdType.TAJ,
        id_value="999000076",
    )
    client = live.personas.client_for(live.personas.doctor)
    html = client.get(reverse("eeszt:ehr_documents", args=[patient.pk])).content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "1 dokumentumot a hozzáférési szabályok miatt nem láthat." in text
    assert "különösen érzékeny kategória" in text
