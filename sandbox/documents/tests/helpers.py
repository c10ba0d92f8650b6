"""Shared helpers of the business-service tests (documents, access, eProfil, e-Beutaló)."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from typing import Any

from sandbox import testing
from sandbox.conftest import Soap
from sandbox.documents.cda import CdaContent, cda_build
from sandbox.registry import seed
from sandbox.registry.models import IdType, Patient
from sandbox.soap.ns import service_ns

EKAT = service_ns("ekat")
DOCS = service_ns("documents")
ACCESS = service_ns("access")
PROFILE = service_ns("profile")
REFERRAL = service_ns("referral")
ELIGIBILITY = service_ns("eligibility")

TAJ = "123456788"  # Szabó Zoé: no seeded history
HISTORY_TAJ = "987654322"  # Kiss Máté: BEL + PSZICH history at 01060J, eProfil entries
DOR_TAJ = "200000006"  # Farkas Hanna: DÖR (user O61234, category BEL), BEL history
FORBIDDEN_TAJ = "200079196"  # Tóth Levente: forbade the eProfil
REFERRAL_TAJ = "111111110"  # Nagy Bence: seeded referrals


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def patient(taj: str) -> dict[str, str]:
    return {"idType": "TAJ", "id": taj}


def other(other_waf_der: bytes, user: str = seed.OTHER_DOCTOR) -> dict[str, Any]:
    """Call as the other institution's psychiatrist (or another of its doctors)."""
    org_unit = seed.OTHER_ORG_UNIT if user == seed.OTHER_DOCTOR else "010600001"
    return {
        "user": user,
        "institution": seed.OTHER_INSTITUTION,
        "org_unit": org_unit,
        "cert": other_waf_der,
    }


def start_event(soap: Soap, taj: str = TAJ, *, when: dt.datetime | None = None, **kw: Any) -> str:
    when = when or now()
    specialty = kw.pop("specialty", "FOG")
    stamp = kw.pop("stamp", "58012")
    answer = soap.call(
        "ekat",
        testing.payload(
            EKAT,
            "EventStartRequest",
            patient=patient(taj),
            clientVisitId=kw.pop("visit", f"V-{uuid.uuid4().hex[:8]}"),
            careType="JARO",
            specialty=specialty,
            eventTime=when,
            recordedTime=when,
            responsibleStamp=stamp,
        ),
        **kw,
    )
    assert answer.status == 200, answer.fault_message
    return answer.find("eventId") or ""


def close_event(soap: Soap, event_id: str, *, stamp: str = "58012", **kw: Any) -> testing.Answer:
    when = now()
    return soap.call(
        "ekat",
        testing.payload(
            EKAT,
            "EventCloseRequest",
            eventId=event_id,
            endTime=when,
            recordedTime=when,
            responsibleStamp=stamp,
            diagnoses={"diagnosis": ["K0210"]},
        ),
        **kw,
    )


def cda(
    taj: str,
    *,
    event_id: str = "",
    created_at: dt.datetime,
    stamp: str = "58012",
    institution: str = seed.DEMO_INSTITUTION,
    doc_type: str = "11",
    confidentiality: str = "N",
    text: str = "Fogszuvasodás, tömés.",
    client_document_id: str = "DOC-1",
    version: int = 1,
    diagnoses: list[str] | None = None,
) -> bytes:
    p = Patient.objects.get(id_type=IdType.TAJ, id_value=taj)
    family, _, given = p.name.partition(" ")
    return cda_build(
        CdaContent(
            patient_id_type="TAJ",
            patient_id=taj,
            patient_family=family,
            patient_given=given,
            patient_sex=p.sex,
            patient_birth=p.birth_date,
            author_stamp=stamp,
            author_name="Dr. Teszt",
            institution_id=institution,
            institution_name="Teszt intézmény",
            created_at=created_at,
            doc_type=doc_type,
            title="Ambuláns lap",
            confidentiality=confidentiality,
            event_id=event_id,
            client_document_id=client_document_id,
            version=version,
            diagnoses=diagnoses or [],
            sections=[("Státusz", text)],
        )
    )


def submit(
    soap: Soap,
    *,
    taj: str = TAJ,
    event_id: str,
    body: bytes | None = None,
    client_document_id: str = "DOC-1",
    created_at: dt.datetime | None = None,
    mime: str = "text/xml",
    doc_type: str = "11",
    confidentiality: str = "N",
    stamp: str = "58012",
    **kw: Any,
) -> testing.Answer:
    created_at = created_at or now()
    if body is None:
        body = cda(
            taj,
            event_id=event_id,
            created_at=created_at,
            doc_type=doc_type,
            confidentiality=confidentiality,
            stamp=stamp,
        )
    return soap.call(
        "documents",
        testing.payload(
            DOCS,
            "DocumentSubmitRequest",
            patient=patient(taj),
            eventId=event_id,
            clientCaseId="CASE-1",
            clientDocumentId=client_document_id,
            docType=doc_type,
            title="Ambuláns lap",
            authorStamp=stamp,
            createdAt=created_at,
            confidentiality=confidentiality,
            diagnoses={"diagnosis": ["K0210"]},
            body={"mimeType": mime, "content": base64.b64encode(body).decode()},
        ),
        **kw,
    )


def doc_list(soap: Soap, taj: str, **kw: Any) -> testing.Answer:
    return soap.call(
        "documents", testing.payload(DOCS, "DocumentListRequest", patient=patient(taj)), **kw
    )


def doc_get(soap: Soap, ref: str, **kw: Any) -> testing.Answer:
    return soap.call("documents", testing.payload(DOCS, "DocumentGetRequest", documentId=ref), **kw)


def listed_ids(answer: testing.Answer) -> list[str]:
    return [
        d.findtext(f"{{{DOCS}}}versionedId") or ""
        for d in answer.body.iterfind(f"{{{DOCS}}}document")
    ]


def breakglass(
    soap: Soap,
    taj: str,
    reason: str = "ELETVESZELY",
    text: str | None = "Eszméletlen, vérző beteg",
    **kw: Any,
) -> testing.Answer:
    return soap.call(
        "access",
        testing.payload(
            ACCESS, "BreakglassRequest", patient=patient(taj), reasonCode=reason, justification=text
        ),
        **kw,
    )
