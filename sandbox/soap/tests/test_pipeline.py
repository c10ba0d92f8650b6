"""The framework's stages, each refused on its own (eKAT EventQuery as the probe)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
import time_machine
from django.test import Client
from lxml import etree

from sandbox import testing
from sandbox.conftest import Soap
from sandbox.faults.models import Counter
from sandbox.idp.models import IdpSession
from sandbox.idp.saml import assertion_build
from sandbox.pki.models import IssuedCertificate
from sandbox.pki.services import certificate_revoke
from sandbox.registry import seed
from sandbox.registry.models import Grant, User
from sandbox.soap.ns import COMMON, SOAP12, service_ns
from sandbox.soap.views import CLIENT_CERT_ENVIRON

EKAT = service_ns("ekat")
pytestmark = pytest.mark.django_db


def query(taj: str = "123456788") -> etree._Element:
    return testing.payload(EKAT, "EventQueryRequest", patient={"idType": "TAJ", "id": taj})


def counter(name: str) -> int:
    row = Counter.objects.filter(name=name).first()
    return row.value if row else 0


def test_well_formed_call_reaches_the_handler(soap: Soap) -> None:
    answer = soap.call("ekat", query())
    # No treating relationship yet: the handler itself refused, so every stage passed.
    assert answer.fault_code == "NO_TREATMENT_RELATIONSHIP"
    assert answer.status == 400


def test_no_client_certificate_is_refused(client: Client, seeded: None) -> None:
    answer = testing.post(client, "ekat", testing.envelope(query()), None)
    assert answer.fault_code == "AUTH_CERT_INVALID"


def test_revoked_client_certificate_is_refused(soap: Soap) -> None:
    certificate_revoke(certificate=IssuedCertificate.objects.get(kind="WAF"))
    assert soap.call("ekat", query()).fault_code == "AUTH_CERT_INVALID"


def test_certificate_of_another_ca_is_refused(soap: Soap) -> None:
    # The IDP certificate chains to our root but is not a WAF client certificate.
    from cryptography.hazmat.primitives import serialization

    from sandbox.pki.ca import pki_ensure

    der = pki_ensure().idp.cert.public_bytes(serialization.Encoding.DER)
    assert soap.call("ekat", query(), cert=der).fault_code == "AUTH_CERT_INVALID"


def test_xxe_payload_is_a_fault_not_a_file_read(soap: Soap, client: Client) -> None:
    body = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body>'
        b'<EventQueryRequest xmlns="urn:zomanc:eeszt-sandbox:ekat:v1"><patient><idType>TAJ'
        b"</idType><id>&x;</id></patient></EventQueryRequest></env:Body></env:Envelope>"
    )
    answer = testing.post(client, "ekat", body, soap.cert)
    assert answer.fault_code == "SCHEMA_INVALID"
    assert b"root:" not in answer.raw


def test_malformed_xml_is_schema_invalid(soap: Soap, client: Client) -> None:
    assert testing.post(client, "ekat", b"<not-closed", soap.cert).fault_code == "SCHEMA_INVALID"


def test_soap11_envelope_is_refused(soap: Soap, client: Client) -> None:
    body = (
        b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
        b"<x/></s:Body></s:Envelope>"
    )
    answer = testing.post(client, "ekat", body, soap.cert)
    assert answer.fault_code == "VERSION_MISMATCH"
    assert answer.root.findtext(f".//{{{SOAP12}}}Code/{{{SOAP12}}}Value") == "env:VersionMismatch"
    assert answer.status == 500
    # As a SOAP 1.1 client sends it (text/xml): still VersionMismatch, as a SOAP 1.2 fault.
    response = client.generic("POST", "/soap/ekat", body, content_type="text/xml; charset=utf-8")
    assert b"env:VersionMismatch" in response.content
    assert response["Content-Type"].startswith("application/soap+xml")


def _with_header(soap: Soap, extra: bytes, *, context_attr: bytes = b"") -> bytes:
    body = testing.envelope(
        query(),
        testing.security_element(assertion=soap.assertion(seed.DEMO_DENTIST)),
        testing.context_element(
            user_id=seed.DEMO_DENTIST,
            institution_id=seed.DEMO_INSTITUTION,
            org_unit_id=seed.DEMO_ORG_UNIT,
            role="ORVOS",
        ),
    )
    body = body.replace(b"<c:Context ", b"<c:Context " + context_attr + b" ", 1)
    return body.replace(b"</env:Header>", extra + b"</env:Header>", 1)


def test_unknown_must_understand_header_gets_a_must_understand_fault(
    soap: Soap, client: Client
) -> None:
    extra = b'<x:Trace xmlns:x="urn:example:trace" env:mustUnderstand="true">1</x:Trace>'
    answer = testing.post(client, "ekat", _with_header(soap, extra), soap.cert)
    assert answer.fault_code == "MUST_UNDERSTAND"
    assert answer.root.findtext(f".//{{{SOAP12}}}Code/{{{SOAP12}}}Value") == "env:MustUnderstand"
    nu = answer.root.find(f"{{{SOAP12}}}Header/{{{SOAP12}}}NotUnderstood")
    assert nu is not None and nu.get("qname", "").endswith(":Trace")
    # The same block without mustUnderstand is ignored, as SOAP 1.2 says.
    optional = extra.replace(b' env:mustUnderstand="true"', b"")
    answer = testing.post(client, "ekat", _with_header(soap, optional), soap.cert)
    assert answer.fault_code == "NO_TREATMENT_RELATIONSHIP"


def test_must_understand_on_the_context_header_is_legal(soap: Soap, client: Client) -> None:
    body = _with_header(soap, b"", context_attr=b'env:mustUnderstand="true"')
    assert b'env:mustUnderstand="true"' in body
    answer = testing.post(client, "ekat", body, soap.cert)
    assert answer.fault_code == "NO_TREATMENT_RELATIONSHIP", answer.fault_message


def test_wrong_content_type_gets_a_soap_fault_not_html(soap: Soap, client: Client) -> None:
    body = testing.envelope(query())
    response = client.generic(
        "POST",
        "/soap/ekat",
        body,
        content_type="application/json",
        **{CLIENT_CERT_ENVIRON: soap.cert},
    )
    assert response.status_code == 415
    assert response["Content-Type"].startswith("application/soap+xml")
    root = etree.fromstring(response.content)
    assert root.findtext(f".//{{{COMMON}}}code") == "UNSUPPORTED_MEDIA_TYPE"
    assert root.findtext(f".//{{{COMMON}}}requestId")


def test_processing_instruction_is_refused(soap: Soap, client: Client) -> None:
    body = testing.envelope(query()).replace(b"?>", b'?><?xml-stylesheet href="x.xsl"?>', 1)
    answer = testing.post(client, "ekat", body, soap.cert)
    assert answer.fault_code == "SCHEMA_INVALID"
    assert answer.fault_element == "ProcessingInstruction"


def test_oversized_body_gets_a_soap_fault(soap: Soap, client: Client, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = testing.envelope(query()) + b" " * 2000
    answer = testing.post(client, "ekat", body, soap.cert)
    assert answer.status == 413
    assert answer.fault_code == "MESSAGE_TOO_LARGE"


def test_every_fault_carries_the_request_id(soap: Soap, client: Client) -> None:
    rid = str(uuid.uuid4())
    # Refused before the Context header is validated (the payload breaks the schema).
    bad = testing.payload(EKAT, "EventQueryRequest", patient={"idType": "PASSPORTX", "id": "1"})
    answer = soap.call("ekat", bad, request_id=rid)
    assert answer.fault_code == "SCHEMA_INVALID"
    assert answer.root.findtext(f".//{{{COMMON}}}requestId") == rid
    # No client id at all (no Context): the sandbox assigns one.
    none = testing.post(client, "ekat", testing.envelope(query()), soap.cert)
    assert none.fault_code
    assert uuid.UUID(none.root.findtext(f".//{{{COMMON}}}requestId") or "")


def test_schema_invalid_names_the_first_offending_element(soap: Soap) -> None:
    bad = testing.payload(EKAT, "EventQueryRequest", patient={"idType": "PASSPORTX", "id": "1"})
    answer = soap.call("ekat", bad)
    assert answer.fault_code == "SCHEMA_INVALID"
    assert answer.fault_element == "idType"
    assert "idType" in (answer.fault_message or "")


def test_unknown_operation_is_schema_invalid(soap: Soap) -> None:
    answer = soap.call("ekat", testing.payload(EKAT, "EventFlyRequest"))
    assert answer.fault_code == "SCHEMA_INVALID"


def test_missing_context_header_is_schema_invalid(soap: Soap, client: Client) -> None:
    sec = testing.security_element(assertion=soap.assertion(seed.DEMO_DENTIST))
    answer = testing.post(client, "ekat", testing.envelope(query(), sec), soap.cert)
    assert answer.fault_code == "SCHEMA_INVALID"
    assert answer.fault_element == "Context"


def _ctx(**kw: str) -> etree._Element:
    values = {
        "user_id": seed.DEMO_DENTIST,
        "institution_id": seed.DEMO_INSTITUTION,
        "org_unit_id": seed.DEMO_ORG_UNIT,
        "role": "ORVOS",
    }
    values.update(kw)
    return testing.context_element(**values)  # type: ignore[arg-type]


def test_missing_assertion_is_refused(soap: Soap, client: Client) -> None:
    sec = testing.security_element(assertion=None)
    answer = testing.post(client, "ekat", testing.envelope(query(), sec, _ctx()), soap.cert)
    assert answer.fault_code == "AUTH_ASSERTION_INVALID"


@pytest.mark.parametrize("age", [dt.timedelta(minutes=-6), dt.timedelta(minutes=6)])
def test_stale_or_future_timestamp_is_refused(
    soap: Soap, client: Client, age: dt.timedelta
) -> None:
    created = dt.datetime.now(dt.UTC) + age
    sec = testing.security_element(assertion=soap.assertion(seed.DEMO_DENTIST), created=created)
    answer = testing.post(client, "ekat", testing.envelope(query(), sec, _ctx()), soap.cert)
    assert answer.fault_code == "AUTH_ASSERTION_INVALID"
    assert answer.fault_element == "Created"


@pytest.mark.parametrize("age", [dt.timedelta(minutes=-4), dt.timedelta(minutes=4)])
def test_timestamp_window_is_symmetric_four_minutes_either_way_passes(
    soap: Soap, client: Client, age: dt.timedelta
) -> None:
    created = dt.datetime.now(dt.UTC) + age
    sec = testing.security_element(assertion=soap.assertion(seed.DEMO_DENTIST), created=created)
    answer = testing.post(client, "ekat", testing.envelope(query(), sec, _ctx()), soap.cert)
    assert answer.fault_code == "NO_TREATMENT_RELATIONSHIP"


def test_tampered_assertion_one_changed_byte_is_refused(soap: Soap) -> None:
    good = soap.assertion(seed.DEMO_DENTIST)
    tampered = good.replace(b"Dr. Kov", b"Dr. Kow", 1)
    assert tampered != good
    answer = soap.call("ekat", query(), assertion=tampered)
    assert answer.fault_code == "AUTH_ASSERTION_INVALID"


def test_assertion_signed_by_another_key_is_refused(soap: Soap) -> None:
    from cryptography.hazmat.primitives import serialization

    from sandbox.idp import saml
    from sandbox.pki.ca import new_key

    good = soap.assertion(seed.DEMO_DENTIST)
    other = new_key().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    real = saml._idp_pem()
    saml._keys[next(iter(saml._keys))] = (other, real[1])
    try:
        forged = soap.login(seed.DEMO_DENTIST)
    finally:
        saml._keys[next(iter(saml._keys))] = real
    assert good != forged
    assert soap.call("ekat", query(), assertion=forged).fault_code == "AUTH_ASSERTION_INVALID"


def test_wrong_audience_is_refused(soap: Soap) -> None:
    now = dt.datetime.now(dt.UTC)
    user = User.objects.get(user_id=seed.DEMO_DENTIST)
    assertion_id, xml = assertion_build(
        subject=user.user_id,
        method="CARD",
        issuer="urn:zomanc:eeszt-sandbox:idp",
        audience="urn:valami:mas",
        issued_at=now,
        not_on_or_after=now + dt.timedelta(hours=1),
        attributes={},
    )
    IdpSession.objects.create(
        assertion_id=assertion_id,
        user=user,
        method="CARD",
        issued_at=now,
        not_on_or_after=now + dt.timedelta(hours=1),
    )
    answer = soap.call("ekat", query(), assertion=xml)
    assert answer.fault_code == "AUTH_ASSERTION_INVALID"
    assert "Audience" in (answer.fault_message or "")


def test_wrong_issuer_is_refused(soap: Soap) -> None:
    now = dt.datetime.now(dt.UTC)
    _, xml = assertion_build(
        subject=seed.DEMO_DENTIST,
        method="CARD",
        issuer="urn:hamis:idp",
        audience="urn:zomanc:eeszt-sandbox:services",
        issued_at=now,
        not_on_or_after=now + dt.timedelta(hours=1),
        attributes={},
    )
    answer = soap.call("ekat", query(), assertion=xml)
    assert answer.fault_code == "AUTH_ASSERTION_INVALID"
    assert "Issuer" in (answer.fault_message or "")


def test_assertion_expires_after_seven_hours(soap: Soap, client: Client) -> None:
    assertion = soap.assertion(seed.DEMO_DENTIST)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=6, minutes=59)):
        assert (
            soap.call("ekat", query(), assertion=assertion).fault_code
            == "NO_TREATMENT_RELATIONSHIP"
        )
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=7, seconds=1)):
        assert soap.call("ekat", query(), assertion=assertion).fault_code == "AUTH_SESSION_EXPIRED"


def test_sandbox_clock_offset_expires_the_session(soap: Soap) -> None:
    from sandbox.clock.services import clock_offset_set

    assertion = soap.assertion(seed.DEMO_DENTIST)
    clock_offset_set(seconds=8 * 3600)
    assert soap.call("ekat", query(), assertion=assertion).fault_code == "AUTH_SESSION_EXPIRED"


def test_logout_ends_the_assertion(soap: Soap) -> None:
    from sandbox.idp.services import session_logout

    assertion = soap.assertion(seed.DEMO_DENTIST)
    assertion_id = etree.fromstring(assertion).get("ID") or ""
    assert session_logout(assertion_id=assertion_id)
    assert soap.call("ekat", query(), assertion=assertion).fault_code == "AUTH_SESSION_EXPIRED"


def test_context_institution_must_match_the_certificate(soap: Soap, other_waf_der: bytes) -> None:
    answer = soap.call("ekat", query(), cert=other_waf_der)
    assert answer.fault_code == "CONTEXT_NOT_PERMITTED"
    assert answer.fault_element == "institutionId"


def test_context_user_must_be_the_logged_in_user(soap: Soap) -> None:
    answer = soap.call("ekat", query(), assertion=soap.assertion(seed.SECOND_DOCTOR))
    assert answer.fault_code == "CONTEXT_NOT_PERMITTED"
    assert answer.fault_element == "userId"


def test_org_unit_of_another_institution_is_refused(soap: Soap) -> None:
    answer = soap.call("ekat", query(), org_unit=seed.OTHER_ORG_UNIT)
    assert answer.fault_code == "CONTEXT_NOT_PERMITTED"


def test_no_vmatrix_grant_is_context_not_permitted(soap: Soap) -> None:
    Grant.objects.filter(user__user_id=seed.DEMO_DENTIST).delete()
    assert soap.call("ekat", query()).fault_code == "CONTEXT_NOT_PERMITTED"


def test_role_not_held_is_role_missing(soap: Soap) -> None:
    answer = soap.call("ekat", query(), user=seed.ASSISTANT, role="ORVOS")
    assert answer.fault_code == "ROLE_MISSING"


def test_role_not_allowed_for_the_operation_is_role_missing(soap: Soap) -> None:
    start = testing.payload(
        EKAT,
        "EventStartRequest",
        patient={"idType": "TAJ", "id": "123456788"},
        clientVisitId="v1",
        careType="JARO",
        specialty="FOG",
        eventTime=dt.datetime.now(dt.UTC),
        recordedTime=dt.datetime.now(dt.UTC),
        responsibleStamp="58012",
    )
    answer = soap.call("ekat", start, user=seed.RIGHTS_ADMIN, role="INTJOGADIN")
    assert answer.fault_code == "ROLE_MISSING"


def _start(visit: str = "v1", when: dt.datetime | None = None) -> etree._Element:
    when = when or dt.datetime.now(dt.UTC)
    return testing.payload(
        EKAT,
        "EventStartRequest",
        patient={"idType": "TAJ", "id": "123456788"},
        clientVisitId=visit,
        careType="JARO",
        specialty="FOG",
        eventTime=when,
        recordedTime=when,
        responsibleStamp="58012",
    )


def test_same_request_id_same_body_returns_the_first_answer(soap: Soap) -> None:
    rid = str(uuid.uuid4())
    fixed = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=1)
    first = soap.call("ekat", _start(when=fixed), request_id=rid)
    # Same body (fixed times) again, with a fresh Timestamp: the stored answer comes back.
    again = soap.call("ekat", _start(when=fixed), request_id=rid)
    assert first.status == 200, first.raw
    assert again.raw == first.raw
    assert counter("writes.EventStart") == 1
    assert counter("duplicates") == 1


def test_same_request_id_other_body_is_a_conflict(soap: Soap) -> None:
    rid = str(uuid.uuid4())
    when = dt.datetime.now(dt.UTC).replace(microsecond=0)
    assert soap.call("ekat", _start("v1", when), request_id=rid).status == 200
    answer = soap.call("ekat", _start("v2", when), request_id=rid)
    assert answer.fault_code == "DUPLICATE_REQUEST_CONFLICT"
    assert answer.root.findtext(".//{urn:zomanc:eeszt-sandbox:common:v1}requestId") == rid
    assert counter("writes.EventStart") == 1


def test_request_ids_are_scoped_by_institution(soap: Soap, other_waf_der: bytes) -> None:
    rid = str(uuid.uuid4())
    when = dt.datetime.now(dt.UTC).replace(microsecond=0)
    assert soap.call("ekat", _start("v1", when), request_id=rid).status == 200
    other = soap.call(
        "ekat",
        _start("v9", when),
        request_id=rid,
        user=seed.OTHER_DOCTOR,
        institution=seed.OTHER_INSTITUTION,
        org_unit=seed.OTHER_ORG_UNIT,
        cert=other_waf_der,
    )
    # Not a conflict: another institution's request ids are its own (it fails later, on
    # the specialty/stamp rules of its own call, or succeeds).
    assert other.fault_code != "DUPLICATE_REQUEST_CONFLICT"


def test_fault_carries_hungarian_message_and_soap12_codes(soap: Soap) -> None:
    answer = soap.call("ekat", query())
    env = "{http://www.w3.org/2003/05/soap-envelope}"
    assert answer.root.findtext(f".//{env}Code/{env}Value") == "env:Sender"
    assert answer.root.findtext(f".//{env}Subcode/{env}Value") == "c:NO_TREATMENT_RELATIONSHIP"
    reason = answer.root.find(f".//{env}Reason/{env}Text")
    assert reason is not None
    assert reason.get("{http://www.w3.org/XML/1998/namespace}lang") == "hu"
    assert "kezelési" in (reason.text or "") or "ellátása" in (reason.text or "")
