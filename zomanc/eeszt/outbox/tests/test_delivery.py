"""Outbox rows written with the clinical change and delivered to the real sandbox."""

import datetime as dt
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from zomanc.clinical.models import Visit
from zomanc.clinical.services import diagnosis_add, visit_close, visit_correct, visit_open
from zomanc.eeszt.models import EesztSession
from zomanc.eeszt.outbox import services
from zomanc.eeszt.outbox.models import OutboxItem, OutboxKind, OutboxState
from zomanc.eeszt.outbox.services import (
    outbox_item_deliver,
    outbox_resume_for,
    outbox_retry_now,
)
from zomanc.eeszt.outbox.tests.conftest import Eeszt
from zomanc.eeszt.sessions import eeszt_session_end
from zomanc.patients.models import IdType, Patient, Sex

pytestmark = pytest.mark.django_db(transaction=True)


def open_visit(eeszt: Eeszt, patient: Patient | None = None) -> Visit:
    p = eeszt.personas
    return visit_open(
        patient=patient or eeszt.patient,
        doctor=p.doctor,
        company=p.company_a,
        org_unit=p.org_unit_a,
        opened_by=p.doctor.user,
    )


def close_visit(eeszt: Eeszt, visit: Visit) -> Visit:
    diagnosis_add(visit=visit, code="K0210", added_by=eeszt.personas.doctor.user)
    return visit_close(visit=visit, closed_by=eeszt.personas.doctor.user)


def deliver_all(visit: Visit) -> list[OutboxItem]:
    for item in OutboxItem.objects.filter(visit=visit).order_by("seq"):
        outbox_item_deliver(item_id=item.pk)
    return list(OutboxItem.objects.filter(visit=visit).order_by("seq"))


def test_open_and_close_reach_the_sandbox_in_order(eeszt: Eeszt) -> None:
    eeszt.card_login(eeszt.personas.doctor)
    visit = open_visit(eeszt)
    start = OutboxItem.objects.get(visit=visit)
    assert start.kind == OutboxKind.EVENT_START and start.state == OutboxState.PENDING

    close_visit(eeszt, visit)
    rows = deliver_all(visit)
    assert [(r.kind, r.state) for r in rows] == [
        (OutboxKind.EVENT_START, OutboxState.SENT),
        (OutboxKind.EVENT_CLOSE, OutboxState.SENT),
        (OutboxKind.DOCUMENT_SUBMIT, OutboxState.SENT),
    ]
    event_id = rows[0].result["event_id"]
    assert len(event_id) == 18 and rows[1].result == {"event_id": event_id, "status": "LEZART"}
    assert rows[2].result["version"] == 1
    assert rows[2].result["versioned_id"] == rows[2].result["document_id"] + ".1"


def test_one_delivery_sends_the_visits_rows_one_after_the_other(eeszt: Eeszt) -> None:
    eeszt.card_login(eeszt.personas.doctor)
    visit = close_visit(eeszt, open_visit(eeszt))
    start = OutboxItem.objects.get(visit=visit, kind=OutboxKind.EVENT_START)
    before: dict[str, int] = eeszt.sandbox.admin("state")["counters"]  # type: ignore[assignment]

    delivered = outbox_item_deliver(item_id=start.pk)  # the start's one task

    assert delivered is not None and delivered.pk == start.pk
    rows = list(OutboxItem.objects.filter(visit=visit).order_by("seq"))
    assert [(r.state, r.attempts) for r in rows] == [(OutboxState.SENT, 1)] * 3
    sent_at = [r.sent_at for r in rows]
    assert None not in sent_at and sent_at == sorted(sent_at)  # type: ignore[type-var]
    after: dict[str, int] = eeszt.sandbox.admin("state")["counters"]  # type: ignore[assignment]
    sent = {
        k: after[k] - before.get(k, 0)
        for k in after
        if k.startswith("writes.") and after[k] != before.get(k, 0)
    }
    assert sent == {"writes.EventStart": 1, "writes.EventClose": 1, "writes.DocumentSubmit": 1}
    # The close's own wake-up, written at close, finds nothing left to do.
    close = rows[1]
    assert outbox_item_deliver(item_id=close.pk) is None


def test_a_failure_in_the_middle_stops_the_rest_of_the_visit(eeszt: Eeszt) -> None:
    eeszt.card_login(eeszt.personas.doctor)
    visit = close_visit(eeszt, open_visit(eeszt))
    start = OutboxItem.objects.get(visit=visit, kind=OutboxKind.EVENT_START)
    eeszt.sandbox.admin("faults", {"service": "documents", "share_http_503": 1.0})
    try:
        outbox_item_deliver(item_id=start.pk)
    finally:
        eeszt.sandbox.admin("faults/clear", {})
    rows = list(OutboxItem.objects.filter(visit=visit).order_by("seq"))
    assert [r.state for r in rows] == [OutboxState.SENT, OutboxState.SENT, OutboxState.RETRYING]
    assert rows[2].last_error_code == "HTTP_503" and rows[2].next_attempt_at is not None


def test_a_correction_sends_the_next_version_of_the_ambulans_lap(eeszt: Eeszt) -> None:
    eeszt.card_login(eeszt.personas.doctor)
    visit = close_visit(eeszt, open_visit(eeszt))
    deliver_all(visit)
    visit_correct(
        visit=visit,
        reason="Státusz kiegészítése",
        corrected_by=eeszt.personas.doctor.user,
        sections={"status_text": "36-os fog mesialis szuvasodás, ellátva."},
    )
    rows = deliver_all(visit)
    assert [r.kind for r in rows][-1] == OutboxKind.DOCUMENT_VERSION
    first, second = rows[2], rows[3]
    assert second.state == OutboxState.SENT
    assert second.result["document_id"] == first.result["document_id"]
    assert second.result["version"] == 2
    assert "36-os fog" in second.payload["body"]
    # A new CDA document of the same set, replacing the first (RPLC).
    assert second.payload["document_cda_id"] != first.payload["document_cda_id"]
    assert second.payload["replaces_cda_id"] == first.payload["document_cda_id"]


def test_close_never_overtakes_its_start(eeszt: Eeszt) -> None:
    eeszt.card_login(eeszt.personas.doctor)
    visit = open_visit(eeszt)
    close_visit(eeszt, visit)
    close = OutboxItem.objects.get(visit=visit, kind=OutboxKind.EVENT_CLOSE)
    assert outbox_item_deliver(item_id=close.pk) is None
    close.refresh_from_db()
    assert close.state == OutboxState.PENDING and close.attempts == 0


def test_rows_are_written_in_the_clinical_transaction(eeszt: Eeszt) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        open_visit(eeszt)
        raise RuntimeError("the clinical change is rolled back")
    assert not Visit.objects.exists()
    assert not OutboxItem.objects.exists()


def test_patient_without_accepted_identifier_is_not_reported(eeszt: Eeszt) -> None:
    anonymous = Patient.objects.create(
        practice=eeszt.personas.practice_a,
        family_name="Névtelen",
        given_name="Nándor",
        sex=Sex.MALE,
        birth_date=dt.date(1980, 1, 1),
        id_type=IdType.UNKNOWN,
        id_value="",
    )
    visit = open_visit(eeszt, anonymous)
    assert not OutboxItem.objects.filter(visit=visit).exists()


def test_without_login_the_row_waits_for_the_doctor_then_goes(eeszt: Eeszt) -> None:
    visit = open_visit(eeszt)
    item = deliver_all(visit)[0]
    assert item.state == OutboxState.WAITING_LOGIN
    assert "EESZT-bejelentkezésére vár" in item.last_error_message

    eeszt.card_login(eeszt.personas.doctor)
    assert outbox_resume_for(member_id=eeszt.personas.doctor.pk, company_id=visit.company_id) == 1
    assert deliver_all(visit)[0].state == OutboxState.SENT


def test_ended_session_puts_the_row_back_to_waiting(eeszt: Eeszt) -> None:
    session = eeszt.card_login(eeszt.personas.doctor)
    from zomanc.eeszt.client import idp

    idp.logout(eeszt.conn, assertion_id=session.assertion_id)  # ended at the IDP side only
    visit = open_visit(eeszt)
    item = deliver_all(visit)[0]
    assert item.state == OutboxState.WAITING_LOGIN
    assert item.last_error_code == "AUTH_SESSION_EXPIRED"
    assert EesztSession.objects.get(pk=session.pk).ended_at is not None


def test_a_workers_kept_session_is_used_only_while_it_is_the_valid_login(
    eeszt: Eeszt, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker keeps the sessions it has loaded (services._sessions), but each claim
    asks which login is valid now: an ended one is never used again, a new one at once."""
    used: list[int] = []
    context = services.eeszt_call_context

    def spy(*, session: EesztSession, **kwargs: Any) -> Any:
        used.append(session.pk)
        return context(session=session, **kwargs)

    monkeypatch.setattr(services, "eeszt_call_context", spy)
    first = eeszt.card_login(eeszt.personas.doctor)
    assert deliver_all(open_visit(eeszt))[0].state == OutboxState.SENT  # now kept
    eeszt_session_end(session=first, reason="logout")

    other = Patient.objects.create(  # the sandbox's second demo patient: one open visit each
        practice=eeszt.personas.practice_a,
        family_name="Demo",
        given_name="Borbála",
        sex=Sex.FEMALE,
        birth_date=dt.date(1962, 5, 17),
        id_type=IdType.TAJ,
        id_value="123456788",
    )
    visit = open_visit(eeszt, other)
    assert deliver_all(visit)[0].state == OutboxState.WAITING_LOGIN
    second = eeszt.card_login(eeszt.personas.doctor)
    outbox_resume_for(member_id=eeszt.personas.doctor.pk, company_id=visit.company_id)
    assert deliver_all(visit)[0].state == OutboxState.SENT
    assert used == [first.pk, second.pk]


def test_business_refusal_stops_the_visit_rows(eeszt: Eeszt) -> None:
    eeszt.card_login(eeszt.personas.doctor)
    stranger = Patient.objects.create(
        practice=eeszt.personas.practice_a,
        family_name="Hibás",
        given_name="Hugó",
        sex=Sex.MALE,
        birth_date=dt.date(1980, 1, 1),
        id_type=IdType.PASSPORT,
        id_value="AB 12",  # a space is not allowed by the contract: refused by the sandbox
    )
    visit = open_visit(eeszt, stranger)
    close_visit(eeszt, visit)
    rows = deliver_all(visit)
    assert rows[0].state == OutboxState.REFUSED and rows[0].last_error_code
    assert rows[1].state == OutboxState.PENDING  # never sent before its start


def test_unavailable_sandbox_means_retry_later_with_the_same_request_id(eeszt: Eeszt) -> None:
    eeszt.card_login(eeszt.personas.doctor)
    visit = open_visit(eeszt)
    item = OutboxItem.objects.get(visit=visit)
    request_id = item.request_id
    eeszt.sandbox.admin(
        "faults", {"service": "ekat", "share_http_503": 1.0, "retry_after_seconds": 30}
    )
    try:
        outbox_item_deliver(item_id=item.pk)
    finally:
        eeszt.sandbox.admin("faults/clear", {})
    item.refresh_from_db()
    assert item.state == OutboxState.RETRYING and item.last_error_code == "HTTP_503"
    assert item.next_attempt_at is not None
    assert item.next_attempt_at >= timezone.now() + dt.timedelta(seconds=25)
    assert outbox_item_deliver(item_id=item.pk) is None  # not due yet

    # Time passes (moving our clock would put the WS-Security timestamp in EESZT's future).
    OutboxItem.objects.filter(pk=item.pk).update(
        next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
    )
    outbox_item_deliver(item_id=item.pk)
    item.refresh_from_db()
    assert item.state == OutboxState.SENT and item.request_id == request_id


def test_manual_retry_resends_a_refused_row_with_its_request_id(eeszt: Eeszt) -> None:
    visit = open_visit(eeszt)
    item = deliver_all(visit)[0]
    assert item.state == OutboxState.WAITING_LOGIN
    eeszt.card_login(eeszt.personas.doctor)
    retried = outbox_retry_now(item=item)
    assert retried.state == OutboxState.PENDING and retried.request_id == item.request_id
    assert deliver_all(visit)[0].state == OutboxState.SENT


def test_the_workers_whole_row_reads_give_the_orms_instances(eeszt: Eeszt) -> None:
    # statements.py reads the locked row and the visit's next row with its own converters
    # instead of raw(): every field must come back as the ORM gives it (JSON decoded,
    # datetimes aware on SQLite and PostgreSQL alike), or the row sent would differ.
    from zomanc.eeszt.outbox.statements import outbox_locked, outbox_next_unpassed

    visit = close_visit(eeszt, open_visit(eeszt))
    OutboxItem.objects.filter(visit=visit).update(
        next_attempt_at=timezone.now(), lease_until=timezone.now(), result={"event_id": "x"}
    )
    start, close, lap = OutboxItem.objects.filter(visit=visit).order_by("seq")
    fields = [f.attname for f in OutboxItem._meta.concrete_fields]
    with transaction.atomic():
        locked = outbox_locked(start.pk)
        following = outbox_next_unpassed(start)
    assert locked is not None and following is not None
    for expected, got in ((start, locked), (close, following)):
        assert {f: getattr(got, f) for f in fields} == {f: getattr(expected, f) for f in fields}
        assert not got._state.adding and got._state.db == expected._state.db
    assert isinstance(following.payload, dict) and following.payload["diagnoses"] == ["K0210"]
    assert locked.lease_until is not None and locked.lease_until.tzinfo is not None
    assert outbox_next_unpassed(lap) is None and outbox_locked(-1) is None


def _sender_of(item: OutboxItem) -> tuple[object, ...]:
    """What a delivery reads of the row's company, org unit and doctor."""
    from zomanc.eeszt.context import eeszt_role_for

    company, unit, doctor = item.company, item.org_unit, item.responsible
    return (
        company.pk, company.practice_id, company.institution_id,
        unit.pk, unit.practice_id, unit.company_id, unit.code,
        doctor.pk, doctor.practice_id, doctor.role, doctor.display_name, doctor.stamp_number,
        eeszt_role_for(doctor), str(doctor),
    )  # fmt: skip


def test_the_locked_row_comes_with_its_sender_in_one_statement(eeszt: Eeszt) -> None:
    # The claim's locked row brings the company, org unit and doctor the call context is
    # built from (their ids, the institution id, the unit's code, the doctor's role, name and
    # stamp) in the same statement: no second read for them, none on first use.
    from zomanc.eeszt.outbox.statements import outbox_locked

    visit = open_visit(eeszt)
    start = OutboxItem.objects.select_related("company", "org_unit", "responsible").get(visit=visit)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        locked = outbox_locked(start.pk)
        assert locked is not None
        sender = _sender_of(locked)
    assert len(queries) == 1, [q["sql"] for q in queries]
    assert sender == _sender_of(start)
    assert not locked.company._state.adding and locked.company._state.db == "default"
    # What else of them is read later is loaded on first use, as for any deferred field.
    assert locked.company.name == start.company.name
