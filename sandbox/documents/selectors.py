"""EHR document reads. Lists never load bodies (``defer``) and use one query."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from sandbox.documents.models import Confidentiality, Document, DocumentStatus, DocumentVersion
from sandbox.registry.models import SENSITIVE_SPECIALTIES, Patient


@dataclass(frozen=True)
class DocumentRow:
    """Metadata of one document version, as the wire shows it (no body)."""

    document_id: str
    version: int
    status: str
    doc_type: str
    title: str
    institution_id: str
    org_unit_id: str
    event_id: str
    client_case_id: str
    client_document_id: str
    author_stamp: str
    created_at: dt.datetime
    submitted_at: dt.datetime
    confidentiality: str
    category: str
    mime_type: str
    size: int
    sha256: str
    diagnoses: list[str]
    procedures: list[str]

    @property
    def versioned_id(self) -> str:
        return f"{self.document_id}.{self.version}"

    @property
    def sensitive(self) -> bool:
        return (
            self.confidentiality == Confidentiality.VERY_RESTRICTED
            or self.category in SENSITIVE_SPECIALTIES
        )

    @classmethod
    def of(cls, v: DocumentVersion) -> DocumentRow:
        d = v.document
        return cls(
            document_id=d.document_id,
            version=v.version,
            status=d.status,
            doc_type=v.doc_type,
            title=v.title,
            institution_id=d.institution.institution_id,
            org_unit_id=v.org_unit.code,
            event_id=v.event.event_id,
            client_case_id=v.client_case_id,
            client_document_id=d.client_document_id,
            author_stamp=v.author.stamp,
            created_at=v.created_at,
            submitted_at=v.submitted_at,
            confidentiality=v.confidentiality,
            category=d.category,
            mime_type=v.mime_type,
            size=v.size,
            sha256=v.body_sha256,
            diagnoses=list(v.diagnoses),
            procedures=list(v.procedures),
        )


# DocumentRow field -> lookup from Document (one joined query, no model instances: a
# patient with 100 documents costs one SELECT and 100 small tuples).
_ROW_LOOKUPS: dict[str, str] = {
    "document_id": "document_id",
    "version": "current__version",
    "status": "status",
    "doc_type": "current__doc_type",
    "title": "current__title",
    "institution_id": "institution__institution_id",
    "org_unit_id": "current__org_unit__code",
    "event_id": "current__event__event_id",
    "client_case_id": "current__client_case_id",
    "client_document_id": "client_document_id",
    "author_stamp": "current__author__stamp",
    "created_at": "current__created_at",
    "submitted_at": "current__submitted_at",
    "confidentiality": "current__confidentiality",
    "category": "category",
    "mime_type": "current__mime_type",
    "size": "current__size",
    "sha256": "current__body_sha256",
    "diagnoses": "current__diagnoses",
    "procedures": "current__procedures",
}

_LIST_RELATED = (
    "current",
    "current__author",
    "current__org_unit",
    "current__event",
    "institution",
)


def documents_for_list(
    *,
    patient: Patient,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    doc_type: str | None = None,
) -> list[DocumentRow]:
    """Active documents of the patient (current version's metadata), oldest first."""
    qs = Document.objects.filter(patient=patient, status=DocumentStatus.ACTIVE).order_by(
        "current__created_at", "document_id"
    )
    if start is not None:
        qs = qs.filter(current__created_at__gte=start)
    if end is not None:
        qs = qs.filter(current__created_at__lte=end)
    if doc_type:
        qs = qs.filter(current__doc_type=doc_type)
    names = list(_ROW_LOOKUPS)
    rows: Any = qs.values_list(*_ROW_LOOKUPS.values())
    return [DocumentRow(**dict(zip(names, row, strict=True))) for row in rows]


def document_version_get(*, document_id: str, version: int | None) -> DocumentVersion | None:
    """A version (the current one when ``version`` is None), with its document."""
    qs = DocumentVersion.objects.select_related(
        "document", "document__patient", "document__institution", "author", "org_unit", "event"
    ).filter(document__document_id=document_id)
    if version is None:
        return qs.order_by("-version").first()
    return qs.filter(version=version).first()


def documents_of_patient(*, patient: Patient) -> QuerySet[Document]:
    """Every document of the patient, withdrawn ones too (the portal's patient side: the
    patient sees his own data without access rules)."""
    return (
        Document.objects.filter(patient=patient)
        .select_related(*_LIST_RELATED)
        .defer("current__body")
        .order_by("-current__created_at", "document_id")
    )


def document_versions(*, document: Document) -> QuerySet[DocumentVersion]:
    return (
        DocumentVersion.objects.filter(document=document)
        .select_related("author", "submitted_by")
        .defer("body")
        .order_by("version")
    )
