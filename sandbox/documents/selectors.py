"""EHR document reads. Lists never load bodies (``defer``) and use one query."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from sandbox.documents.models import Document, DocumentStatus, DocumentVersion
from sandbox.registry.models import Patient

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
) -> QuerySet[Document]:
    """Active documents of the patient (current version's metadata), oldest first."""
    qs = (
        Document.objects.filter(patient=patient, status=DocumentStatus.ACTIVE)
        .select_related(*_LIST_RELATED)
        .defer("current__body")
        .order_by("current__created_at", "document_id")
    )
    if start is not None:
        qs = qs.filter(current__created_at__gte=start)
    if end is not None:
        qs = qs.filter(current__created_at__lte=end)
    if doc_type:
        qs = qs.filter(current__doc_type=doc_type)
    return qs


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
