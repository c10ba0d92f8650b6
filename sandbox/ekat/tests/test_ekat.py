"""eKAT rules (contract §4) through the SOAP endpoint."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import time_machine
from lxml import etree

from sandbox import testing
from sandbox.clock.services import clock_offset_set
from sandbox.conftest import Soap
from sandbox.ekat.models import Event, EventRevision
from sandbox.faults.models import Counter
from sandbox.refdata.bno import bno_table
from sandbox.registry import seed
from sandbox.soap.ns import service_ns

EKAT = service_ns("ekat")
pytestmark = pytest.mark.django_db
TAJ = "123456788"  # Szabó Zoé, female


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def start(
    soap: Soap,
    *,
    taj: str = TAJ,
    visit: str = "V1",
    when: dt.datetime | None = None,
    stamp: str = "58012",
    diag: str | None = None,
    specialty: str = "FOG",
    **kw: object,
) -> testing.Answer:
    when = when or now()
    return soap.call(
        "ekat",
        testing.payload(
            EKAT,
            "EventStartRequest",
            patient={"idType": "TAJ", "id": taj},
            clientVisitId=visit,
            careType="JARO",
            specialty=specialty,
            eventTime=when,
            recordedTime=when,
            responsibleStamp=stamp,
            workingDiagnosis=diag,
        ),
        **kw,
    )  # type: ignore[arg-type]


def close(
    soap: Soap,
    event_id: str,
    *,
    end: dt.datetime | None = None,
    diagnoses: list[str] | None = None,
    **kw: object,
) -> testing.Answer:
    end = end or now()
    return soap.call(
        "ekat",
        testing.payload(
            EKAT,
            "EventCloseRequest",
            eventId=event_id,
            endTime=end,
            recordedTime=end,
            responsibleStamp="58012",
            diagnoses={"diagnosis": diagnoses or ["K0210"]},
            procedures={"procedure": ["12345"]},
        ),
        **kw,
    )  # type: ignore[arg-type]


def correct(soap: Soap, event_id: str, **fields: object) -> testing.Answer:
    kw = {
        k: fields.pop(k) for k in list(fields) if k in ("cert", "user", "institution", "org_unit")
    }
    body = {"eventId": event_id, **fields, "reason": "Elírás javítása"}
    return soap.call("ekat", testing.payload(EKAT, "EventCorrectRequest", **body), **kw)  # type: ignore[arg-type]


def delete(soap: Soap, event_id: str, **kw: object) -> testing.Answer:
    return soap.call(
        "ekat",
        testing.payload(EKAT, "EventDeleteRequest", eventId=event_id, reason="Téves rögzítés"),
        **kw,
    )  # type: ignore[arg-type]


def query(soap: Soap, taj: str = TAJ, **kw: object) -> testing.Answer:
    return soap.call(
        "ekat",
        testing.payload(EKAT, "EventQueryRequest", patient={"idType": "TAJ", "id": taj}),
        **kw,
    )  # type: ignore[arg-type]


def other(soap: Soap, other_waf_der: bytes) -> dict[str, object]:
    return {
        "user": seed.OTHER_DOCTOR,
        "institution": seed.OTHER_INSTITUTION,
        "org_unit": seed.OTHER_ORG_UNIT,
        "cert": other_waf_der,
    }


def count(name: str) -> int:
    row = Counter.objects.filter(name=name).first()
    return row.value if row else 0


def test_start_returns_an_18_digit_open_event(soap: Soap) -> None:
    answer = start(soap)
    assert answer.status == 200, answer.raw
    event_id = answer.find("eventId") or ""
    assert len(event_id) == 18 and event_id.isdigit()
    assert answer.find("status") == "NYITOTT"
    event = Event.objects.get(event_id=event_id)
    assert event.institution.institution_id == seed.DEMO_INSTITUTION
    assert event.org_unit.code == seed.DEMO_ORG_UNIT
    assert count("writes.EventStart") == 1


def test_one_open_event_per_patient_org_unit_and_visit(soap: Soap) -> None:
    when = now()
    first = start(soap, when=when)
    same = start(soap, when=when)  # a new request id, same visit, same data: the same event
    assert same.find("eventId") == first.find("eventId")
    assert Event.objects.filter(patient__id_value=TAJ).count() == 1  # the seed has history
    changed = start(soap, when=when - dt.timedelta(minutes=5))
    assert changed.fault_code == "DUPLICATE_REQUEST_CONFLICT"
    assert start(soap, visit="V2", when=when).find("eventId") != first.find("eventId")
    close(soap, first.find("eventId") or "")
    # Once closed, the visit id may open a new event.
    reopened = start(soap, when=when)
    assert reopened.status == 200 and reopened.find("eventId") != first.find("eventId")


def test_taj_check_digit(soap: Soap) -> None:
    assert start(soap, taj="123456789").fault_code == "TAJ_INVALID"
    assert query(soap, taj="000000000").fault_code == "TAJ_INVALID"


def test_unknown_patient_is_the_reserved_not_found_taj(soap: Soap) -> None:
    assert start(soap, taj="999000014").fault_code == "PATIENT_NOT_FOUND"


def test_any_valid_taj_can_start_care(soap: Soap) -> None:
    answer = start(soap, taj="222222220")
    assert answer.status == 200, answer.fault_message


def test_deceased_reserved_person_cannot_start_care(soap: Soap) -> None:
    answer = start(soap, taj="999000069")
    assert answer.fault_code == "PATIENT_DECEASED"


def test_unknown_stamp(soap: Soap) -> None:
    assert start(soap, stamp="99999").fault_code == "STAMP_UNKNOWN"


def test_unknown_specialty_and_bno(soap: Soap) -> None:
    assert start(soap, specialty="XYZ").fault_code == "CODE_UNKNOWN"
    assert start(soap, diag="K0299").fault_code == "CODE_UNKNOWN"
    assert start(soap, diag="K0210").status == 200


def test_close_diagnoses_must_exist_and_be_valid_at_the_event_date(soap: Soap) -> None:
    event_id = start(soap).find("eventId") or ""
    assert close(soap, event_id, diagnoses=["K0210", "Z9999"]).fault_code == "CODE_UNKNOWN"
    expired = next(c.code for c in bno_table().values() if c.valid_to < dt.date(2015, 1, 1))
    answer = close(soap, event_id, diagnoses=[expired])
    assert answer.fault_code == "CODE_UNKNOWN"
    assert "nem érvényes" in (answer.fault_message or "")
    male_only = next(
        c.code for c in bno_table().values() if c.sex == "1" and c.valid_to.year > 2900
    )
    assert (
        close(soap, event_id, diagnoses=[male_only]).fault_code == "CODE_UNKNOWN"
    )  # patient is female
    assert close(soap, event_id).status == 200


def test_end_before_start_is_refused(soap: Soap) -> None:
    when = now()
    event_id = start(soap, when=when).find("eventId") or ""
    answer = close(soap, event_id, end=when - dt.timedelta(minutes=1))
    assert answer.fault_code == "SCHEMA_INVALID"
    assert answer.fault_element == "endTime"


def test_close_needs_an_open_event(soap: Soap) -> None:
    event_id = start(soap).find("eventId") or ""
    assert close(soap, event_id).find("status") == "LEZART"
    assert close(soap, event_id).fault_code == "EVENT_NOT_OPEN"
    assert close(soap, "999999999999999999").fault_code == "EVENT_NOT_FOUND"
    assert count("writes.EventClose") == 1


def test_only_the_reporting_institution_closes_corrects_deletes(
    soap: Soap, other_waf_der: bytes
) -> None:
    event_id = start(soap).find("eventId") or ""
    them = other(soap, other_waf_der)
    assert close(soap, event_id, **them).fault_code == "NOT_OWNER"
    assert (
        correct(soap, event_id, diagnoses={"diagnosis": ["K0220"]}, **them).fault_code
        == "NOT_OWNER"
    )
    assert delete(soap, event_id, **them).fault_code == "NOT_OWNER"


def test_correct_records_a_revision(soap: Soap) -> None:
    event_id = start(soap).find("eventId") or ""
    close(soap, event_id)
    answer = correct(soap, event_id, diagnoses={"diagnosis": ["K0220"]})
    assert answer.status == 200, answer.raw
    event = Event.objects.get(event_id=event_id)
    assert event.diagnoses == ["K0220"]
    revision = EventRevision.objects.get(event=event)
    assert revision.before["diagnoses"] == ["K0210"] and revision.reason == "Elírás javítása"


def test_correct_and_delete_within_the_deadline_only(soap: Soap) -> None:
    event_id = start(soap).find("eventId") or ""
    close(soap, event_id)
    clock_offset_set(seconds=int(dt.timedelta(days=4, minutes=1).total_seconds()))
    # The assertion must outlive the offset: log in again in the shifted sandbox time.
    fresh = soap.login(seed.DEMO_DENTIST)
    assert correct(soap, event_id, diagnoses={"diagnosis": ["K0220"]}).fault_code in (
        "AUTH_SESSION_EXPIRED",
    )
    answer = soap.call(
        "ekat",
        testing.payload(EKAT, "EventDeleteRequest", eventId=event_id, reason="Téves"),
        assertion=fresh,
    )
    assert answer.fault_code == "EVENT_DEADLINE_PASSED"
    clock_offset_set(seconds=int(dt.timedelta(days=3, hours=23).total_seconds()))
    fresh = soap.login(seed.DEMO_DENTIST)
    answer = soap.call(
        "ekat",
        testing.payload(EKAT, "EventDeleteRequest", eventId=event_id, reason="Téves"),
        assertion=fresh,
    )
    assert answer.find("status") == "TOROLT"


def test_deadline_is_a_setting(soap: Soap, settings: object) -> None:
    settings.SANDBOX_EVENT_DEADLINE_DAYS = 1  # type: ignore[attr-defined]
    answer = start(soap, when=now() - dt.timedelta(days=1, minutes=1))
    assert answer.fault_code == "EVENT_DEADLINE_PASSED"


def test_late_start_report_is_refused(soap: Soap) -> None:
    assert (
        start(soap, when=now() - dt.timedelta(days=4, minutes=1)).fault_code
        == "EVENT_DEADLINE_PASSED"
    )
    assert start(soap, when=now() - dt.timedelta(days=3, hours=23)).status == 200


def test_deleted_event_cannot_be_corrected_or_deleted_again(soap: Soap) -> None:
    event_id = start(soap).find("eventId") or ""
    assert delete(soap, event_id).find("status") == "TOROLT"
    assert delete(soap, event_id).fault_code == "EVENT_NOT_OPEN"
    assert correct(soap, event_id).fault_code == "EVENT_NOT_OPEN"


def test_query_needs_a_treating_relationship(soap: Soap, other_waf_der: bytes) -> None:
    assert query(soap).fault_code == "NO_TREATMENT_RELATIONSHIP"
    event_id = start(soap).find("eventId") or ""
    answer = query(soap)
    assert answer.status == 200
    assert [e.findtext(f"{{{EKAT}}}eventId") for e in answer.body] == [event_id]
    # Another institution without its own care of the patient sees nothing.
    assert query(soap, **other(soap, other_waf_der)).fault_code == "NO_TREATMENT_RELATIONSHIP"


def test_treating_relationship_lapses_after_30_days(soap: Soap) -> None:
    event_id = start(soap).find("eventId") or ""
    close(soap, event_id)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=31)
    with time_machine.travel(later):
        # Certificates are valid for a year; a new login in the future.
        assertion = soap.login(seed.DEMO_DENTIST)
        assert query(soap, assertion=assertion).fault_code == "NO_TREATMENT_RELATIONSHIP"


def test_query_hides_deleted_events_and_filters_by_time(soap: Soap) -> None:
    when = now()
    keep = start(soap, visit="A", when=when - dt.timedelta(days=2)).find("eventId")
    gone = start(soap, visit="B", when=when).find("eventId") or ""
    delete(soap, gone)
    answer = query(soap)
    assert [e.findtext(f"{{{EKAT}}}eventId") for e in answer.body] == [keep]
    ranged = soap.call(
        "ekat",
        testing.payload(
            EKAT,
            "EventQueryRequest",
            patient={"idType": "TAJ", "id": TAJ},
            **{"from": when - dt.timedelta(days=1)},
        ),
    )
    assert len(ranged.body) == 0


def test_retry_with_the_same_request_id_writes_once(soap: Soap) -> None:
    rid = str(uuid.uuid4())
    when = now()
    first = start(soap, when=when, request_id=rid)
    second = start(soap, when=when, request_id=rid)
    assert first.raw == second.raw
    assert count("writes.EventStart") == 1 and count("duplicates") == 1


def test_assistant_reports_with_eeszt_user_role(soap: Soap) -> None:
    answer = start(soap, user=seed.ASSISTANT, role="EESZT_FELHASZNALO")
    assert answer.status == 200
    assert etree.QName(answer.body).localname == "EventStartResponse"


def test_times_in_the_future_beyond_the_skew_are_refused(soap: Soap) -> None:
    ahead = start(soap, when=now() + dt.timedelta(minutes=10))
    assert ahead.fault_code == "TIME_IN_FUTURE"
    assert ahead.fault_element == "eventTime"
    # Within the documented skew (120 s) a client clock running ahead is tolerated.
    assert start(soap, visit="V-skew", when=now() + dt.timedelta(seconds=60)).status == 200
    event_id = start(soap, visit="V-end").find("eventId") or ""
    late_end = close(soap, event_id, end=now() + dt.timedelta(hours=1))
    assert late_end.fault_code == "TIME_IN_FUTURE"
    assert late_end.fault_element == "endTime"


def test_a_time_without_zone_offset_is_refused_not_read_as_utc(soap: Soap) -> None:
    request = testing.payload(
        EKAT,
        "EventStartRequest",
        patient={"idType": "TAJ", "id": TAJ},
        clientVisitId="V-tz",
        careType="JARO",
        specialty="FOG",
        eventTime="2026-01-15T10:00:00",
        recordedTime=now(),
        responsibleStamp="58012",
    )
    answer = soap.call("ekat", request)
    assert answer.fault_code == "SCHEMA_INVALID"
    assert answer.fault_element == "eventTime"
    assert not Event.objects.filter(client_visit_id="V-tz").exists()


def test_care_type_and_specialty_must_fit_the_org_units_profile(soap: Soap) -> None:
    wrong_specialty = start(soap, visit="V-bel", specialty="BEL")
    assert wrong_specialty.fault_code == "CARE_PROFILE_MISMATCH"
    assert wrong_specialty.fault_element == "specialty"
    inpatient = soap.call(
        "ekat",
        testing.payload(
            EKAT,
            "EventStartRequest",
            patient={"idType": "TAJ", "id": TAJ},
            clientVisitId="V-fekvo",
            careType="FEKVO",
            specialty="FOG",
            eventTime=now(),
            recordedTime=now(),
            responsibleStamp="58012",
        ),
    )
    assert inpatient.fault_code == "CARE_PROFILE_MISMATCH"
    assert inpatient.fault_element == "careType"
    assert not Event.objects.filter(client_visit_id__in=["V-bel", "V-fekvo"]).exists()


def test_the_responsible_doctor_must_hold_a_right_at_the_institution(soap: Soap) -> None:
    # 70001 (the other hospital's psychiatrist) is in the doctor register, no right here.
    answer = start(soap, visit="V-resp", stamp="70001")
    assert answer.fault_code == "RESPONSIBLE_NOT_PERMITTED"
    assert answer.fault_element == "responsibleStamp"


def test_a_close_after_the_deadline_is_accepted_and_flagged_late(soap: Soap) -> None:
    event_id = start(soap).find("eventId") or ""
    on_time = close(soap, event_id)
    assert on_time.find("status") == "LEZART"
    assert on_time.find("late") is None
    # A care that ended five days ago (started in time, the close never went out).
    late_id = start(soap, visit="V-late", when=now() - dt.timedelta(days=3)).find("eventId") or ""
    Event.objects.filter(event_id=late_id).update(event_time=now() - dt.timedelta(days=6))
    late = close(soap, late_id, end=now() - dt.timedelta(days=5))
    assert late.status == 200, late.fault_message
    assert late.find("status") == "LEZART"
    assert late.find("late") == "true"
    assert late.find("deadline") is not None
    assert Event.objects.get(event_id=late_id).status == "LEZART"
