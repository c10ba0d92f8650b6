"""The contract download (issue 13): the portal's WSDL + XSD zip resolves offline, and an
independent client built ONLY from it (zeep + lxml; no product code, no served WSDL)
completes login, eligibility, eKAT start/close, document submit/list/get, breakglass,
eProfil and referral use against the real server process over mutual TLS."""

from __future__ import annotations

import datetime as dt
import io
import re
import sys
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pyotp
import pytest
import requests
from django.test import Client
from lxml import etree

from sandbox.documents.cda import CdaContent, cda_build
from sandbox.portal.views.contract import ZIP_NAME, contract_zip
from sandbox.referral.seed import VALID
from sandbox.registry import seed
from sandbox.server.tests.test_tls_server import (  # noqa: F401  (the fixture)
    Running,
    server,
)
from sandbox.soap.registry import CONTRACT_DIR

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
COMMON = "urn:zomanc:eeszt-sandbox:common:v1"
SERVICES = ("idp", "eligibility", "ekat", "documents", "access", "profile", "referral")


def _offline_transport(session: requests.Session | None = None) -> Any:
    from zeep.transports import Transport

    class Offline(Transport):  # type: ignore[misc]
        """Loads WSDL/XSD only from disk: a network import would fail the test."""

        def load(self, url: str) -> bytes:
            if re.match(r"^[a-z]+://", url) and not url.startswith("file://"):
                raise AssertionError(f"the contract tried to load {url} over the network")
            return super().load(url)  # type: ignore[no-any-return]

    return Offline(session=session) if session is not None else Offline()


def _unpack(data: bytes, into: Path) -> Path:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(into)
    return into


def test_the_zip_holds_every_contract_file_and_resolves_offline(tmp_path: Path) -> None:
    import zeep

    data = contract_zip()
    folder = _unpack(data, tmp_path)
    expected = sorted(p.name for p in CONTRACT_DIR.iterdir() if p.suffix in (".wsdl", ".xsd"))
    assert sorted(p.name for p in folder.iterdir()) == expected
    for path in folder.iterdir():
        text = path.read_text(encoding="utf-8")
        assert 'schemaLocation="?xsd=' not in text, path.name
        for location in re.findall(r'schemaLocation="([^"]+)"', text):
            assert (folder / location).is_file(), (path.name, location)
    for name in SERVICES:
        zeep.Client(str(folder / f"{name}.wsdl"), transport=_offline_transport())
    assert contract_zip() == data  # deterministic bytes


def test_the_wsdls_carry_the_security_policy_they_demand(tmp_path: Path) -> None:
    folder = _unpack(contract_zip(), tmp_path)
    sp = "http://docs.oasis-open.org/ws-sx/ws-securitypolicy/200702"
    for name in SERVICES:
        root = etree.parse(str(folder / f"{name}.wsdl")).getroot()
        assert root.find(f".//{{{sp}}}RequireClientCertificate") is not None, name
        business = name != "idp"
        assert (root.find(f".//{{{sp}}}IncludeTimestamp") is not None) is business, name
        assert (root.find(f".//{{{sp}}}WssSamlV20Token11") is not None) is business, name


def test_the_portal_offers_the_zip(client: Client, db: Any) -> None:
    response = client.get(f"/szerzodes/{ZIP_NAME}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response.content == contract_zip()
    assert f"/szerzodes/{ZIP_NAME}" in client.get("/").content.decode()


def _security(assertion: bytes) -> etree._Element:
    sec = etree.Element(f"{{{WSSE}}}Security", nsmap={"wsse": WSSE, "wsu": WSU})
    ts = etree.SubElement(sec, f"{{{WSU}}}Timestamp")
    created = dt.datetime.now(dt.UTC).replace(microsecond=0)
    etree.SubElement(ts, f"{{{WSU}}}Created").text = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    etree.SubElement(ts, f"{{{WSU}}}Expires").text = (created + dt.timedelta(minutes=5)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    sec.append(etree.fromstring(assertion))  # untouched: its signature covers the bytes
    return sec


def _context(user: str) -> etree._Element:
    ctx = etree.Element(f"{{{COMMON}}}Context", nsmap={"c": COMMON})
    for name, value in (
        ("userId", user),
        ("institutionId", seed.DEMO_INSTITUTION),
        ("orgUnitId", seed.DEMO_ORG_UNIT),
        ("role", "ORVOS"),
        ("softwareName", "Független auditor kliens"),
        ("softwareVersion", "1.0"),
        ("requestId", str(uuid.uuid4())),
        ("clientTimestamp", dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")),
    ):
        etree.SubElement(ctx, f"{{{COMMON}}}{name}").text = value
    return ctx


@pytest.mark.e2e
def test_an_independent_client_from_the_download_completes_every_flow(
    server: Running,  # noqa: F811
    tmp_path: Path,
) -> None:
    import zeep

    download = requests.get(f"{server.http}/szerzodes/{ZIP_NAME}", timeout=10)
    assert download.status_code == 200
    folder = _unpack(download.content, tmp_path)
    session = server.session(server.cert)

    def service(name: str) -> Any:
        client = zeep.Client(str(folder / f"{name}.wsdl"), transport=_offline_transport(session))
        binding = f"{{urn:zomanc:eeszt-sandbox:{name}:v1}}{name}Binding"
        return client.create_service(binding, f"{server.https}/soap/{name}")

    idp, eligibility, ekat, docs, access, profile, referral = (service(n) for n in SERVICES)
    user = seed.SECOND_DOCTOR
    login = idp.TokenLogin(
        userId=user,
        password=seed.DEMO_PASSWORD,
        otp=pyotp.TOTP(seed.TOKEN_SECRETS[user]).now(),
    )
    assert login.userId == user
    assertion = login.assertion  # xs:base64Binary: zeep hands back the decoded bytes
    assert assertion.startswith(b"<")

    def headers() -> list[etree._Element]:
        return [_security(assertion), _context(user)]

    # A fresh valid TAJ: the register knows every insured person.
    taj = "555555550"
    assert eligibility.EligibilityCheck(taj=taj, _soapheaders=headers()).status == "ZOLD"
    patient = {"idType": "TAJ", "id": taj}
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    started = ekat.EventStart(
        patient=patient,
        clientVisitId=f"audit-{uuid.uuid4().hex[:8]}",
        careType="JARO",
        specialty="FOG",
        eventTime=now,
        recordedTime=now,
        responsibleStamp="61234",
        _soapheaders=headers(),
    )
    assert len(started.eventId) == 18
    body = cda_build(
        CdaContent(
            patient_id_type="TAJ",
            patient_id=taj,
            patient_family="Auditor",
            patient_given="Anna",
            patient_sex="2",
            patient_birth=dt.date(1980, 1, 2),
            author_stamp="61234",
            author_name="Dr. Nagy Gábor",
            institution_id=seed.DEMO_INSTITUTION,
            institution_name="Mosoly Fogászat Kft.",
            created_at=now,
            doc_type="11",
            title="Ambuláns lap",
            event_id=started.eventId,
            client_document_id="AUDIT-1",
            diagnoses=["K0210"],
        )
    )
    submitted = docs.DocumentSubmit(
        patient=patient,
        eventId=started.eventId,
        clientCaseId="audit-case",
        clientDocumentId="AUDIT-1",
        docType="11",
        title="Ambuláns lap",
        authorStamp="61234",
        createdAt=now,
        confidentiality="N",
        diagnoses={"diagnosis": ["K0210"]},
        body={"mimeType": "text/xml", "content": body},
        _soapheaders=headers(),
    )
    assert submitted.version == 1 and submitted.created is True
    listed = docs.DocumentList(patient=patient, _soapheaders=headers())
    assert [d.versionedId for d in listed.document] == [submitted.versionedId]
    got = docs.DocumentGet(documentId=submitted.versionedId, _soapheaders=headers())
    assert got.body.content == body

    grant = access.Breakglass(
        patient={"idType": "TAJ", "id": "987654322"},
        reasonCode="ELETVESZELY",
        justification="Eszméletlen beteg a rendelőben",
        _soapheaders=headers(),
    )
    assert grant.validUntil > grant.validFrom

    entry = profile.ProfileEntryCreate(
        patient=patient,
        category="ALLERGIA",
        text="Latexallergia",
        basis={"type": "ESEMENY", "id": started.eventId},
        _soapheaders=headers(),
    )
    assert entry.version == 1
    assert [
        e.text for e in profile.ProfileQuery(patient=patient, _soapheaders=headers()).entry
    ] == ["Latexallergia"]

    bence = {"idType": "TAJ", "id": "111111110"}
    care = ekat.EventStart(
        patient=bence,
        clientVisitId=f"audit-{uuid.uuid4().hex[:8]}",
        careType="JARO",
        specialty="FOG",
        eventTime=now,
        recordedTime=now,
        responsibleStamp="61234",
        _soapheaders=headers(),
    )
    used = referral.ReferralUse(referralId=VALID, eventId=care.eventId, _soapheaders=headers())
    assert used.status == "FELHASZNALT"
    closed = ekat.EventClose(
        eventId=started.eventId,
        endTime=now,
        recordedTime=now,
        responsibleStamp="61234",
        diagnoses={"diagnosis": ["K0210"]},
        _soapheaders=headers(),
    )
    assert closed.status == "LEZART"
    # No product code was needed (nor loaded) for any of it.
    assert not any(m == "zomanc" or m.startswith("zomanc.") for m in sys.modules)
