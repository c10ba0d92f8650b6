"""e-Beutaló (contract §8) through the SOAP endpoint, with a controlled clock."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError

from sandbox import testing
from sandbox.conftest import Soap
from sandbox.documents.tests.helpers import (
    REFERRAL,
    REFERRAL_TAJ,
    close_event,
    other,
    patient,
    start_event,
)
from sandbox.referral.models import Referral, ReferralStatus
from sandbox.referral.seed import EXPIRED, OTHER_SPECIALTY, REVOKED, VALID
from sandbox.referral.services import referral_issue, referral_revoke
from sandbox.registry import seed
from sandbox.registry.models import Doctor, IdType, Institution, OrgUnit, Patient

pytestmark = pytest.mark.django_db


def book(soap: Soap, referral_id: str, **kw: Any) -> testing.Answer:
    return soap.call(
        "referral", testing.payload(REFERRAL, "ReferralBookRequest", referralId=referral_id), **kw
    )


def use(soap: Soap, referral_id: str, event_id: str, **kw: Any) -> testing.Answer:
    return soap.call(
        "referral",
        testing.payload(REFERRAL, "ReferralUseRequest", referralId=referral_id, eventId=event_id),
        **kw,
    )


def complete(soap: Soap, referral_id: str, **kw: Any) -> testing.Answer:
    return soap.call(
        "referral",
        testing.payload(REFERRAL, "ReferralCompleteRequest", referralId=referral_id),
        **kw,
    )


def status(soap: Soap, referral_id: str) -> str | None:
    answer = soap.call(
        "referral", testing.payload(REFERRAL, "ReferralQueryRequest", referralId=referral_id)
    )
    return answer.find("status")


def issue(
    specialty: str = "FOG", target: str | None = seed.DEMO_INSTITUTION, days_ago: int = 1
) -> Referral:
    return referral_issue(
        patient=Patient.objects.get(id_type=IdType.TAJ, id_value=REFERRAL_TAJ),
        referring_doctor=Doctor.objects.get(stamp="45678"),
        referring_org_unit=OrgUnit.objects.get(code="010600001"),
        target_specialty=specialty,
        target_institution=Institution.objects.get(institution_id=target) if target else None,
        history="Fogfájás",
        question="Kezelés?",
        issued_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago),
    )


def test_query_by_patient_shows_statuses_and_mandatory_content(soap: Soap) -> None:
    answer = soap.call(
        "referral", testing.payload(REFERRAL, "ReferralQueryRequest", patient=patient(REFERRAL_TAJ))
    )
    found = {r.findtext(f"{{{REFERRAL}}}referralId"): r for r in answer.body}
    assert {k: v.findtext(f"{{{REFERRAL}}}status") for k, v in found.items()} == {
        VALID: "KIADOTT",
        EXPIRED: "LEJART",
        REVOKED: "VISSZAVONT",
        OTHER_SPECIALTY: "KIADOTT",
    }
    valid = found[VALID]
    for field in (
        "referringStamp",
        "referringOrgUnitId",
        "patientName",
        "logNumber",
        "history",
        "diagnosisText",
        "diagnosis",
        "issuedAt",
        "validUntil",
        "targetSpecialty",
        "targetInstitutionId",
    ):
        assert valid.findtext(f"{{{REFERRAL}}}{field}"), field
    assert found[EXPIRED].findtext(f"{{{REFERRAL}}}question")


def test_query_hides_referrals_addressed_to_another_institution(soap: Soap) -> None:
    theirs = issue(target=seed.OTHER_INSTITUTION)
    anyone = issue(target=None)
    answer = soap.call(
        "referral", testing.payload(REFERRAL, "ReferralQueryRequest", patient=patient(REFERRAL_TAJ))
    )
    ids = {r.findtext(f"{{{REFERRAL}}}referralId") for r in answer.body}
    assert anyone.referral_id in ids and theirs.referral_id not in ids
    assert (
        soap.call(
            "referral",
            testing.payload(REFERRAL, "ReferralQueryRequest", referralId="202699999999999999"),
        ).fault_code
        == "REFERRAL_NOT_FOUND"
    )


def test_book_use_complete(soap: Soap) -> None:
    booked = book(soap, VALID)
    assert booked.find("status") == "LEFOGLALT"
    assert book(soap, VALID).find("status") == "LEFOGLALT"  # again: nothing changes
    event_id = start_event(soap, REFERRAL_TAJ)
    assert complete(soap, VALID).fault_code == "EVENT_NOT_OPEN"  # not used yet
    assert use(soap, VALID, event_id).find("status") == "FELHASZNALT"
    assert use(soap, VALID, event_id).find("status") == "FELHASZNALT"  # the same use again
    assert complete(soap, VALID).fault_code == "EVENT_NOT_OPEN"  # care still open
    assert close_event(soap, event_id).status == 200
    assert complete(soap, VALID).find("status") == "TELJESITETT"
    assert book(soap, VALID).fault_code == "REFERRAL_ALREADY_USED"


def test_event_close_completes_the_referral_by_itself(soap: Soap) -> None:
    event_id = start_event(soap, REFERRAL_TAJ)
    use(soap, VALID, event_id)
    close_event(soap, event_id)
    assert status(soap, VALID) == "TELJESITETT"


def test_already_used_for_another_event(soap: Soap) -> None:
    first = start_event(soap, REFERRAL_TAJ)
    second = start_event(soap, REFERRAL_TAJ)
    use(soap, VALID, first)
    assert use(soap, VALID, second).fault_code == "REFERRAL_ALREADY_USED"


def test_refusals_expired_revoked_wrong_target(soap: Soap) -> None:
    assert book(soap, EXPIRED).fault_code == "REFERRAL_EXPIRED"
    assert book(soap, REVOKED).fault_code == "REFERRAL_REVOKED"
    assert book(soap, OTHER_SPECIALTY).fault_code == "REFERRAL_WRONG_TARGET"
    # The oral surgery unit of the same institution may book it.
    assert book(soap, OTHER_SPECIALTY, user=seed.SECOND_DOCTOR, org_unit="001044300").status == 200
    theirs = issue(target=seed.OTHER_INSTITUTION)
    assert book(soap, theirs.referral_id).fault_code == "REFERRAL_WRONG_TARGET"
    event_id = start_event(soap, REFERRAL_TAJ)
    assert use(soap, EXPIRED, event_id).fault_code == "REFERRAL_EXPIRED"


def test_validity_is_90_days_from_issue(soap: Soap) -> None:
    referral = issue(days_ago=0)
    assert referral.valid_until - referral.issued_at == dt.timedelta(days=90)
    with time_machine.travel(referral.issued_at + dt.timedelta(days=90, seconds=1)):
        assertion = soap.login(seed.DEMO_DENTIST)
        assert (
            book(soap, referral.referral_id, assertion=assertion).fault_code == "REFERRAL_EXPIRED"
        )
    with time_machine.travel(referral.issued_at + dt.timedelta(days=89, hours=23)):
        assertion = soap.login(seed.DEMO_DENTIST)
        assert book(soap, referral.referral_id, assertion=assertion).status == 200


def test_booking_a_second_in_the_same_specialty_cancels_the_first(soap: Soap) -> None:
    second = issue()
    book(soap, VALID)
    answer = book(soap, second.referral_id)
    assert answer.find("status") == "LEFOGLALT"
    assert answer.find("cancelledReferralId") == VALID
    assert status(soap, VALID) == "KIADOTT"


def test_booking_conflict_when_another_institution_booked_it(
    soap: Soap, other_waf_der: bytes
) -> None:
    anyone = issue(specialty="PSZICH", target=None)
    assert book(soap, anyone.referral_id, **other(other_waf_der)).status == 200
    # Our psychiatry? We have none: wrong target. Make it a FOG one booked by a FOG unit there.
    fog_anyone = issue(target=None)
    Referral.objects.filter(pk=fog_anyone.pk).update(
        status=ReferralStatus.BOOKED,
        booked_institution=Institution.objects.get(institution_id=seed.OTHER_INSTITUTION),
    )
    assert book(soap, fog_anyone.referral_id).fault_code == "BOOKING_CONFLICT"
    event_id = start_event(soap, REFERRAL_TAJ)
    assert use(soap, fog_anyone.referral_id, event_id).fault_code == "BOOKING_CONFLICT"


def test_use_needs_our_event_of_the_same_patient(soap: Soap, other_waf_der: bytes) -> None:
    assert use(soap, VALID, "202699999999999999").fault_code == "EVENT_NOT_FOUND"
    someone_else = start_event(soap, "123456788")
    assert use(soap, VALID, someone_else).fault_code == "REFERRAL_WRONG_TARGET"
    them = other(other_waf_der)
    their_event = start_event(soap, REFERRAL_TAJ, specialty="PSZICH", stamp="70001", **them)
    assert use(soap, VALID, their_event).fault_code == "NOT_OWNER"


def test_only_the_user_of_the_referral_completes_it(soap: Soap, other_waf_der: bytes) -> None:
    event_id = start_event(soap, REFERRAL_TAJ)
    use(soap, VALID, event_id)
    assert complete(soap, VALID, **other(other_waf_der)).fault_code == "NOT_OWNER"
    assert complete(soap, REVOKED).fault_code == "REFERRAL_REVOKED"


def test_portal_services_issue_and_revoke(seeded: None) -> None:
    referral = issue()
    assert referral.log_number and referral.status == ReferralStatus.ISSUED
    with pytest.raises(ValidationError):
        referral_revoke(referral=referral, reason=" ")
    referral_revoke(referral=referral, reason="Hibás adat")
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.REVOKED
    with pytest.raises(ValidationError) as missing:
        referral_issue(
            patient=Patient.objects.get(id_type=IdType.TAJ, id_value=REFERRAL_TAJ),
            referring_doctor=Doctor.objects.get(stamp="45678"),
            referring_org_unit=OrgUnit.objects.get(code="010600001"),
            target_specialty="FOG",
            history="",
        )
    assert {"history", "diagnosis_text"} <= set(missing.value.message_dict)
