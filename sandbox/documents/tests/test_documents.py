"""EHR documents (contract §5) through the SOAP endpoint."""

from __future__ import annotations

import base64
import datetime as dt
import re

import pytest
from lxml import etree

from sandbox import testing
from sandbox.access.models import AccessLogEntry
from sandbox.conftest import Soap
from sandbox.documents.cda import CDA_NS, OID_INSTITUTION
from sandbox.documents.models import Document, DocumentVersion
from sandbox.documents.tests.helpers import (
    DOCS,
    EKAT,
    HISTORY_TAJ,
    TAJ,
    cda,
    close_event,
    doc_get,
    doc_list,
    listed_ids,
    now,
    other,
    patient,
    start_event,
    submit,
)
from sandbox.registry import seed

pytestmark = pytest.mark.django_db


def test_submit_returns_18_digit_id_with_version_suffix(soap: Soap) -> None:
    event_id = start_event(soap)
    answer = submit(soap, event_id=event_id)
    assert answer.status == 200, answer.fault_message
    doc_id = answer.find("documentId") or ""
    assert len(doc_id) == 18 and doc_id.isdigit()
    assert answer.find("version") == "1"
    assert answer.find("versionedId") == f"{doc_id}.1"
    assert answer.find("created") == "true"


def test_same_body_is_idempotent_other_body_is_the_next_version(soap: Soap) -> None:
    event_id = start_event(soap)
    created = now()
    first = submit(soap, event_id=event_id, created_at=created)
    again = submit(soap, event_id=event_id, created_at=created)
    assert again.find("versionedId") == first.find("versionedId")
    assert again.find("created") == "false"
    body2 = cda(TAJ, event_id=event_id, created_at=created, text="Javított szöveg", version=2)
    second = submit(soap, event_id=event_id, created_at=created, body=body2)
    doc_id = first.find("documentId")
    assert second.find("documentId") == doc_id and second.find("version") == "2"
    assert second.find("versionedId") == f"{doc_id}.2"
    current = doc_get(soap, doc_id or "")
    assert current.find("version") == "2"
    old = doc_get(soap, f"{doc_id}.1")
    assert old.find("version") == "1"
    assert base64.b64decode(old.find("content") or "") != body2
    assert base64.b64decode(current.find("content") or "") == body2
    assert doc_get(soap, f"{doc_id}.3").fault_code == "DOCUMENT_NOT_FOUND"


def test_another_institutions_same_client_id_is_a_separate_document(
    soap: Soap, other_waf_der: bytes
) -> None:
    ours = submit(soap, event_id=start_event(soap))
    them = other(other_waf_der)
    their_event = start_event(soap, specialty="PSZICH", stamp="70001", **them)
    theirs = submit(
        soap,
        event_id=their_event,
        stamp="70001",
        body=cda(TAJ, event_id=their_event, created_at=now(), stamp="70001", institution="01060J"),
        created_at=now(),
        **them,
    )
    assert theirs.status == 200, theirs.fault_message
    assert theirs.find("version") == "1"
    assert theirs.find("documentId") != ours.find("documentId")


@pytest.mark.parametrize(
    "body",
    [
        b"not xml at all",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
        b'<ClinicalDocument xmlns="urn:other"/>',
    ],
    ids=["not-xml", "doctype", "wrong-root"],
)
def test_body_that_is_not_a_cda_document_is_schema_invalid(soap: Soap, body: bytes) -> None:
    answer = submit(soap, event_id=start_event(soap), body=body)
    assert answer.fault_code == "SCHEMA_INVALID"
    assert answer.fault_element == "body"


def test_cda_invalid_against_the_hl7_schema_is_schema_invalid(soap: Soap) -> None:
    event_id = start_event(soap)
    created = now()
    root = etree.fromstring(cda(TAJ, event_id=event_id, created_at=created))
    record_target = root.find(f"{{{CDA_NS}}}recordTarget")
    assert record_target is not None
    root.remove(record_target)  # recordTarget is required by CDA R2
    answer = submit(soap, event_id=event_id, created_at=created, body=etree.tostring(root))
    assert answer.fault_code == "SCHEMA_INVALID"
    assert "CDA" in (answer.fault_message or "")


def _mutate(xml: bytes, path: str, attr: str, value: str) -> bytes:
    root = etree.fromstring(xml)
    el = root.find("/".join(f"{{{CDA_NS}}}{p}" for p in path.split("/")))
    assert el is not None, path
    el.set(attr, value)
    return etree.tostring(root)


@pytest.mark.parametrize(
    ("path", "attr", "value", "element"),
    [
        ("recordTarget/patientRole/id", "extension", "111111110", "recordTarget"),
        ("author/assignedAuthor/id", "extension", "61234", "author"),
        (
            "author/assignedAuthor/representedOrganization/id",
            "extension",
            "01060J",
            "representedOrganization",
        ),
        (
            "custodian/assignedCustodian/representedCustodianOrganization/id",
            "extension",
            "01060J",
            "custodian",
        ),
        ("effectiveTime", "value", "20200101120000+0100", "effectiveTime"),
        ("effectiveTime", "value", "20200101", "effectiveTime"),
        ("code", "code", "12", "code"),
        ("confidentialityCode", "code", "V", "confidentialityCode"),
        (
            "componentOf/encompassingEncounter/id",
            "extension",
            "202600000000000000",
            "encompassingEncounter",
        ),
        ("recordTarget/patientRole/id", "root", OID_INSTITUTION, "recordTarget"),
    ],
)
def test_body_must_agree_with_the_envelope(
    soap: Soap, path: str, attr: str, value: str, element: str
) -> None:
    event_id = start_event(soap)
    created = now()
    body = _mutate(cda(TAJ, event_id=event_id, created_at=created), path, attr, value)
    answer = submit(soap, event_id=event_id, created_at=created, body=body)
    assert answer.fault_code == "BODY_MISMATCH"
    assert answer.fault_element == element


def test_effective_time_to_the_minute_is_accepted(soap: Soap) -> None:
    event_id = start_event(soap)
    created = now().replace(second=0)
    body = cda(TAJ, event_id=event_id, created_at=created)
    stamp = created.astimezone(dt.timezone(dt.timedelta(hours=1)))
    body = _mutate(body, "effectiveTime", "value", stamp.strftime("%Y%m%d%H%M+0100"))
    assert submit(soap, event_id=event_id, created_at=created, body=body).status == 200


def test_pdf_only_for_reference_types(soap: Soap) -> None:
    event_id = start_event(soap)
    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
    ok = submit(soap, event_id=event_id, body=pdf, mime="application/pdf", doc_type="13")
    assert ok.status == 200, ok.fault_message
    refused = submit(
        soap, event_id=event_id, body=pdf, mime="application/pdf", client_document_id="DOC-2"
    )
    assert refused.fault_code == "SCHEMA_INVALID" and refused.fault_element == "mimeType"
    fake = submit(
        soap,
        event_id=event_id,
        body=b"hello",
        mime="application/pdf",
        doc_type="13",
        client_document_id="DOC-3",
    )
    assert fake.fault_code == "SCHEMA_INVALID" and fake.fault_element == "body"


def test_event_must_exist_be_ours_and_the_patients(soap: Soap, other_waf_der: bytes) -> None:
    assert submit(soap, event_id="202699999999999999").fault_code == "EVENT_NOT_FOUND"
    them = other(other_waf_der)
    their_event = start_event(soap, specialty="PSZICH", stamp="70001", **them)
    assert submit(soap, event_id=their_event).fault_code == "NOT_OWNER"
    other_patients = start_event(soap, "111111110")
    answer = submit(soap, event_id=other_patients)
    assert answer.fault_code == "BODY_MISMATCH" and answer.fault_element == "eventId"
    deleted = start_event(soap)
    soap.call(
        "ekat",
        testing.payload(EKAT, "EventDeleteRequest", eventId=deleted, reason="Téves rögzítés"),
    )
    assert submit(soap, event_id=deleted).fault_code == "EVENT_NOT_OPEN"


def test_unknown_author_stamp_and_diagnosis(soap: Soap) -> None:
    event_id = start_event(soap)
    created = now()
    body = cda(TAJ, event_id=event_id, created_at=created, stamp="99999")
    assert (
        submit(soap, event_id=event_id, created_at=created, body=body, stamp="99999").fault_code
        == "STAMP_UNKNOWN"
    )
    bad = soap.call(
        "documents",
        testing.payload(
            DOCS,
            "DocumentSubmitRequest",
            patient=patient(TAJ),
            eventId=event_id,
            clientCaseId="C",
            clientDocumentId="D",
            docType="11",
            title="T",
            authorStamp="58012",
            createdAt=created,
            confidentiality="N",
            diagnoses={"diagnosis": ["Z9999"]},
            body={
                "mimeType": "text/xml",
                "content": base64.b64encode(
                    cda(TAJ, event_id=event_id, created_at=created)
                ).decode(),
            },
        ),
    )
    assert bad.fault_code == "CODE_UNKNOWN"


def test_only_the_submitter_withdraws_and_withdrawn_takes_no_versions(
    soap: Soap, other_waf_der: bytes
) -> None:
    event_id = start_event(soap)
    doc_id = submit(soap, event_id=event_id).find("documentId") or ""
    withdraw = testing.payload(DOCS, "DocumentWithdrawRequest", documentId=doc_id, reason="Téves")
    assert soap.call("documents", withdraw, **other(other_waf_der)).fault_code == "NOT_OWNER"
    done = soap.call("documents", withdraw)
    assert done.find("status") == "VISSZAVONT"
    assert Document.objects.get(document_id=doc_id).withdraw_reason == "Téves"
    assert listed_ids(doc_list(soap, TAJ)) == []
    assert doc_get(soap, doc_id).find("status") == "VISSZAVONT"
    body = cda(TAJ, event_id=event_id, created_at=now(), text="új")
    assert submit(soap, event_id=event_id, body=body).fault_code == "VERSION_CONFLICT"
    unknown = testing.payload(
        DOCS, "DocumentWithdrawRequest", documentId="202611111111111111", reason="x"
    )
    assert soap.call("documents", unknown).fault_code == "DOCUMENT_NOT_FOUND"


def test_list_returns_metadata_of_visible_documents_and_the_withheld_count(soap: Soap) -> None:
    # Kiss Máté: a BEL report and a psychiatric note at another provider (seed).
    start_event(soap, HISTORY_TAJ)  # our care makes a treating relationship
    answer = doc_list(soap, HISTORY_TAJ)
    assert answer.status == 200
    assert listed_ids(answer) == ["202500000000000201.1"]
    doc = answer.body.find(f"{{{DOCS}}}document")
    assert doc is not None
    assert doc.findtext(f"{{{DOCS}}}institutionId") == seed.OTHER_INSTITUTION
    assert doc.findtext(f"{{{DOCS}}}category") == "BEL"
    assert doc.findtext(f"{{{DOCS}}}sensitive") == "false"
    assert answer.find("withheld") == "1"
    reason = answer.body.find(f"{{{DOCS}}}withheldReason")
    assert reason is not None and reason.findtext(f"{{{DOCS}}}code") == "SENSITIVE_CATEGORY"
    assert answer.find("breakglass") == "false"


def test_list_without_relationship_withholds_everything(soap: Soap) -> None:
    answer = doc_list(soap, HISTORY_TAJ)
    assert listed_ids(answer) == [] and answer.find("withheld") == "2"
    codes = [
        r.findtext(f"{{{DOCS}}}code") for r in answer.body.iterfind(f"{{{DOCS}}}withheldReason")
    ]
    assert codes == ["NO_TREATMENT_RELATIONSHIP", "SENSITIVE_CATEGORY"]


def test_get_checks_access_and_the_refusal_stays_in_the_access_log(soap: Soap) -> None:
    before = AccessLogEntry.objects.filter(code="NO_TREATMENT_RELATIONSHIP").count()
    answer = doc_get(soap, "202500000000000201")
    assert answer.fault_code == "NO_TREATMENT_RELATIONSHIP"
    # The call was rolled back, its access log row was not.
    entry = AccessLogEntry.objects.filter(code="NO_TREATMENT_RELATIONSHIP").latest("pk")
    assert AccessLogEntry.objects.filter(code="NO_TREATMENT_RELATIONSHIP").count() == before + 1
    assert entry.item == "202500000000000201.1" and entry.operation == "DocumentGet"
    start_event(soap, HISTORY_TAJ)
    ok = doc_get(soap, "202500000000000201")
    assert ok.status == 200
    assert b"ClinicalDocument" in base64.b64decode(ok.find("content") or "")
    assert doc_get(soap, "202500000000000202").fault_code == "SENSITIVE_CATEGORY"


def test_very_restricted_document_is_for_specialists_of_its_category(soap: Soap) -> None:
    event_id = start_event(soap)
    doc_id = submit(soap, event_id=event_id, confidentiality="V").find("documentId") or ""
    # A dentist of the same institution (FOG specialist) reads it; the assistant does not.
    assert doc_get(soap, doc_id, user=seed.SECOND_DOCTOR).status == 200
    refused = doc_get(soap, doc_id, user=seed.ASSISTANT, role="EESZT_FELHASZNALO")
    assert refused.fault_code == "SENSITIVE_CATEGORY"


def test_psychiatrist_with_care_reads_the_psychiatric_note(
    soap: Soap, other_waf_der: bytes
) -> None:
    them = other(other_waf_der)
    assert doc_get(soap, "202500000000000202", **them).fault_code == "NO_TREATMENT_RELATIONSHIP"
    start_event(soap, HISTORY_TAJ, specialty="PSZICH", stamp="70001", **them)
    assert doc_get(soap, "202500000000000202", **them).status == 200


def test_list_filters_by_type_and_time(soap: Soap) -> None:
    event_id = start_event(soap)
    submit(soap, event_id=event_id, client_document_id="A", created_at=now() - dt.timedelta(days=2))
    close_event(soap, event_id)
    ids = listed_ids(doc_list(soap, TAJ))
    assert len(ids) == 1
    later = soap.call(
        "documents",
        testing.payload(
            DOCS,
            "DocumentListRequest",
            patient=patient(TAJ),
            **{"from": now() - dt.timedelta(days=1)},
        ),
    )
    assert listed_ids(later) == []
    typed = soap.call(
        "documents",
        testing.payload(DOCS, "DocumentListRequest", patient=patient(TAJ), docType="12"),
    )
    assert listed_ids(typed) == []


def test_a_new_version_must_be_a_new_id_in_the_same_set_replacing_the_previous(
    soap: Soap,
) -> None:
    event_id = start_event(soap)
    created = now()
    first = submit(soap, event_id=event_id, created_at=created)
    assert first.status == 200, first.fault_message
    # Version 2 reusing version 1's id (the product's old habit): refused.
    reused = cda(TAJ, event_id=event_id, created_at=created, text="Javított", version=1)
    answer = submit(soap, event_id=event_id, created_at=created, body=reused)
    assert (answer.fault_code, answer.fault_element) == ("BODY_MISMATCH", "id")
    # A new id and versionNumber, but no relatedDocument RPLC: refused.
    good = cda(TAJ, event_id=event_id, created_at=created, text="Javított", version=2)
    no_rplc = re.sub(rb"<relatedDocument.*?</relatedDocument>", b"", good, flags=re.S)
    assert no_rplc != good
    answer = submit(soap, event_id=event_id, created_at=created, body=no_rplc)
    assert (answer.fault_code, answer.fault_element) == ("BODY_MISMATCH", "relatedDocument")
    # versionNumber not + 1: refused.
    skipped = good.replace(b'<versionNumber value="2"/>', b'<versionNumber value="3"/>', 1)
    answer = submit(soap, event_id=event_id, created_at=created, body=skipped)
    assert (answer.fault_code, answer.fault_element) == ("BODY_MISMATCH", "versionNumber")
    # Another setId: refused.
    other_set = good.replace(b'extension="DOC-1"/>', b'extension="DOC-X"/>', 1)
    answer = submit(soap, event_id=event_id, created_at=created, body=other_set)
    assert (answer.fault_code, answer.fault_element) == ("BODY_MISMATCH", "setId")
    assert DocumentVersion.objects.filter(document__client_document_id="DOC-1").count() == 1
    accepted = submit(soap, event_id=event_id, created_at=created, body=good)
    assert accepted.find("version") == "2", accepted.fault_message


def test_coded_bno_entries_are_checked_against_the_table(soap: Soap) -> None:
    event_id = start_event(soap)
    created = now()
    bad = cda(TAJ, event_id=event_id, created_at=created, diagnoses=["K0210", "X9999"])
    answer = submit(soap, event_id=event_id, created_at=created, body=bad)
    assert (answer.fault_code, answer.fault_element) == ("CODE_UNKNOWN", "entry")
    assert "X9999" in (answer.fault_message or "")
    good = cda(TAJ, event_id=event_id, created_at=created, diagnoses=["K0210"])
    assert submit(soap, event_id=event_id, created_at=created, body=good).status == 200


def test_a_document_after_the_deadline_is_accepted_and_flagged_late(soap: Soap) -> None:
    from sandbox.ekat.models import Event

    event_id = start_event(soap)
    on_time = submit(soap, event_id=event_id, client_document_id="DOC-ON")
    assert on_time.find("late") is None
    Event.objects.filter(event_id=event_id).update(event_time=now() - dt.timedelta(days=5))
    created = now()
    body = cda(TAJ, event_id=event_id, created_at=created, client_document_id="DOC-LATE")
    late = submit(
        soap, event_id=event_id, client_document_id="DOC-LATE", created_at=created, body=body
    )
    assert late.status == 200, late.fault_message
    assert late.find("late") == "true"
    assert late.find("deadline")
