"""The EHR document SOAP service (contract §5)."""

from __future__ import annotations

import base64
import binascii
from collections import Counter

from lxml import etree

from sandbox.access.decide import (
    Caller,
    access_decide,
    access_decide_groups,
    access_fault,
)
from sandbox.documents import selectors, services
from sandbox.documents.cda import cda_identity
from sandbox.documents.selectors import DocumentRow
from sandbox.ekat.services import late_deadline
from sandbox.registry.lookups import patient_resolve
from sandbox.registry.models import Patient, Role
from sandbox.registry.register import Identity
from sandbox.soap.context import CallContext
from sandbox.soap.errors import SoapFault
from sandbox.soap.registry import register_service
from sandbox.soap.xmlutil import Fields, not_in_future, parse_datetime

documents = register_service("documents", title="EHR dokumentumok")
WRITERS = {Role.ORVOS, Role.FELHASZNALO}
READERS = {Role.ORVOS, Role.FELHASZNALO}


def _t(ctx: CallContext, el: etree._Element, path: str) -> str | None:
    return el.findtext("/".join(ctx.q(p) for p in path.split("/")))


def _list(ctx: CallContext, el: etree._Element, outer: str, inner: str) -> list[str]:
    container = el.find(ctx.q(outer))
    if container is None:
        return []
    return [c.text or "" for c in container.iterfind(ctx.q(inner))]


def _patient(ctx: CallContext, req: etree._Element, body: bytes | None = None) -> Patient:
    """The patient named; a TAJ the register has not seen takes its identity from the CDA
    body's recordTarget when the request carries one."""
    found = cda_identity(body) if body else None
    return patient_resolve(
        id_type=_t(ctx, req, "patient/idType") or "",
        id_value=_t(ctx, req, "patient/id") or "",
        identity=Identity(name=found[0], birth_date=found[1], sex=found[2]) if found else None,
    )


def _caller(ctx: CallContext) -> Caller:
    return Caller(
        user=ctx.require_user(),
        institution=ctx.institution,
        org_unit=ctx.require_org_unit(),
        role=ctx.role or "",
    )


def _ref(ctx: CallContext, req: etree._Element) -> tuple[str, int | None]:
    """documentId (optionally with .N suffix) + version element → (id, version)."""
    ref = _t(ctx, req, "documentId") or ""
    document_id, _, suffix = ref.partition(".")
    version_text = _t(ctx, req, "version")
    version = int(suffix) if suffix else None
    if version_text:
        if version is not None and int(version_text) != version:
            raise SoapFault(
                "SCHEMA_INVALID",
                "A documentId verzió-utótagja és a version elem eltér.",
                element="version",
            )
        version = int(version_text)
    return document_id, version


def metadata(r: DocumentRow) -> Fields:
    """The ``<document>`` children of ``r``, in XSD order."""
    return [
        ("documentId", r.document_id),
        ("version", r.version),
        ("versionedId", r.versioned_id),
        ("status", r.status),
        ("docType", r.doc_type),
        ("title", r.title),
        ("institutionId", r.institution_id),
        ("orgUnitId", r.org_unit_id),
        ("eventId", r.event_id),
        ("clientCaseId", r.client_case_id),
        ("clientDocumentId", r.client_document_id),
        ("authorStamp", r.author_stamp),
        ("createdAt", r.created_at),
        ("submittedAt", r.submitted_at),
        ("confidentiality", r.confidentiality),
        ("category", r.category),
        ("sensitive", r.sensitive),
        ("mimeType", r.mime_type),
        ("size", r.size),
        ("sha256", r.sha256),
        ("diagnoses", [("diagnosis", x) for x in r.diagnoses] if r.diagnoses else None),
        ("procedures", [("procedure", x) for x in r.procedures] if r.procedures else None),
    ]


@documents.operation("DocumentSubmit", roles=WRITERS, write=True)
def document_submit(ctx: CallContext, req: etree._Element) -> etree._Element:
    """Submit a document or its next version; the same body again is idempotent."""
    try:
        body = base64.b64decode(_t(ctx, req, "body/content") or "", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SoapFault("SCHEMA_INVALID", "Hibás base64 törzs.", element="content") from exc
    mime_type = _t(ctx, req, "body/mimeType") or ""
    version, created = services.document_submit(
        sub=services.Submission(
            patient=_patient(ctx, req, body if mime_type == "text/xml" else None),
            event_id=_t(ctx, req, "eventId") or "",
            client_case_id=_t(ctx, req, "clientCaseId") or "",
            client_document_id=_t(ctx, req, "clientDocumentId") or "",
            doc_type=_t(ctx, req, "docType") or "",
            title=_t(ctx, req, "title") or "",
            author_stamp=_t(ctx, req, "authorStamp") or "",
            created_at=not_in_future(
                parse_datetime(_t(ctx, req, "createdAt") or "", "createdAt"),
                now=ctx.now,
                element="createdAt",
            ),
            confidentiality=_t(ctx, req, "confidentiality") or "",
            mime_type=mime_type,
            body=body,
            diagnoses=_list(ctx, req, "diagnoses", "diagnosis"),
            procedures=_list(ctx, req, "procedures", "procedure"),
        ),
        user=ctx.require_user(),
        org_unit=ctx.require_org_unit(),
        at=ctx.now,
    )
    b = ctx.b
    answer = b(
        "DocumentSubmitResponse",
        b("documentId", version.document.document_id),
        b("version", version.version),
        b("versionedId", version.versioned_id),
        b("created", created),
    )
    # Accepted after the legal deadline (the event's end + 4 days): flagged late.
    deadline = late_deadline(
        version.event.end_time or version.event.event_time, version.submitted_at
    )
    if deadline is not None:
        b.sub(answer, "late", True)
        b.sub(answer, "deadline", deadline)
    return answer


@documents.operation("DocumentList", roles=READERS)
def document_list(ctx: CallContext, req: etree._Element) -> etree._Element:
    """Metadata of the documents the caller may see + the number withheld (and why)."""
    patient = _patient(ctx, req)
    start, end = _t(ctx, req, "from"), _t(ctx, req, "to")
    rows = selectors.documents_for_list(
        patient=patient,
        start=parse_datetime(start) if start else None,
        end=parse_datetime(end) if end else None,
        doc_type=_t(ctx, req, "docType"),
    )
    groups = Counter((r.category, r.sensitive) for r in rows)
    decisions = access_decide_groups(
        caller=_caller(ctx),
        patient=patient,
        service="documents",
        operation="DocumentList",
        at=ctx.now,
        groups=dict(groups),
        noun="dokumentum",
    )
    shown = [r for r in rows if decisions[(r.category, r.sensitive)].allowed]
    reasons: Counter[str] = Counter()
    for key, count in groups.items():
        if not decisions[key].allowed:
            reasons[decisions[key].code or ""] += count
    b = ctx.b
    answer = b("DocumentListResponse")
    b.sub_rows(answer, "document", (metadata(r) for r in shown))
    b.sub(answer, "withheld", sum(reasons.values()))
    for code, count in sorted(reasons.items()):
        answer.append(b("withheldReason", b("code", code), b("count", count)))
    b.sub(answer, "breakglass", any(d.flagged for d in decisions.values() if d.allowed))
    return answer


@documents.operation("DocumentGet", roles=READERS)
def document_get(ctx: CallContext, req: etree._Element) -> etree._Element:
    """Body + metadata of a document version, after the access check."""
    document_id, version_no = _ref(ctx, req)
    version = selectors.document_version_get(document_id=document_id, version=version_no)
    if version is None:
        raise SoapFault(
            "DOCUMENT_NOT_FOUND",
            f"Ismeretlen dokumentum vagy verzió: {document_id}"
            + (f".{version_no}" if version_no else "")
            + ".",
            element="documentId",
        )
    caller = _caller(ctx)
    decision = access_decide(
        user=caller.user,
        institution=caller.institution,
        org_unit=caller.org_unit,
        role=caller.role,
        patient=version.document.patient,
        service="documents",
        at=ctx.now,
        category=version.document.category,
        sensitive=version.sensitive,
        operation="DocumentGet",
        item=version.versioned_id,
    )
    if not decision.allowed:
        raise access_fault(decision)
    b = ctx.b
    answer = b("DocumentGetResponse")
    b.sub_rows(answer, "document", [metadata(DocumentRow.of(version))])
    answer.append(
        b(
            "body",
            b("mimeType", version.mime_type),
            b("content", base64.b64encode(bytes(version.body)).decode("ascii")),
        )
    )
    b.sub(answer, "breakglass", decision.flagged)
    return answer


@documents.operation("DocumentWithdraw", roles=WRITERS, write=True)
def document_withdraw(ctx: CallContext, req: etree._Element) -> etree._Element:
    """Withdraw a document (all versions); only the submitting institution."""
    document_id, _ = _ref(ctx, req)
    document = services.document_withdraw(
        document_id=document_id,
        reason=_t(ctx, req, "reason") or "",
        institution=ctx.institution,
        at=ctx.now,
    )
    b = ctx.b
    return b(
        "DocumentWithdrawResponse",
        b("documentId", document.document_id),
        b("status", document.status),
    )
