"""Nothing lost, nothing doubled (issue 5, Reliability).

The acceptance test runs the reliability scenario (zomanc/eeszt/scenario.py) as its
own process against real processes: the sandbox, `manage.py ox_worker`s killed with
SIGKILL, a fresh database (SQLite with one worker; PostgreSQL with two workers when
DATABASE_URL is set, as in CI's second run). The unit tests below pin the delivery fixes
the scenario led to (docs/eeszt-reporting.md, "Found by the scenario")."""

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import timezone
from django_ox.models import OxTask

from zomanc.clinical.models import Visit
from zomanc.clinical.services import diagnosis_add, visit_close, visit_open
from zomanc.conftest import Personas
from zomanc.eeszt.client.wire import CallContext, Connection
from zomanc.eeszt.models import EesztSettings
from zomanc.eeszt.outbox import services
from zomanc.eeszt.outbox.models import OutboxItem, OutboxKind, OutboxState
from zomanc.eeszt.outbox.services import outbox_deliver_task, outbox_sweep
from zomanc.patients.models import IdType, Patient, Sex

REPO = Path(__file__).resolve().parents[4]
VISITS = 200
KILLS = 3


# --- the acceptance scenario -------------------------------------------------------------


def _scenario(*args: str) -> dict[str, Any]:
    process = subprocess.Popen(
        [sys.executable, str(REPO / "manage.py"), "eeszt_scenario", *args],
        cwd=REPO,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out, err = process.communicate(timeout=420)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGTERM)  # the command cleans up: workers, sandbox, db
        out, err = process.communicate(timeout=60)
        pytest.fail("the scenario did not finish in 7 minutes:\n" + err[-4000:])
    lines = [line for line in out.splitlines() if line.startswith("{")]
    assert lines, f"no result (exit {process.returncode}):\n{err[-4000:]}"
    result: dict[str, Any] = json.loads(lines[-1])
    print(json.dumps(result, indent=1, ensure_ascii=False))  # the figures, in the test log
    return result


@pytest.mark.e2e
def test_nothing_lost_nothing_doubled_under_faults_and_kills() -> None:
    postgres = bool(os.environ.get("DATABASE_URL"))
    workers = 2 if postgres else 1
    result = _scenario(
        "--visits", str(VISITS), "--workers", str(workers), "--kills", str(KILLS)
    )  # 30 % HTTP 503, 10 % accept-then-time-out and a maintenance window are the defaults
    assert result["database"] == ("postgresql" if postgres else "sqlite")
    config = result["config"]
    assert (config["share_http_503"], config["share_hang"]) == (0.30, 0.10)
    assert config["workers"] == workers

    # The disturbances really happened.
    faults = result["sandbox"]["faults"]
    assert faults.get("http_503", 0) > 0 and faults.get("hang", 0) > 0
    assert faults.get("maintenance", 0) > 0
    assert result["kills"]["done"] >= KILLS
    assert result["kills"]["with_row_in_flight"] >= 1

    # Every row sent, each with its own request id.
    rows = result["rows"]
    assert not result["timed_out"], rows["not_final"]
    assert rows["by_state"] == {"sent": rows["rows"]}
    assert rows["request_ids"] == rows["rows"]
    for kind in ("event_start", "event_close", "document_submit"):
        assert rows["by_kind"][kind] == {"sent": VISITS}
    assert rows["document_versions"] == {"1": VISITS}

    # EESZT has each event and document exactly once; repeats were answered, not redone.
    counters = result["sandbox"]["counters"]
    assert counters["writes.EventStart"] == VISITS
    assert counters["writes.EventClose"] == VISITS
    assert counters["writes.DocumentSubmit"] == VISITS
    assert counters.get("duplicates", 0) > 0  # the time-outs' retries, absorbed
    # Each call on the wire belongs to one claim (attempt) of one worker: no row was sent by
    # two workers at once (fewer calls than claims: a worker killed between claim and call).
    assert counters["requests"] <= rows["attempts_total"]
    assert "duplicates.conflict" not in counters
    assert result["problems"] == [] and result["ok"]


# --- unit tests of the fixes -------------------------------------------------------------


@pytest.fixture
def visit(personas: Personas) -> Visit:
    EesztSettings.objects.create(
        practice=personas.practice_a, company=personas.company_a, module_enabled=True
    )
    patient = Patient.objects.create(
        practice=personas.practice_a,
        family_name="Teszt",
        given_name="Elek",
        sex=Sex.MALE,
        birth_date=dt.date(1970, 1, 1),
        id_type=IdType.TAJ,
        id_value="111111110",
    )
    return visit_open(
        patient=patient,
        doctor=personas.doctor,
        company=personas.company_a,
        org_unit=personas.org_unit_a,
        opened_by=personas.doctor.user,
    )


def queued(item: OutboxItem) -> list[OxTask]:
    return [
        task
        for task in OxTask.objects.filter(
            task_path=outbox_deliver_task.module_path, status=OxTask.Status.READY
        )
        if task.kwargs.get("item_id") == item.pk
    ]


def lose_wake_ups() -> None:
    """What a lost wake-up looks like: the row is there, its task is not."""
    OxTask.objects.all().delete()


def second_row(visit: Visit, kind: OutboxKind = OutboxKind.EVENT_CLOSE) -> OutboxItem:
    """A row behind the visit's last row (by default its close)."""
    last = OutboxItem.objects.filter(visit=visit).order_by("-seq").first()
    assert last is not None
    return OutboxItem.objects.create(
        practice_id=visit.practice_id,
        company_id=visit.company_id,
        org_unit_id=visit.org_unit_id,
        visit=visit,
        patient_id=visit.patient_id,
        responsible_id=visit.doctor_id,
        kind=kind,
        seq=last.seq + 1,
        deadline_at=last.deadline_at,
    )


@pytest.mark.django_db
def test_sweep_adds_no_second_wake_up_to_a_queued_row(visit: Visit) -> None:
    start = OutboxItem.objects.get(visit=visit)
    assert len(queued(start)) == 1  # written with the visit
    assert outbox_sweep() == 0
    assert len(queued(start)) == 1


@pytest.mark.django_db
def test_sweep_wakes_a_row_whose_wake_up_was_lost_once(visit: Visit) -> None:
    start = OutboxItem.objects.get(visit=visit)
    lose_wake_ups()
    assert outbox_sweep() == 1
    assert outbox_sweep() == 0  # the next sweeps do not pile up tasks
    assert len(queued(start)) == 1


@pytest.mark.django_db
def test_sweep_leaves_a_row_behind_its_unsent_predecessor_to_it(visit: Visit) -> None:
    start = OutboxItem.objects.get(visit=visit)
    close = second_row(visit)
    lose_wake_ups()
    assert outbox_sweep() == 1
    assert len(queued(start)) == 1 and queued(close) == []

    OutboxItem.objects.filter(pk=start.pk).update(state=OutboxState.SENT)
    assert outbox_sweep() == 1
    assert len(queued(close)) == 1


@pytest.mark.django_db
def test_sweep_passes_a_refused_referral_use_but_not_a_refused_start(visit: Visit) -> None:
    """A refused ReferralUse does not hold back the visit's close (NON_BLOCKING_KINDS); a
    refused event start does: a close without its start would be refused too."""
    start = OutboxItem.objects.get(visit=visit)
    OutboxItem.objects.filter(pk=start.pk).update(state=OutboxState.SENT)
    use = second_row(visit, OutboxKind.REFERRAL_USE)
    OutboxItem.objects.filter(pk=use.pk).update(state=OutboxState.REFUSED)
    close = second_row(visit)
    lose_wake_ups()
    assert outbox_sweep() == 1
    assert len(queued(close)) == 1

    lose_wake_ups()
    OutboxItem.objects.filter(pk=use.pk).update(kind=OutboxKind.EVENT_START)
    assert outbox_sweep() == 0
    assert queued(close) == []


@pytest.mark.django_db
def test_sweep_wakes_a_killed_workers_row_when_its_lease_ends(visit: Visit) -> None:
    start = OutboxItem.objects.get(visit=visit)
    lose_wake_ups()
    lease_end = timezone.now() + dt.timedelta(seconds=60)
    OutboxItem.objects.filter(pk=start.pk).update(
        state=OutboxState.SENDING, attempts=1, lease_until=lease_end
    )
    assert outbox_sweep() == 0  # its worker may still be sending it
    with time_machine.travel(lease_end + dt.timedelta(seconds=1)):
        assert outbox_sweep() == 1


def claim_of(item: OutboxItem) -> services._Claim:
    OutboxItem.objects.filter(pk=item.pk).update(state=OutboxState.SENDING, attempts=1)
    item.refresh_from_db()
    conn = Connection(
        endpoint="https://eeszt.invalid", pkcs12_data=b"", pkcs12_password="", ca_pem=b""
    )
    ctx = CallContext(
        user_id="O58012", institution_id="506097", org_unit_id="x", role="ORVOS", assertion=b""
    )
    return services._Claim(item=item, conn=conn, ctx=ctx, attempt=1)


@pytest.mark.django_db
def test_success_claims_the_next_row_in_the_same_transaction(
    visit: Visit, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = OutboxItem.objects.get(visit=visit)
    close = second_row(visit)
    lose_wake_ups()
    claim = claim_of(start)

    def follow_fails(claim: services._Claim) -> services._Claim | None:
        raise RuntimeError("the database went away while claiming the next row")

    with monkeypatch.context() as patch:
        patch.setattr(services, "_follow", follow_fails)
        with pytest.raises(RuntimeError):
            services._record(claim, state=OutboxState.SENT, result={"event_id": "1"})
    start.refresh_from_db()
    # Not "sent" without its successor taken care of: the lease runs out and the row is
    # sent again with its request id (EESZT answers the repeat), so the close is never
    # stranded.
    assert start.state == OutboxState.SENDING

    item, following = services._record(claim, state=OutboxState.SENT, result={"event_id": "1"})
    assert item is not None and item.state == OutboxState.SENT
    assert OutboxItem.objects.get(pk=start.pk).state == OutboxState.SENT
    # The close is this task's now: claimed with a lease, the event id carried along, no task.
    assert following is not None and following.item.pk == close.pk
    assert following.event_id == "1" and following.attempt == 1 and following.chained == 1
    close.refresh_from_db()
    assert close.state == OutboxState.SENDING and close.attempts == 1
    assert close.lease_until is not None and close.lease_until > timezone.now()
    assert queued(close) == []


@pytest.mark.django_db
def test_a_row_no_longer_ours_is_not_recorded_and_claims_nothing(visit: Visit) -> None:
    start = OutboxItem.objects.get(visit=visit)
    close = second_row(visit)
    claim = claim_of(start)
    # Its lease ran out and another worker claimed it again (attempt 2).
    OutboxItem.objects.filter(pk=start.pk).update(attempts=2)
    assert services._record(claim, state=OutboxState.SENT, result={"event_id": "1"}) == (
        None,
        None,
    )
    assert OutboxItem.objects.get(pk=start.pk).state == OutboxState.SENDING
    assert OutboxItem.objects.get(pk=close.pk).state == OutboxState.PENDING


@pytest.mark.django_db
def test_the_lap_goes_on_with_its_close_not_at_write(visit: Visit) -> None:
    diagnosis_add(visit=visit, code="K0210", added_by=visit.doctor.user)
    visit_close(visit=visit, closed_by=visit.doctor.user)
    close = OutboxItem.objects.get(visit=visit, kind=OutboxKind.EVENT_CLOSE)
    lap = OutboxItem.objects.get(visit=visit, kind=OutboxKind.DOCUMENT_SUBMIT)
    # Both behind the start, which is not sent yet: its success takes them on, one by one.
    assert queued(close) == [] and queued(lap) == []
    OutboxItem.objects.filter(visit=visit, kind=OutboxKind.EVENT_START).update(
        state=OutboxState.SENT, result={"event_id": "1"}
    )
    _, following = services._record(
        claim_of(close), state=OutboxState.SENT, result={"event_id": "1"}
    )
    assert following is not None and following.item.pk == lap.pk
    assert following.item.payload["client_document_id"].startswith("AL-")


@pytest.mark.django_db(transaction=True)
def test_a_close_written_while_its_start_is_recorded_is_never_stranded(
    visit: Visit, bno_codes: None
) -> None:
    """The worker records the start's success (its look for a next row finds none yet) while
    the dentist closes the visit. Without the lock on the visit's last row, on PostgreSQL
    the close sees the start still unsent (no wake-up) and the worker missed the close (no
    claim): stranded until the sweeper. With it the close waits for the worker's commit."""
    diagnosis_add(visit=visit, code="K0210", added_by=visit.doctor.user)
    start = OutboxItem.objects.get(visit=visit)
    lose_wake_ups()
    errors: list[str] = []

    def close_at_the_desk() -> None:
        try:
            visit_close(visit=Visit.objects.get(pk=visit.pk), closed_by=visit.doctor.user)
        except Exception as error:  # SQLite's shared-cache test DB answers "locked" instead
            errors.append(f"{type(error).__name__}: {error}")
        finally:
            connection.close()

    desk = threading.Thread(target=close_at_the_desk)
    # Claimed in its own transaction, as a worker does (claimed and recorded in one, the
    # record's foreign-key checks at commit would wait for the desk: a deadlock of the test's
    # making).
    claim = claim_of(start)
    with transaction.atomic():
        _, following = services._record(claim, state=OutboxState.SENT, result={"event_id": "1"})
        assert following is None  # no close yet
        desk.start()
        desk.join(timeout=1.0)
        waited = desk.is_alive()
    desk.join(timeout=30)
    closes = OutboxItem.objects.filter(visit=visit, kind=OutboxKind.EVENT_CLOSE)
    if connection.vendor == "postgresql":
        assert waited and errors == []
        assert len(queued(closes.get())) == 1
    for close in closes:  # SQLite: written after the worker's commit, or not at all
        assert len(queued(close)) == 1


@pytest.mark.django_db
def test_a_row_behind_a_sent_row_is_woken_at_write(visit: Visit) -> None:
    OutboxItem.objects.filter(visit=visit, kind=OutboxKind.EVENT_START).update(
        state=OutboxState.SENT, result={"event_id": "1"}
    )
    diagnosis_add(visit=visit, code="K0210", added_by=visit.doctor.user)
    visit_close(visit=visit, closed_by=visit.doctor.user)
    close = OutboxItem.objects.get(visit=visit, kind=OutboxKind.EVENT_CLOSE)
    lap = OutboxItem.objects.get(visit=visit, kind=OutboxKind.DOCUMENT_SUBMIT)
    assert len(queued(close)) == 1
    assert queued(lap) == []  # behind the close written with it


@pytest.mark.django_db
@pytest.mark.parametrize("why", ["not due", "another doctor", "chain long enough"])
def test_a_next_row_that_cannot_go_on_at_once_is_woken_instead(
    visit: Visit, personas: Personas, why: str
) -> None:
    start = OutboxItem.objects.get(visit=visit)
    close = second_row(visit)
    lose_wake_ups()
    claim = claim_of(start)
    when = timezone.now() + dt.timedelta(minutes=5)
    if why == "not due":
        OutboxItem.objects.filter(pk=close.pk).update(
            state=OutboxState.RETRYING, next_attempt_at=when
        )
    elif why == "another doctor":  # sent with that doctor's own EESZT login
        OutboxItem.objects.filter(pk=close.pk).update(responsible=personas.owner)
    else:
        claim.chained = services.CHAIN_MAX - 1
    _, following = services._record(claim, state=OutboxState.SENT, result={"event_id": "1"})
    assert following is None
    close.refresh_from_db()
    assert close.state != OutboxState.SENDING and close.attempts == 0
    assert len(queued(close)) == 1


@pytest.mark.django_db
def test_the_next_row_skips_a_refused_referral_use_but_stops_at_a_refused_start(
    visit: Visit,
) -> None:
    start = OutboxItem.objects.get(visit=visit)
    use = second_row(visit, OutboxKind.REFERRAL_USE)
    close = second_row(visit)
    OutboxItem.objects.filter(pk=use.pk).update(state=OutboxState.REFUSED)
    _, following = services._record(
        claim_of(start), state=OutboxState.SENT, result={"event_id": "1"}
    )
    assert following is not None and following.item.pk == close.pk

    OutboxItem.objects.filter(pk=close.pk).update(state=OutboxState.PENDING, attempts=0)
    OutboxItem.objects.filter(pk=use.pk).update(kind=OutboxKind.EVENT_START)
    OutboxItem.objects.filter(pk=start.pk).update(state=OutboxState.SENDING, attempts=1)
    lose_wake_ups()
    _, following = services._record(
        claim_of(start), state=OutboxState.SENT, result={"event_id": "1"}
    )
    assert following is None and queued(close) == []


@pytest.mark.django_db
def test_retry_is_enqueued_with_its_outcome_at_its_time(visit: Visit) -> None:
    start = OutboxItem.objects.get(visit=visit)
    lose_wake_ups()
    when = timezone.now() + dt.timedelta(seconds=40)
    services._record(
        claim_of(start), state=OutboxState.RETRYING, code="HTTP_503", next_attempt_at=when
    )
    (task,) = queued(start)
    assert task.run_after == when


@pytest.mark.django_db
def test_claim_dates_its_writes_from_when_it_got_the_row(
    visit: Visit, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite BEGIN IMMEDIATE may wait seconds for the write lock; what the claim writes
    (here the no-certificate retry time, likewise the lease) counts from after the wait."""
    start = OutboxItem.objects.get(visit=visit)
    now = timezone.now()
    OutboxItem.objects.filter(pk=start.pk).update(
        state=OutboxState.RETRYING, attempts=1, next_attempt_at=now - dt.timedelta(seconds=1)
    )
    locked = services._locked
    with time_machine.travel(now, tick=False) as clock:

        def slow_lock(item_id: int) -> OutboxItem | None:
            clock.shift(dt.timedelta(seconds=2))  # another writer held the database
            return locked(item_id)

        monkeypatch.setattr(services, "_locked", slow_lock)
        assert services._claim(start.pk) is None
    start.refresh_from_db()
    assert start.last_error_code == "NO_CERTIFICATE"  # this company has no certificate
    assert start.next_attempt_at == now + dt.timedelta(seconds=2) + services.RETRY_MAX


@pytest.mark.django_db
def test_a_wake_up_with_nothing_to_do_takes_no_lock(
    visit: Visit, monkeypatch: pytest.MonkeyPatch
) -> None:
    close = second_row(visit)  # behind its start, which is not sent yet

    def no_lock(item_id: int) -> OutboxItem | None:
        raise AssertionError("took the row lock (SQLite: the write lock) for nothing")

    monkeypatch.setattr(services, "_locked", no_lock)
    assert services.outbox_item_deliver(item_id=close.pk) is None
    OutboxItem.objects.filter(pk=close.pk).update(state=OutboxState.SENT)
    assert services.outbox_item_deliver(item_id=close.pk) is None  # final
