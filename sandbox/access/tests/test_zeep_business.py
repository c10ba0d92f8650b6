"""A generic zeep client built only from the served WSDLs calls every operation of the
business services (access, documents, profile, referral, eligibility) against the real
server process over mutual TLS."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
import requests

from sandbox import testing
from sandbox.documents.cda import CdaContent, cda_build
from sandbox.referral.seed import VALID
from sandbox.registry import seed
from sandbox.server.tests.test_tls_server import (  # noqa: F401  (the fixture)
    Running,
    _mobile_login,
    server,
)

pytestmark = pytest.mark.e2e


def _client(running: Running, session: requests.Session, name: str) -> Any:
    import zeep
    from zeep.transports import Transport

    return zeep.Client(f"{running.https}/soap/{name}?wsdl", transport=Transport(session=session))


def test_zeep_calls_every_business_operation(server: Running) -> None:  # noqa: F811
    session = server.session(server.cert)
    assertion = _mobile_login(server, session, user=seed.SECOND_DOCTOR)

    def headers() -> list[object]:
        return [
            testing.security_element(assertion=assertion),
            testing.context_element(
                user_id=seed.SECOND_DOCTOR,
                institution_id=seed.DEMO_INSTITUTION,
                org_unit_id=seed.DEMO_ORG_UNIT,
                role="ORVOS",
            ),
        ]

    ekat, docs, access, profile, referral, eligibility = (
        _client(server, session, name)
        for name in ("ekat", "documents", "access", "profile", "referral", "eligibility")
    )
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    zoe = next(p for p in seed.demo_patients() if p.taj == "123456788")
    patient = {"idType": "TAJ", "id": zoe.taj}
    started = ekat.service.EventStart(
        patient=patient,
        clientVisitId=f"zeep-{uuid.uuid4().hex[:8]}",
        careType="JARO",
        specialty="FOG",
        eventTime=now,
        recordedTime=now,
        responsibleStamp="61234",
        _soapheaders=headers(),
    )
    body = cda_build(
        CdaContent(
            patient_id_type="TAJ",
            patient_id=zoe.taj,
            patient_family="Szabó",
            patient_given="Zoé",
            patient_sex=zoe.sex,
            patient_birth=zoe.birth_date,
            author_stamp="61234",
            author_name="Dr. Nagy Gábor",
            institution_id=seed.DEMO_INSTITUTION,
            institution_name="Mosoly Fogászat Kft.",
            created_at=now,
            doc_type="11",
            title="Ambuláns lap",
            event_id=started.eventId,
        )
    )
    submitted = docs.service.DocumentSubmit(
        patient=patient,
        eventId=started.eventId,
        clientCaseId="zeep-case",
        clientDocumentId=f"zeep-{uuid.uuid4().hex[:8]}",
        docType="11",
        title="Ambuláns lap",
        authorStamp="61234",
        createdAt=now,
        confidentiality="N",
        diagnoses={"diagnosis": ["K0210"]},
        body={"mimeType": "text/xml", "content": body},
        _soapheaders=headers(),
    )
    assert submitted.versionedId == f"{submitted.documentId}.1" and submitted.created is True
    listed = docs.service.DocumentList(patient=patient, _soapheaders=headers())
    assert [d.documentId for d in listed.document] == [submitted.documentId]
    assert listed.withheld == 0
    got = docs.service.DocumentGet(documentId=submitted.versionedId, _soapheaders=headers())
    assert got.body.content == body and got.document.authorStamp == "61234"
    withdrawn = docs.service.DocumentWithdraw(
        documentId=submitted.documentId, reason="Téves beteg", _soapheaders=headers()
    )
    assert withdrawn.status == "VISSZAVONT"

    grant = access.service.Breakglass(
        patient={"idType": "TAJ", "id": "987654322"},
        reasonCode="ELETVESZELY",
        justification="Eszméletlen beteg a rendelőben",
        _soapheaders=headers(),
    )
    assert grant.validUntil - grant.validFrom == dt.timedelta(hours=4)

    created = profile.service.ProfileEntryCreate(
        patient=patient,
        category="ALLERGIA",
        text="Latexallergia",
        basis={"type": "ESEMENY", "id": started.eventId},
        _soapheaders=headers(),
    )
    assert created.version == 1
    updated = profile.service.ProfileEntryUpdate(
        entryId=created.entryId,
        expectedVersion=1,
        text="Latexallergia (kesztyű)",
        reason="Pontosítás",
        _soapheaders=headers(),
    )
    assert updated.version == 2
    queried = profile.service.ProfileQuery(patient=patient, _soapheaders=headers())
    assert [e.text for e in queried.entry] == ["Latexallergia (kesztyű)"]
    deleted = profile.service.ProfileEntryDelete(
        entryId=created.entryId, reason="Téves", _soapheaders=headers()
    )
    assert deleted.version == 3
    history = profile.service.ProfileHistory(entryId=created.entryId, _soapheaders=headers())
    assert [v.action for v in history.version] == ["LETREHOZAS", "MODOSITAS", "TORLES"]

    bence = {"idType": "TAJ", "id": "111111110"}
    found = referral.service.ReferralQuery(patient=bence, _soapheaders=headers())
    assert VALID in [r.referralId for r in found]
    assert referral.service.ReferralBook(referralId=VALID, _soapheaders=headers()).status == (
        "LEFOGLALT"
    )
    care = ekat.service.EventStart(
        patient=bence,
        clientVisitId=f"zeep-{uuid.uuid4().hex[:8]}",
        careType="JARO",
        specialty="FOG",
        eventTime=now,
        recordedTime=now,
        responsibleStamp="61234",
        _soapheaders=headers(),
    )
    used = referral.service.ReferralUse(
        referralId=VALID, eventId=care.eventId, _soapheaders=headers()
    )
    assert used.status == "FELHASZNALT"
    ekat.service.EventClose(
        eventId=care.eventId,
        endTime=now,
        recordedTime=now,
        responsibleStamp="61234",
        diagnoses={"diagnosis": ["K0210"]},
        _soapheaders=headers(),
    )
    done = referral.service.ReferralComplete(referralId=VALID, _soapheaders=headers())
    assert done.status == "TELJESITETT"

    colour = eligibility.service.EligibilityCheck(taj="200158389", _soapheaders=headers())
    assert colour.status == "PIROS"
