"""EHR documents: submit (new document or next version), list with the withheld count,
get one (body + metadata), withdraw."""

import base64
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from zomanc.eeszt.client.ekat import PatientRef
from zomanc.eeszt.client.wire import CallContext, Connection, answer_flag_late, call


@dataclass(frozen=True)
class SubmitAnswer:
    document_id: str
    version: int
    versioned_id: str
    created: bool  # False: the same body again, EESZT answered the existing version
    late: bool = False  # accepted after the legal deadline, and EESZT says so


@dataclass(frozen=True)
class DocumentMeta:
    document_id: str
    version: int
    versioned_id: str
    status: str
    doc_type: str
    title: str
    institution_id: str
    org_unit_id: str
    author_stamp: str
    created_at: dt.datetime
    confidentiality: str
    category: str
    sensitive: bool
    mime_type: str
    diagnoses: tuple[str, ...]


@dataclass(frozen=True)
class DocumentListing:
    documents: list[DocumentMeta]
    withheld: int
    withheld_reasons: dict[str, int]
    breakglass: bool


@dataclass(frozen=True)
class Document:
    meta: DocumentMeta
    mime_type: str
    content: bytes = field(repr=False)
    breakglass: bool = False


def _meta(d: Any) -> DocumentMeta:
    return DocumentMeta(
        document_id=d.documentId,
        version=int(d.version),
        versioned_id=d.versionedId,
        status=d.status,
        doc_type=d.docType,
        title=d.title,
        institution_id=d.institutionId,
        org_unit_id=d.orgUnitId,
        author_stamp=d.authorStamp,
        created_at=d.createdAt,
        confidentiality=d.confidentiality,
        category=d.category,
        sensitive=bool(d.sensitive),
        mime_type=d.mimeType,
        diagnoses=tuple(d.diagnoses.diagnosis) if d.diagnoses else (),
    )


def document_submit(
    conn: Connection,
    ctx: CallContext,
    *,
    request_id: str,
    patient: PatientRef,
    event_id: str,
    client_case_id: str,
    client_document_id: str,
    doc_type: str,
    title: str,
    author_stamp: str,
    created_at: dt.datetime,
    body: bytes,
    mime_type: str = "text/xml",
    confidentiality: str = "N",
    diagnoses: list[str] | None = None,
    procedures: list[str] | None = None,
) -> SubmitAnswer:
    flags: dict[str, str] = {}
    result = call(
        conn,
        "documents",
        "DocumentSubmit",
        ctx=ctx,
        request_id=request_id,
        flags=flags,
        patient=patient.wire(),
        eventId=event_id,
        clientCaseId=client_case_id,
        clientDocumentId=client_document_id,
        docType=doc_type,
        title=title,
        authorStamp=author_stamp,
        createdAt=created_at,
        confidentiality=confidentiality,
        diagnoses={"diagnosis": diagnoses} if diagnoses else None,
        procedures={"procedure": procedures} if procedures else None,
        body={"mimeType": mime_type, "content": body},
    )
    return SubmitAnswer(
        document_id=result.documentId,
        version=int(result.version),
        versioned_id=result.versionedId,
        created=bool(result.created),
        late=answer_flag_late(flags),
    )


def document_list(
    conn: Connection,
    ctx: CallContext,
    *,
    patient: PatientRef,
    date_from: dt.datetime | None = None,
    date_to: dt.datetime | None = None,
    doc_type: str | None = None,
) -> DocumentListing:
    params: dict[str, Any] = {
        "patient": patient.wire(),
        "from": date_from,
        "to": date_to,
        "docType": doc_type,
    }
    result = call(conn, "documents", "DocumentList", ctx=ctx, **params)
    return DocumentListing(
        documents=[_meta(d) for d in (result.document or [])],
        withheld=int(result.withheld),
        withheld_reasons={r.code: int(r.count) for r in (result.withheldReason or [])},
        breakglass=bool(result.breakglass),
    )


def document_get(
    conn: Connection, ctx: CallContext, *, document_id: str, version: int | None = None
) -> Document:
    result = call(
        conn, "documents", "DocumentGet", ctx=ctx, documentId=document_id, version=version
    )
    content = result.body.content
    if isinstance(content, str):  # zeep hands base64Binary over decoded; be strict anyway
        content = base64.b64decode(content)
    return Document(
        meta=_meta(result.document),
        mime_type=result.body.mimeType,
        content=content,
        breakglass=bool(result.breakglass),
    )


def document_withdraw(
    conn: Connection, ctx: CallContext, *, request_id: str, document_id: str, reason: str
) -> str:
    result = call(
        conn,
        "documents",
        "DocumentWithdraw",
        ctx=ctx,
        request_id=request_id,
        documentId=document_id,
        reason=reason,
    )
    return str(result.status)
