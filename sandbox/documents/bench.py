"""The calls ``sandbox_bench`` times, shared with the query-budget test.

``bench_prepare`` gives a test patient ``n_docs`` documents (one open eKAT event at the
demo institution, so the demo dentist has a treating relationship) and returns the calls:
EligibilityCheck (the framework's floor: no patient data), DocumentList, DocumentGet,
EventQuery and DocumentSubmit. Submits go to a second patient, so the listed patient keeps
exactly ``n_docs`` documents however many rounds run. Needs a seeded database.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from sandbox import testing
from sandbox.documents.cda import CdaContent, cda_build
from sandbox.documents.models import MIME_CDA
from sandbox.documents.services import Submission, document_submit
from sandbox.ekat.models import Event
from sandbox.ekat.services import Actor, event_start
from sandbox.idp.services import session_issue
from sandbox.pki.services import waf_certificate_issue
from sandbox.registry import seed
from sandbox.registry.models import IdType, Institution, OrgUnit, Patient, User
from sandbox.soap.ns import service_ns
from sandbox.soap.pipeline import Outcome, handle
from sandbox.soap.registry import SERVICES

LIST_TAJ = "200475141"  # Molnár Emma: no seeded history; gets the documents
SUBMIT_TAJ = (
    "200554334"  # Kovács Bence: no seeded history; takes the benchmark's DocumentSubmit calls
)
FLOOR = "EligibilityCheck"


@dataclass
class Bench:
    cert_der: bytes
    assertion: bytes
    # call name -> (service name, request payload builder)
    cases: dict[str, tuple[str, Callable[[], etree._Element]]]

    def envelope(self, name: str) -> bytes:
        _, build = self.cases[name]
        return testing.envelope(
            build(),
            testing.security_element(assertion=self.assertion),
            testing.context_element(
                user_id=seed.DEMO_DENTIST,
                institution_id=seed.DEMO_INSTITUTION,
                org_unit_id=seed.DEMO_ORG_UNIT,
                role="ORVOS",
            ),
        )

    def call(self, name: str, envelope: bytes | None = None) -> Outcome:
        service, _ = self.cases[name]
        return handle(SERVICES[service], envelope or self.envelope(name), self.cert_der)


def _cda(
    patient: Patient, user: User, institution: Institution, event: Event, **kw: object
) -> bytes:
    return cda_build(
        CdaContent(
            patient_id_type="TAJ",
            patient_id=patient.id_value,
            patient_family=patient.name.split()[0],
            patient_given=patient.name.split()[-1],
            patient_sex=patient.sex,
            patient_birth=patient.birth_date,
            author_stamp="58012",
            author_name=user.name,
            institution_id=institution.institution_id,
            institution_name=institution.name,
            doc_type="11",
            event_id=event.event_id,
            **kw,  # type: ignore[arg-type]
        )
    )


def bench_prepare(*, n_docs: int) -> Bench:
    institution = Institution.objects.get(institution_id=seed.DEMO_INSTITUTION)
    org_unit = OrgUnit.objects.get(code=seed.DEMO_ORG_UNIT)
    user = User.objects.select_related("doctor").get(user_id=seed.DEMO_DENTIST)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    actor = Actor(user=user, institution=institution, org_unit=org_unit, now=now)

    def patient_with_event(taj: str) -> tuple[Patient, Event]:
        patient = Patient.objects.get(id_type=IdType.TAJ, id_value=taj)
        event, _ = event_start(
            actor=actor,
            patient=patient,
            client_visit_id=f"bench-{taj}",
            care_type="JARO",
            specialty="FOG",
            event_time=now,
            recorded_time=now,
            responsible_stamp="58012",
        )
        return patient, event

    patient, event = patient_with_event(LIST_TAJ)
    target, target_event = patient_with_event(SUBMIT_TAJ)
    first_doc = ""
    for i in range(n_docs):
        created = now - dt.timedelta(days=i)
        title = f"Ambuláns lap {i}"
        version, _ = document_submit(
            sub=Submission(
                patient=patient,
                event_id=event.event_id,
                client_case_id="bench",
                client_document_id=f"bench-{i}",
                doc_type="11",
                title=title,
                author_stamp="58012",
                created_at=created,
                confidentiality="N",
                mime_type=MIME_CDA,
                body=_cda(patient, user, institution, event, created_at=created, title=title),
            ),
            user=user,
            org_unit=org_unit,
            at=now,
        )
        first_doc = first_doc or version.document.document_id
    cert = testing.der_of(waf_certificate_issue(institution=institution).certificate.pem)
    assertion = session_issue(user=user, method="CARD").assertion
    docs, ekat = service_ns("documents"), service_ns("ekat")
    pid = {"idType": "TAJ", "id": LIST_TAJ}
    submit_body = base64.b64encode(
        _cda(target, user, institution, target_event, created_at=now, title="Új ambuláns lap")
    ).decode()
    cases: dict[str, tuple[str, Callable[[], etree._Element]]] = {
        FLOOR: (
            "eligibility",
            lambda: testing.payload(
                service_ns("eligibility"), "EligibilityCheckRequest", taj=LIST_TAJ
            ),
        ),
        "DocumentList": (
            "documents",
            lambda: testing.payload(docs, "DocumentListRequest", patient=pid),
        ),
        "DocumentGet": (
            "documents",
            lambda: testing.payload(docs, "DocumentGetRequest", documentId=first_doc),
        ),
        "EventQuery": ("ekat", lambda: testing.payload(ekat, "EventQueryRequest", patient=pid)),
        "DocumentSubmit": (
            "documents",
            lambda: testing.payload(
                docs,
                "DocumentSubmitRequest",
                patient={"idType": "TAJ", "id": SUBMIT_TAJ},
                eventId=target_event.event_id,
                clientCaseId="bench",
                clientDocumentId=f"new-{uuid.uuid4().hex[:12]}",
                docType="11",
                title="Új ambuláns lap",
                authorStamp="58012",
                createdAt=now,
                confidentiality="N",
                body={"mimeType": "text/xml", "content": submit_body},
            ),
        ),
    }
    return Bench(cert_der=cert, assertion=assertion, cases=cases)
