"""EHR document writes (contract §5).

DocumentSubmit, in this order: the event (exists, not deleted → EVENT_NOT_OPEN; the
submitting institution's → NOT_OWNER; the envelope's patient → BODY_MISMATCH), the author
stamp (STAMP_UNKNOWN), diagnoses (CODE_UNKNOWN), mime type allowed for the type
(SCHEMA_INVALID), the body (CDA schema → SCHEMA_INVALID; agreement → BODY_MISMATCH; PDF
magic → SCHEMA_INVALID), then versioning by (institution, clientDocumentId): same body →
the same id/version (idempotent), another body → the next version.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction

from sandbox.documents.cda import (
    CdaContent,
    Envelope,
    cda_bno_codes,
    cda_build,
    cda_check,
    cda_parse_and_validate,
    cda_version,
    cda_version_check,
)
from sandbox.documents.models import (
    DOC_TYPES,
    MIME_CDA,
    MIME_PDF,
    REFERENCE_DOC_TYPES,
    Document,
    DocumentStatus,
    DocumentVersion,
)
from sandbox.ekat.models import Event, EventStatus
from sandbox.refdata.bno import bno_problem
from sandbox.registry.lookups import doctor_resolve
from sandbox.registry.models import Doctor, Institution, OrgUnit, Patient, User
from sandbox.soap.errors import SoapFault

BUDAPEST = ZoneInfo("Europe/Budapest")


@dataclass(frozen=True)
class Submission:
    patient: Patient
    event_id: str
    client_case_id: str
    client_document_id: str
    doc_type: str
    title: str
    author_stamp: str
    created_at: dt.datetime
    confidentiality: str
    mime_type: str
    body: bytes
    diagnoses: list[str] = field(default_factory=list)
    procedures: list[str] = field(default_factory=list)


def _new_document_id(at: dt.datetime) -> str:
    return f"{at.year:04d}{secrets.randbelow(10**14):014d}"


def _event_check(sub: Submission, institution: Institution) -> Event:
    """Our rule: the document belongs to a live eKAT event that the submitting institution
    reported for the same patient (open or closed)."""
    event = Event.objects.filter(event_id=sub.event_id).first()
    if event is None:
        raise SoapFault(
            "EVENT_NOT_FOUND", f"Ismeretlen esemény: {sub.event_id}.", element="eventId"
        )
    if event.status == EventStatus.DELETED:
        raise SoapFault("EVENT_NOT_OPEN", f"Törölt esemény: {sub.event_id}.", element="eventId")
    if event.institution_id != institution.pk:
        raise SoapFault("NOT_OWNER", "Az esemény egy másik intézményé.", element="eventId")
    if event.patient_id != sub.patient.pk:
        raise SoapFault(
            "BODY_MISMATCH", "Az esemény egy másik beteghez tartozik.", element="eventId"
        )
    return event


def _age(patient: Patient, on: dt.date) -> int:
    b = patient.birth_date
    return on.year - b.year - ((on.month, on.day) < (b.month, b.day))


def _body_check(sub: Submission, institution: Institution) -> None:
    if sub.mime_type == MIME_PDF:
        if sub.doc_type not in REFERENCE_DOC_TYPES:
            raise SoapFault(
                "SCHEMA_INVALID",
                f"A(z) {sub.doc_type} ({DOC_TYPES[sub.doc_type]}) típus törzse csak HL7 CDA "
                "(text/xml) lehet; PDF csak hivatkozás jellegű típusoknál "
                f"({', '.join(sorted(REFERENCE_DOC_TYPES))}).",
                element="mimeType",
            )
        if not sub.body.startswith(b"%PDF-"):
            raise SoapFault(
                "SCHEMA_INVALID", "Az application/pdf törzs nem PDF fájl.", element="body"
            )
        return
    root = cda_parse_and_validate(sub.body)
    day = sub.created_at.astimezone(BUDAPEST).date()
    for code in cda_bno_codes(root):
        problem = bno_problem(code, on=day, sex=sub.patient.sex, age=_age(sub.patient, day))
        if problem:
            raise SoapFault("CODE_UNKNOWN", f"Kódolt diagnózis (entry): {problem}", element="entry")
    cda_check(
        root,
        Envelope(
            patient_id_type=sub.patient.id_type,
            patient_id=sub.patient.id_value,
            author_stamp=sub.author_stamp,
            institution_id=institution.institution_id,
            created_at=sub.created_at,
            doc_type=sub.doc_type,
            confidentiality=sub.confidentiality,
            event_id=sub.event_id,
        ),
    )


def document_submit(
    *, sub: Submission, user: User, org_unit: OrgUnit, at: dt.datetime
) -> tuple[DocumentVersion, bool]:
    """(version, created). created=False: the same body again (idempotent)."""
    institution = org_unit.institution
    event = _event_check(sub, institution)
    author = doctor_resolve(stamp=sub.author_stamp)
    day = sub.created_at.astimezone(BUDAPEST).date()
    for code in sub.diagnoses:
        problem = bno_problem(code, on=day, sex=sub.patient.sex, age=_age(sub.patient, day))
        if problem:
            raise SoapFault("CODE_UNKNOWN", problem, element="diagnosis")
    _body_check(sub, institution)
    digest = hashlib.sha256(sub.body).hexdigest()

    for _ in range(5):
        try:
            with transaction.atomic():
                return _store(sub, user, org_unit, event, author, digest, at)
        except IntegrityError:
            continue  # a concurrent first submission or an id collision: look again
    raise RuntimeError("could not store the document")


def _versioning_check(document: Document, sub: Submission, version_no: int) -> None:
    """CDA R2 versioning of a new CDA version against the earlier CDA versions."""
    if sub.mime_type != "text/xml":
        return
    earlier = [
        cda_version(cda_parse_and_validate(bytes(v.body)))
        for v in document.versions.order_by("version")
        if v.mime_type == "text/xml"
    ]
    if earlier:
        cda_version_check(cda_version(cda_parse_and_validate(sub.body)), earlier, version_no)


def _store(
    sub: Submission,
    user: User,
    org_unit: OrgUnit,
    event: Event,
    author: Doctor,
    digest: str,
    at: dt.datetime,
) -> tuple[DocumentVersion, bool]:
    institution = org_unit.institution
    document = (
        Document.objects.select_for_update(of=("self",))
        .select_related("current")
        .filter(institution=institution, client_document_id=sub.client_document_id)
        .first()
    )
    if document is not None:
        if document.patient_id != sub.patient.pk:
            raise SoapFault(
                "BODY_MISMATCH",
                f"A(z) {sub.client_document_id} azonosítójú dokumentum egy másik betegé.",
                element="clientDocumentId",
            )
        if document.status == DocumentStatus.WITHDRAWN:
            raise SoapFault(
                "VERSION_CONFLICT",
                "A dokumentumot visszavonták; új verzió nem adható hozzá "
                "(küldje új clientDocumentId-val).",
                element="clientDocumentId",
            )
        assert document.current is not None
        if document.current.body_sha256 == digest and document.current.mime_type == sub.mime_type:
            return document.current, False
        version_no = document.current.version + 1
        _versioning_check(document, sub, version_no)
    else:
        document = Document.objects.create(
            document_id=_new_document_id(at),
            patient=sub.patient,
            institution=institution,
            client_document_id=sub.client_document_id,
            category=event.specialty,
        )
        version_no = 1
    version = DocumentVersion.objects.create(
        document=document,
        version=version_no,
        event=event,
        org_unit=org_unit,
        client_case_id=sub.client_case_id,
        doc_type=sub.doc_type,
        title=sub.title,
        author=author,
        created_at=sub.created_at,
        confidentiality=sub.confidentiality,
        diagnoses=sub.diagnoses,
        procedures=sub.procedures,
        mime_type=sub.mime_type,
        body=sub.body,
        body_sha256=digest,
        size=len(sub.body),
        submitted_at=at,
        submitted_by=user,
    )
    document.current = version
    document.save(update_fields=["current"])
    return version, True


def document_withdraw(
    *, document_id: str, reason: str, institution: Institution, at: dt.datetime
) -> Document:
    """Only the submitting institution; withdrawing again changes nothing."""
    document = (
        Document.objects.select_for_update(of=("self",)).filter(document_id=document_id).first()
    )
    if document is None:
        raise SoapFault(
            "DOCUMENT_NOT_FOUND", f"Ismeretlen dokumentum: {document_id}.", element="documentId"
        )
    if document.institution_id != institution.pk:
        raise SoapFault(
            "NOT_OWNER",
            "Dokumentumot csak a beküldő intézmény vonhat vissza.",
            element="documentId",
        )
    if document.status != DocumentStatus.WITHDRAWN:
        document.status = DocumentStatus.WITHDRAWN
        document.withdrawn_at = at
        document.withdraw_reason = reason
        document.save(update_fields=["status", "withdrawn_at", "withdraw_reason"])
    return document


@transaction.atomic
def document_add_from_provider(
    *,
    patient: Patient,
    org_unit: OrgUnit,
    author: User,
    title: str,
    text: str,
    doc_type: str = "11",
    confidentiality: str = "N",
    diagnoses: list[str] | None = None,
    at: dt.datetime,
    event_id: str | None = None,
    document_id: str | None = None,
    client_document_id: str | None = None,
) -> DocumentVersion:
    """Test data (portal, seed): a closed outpatient event at another provider's org unit
    and its CDA document, through the same rules as DocumentSubmit. The document's category
    is the org unit's specialty (e.g. PSZICH → sensitive)."""
    from sandbox.ekat.services import Actor, event_close, event_start

    assert author.doctor is not None, "the author must be a doctor"
    actor = Actor(user=author, institution=org_unit.institution, org_unit=org_unit, now=at)
    visit = client_document_id or f"teszt-{secrets.token_hex(6)}"
    event, _ = event_start(
        actor=actor,
        patient=patient,
        client_visit_id=visit[:40],
        care_type="JARO",
        specialty=org_unit.specialty,
        event_time=at,
        recorded_time=at,
        responsible_stamp=author.doctor.stamp,
    )
    if event_id and event.event_id != event_id:
        # Seed data keeps fixed ids so a reseed finds its rows again.
        event.event_id = event_id
        event.save(update_fields=["event_id"])
    event = event_close(
        actor=actor,
        event_id=event.event_id,
        end_time=at,
        recorded_time=at,
        responsible_stamp=author.doctor.stamp,
        diagnoses=diagnoses or [],
        procedures=[],
    )
    family, _, given = patient.name.partition(" ")
    body = cda_build(
        CdaContent(
            patient_id_type=patient.id_type,
            patient_id=patient.id_value,
            patient_family=family,
            patient_given=given or family,
            patient_sex=patient.sex,
            patient_birth=patient.birth_date,
            author_stamp=author.doctor.stamp,
            author_name=author.name,
            institution_id=org_unit.institution.institution_id,
            institution_name=org_unit.institution.name,
            created_at=at,
            doc_type=doc_type,
            title=title,
            confidentiality=confidentiality,
            event_id=event.event_id,
            client_document_id=visit,
            sections=[(title, text)],
        )
    )
    version, _ = document_submit(
        sub=Submission(
            patient=patient,
            event_id=event.event_id,
            client_case_id=visit[:40],
            client_document_id=visit[:40],
            doc_type=doc_type,
            title=title,
            author_stamp=author.doctor.stamp,
            created_at=at,
            confidentiality=confidentiality,
            mime_type=MIME_CDA,
            body=body,
            diagnoses=diagnoses or [],
        ),
        user=author,
        org_unit=org_unit,
        at=at,
    )
    if document_id and version.document.document_id != document_id:
        Document.objects.filter(pk=version.document.pk).update(document_id=document_id)
        version.document.refresh_from_db()
    return version
