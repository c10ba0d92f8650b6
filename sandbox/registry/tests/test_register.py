"""The register answers for any check-digit-valid TAJ (issue 13); reserved TAJs play the
negative cases; seeded persons keep their fixed states."""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from sandbox import testing
from sandbox.conftest import Soap
from sandbox.documents.cda import CdaContent, cda_build
from sandbox.documents.models import Document
from sandbox.documents.tests.helpers import (
    DOCS,
    EKAT,
    ELIGIBILITY,
    doc_list,
    now,
    start_event,
)
from sandbox.registry.models import IdType, Patient, PatientOrigin
from sandbox.registry.register import RESERVED, TAJ_NOT_FOUND, generated_identity
from sandbox.registry.seed import demo_patients

pytestmark = pytest.mark.django_db
FRESH = "222222220"


def _eligibility(soap: Soap, taj: str) -> testing.Answer:
    return soap.call(
        "eligibility", testing.payload(ELIGIBILITY, "EligibilityCheckRequest", taj=taj)
    )


def test_a_fresh_valid_taj_gets_a_deterministic_generated_identity(soap: Soap) -> None:
    assert _eligibility(soap, FRESH).find("status") == "ZOLD"
    person = Patient.objects.get(id_type=IdType.TAJ, id_value=FRESH)
    who = generated_identity(FRESH)
    assert (person.name, person.birth_date, person.sex) == (who.name, who.birth_date, who.sex)
    assert person.origin == PatientOrigin.GENERATED
    assert generated_identity(FRESH) == who  # same TAJ, same identity


def test_identity_comes_from_the_first_document_that_carries_one(soap: Soap) -> None:
    taj = "333333330"
    event_id = start_event(soap, taj)
    assert Patient.objects.get(id_value=taj).origin == PatientOrigin.GENERATED
    created = now()
    body = cda_build(
        CdaContent(
            patient_id_type="TAJ",
            patient_id=taj,
            patient_family="Próba",
            patient_given="Piroska",
            patient_sex="2",
            patient_birth=dt.date(1988, 3, 4),
            author_stamp="58012",
            author_name="Dr. Kovács Anna",
            institution_id="506097",
            institution_name="Mosoly Fogászat Kft.",
            created_at=created,
            doc_type="11",
            title="Ambuláns lap",
            confidentiality="N",
            event_id=event_id,
            sections=[("Státusz", "Fogkő.")],
        )
    )
    answer = soap.call(
        "documents",
        testing.payload(
            DOCS,
            "DocumentSubmitRequest",
            patient={"idType": "TAJ", "id": taj},
            eventId=event_id,
            clientCaseId="CASE-R",
            clientDocumentId="DOC-R",
            docType="11",
            title="Ambuláns lap",
            authorStamp="58012",
            createdAt=created,
            confidentiality="N",
            body={"mimeType": "text/xml", "content": base64.b64encode(body).decode()},
        ),
    )
    assert answer.status == 200, answer.fault_message
    person = Patient.objects.get(id_type=IdType.TAJ, id_value=taj)
    assert (person.name, person.birth_date, person.sex) == (
        "Próba Piroska",
        dt.date(1988, 3, 4),
        "2",
    )
    assert person.origin == PatientOrigin.REQUEST


def test_seeded_persons_keep_their_fixed_states(soap: Soap) -> None:
    for p in demo_patients():
        person = Patient.objects.get(id_type=IdType.TAJ, id_value=p.taj)
        assert (person.name, person.eligibility) == (p.name, p.eligibility)
        assert person.origin == PatientOrigin.SEED


def test_reserved_tajs_play_each_negative_case(soap: Soap) -> None:
    assert not Patient.objects.filter(id_value=TAJ_NOT_FOUND).exists()
    colours = {r.taj: r.eligibility for r in RESERVED if r.taj != TAJ_NOT_FOUND}
    for taj, colour in colours.items():
        assert _eligibility(soap, taj).find("status") == colour
    assert {"PIROS", "KEK", "BARNA", "SARGA"} <= set(colours.values())
    query = testing.payload(
        EKAT, "EventQueryRequest", patient={"idType": "TAJ", "id": TAJ_NOT_FOUND}
    )
    assert soap.call("ekat", query).fault_code == "PATIENT_NOT_FOUND"
    assert not Patient.objects.filter(id_value=TAJ_NOT_FOUND).exists()
    # The sensitive one: a psychiatric document at another provider, withheld.
    assert Document.objects.filter(patient__id_value="999000076", category="PSZICH").exists()
    assert doc_list(soap, "999000076").find("withheld") == "1"
