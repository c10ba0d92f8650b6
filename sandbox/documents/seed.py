"""Seed: history at other providers (events + CDA documents, one psychiatric → sensitive).

Fixed ids (event, document, clientDocumentId) so a reseed finds its rows and leaves them;
dates are relative to the sandbox clock at the first seeding.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sandbox.clock.services import now as sandbox_now
from sandbox.documents.models import Document
from sandbox.documents.services import document_add_from_provider
from sandbox.registry.models import IdType, OrgUnit, Patient, User


@dataclass(frozen=True)
class SeedDocument:
    taj: str
    org_unit: str
    author: str  # user id of a doctor of that org unit's institution
    days_ago: int
    doc_type: str
    title: str
    text: str
    diagnoses: tuple[str, ...]
    event_id: str
    document_id: str
    client_document_id: str
    confidentiality: str = "N"


HISTORY = [
    SeedDocument(
        taj="987654322",
        org_unit="010600001",
        author="O70002",
        days_ago=40,
        doc_type="12",
        title="Belgyógyászati zárójelentés",
        text="Magasvérnyomás-betegség, gyógyszeres kezelés beállítva. Penicillin-allergia.",
        diagnoses=("I10H0",),
        event_id="202500000000000101",
        document_id="202500000000000201",
        client_document_id="SEED-BEL-0001",
    ),
    SeedDocument(
        taj="987654322",
        org_unit="0108R2272",
        author="O70001",
        days_ago=60,
        doc_type="11",
        title="Pszichiátriai ambuláns lap",
        text="Enyhe depressziós epizód, gondozásba vétel.",
        diagnoses=("F3200",),
        event_id="202500000000000102",
        document_id="202500000000000202",
        client_document_id="SEED-PSZ-0001",
    ),
    # The reserved "sensitive records" TAJ (sandbox.registry.register).
    SeedDocument(
        taj="999000076",
        org_unit="0108R2272",
        author="O70001",
        days_ago=30,
        doc_type="11",
        title="Pszichiátriai ambuláns lap",
        text="Szorongásos zavar, gondozásba vétel.",
        diagnoses=("F4110",),
        event_id="202500000000000104",
        document_id="202500000000000204",
        client_document_id="SEED-PSZ-0002",
    ),
    SeedDocument(
        taj="200000006",
        org_unit="010600001",
        author="O70002",
        days_ago=45,
        doc_type="12",
        title="Belgyógyászati zárójelentés",
        text="2-es típusú cukorbetegség, diétás kezelés.",
        diagnoses=("E1190",),
        event_id="202500000000000103",
        document_id="202500000000000203",
        client_document_id="SEED-BEL-0002",
    ),
]


def seed_documents() -> None:
    now = sandbox_now()
    for d in HISTORY:
        org_unit = OrgUnit.objects.select_related("institution").get(code=d.org_unit)
        if Document.objects.filter(
            institution=org_unit.institution, client_document_id=d.client_document_id
        ).exists():
            continue
        document_add_from_provider(
            patient=Patient.objects.get(id_type=IdType.TAJ, id_value=d.taj),
            org_unit=org_unit,
            author=User.objects.select_related("doctor").get(user_id=d.author),
            title=d.title,
            text=d.text,
            doc_type=d.doc_type,
            confidentiality=d.confidentiality,
            diagnoses=list(d.diagnoses),
            at=(now - dt.timedelta(days=d.days_ago)).replace(microsecond=0),
            event_id=d.event_id,
            document_id=d.document_id,
            client_document_id=d.client_document_id,
        )
