"""Server time of one SOAP call for a patient with 100 documents (issue 4, "Speed").

    python -m django sandbox_bench --settings=sandbox.settings

Runs in a throw-away test database (never the sandbox's own data): seeds, gives a test
patient 100 documents, then times ``pipeline.handle`` — parse, XSD validation, WS-Security
+ SAML signature check, VMátrix, access decisions (+ access log writes), the queries, the
answer — for DocumentList, DocumentGet, EventQuery and DocumentSubmit, and EligibilityCheck
as the framework's floor. Prints the wall-clock median and 95th percentile, the median CPU
time of the process (less disturbed by other load on the machine) and the SQL query count
of one call. Not a test: timings depend on the machine.
"""

from __future__ import annotations

import base64
import datetime as dt
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext, setup_test_environment

from sandbox import testing
from sandbox.documents.cda import CdaContent, cda_build
from sandbox.documents.models import MIME_CDA
from sandbox.documents.services import Submission, document_submit
from sandbox.ekat.services import Actor, event_start
from sandbox.idp.services import session_issue
from sandbox.pki.services import waf_certificate_issue
from sandbox.registry import seed
from sandbox.registry.models import IdType, Institution, OrgUnit, Patient, User
from sandbox.soap.ns import service_ns
from sandbox.soap.pipeline import handle
from sandbox.soap.registry import SERVICES

TAJ = "200475141"  # Molnár Emma: no seeded history


class Command(BaseCommand):
    help = "Egy SOAP hívás szerveridejének mérése egy 100 dokumentumos betegnél."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--documents", type=int, default=100)
        parser.add_argument("--calls", type=int, default=200)

    def handle(self, *args: Any, **options: Any) -> None:
        settings.SANDBOX_DATA_DIR = Path(tempfile.mkdtemp(prefix="sandbox-bench-"))
        setup_test_environment()
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            self._run(options["documents"], options["calls"])
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)

    def _run(self, n_docs: int, calls: int) -> None:
        seed.seed_demo()
        institution = Institution.objects.get(institution_id=seed.DEMO_INSTITUTION)
        org_unit = OrgUnit.objects.get(code=seed.DEMO_ORG_UNIT)
        user = User.objects.select_related("doctor").get(user_id=seed.DEMO_DENTIST)
        patient = Patient.objects.get(id_type=IdType.TAJ, id_value=TAJ)
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        actor = Actor(user=user, institution=institution, org_unit=org_unit, now=now)
        event, _ = event_start(
            actor=actor,
            patient=patient,
            client_visit_id="bench",
            care_type="JARO",
            specialty="FOG",
            event_time=now,
            recorded_time=now,
            responsible_stamp="58012",
        )
        first_doc = ""
        for i in range(n_docs):
            created = now - dt.timedelta(days=i)
            body = cda_build(
                CdaContent(
                    patient_id_type="TAJ",
                    patient_id=TAJ,
                    patient_family="Molnár",
                    patient_given="Emma",
                    patient_sex=patient.sex,
                    patient_birth=patient.birth_date,
                    author_stamp="58012",
                    author_name=user.name,
                    institution_id=institution.institution_id,
                    institution_name=institution.name,
                    created_at=created,
                    doc_type="11",
                    title=f"Ambuláns lap {i}",
                    event_id=event.event_id,
                )
            )
            version, _ = document_submit(
                sub=Submission(
                    patient=patient,
                    event_id=event.event_id,
                    client_case_id="bench",
                    client_document_id=f"bench-{i}",
                    doc_type="11",
                    title=f"Ambuláns lap {i}",
                    author_stamp="58012",
                    created_at=created,
                    confidentiality="N",
                    mime_type=MIME_CDA,
                    body=body,
                ),
                user=user,
                org_unit=org_unit,
                at=now,
            )
            first_doc = first_doc or version.document.document_id
        cert = testing.der_of(waf_certificate_issue(institution=institution).certificate.pem)
        assertion = session_issue(user=user, method="CARD").assertion
        pid = {"idType": "TAJ", "id": TAJ}
        docs, ekat = service_ns("documents"), service_ns("ekat")
        submit_body = cda_build(
            CdaContent(
                patient_id_type="TAJ",
                patient_id=TAJ,
                patient_family="Molnár",
                patient_given="Emma",
                patient_sex=patient.sex,
                patient_birth=patient.birth_date,
                author_stamp="58012",
                author_name=user.name,
                institution_id=institution.institution_id,
                institution_name=institution.name,
                created_at=now,
                doc_type="11",
                title="Új ambuláns lap",
                event_id=event.event_id,
            )
        )
        cases = {
            # The framework alone (no patient data): the floor of every call.
            "EligibilityCheck": (
                "eligibility",
                lambda: testing.payload(
                    service_ns("eligibility"), "EligibilityCheckRequest", taj=TAJ
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
                    patient=pid,
                    eventId=event.event_id,
                    clientCaseId="bench",
                    clientDocumentId=f"new-{uuid.uuid4().hex[:12]}",
                    docType="11",
                    title="Új ambuláns lap",
                    authorStamp="58012",
                    createdAt=now,
                    confidentiality="N",
                    body={
                        "mimeType": "text/xml",
                        "content": base64.b64encode(submit_body).decode(),
                    },
                ),
            ),
        }
        self.stdout.write(
            f"{connection.vendor}, {n_docs} dokumentum, {calls} hívás műveletenként (szerveridő):"
        )
        for name, (service, build) in cases.items():
            times = []
            cpu = []
            queries = 0
            for _ in range(calls):
                envelope = testing.envelope(
                    build(),
                    testing.security_element(assertion=assertion),
                    testing.context_element(
                        user_id=seed.DEMO_DENTIST,
                        institution_id=seed.DEMO_INSTITUTION,
                        org_unit_id=seed.DEMO_ORG_UNIT,
                        role="ORVOS",
                    ),
                )
                reset_queries()
                with CaptureQueriesContext(connection) as captured:
                    started, cpu_started = time.perf_counter(), time.process_time()
                    outcome = handle(SERVICES[service], envelope, cert)
                    times.append((time.perf_counter() - started) * 1000)
                    cpu.append((time.process_time() - cpu_started) * 1000)
                assert outcome.status == 200, outcome.body[:500]
                queries = len(captured)
            times.sort()
            self.stdout.write(
                f"  {name:15s} medián {statistics.median(times):6.2f} ms   "
                f"p95 {times[int(len(times) * 0.95) - 1]:6.2f} ms   "
                f"CPU medián {statistics.median(cpu):6.2f} ms   {queries} SQL lekérdezés"
            )
