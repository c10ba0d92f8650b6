"""Access decisions (contract §6): the order of the rules, breakglass, waivers, DÖR,
sensitive categories, treating relationship, and the access log of every decision."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import override_settings
from lxml import etree

from sandbox import testing
from sandbox.access.decide import access_decide
from sandbox.access.models import AccessLogEntry, DorScope, Outcome
from sandbox.access.selectors import access_log_of_patient
from sandbox.access.services import dor_restriction_add, dor_restriction_lift, waiver_grant
from sandbox.clock.services import now as sandbox_now
from sandbox.conftest import Soap
from sandbox.documents.tests.helpers import (
    DOR_TAJ,
    EKAT,
    HISTORY_TAJ,
    REFERRAL_TAJ,
    TAJ,
    breakglass,
    doc_get,
    doc_list,
    listed_ids,
    other,
    patient,
    start_event,
)
from sandbox.registry import seed
from sandbox.registry.models import Doctor, IdType, Institution, OrgUnit, Patient, User

pytestmark = pytest.mark.django_db
BEL_DOC = "202500000000000201"  # Kiss Máté, internal medicine, other institution
PSZICH_DOC = "202500000000000202"  # Kiss Máté, psychiatry (sensitive)
DOR_BEL_DOC = "202500000000000203"  # Farkas Hanna, internal medicine


def _patient(taj: str) -> Patient:
    return Patient.objects.get(id_type=IdType.TAJ, id_value=taj)


def _decide(user_id: str = seed.DEMO_DENTIST, role: str = "ORVOS", **kw: object) -> object:
    user = User.objects.select_related("doctor").get(user_id=user_id)
    org_unit = OrgUnit.objects.select_related("institution").get(code=seed.DEMO_ORG_UNIT)
    return access_decide(
        user=user,
        institution=org_unit.institution,
        org_unit=org_unit,
        role=role,
        service=str(kw.pop("service", "documents")),
        at=sandbox_now(),
        **kw,  # type: ignore[arg-type]
    )


def test_step1_role_must_be_allowed_for_the_service(seeded: None) -> None:
    decision = _decide(role="INTJOGADIN", patient=_patient(TAJ))
    assert decision.code == "ROLE_MISSING"  # type: ignore[attr-defined]
    assert _decide(service="unknown", patient=_patient(TAJ)).code == "ROLE_MISSING"  # type: ignore[attr-defined]


def test_step2_breakglass_overrides_relationship_dor_and_sensitivity(soap: Soap) -> None:
    dor_restriction_add(
        patient=_patient(HISTORY_TAJ), scope=DorScope.INSTITUTION, value=seed.DEMO_INSTITUTION
    )
    assert doc_get(soap, PSZICH_DOC).fault_code == "DENIED_BY_SELF_DETERMINATION"
    opened = breakglass(soap, HISTORY_TAJ)
    assert opened.status == 200, opened.fault_message
    got = doc_get(soap, PSZICH_DOC)
    assert got.status == 200 and got.find("breakglass") == "true"
    listed = doc_list(soap, HISTORY_TAJ)
    assert len(listed_ids(listed)) == 2 and listed.find("withheld") == "0"
    assert listed.find("breakglass") == "true"
    # Only for the doctor who opened it.
    assert doc_get(soap, PSZICH_DOC, user=seed.SECOND_DOCTOR).status == 400
    entry = AccessLogEntry.objects.filter(item=f"{PSZICH_DOC}.1", outcome=Outcome.BREAKGLASS)
    assert entry.get().breakglass is True


def test_breakglass_ends_after_four_hours(soap: Soap) -> None:
    valid_until = breakglass(soap, HISTORY_TAJ).find("validUntil") or ""
    assert doc_get(soap, BEL_DOC).status == 200
    end = dt.datetime.fromisoformat(valid_until.replace("Z", "+00:00"))
    assert end - dt.datetime.now(dt.UTC) > dt.timedelta(hours=3, minutes=59)
    with time_machine.travel(end + dt.timedelta(seconds=1)):
        assertion = soap.login(seed.DEMO_DENTIST)
        refused = doc_get(soap, BEL_DOC, assertion=assertion)
        assert refused.fault_code == "NO_TREATMENT_RELATIONSHIP"


@override_settings(SANDBOX_BREAKGLASS_HOURS=1)
def test_breakglass_length_is_a_setting(soap: Soap) -> None:
    answer = breakglass(soap, HISTORY_TAJ)
    start = dt.datetime.fromisoformat((answer.find("validFrom") or "").replace("Z", "+00:00"))
    end = dt.datetime.fromisoformat((answer.find("validUntil") or "").replace("Z", "+00:00"))
    assert end - start == dt.timedelta(hours=1)


def test_breakglass_is_for_doctors_with_a_reason(soap: Soap) -> None:
    assistant = breakglass(soap, HISTORY_TAJ, user=seed.ASSISTANT, role="EESZT_FELHASZNALO")
    assert assistant.fault_code == "ROLE_MISSING"
    as_user = breakglass(soap, HISTORY_TAJ, role="EESZT_FELHASZNALO")
    assert as_user.fault_code == "ROLE_MISSING"
    short = breakglass(soap, HISTORY_TAJ, reason="EGYEB", text="túl rövid indok")
    assert short.fault_code == "BREAKGLASS_REASON_REQUIRED"
    missing = breakglass(soap, HISTORY_TAJ, reason="ESZMELETLEN", text=None)
    assert missing.fault_code == "BREAKGLASS_REASON_REQUIRED"
    blank = breakglass(soap, HISTORY_TAJ, reason="SURGOS_ELLATAS", text="   ")
    assert blank.fault_code == "BREAKGLASS_REASON_REQUIRED"
    long_enough = breakglass(
        soap, HISTORY_TAJ, reason="EGYEB", text="Baleset után, hozzátartozó kérésére"
    )
    assert long_enough.status == 200
    unknown = breakglass(soap, "111111111")
    assert unknown.fault_code == "TAJ_INVALID"


def test_step3_waiver_lets_the_doctor_through_dor_for_24_hours(soap: Soap) -> None:
    hanna = _patient(DOR_TAJ)
    # Dr. Szabó (O61234) is named in Farkas Hanna's DÖR (seed).
    start_event(soap, DOR_TAJ)
    assert (
        doc_get(soap, DOR_BEL_DOC, user=seed.SECOND_DOCTOR).fault_code
        == "DENIED_BY_SELF_DETERMINATION"
    )
    waiver_grant(patient=hanna, doctor=Doctor.objects.get(stamp="61234"))
    assert doc_get(soap, DOR_BEL_DOC, user=seed.SECOND_DOCTOR).status == 200
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=24, seconds=1)):
        assertion = soap.login(seed.SECOND_DOCTOR)
        refused = doc_get(soap, DOR_BEL_DOC, user=seed.SECOND_DOCTOR, assertion=assertion)
        assert refused.fault_code == "DENIED_BY_SELF_DETERMINATION"


def test_waiver_does_not_extend_to_other_doctors(soap: Soap) -> None:
    waiver_grant(patient=_patient(HISTORY_TAJ), doctor=Doctor.objects.get(stamp="61234"))
    assert doc_get(soap, BEL_DOC, user=seed.SECOND_DOCTOR).status == 200
    assert doc_get(soap, BEL_DOC).fault_code == "NO_TREATMENT_RELATIONSHIP"


def test_step4_dor_restrictions_match_institution_user_or_category(soap: Soap) -> None:
    # Farkas Hanna restricted category BEL: our care does not open her BEL report...
    start_event(soap, DOR_TAJ)
    refused = doc_get(soap, DOR_BEL_DOC)
    assert refused.fault_code == "DENIED_BY_SELF_DETERMINATION"
    # ...nor her events of that specialty, while our own FOG events stay visible.
    events = soap.call("ekat", testing.payload(EKAT, "EventQueryRequest", patient=patient(DOR_TAJ)))
    specialties = [e.findtext(f"{{{EKAT}}}specialty") for e in events.body]
    assert specialties == ["FOG"]
    # An institution restriction covers everything of the patient.
    restriction = dor_restriction_add(
        patient=_patient(TAJ), scope=DorScope.INSTITUTION, value=seed.DEMO_INSTITUTION
    )
    start_event(soap, TAJ)
    assert doc_list(soap, TAJ).status == 200  # a list: nothing to show, nothing withheld
    query = soap.call("ekat", testing.payload(EKAT, "EventQueryRequest", patient=patient(TAJ)))
    assert query.fault_code == "DENIED_BY_SELF_DETERMINATION"
    dor_restriction_lift(restriction=restriction)
    query = soap.call("ekat", testing.payload(EKAT, "EventQueryRequest", patient=patient(TAJ)))
    assert query.status == 200


def test_dor_beats_the_sensitive_rule(soap: Soap, other_waf_der: bytes) -> None:
    them = other(other_waf_der)
    start_event(soap, HISTORY_TAJ, specialty="PSZICH", stamp="70001", **them)
    assert doc_get(soap, PSZICH_DOC, **them).status == 200
    dor_restriction_add(patient=_patient(HISTORY_TAJ), scope=DorScope.CATEGORY, value="PSZICH")
    assert doc_get(soap, PSZICH_DOC, **them).fault_code == "DENIED_BY_SELF_DETERMINATION"
    # ...and a DÖR restriction before the sensitive rule: denied by DÖR, not by sensitivity.
    start_event(soap, HISTORY_TAJ)
    assert doc_get(soap, PSZICH_DOC).fault_code == "DENIED_BY_SELF_DETERMINATION"


@override_settings(SANDBOX_DOR_DELAY_HOURS=24)
def test_dor_change_takes_effect_after_the_configured_delay(soap: Soap) -> None:
    start_event(soap, TAJ)
    dor_restriction_add(patient=_patient(TAJ), scope=DorScope.USER, value=seed.DEMO_DENTIST)
    query = testing.payload(EKAT, "EventQueryRequest", patient=patient(TAJ))
    assert soap.call("ekat", query).status == 200
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=24, minutes=1)):
        assertion = soap.login(seed.DEMO_DENTIST)
        assert (
            soap.call("ekat", query, assertion=assertion).fault_code
            == "DENIED_BY_SELF_DETERMINATION"
        )


def test_dor_is_immediate_by_default(soap: Soap) -> None:
    start_event(soap, TAJ)
    dor_restriction_add(patient=_patient(TAJ), scope=DorScope.USER, value=seed.DEMO_DENTIST)
    query = testing.payload(EKAT, "EventQueryRequest", patient=patient(TAJ))
    assert soap.call("ekat", query).fault_code == "DENIED_BY_SELF_DETERMINATION"
    # Another user of the same institution is not named.
    assert soap.call("ekat", query, user=seed.SECOND_DOCTOR).status == 200


def test_step5_sensitive_events_are_hidden_from_non_specialists(soap: Soap) -> None:
    start_event(soap, HISTORY_TAJ)
    events = soap.call(
        "ekat", testing.payload(EKAT, "EventQueryRequest", patient=patient(HISTORY_TAJ))
    )
    specialties = sorted(e.findtext(f"{{{EKAT}}}specialty") or "" for e in events.body)
    assert specialties == ["BEL", "FOG"]  # the psychiatric event is left out


def test_step6_a_live_referral_makes_a_treating_relationship(soap: Soap) -> None:
    # Nagy Bence has a valid referral to the demo institution (seed).
    assert doc_list(soap, REFERRAL_TAJ).status == 200
    decision = _decide(patient=_patient(REFERRAL_TAJ))
    assert decision.allowed  # type: ignore[attr-defined]
    # No referral and no care at another institution.
    inst = Institution.objects.get(institution_id=seed.OTHER_INSTITUTION)
    org_unit = OrgUnit.objects.get(code=seed.OTHER_ORG_UNIT)
    other_decision = access_decide(
        user=User.objects.get(user_id=seed.OTHER_DOCTOR),
        institution=inst,
        org_unit=org_unit,
        role="ORVOS",
        patient=_patient(REFERRAL_TAJ),
        service="documents",
        at=sandbox_now(),
    )
    assert other_decision.code == "NO_TREATMENT_RELATIONSHIP"


def test_every_decision_is_logged_with_who_where_what(soap: Soap) -> None:
    kiss = _patient(HISTORY_TAJ)
    assert doc_get(soap, BEL_DOC).fault_code == "NO_TREATMENT_RELATIONSHIP"
    start_event(soap, HISTORY_TAJ)
    doc_get(soap, BEL_DOC)
    doc_list(soap, HISTORY_TAJ)
    breakglass(soap, HISTORY_TAJ)
    doc_get(soap, PSZICH_DOC)
    log = list(access_log_of_patient(patient=kiss))
    summary = [(e.operation, e.outcome, e.code) for e in reversed(log)]
    assert summary == [
        ("DocumentGet", "ELUTASITVA", "NO_TREATMENT_RELATIONSHIP"),
        ("DocumentGet", "ENGEDELYEZVE", ""),
        ("DocumentList", "ENGEDELYEZVE", ""),
        ("DocumentList", "ELUTASITVA", "SENSITIVE_CATEGORY"),
        ("Breakglass", "SURGOSSEGI", ""),
        ("DocumentGet", "SURGOSSEGI", ""),
    ]
    first = log[-1]
    assert first.user.user_id == seed.DEMO_DENTIST
    assert first.institution.institution_id == seed.DEMO_INSTITUTION
    assert first.org_unit.code == seed.DEMO_ORG_UNIT
    assert first.item == f"{BEL_DOC}.1" and first.category == "BEL"
    assert log[0].breakglass and "ELETVESZELY" in log[0].reason


def test_denied_event_query_is_logged_too(soap: Soap) -> None:
    query = soap.call("ekat", testing.payload(EKAT, "EventQueryRequest", patient=patient(TAJ)))
    assert query.fault_code == "NO_TREATMENT_RELATIONSHIP"
    entry = access_log_of_patient(patient=_patient(TAJ)).get()
    assert (entry.service, entry.operation, entry.outcome) == ("ekat", "EventQuery", "ELUTASITVA")
    assert etree.QName(query.body).localname == "Fault"


def test_refusals_before_the_business_logic_are_logged_for_the_patient(soap: Soap) -> None:
    """Missing right, wrong org unit, an assistant's breakglass attempt (issue 13)."""
    patient = _patient(TAJ)
    # An assistant's breakglass attempt (Breakglass admits ORVOS only).
    attempt = breakglass(soap, TAJ, user=seed.ASSISTANT, role="EESZT_FELHASZNALO")
    assert attempt.fault_code == "ROLE_MISSING"
    # A role the user does not hold.
    not_held = doc_list(soap, TAJ, user=seed.ASSISTANT, role="ORVOS")
    assert not_held.fault_code == "ROLE_MISSING"
    # An org unit of the institution the dentist has no grant for.
    wrong_unit = doc_list(soap, TAJ, org_unit="001044300")
    assert wrong_unit.fault_code == "CONTEXT_NOT_PERMITTED"
    entries = list(
        AccessLogEntry.objects.filter(patient=patient, outcome=Outcome.DENIED).order_by("pk")
    )
    assert [(e.operation, e.code) for e in entries] == [
        ("Breakglass", "ROLE_MISSING"),
        ("DocumentList", "ROLE_MISSING"),
        ("DocumentList", "CONTEXT_NOT_PERMITTED"),
    ]
    assert entries[0].user.user_id == seed.ASSISTANT
    assert entries[2].org_unit.code == "001044300"
