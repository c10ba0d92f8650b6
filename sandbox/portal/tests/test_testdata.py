"""Tesztadatok: referrals and documents from other providers, through the referral and
documents apps' services."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from sandbox.documents.models import Document
from sandbox.referral.models import Referral
from sandbox.registry.models import IdType, Patient

pytestmark = pytest.mark.django_db


def _pk(taj: str = "987654322") -> str:
    return str(Patient.objects.get(id_type=IdType.TAJ, id_value=taj).pk)


def _referral(**extra: str) -> dict[str, str]:
    return {
        "patient": _pk(),
        "referring_org_unit": "010600001",
        "referring_doctor": "70002",
        "target_specialty": "FOG",
        "target_institution": "",
        "history": "Fogínyvérzés, fájdalom.",
        "diagnosis_code": "",
        "diagnosis_text": "",
        "question": "Kérem a fogászati ellátást.",
        "days_ago": "0",
        **extra,
    }


def test_issue_referral_from_another_institution(operator_client: Client) -> None:
    response = operator_client.post(reverse("portal:testdata_referral"), _referral())
    assert response.status_code == 302
    referral = Referral.objects.get(
        patient__id_value="987654322", referring_org_unit__code="010600001"
    )
    assert referral.target_specialty == "FOG" and referral.status == "KIADOTT"
    assert referral.referral_id in operator_client.get(reverse("portal:testdata")).content.decode()


def test_issue_an_already_expired_referral(operator_client: Client) -> None:
    operator_client.post(reverse("portal:testdata_referral"), _referral(days_ago="100"))
    page = operator_client.get(reverse("portal:testdata")).content.decode()
    assert "LEJART" in page


def test_referral_errors_are_shown_next_to_the_fields(operator_client: Client) -> None:
    count = Referral.objects.count()
    response = operator_client.post(
        reverse("portal:testdata_referral"), _referral(question="", diagnosis_text="")
    )
    assert response.status_code == 400
    assert (
        "Diagnózis (szöveg + BNO kód) vagy a kérdés megadása kötelező." in response.content.decode()
    )
    assert Referral.objects.count() == count


def test_revoke_referral(operator_client: Client) -> None:
    operator_client.post(reverse("portal:testdata_referral"), _referral())
    referral = Referral.objects.order_by("-pk").first()
    assert referral is not None
    operator_client.post(reverse("portal:testdata_referral_revoke", args=[referral.referral_id]))
    referral.refresh_from_db()
    assert referral.status == "VISSZAVONT"


def test_add_sensitive_document_from_another_provider(operator_client: Client) -> None:
    response = operator_client.post(
        reverse("portal:testdata_document"),
        {
            "patient": _pk(),
            "org_unit": "0108R2272",
            "author": "O70001",
            "doc_type": "11",
            "title": "Pszichiátriai gondozás",
            "text": "Kontroll vizsgálat.",
            "confidentiality": "N",
            "diagnoses": "",
            "days_ago": "12",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    document = Document.objects.get(
        patient__id_value="987654322", current__title="Pszichiátriai gondozás"
    )
    assert document.category == "PSZICH"
    assert document.current is not None and document.current.sensitive


def test_document_refusal_is_shown_on_the_form(operator_client: Client) -> None:
    count = Document.objects.count()
    response = operator_client.post(
        reverse("portal:testdata_document"),
        {
            "patient": _pk(),
            "org_unit": "0108R2272",
            "author": "O70001",
            "doc_type": "11",
            "title": "Hibás BNO",
            "text": "Szöveg.",
            "confidentiality": "N",
            "diagnoses": "XXXX",
            "days_ago": "1",
        },
    )
    assert response.status_code == 400
    assert "CODE_UNKNOWN" in response.content.decode()
    assert Document.objects.count() == count


def test_testdata_needs_operator(client: Client, seeded: None) -> None:
    response = client.post(reverse("portal:testdata_referral"), {})
    assert response.status_code == 302


def test_testdata_page_lists_the_reserved_taj_numbers(operator_client: Client) -> None:
    from sandbox.registry.register import RESERVED

    page = operator_client.get(reverse("portal:testdata")).content.decode()
    for r in RESERVED:
        assert r.taj in page


def _person(**extra: str) -> dict[str, str]:
    return {
        "taj": "444444440",
        "name": "Teszt Elek",
        "birth_date": "1970-05-06",
        "sex": "1",
        "eligibility": "SARGA",
        "deceased_on": "",
        **extra,
    }


def test_operator_adds_and_edits_a_test_person(operator_client: Client) -> None:
    response = operator_client.post(reverse("portal:testdata_person"), _person())
    assert response.status_code == 302
    person = Patient.objects.get(id_type=IdType.TAJ, id_value="444444440")
    assert (person.name, person.eligibility, person.origin) == ("Teszt Elek", "SARGA", "OPERATOR")
    form = operator_client.get(reverse("portal:testdata") + "?szemely=444444440").content.decode()
    assert 'value="Teszt Elek"' in form
    operator_client.post(
        reverse("portal:testdata_person"), _person(name="Teszt Elemér", deceased_on="2025-01-02")
    )
    person.refresh_from_db()
    assert person.name == "Teszt Elemér" and str(person.deceased_on) == "2025-01-02"


def test_test_person_with_a_bad_taj_is_refused_in_hungarian(operator_client: Client) -> None:
    response = operator_client.post(reverse("portal:testdata_person"), _person(taj="444444441"))
    assert response.status_code == 400
    assert "TAJ szám érvénytelen" in response.content.decode()
    assert not Patient.objects.filter(id_value="444444441").exists()
    reserved = operator_client.post(reverse("portal:testdata_person"), _person(taj="999000014"))
    assert reserved.status_code == 400
    assert not Patient.objects.filter(id_value="999000014").exists()


def test_person_page_requires_the_operator(client: Client, seeded: None) -> None:
    response = client.post(reverse("portal:testdata_person"), _person())
    assert response.status_code in (302, 403)
    assert not Patient.objects.filter(id_value="444444440").exists()
