"""The NAV outbox against the real NAV sandbox: delivered, polled to DONE; ABORTED with NAV's
Hungarian messages; retried on unavailability; a worker that died after sending never makes a
second report (same requestId → REQUEST_ID_NOT_UNIQUE → the transaction found by number);
rows wait for missing settings."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from zomanc.billing.services import CustomerInput, LineInput, invoice_issue, invoice_storno
from zomanc.conftest import Personas
from zomanc.nav.client.invoice_xml import invoice_data_xml
from zomanc.nav.client.wire import new_request_id
from zomanc.nav.models import NavSettings, NavSubmission, SubmissionState
from zomanc.nav.outbox import nav_settings_changed, nav_submission_deliver, nav_sweep
from zomanc.nav.services import nav_connection_test
from zomanc.nav.tests.fixtures import NavSandbox
from zomanc.nav.tests.test_client import _doc

LINES = [LineInput("Fogkő-eltávolítás", Decimal(1), Decimal(12000), "AAM")]


def _issue(p: Personas, key: str = "k") -> NavSubmission:
    invoice = invoice_issue(
        actor=p.receptionist,
        company=p.company_a,
        customer=CustomerInput(kind="patient", name="Kiss Máté"),
        lines=LINES,
        payment_method="CASH",
        idempotency_key=key,
    )
    return NavSubmission.objects.get(invoice=invoice)


def _run(row: NavSubmission, *, until: tuple[str, ...] = ("done", "aborted")) -> NavSubmission:
    """Plays the worker: delivers the row until it reaches one of `until`."""
    for _ in range(60):
        nav_submission_deliver(submission_id=row.pk)
        row.refresh_from_db()
        if row.state in until:
            return row
        time.sleep(0.2)
    raise AssertionError(f"stuck in {row.state}: {row.last_error_code} {row.last_error_message}")


def test_connection_test(billing: Personas, nav_sandbox: NavSandbox) -> None:
    result = nav_connection_test(company=billing.company_a)
    assert result.ok, result.message
    assert "Mosoly" in result.message
    row = NavSettings.objects.get(company=billing.company_a)
    assert row.last_test_ok is True
    # The company's tax number must be the technical user's.
    billing.company_a.tax_number = "13579241-1-13"
    billing.company_a.save()
    result = nav_connection_test(company=billing.company_a)
    assert not result.ok and "INVALID_USER_RELATION" in result.message


def test_delivered_and_polled_to_done_then_storno(billing: Personas, nav_clean: NavSandbox) -> None:
    row = _run(_issue(billing))
    assert row.state == SubmissionState.DONE, row.messages
    assert row.transaction_id and row.finished_at
    conn = nav_clean.connection()
    assert conn.query_invoice_transaction(row.invoice_number) == row.transaction_id
    storno = invoice_storno(actor=billing.receptionist, invoice=row.invoice, idempotency_key="s")
    srow = _run(NavSubmission.objects.get(invoice=storno))
    assert srow.state == SubmissionState.DONE, srow.messages
    assert srow.operation == "STORNO"


def test_aborted_shows_navs_hungarian_message(billing: Personas, nav_clean: NavSandbox) -> None:
    # Another program already reported the number the product is about to give.
    prefix = billing.company_a.invoice_prefix
    number = f"{prefix}-{timezone.localdate().year}-000001"
    conn = nav_clean.connection()
    conn.manage_invoice(
        request_id=new_request_id(), operations=[("CREATE", invoice_data_xml(_doc(number)))]
    )
    time.sleep(2.2)
    assert conn.query_invoice_transaction(number)
    row = _run(_issue(billing))
    assert row.state == SubmissionState.ABORTED
    codes = {m["code"]: m["text"] for m in row.messages}
    assert "INVOICE_NUMBER_NOT_UNIQUE" in codes
    assert codes["INVOICE_NUMBER_NOT_UNIQUE"]  # NAV's Hungarian text


def test_unavailable_is_retried_with_backoff(
    billing: Personas, nav_clean: NavSandbox, settings: object
) -> None:
    settings.NAV_OUTBOX_BACKOFF_SECONDS = 30  # type: ignore[attr-defined]
    row = _issue(billing)
    nav_clean.faults(share_http_503=1.0)
    try:
        nav_submission_deliver(submission_id=row.pk)
    finally:
        nav_clean.server.admin("faults/clear", {})
    row.refresh_from_db()
    assert row.state == SubmissionState.RETRYING
    assert row.last_error_code == "SERVICE_UNAVAILABLE"
    assert row.next_attempt_at is not None
    assert row.next_attempt_at > timezone.now() + dt.timedelta(seconds=20)
    nav_submission_deliver(submission_id=row.pk)  # not due yet: nothing happens
    row.refresh_from_db()
    assert row.attempts == 1
    NavSubmission.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert _run(row).state == SubmissionState.DONE


def test_worker_killed_after_sending_never_reports_twice(
    billing: Personas, nav_clean: NavSandbox
) -> None:
    row = _issue(billing)
    # A worker claimed the row, sent it, and died before recording the answer.
    conn = nav_clean.connection()
    first_tid = conn.manage_invoice(
        request_id=row.request_id, operations=[(row.operation, bytes(row.invoice_xml))]
    )
    NavSubmission.objects.filter(pk=row.pk).update(
        state=SubmissionState.SENDING, lease_until=timezone.now() + dt.timedelta(seconds=60)
    )
    nav_submission_deliver(submission_id=row.pk)  # the lease is still the dead worker's
    row.refresh_from_db()
    assert row.state == SubmissionState.SENDING and not row.transaction_id
    NavSubmission.objects.filter(pk=row.pk).update(lease_until=timezone.now())
    assert nav_sweep(older_than=dt.timedelta(0)) >= 1
    row = _run(row)
    assert row.state == SubmissionState.DONE
    assert row.transaction_id == first_tid  # the first (only) report, found again


def test_rows_wait_for_settings(billing: Personas, nav_clean: NavSandbox) -> None:
    settings_row = NavSettings.objects.get(company=billing.company_a)
    NavSettings.objects.filter(pk=settings_row.pk).update(password_secret=None)
    row = _issue(billing)
    nav_submission_deliver(submission_id=row.pk)
    row.refresh_from_db()
    assert row.state == SubmissionState.WAITING_SETTINGS
    assert "technikai felhasználó" in row.last_error_message
    from zomanc.nav.services import nav_settings_save

    creds = nav_clean.users["24681353-2-41"][1]
    nav_settings_save(
        company=billing.company_a,
        login=creds.login,
        password=creds.password,
        signature_key=creds.signature_key,
        exchange_key=creds.exchange_key,
        actor=billing.owner,
    )
    assert nav_settings_changed(company_id=billing.company_a.pk) == 1
    assert _run(row).state == SubmissionState.DONE


def test_row_and_wake_up_commit_with_the_invoice_or_not_at_all(billing: Personas) -> None:
    from django.db import transaction
    from django_ox.models import OxTask

    from zomanc.nav.outbox import nav_deliver_task

    def wake_ups() -> list[object]:
        return [
            t.kwargs.get("submission_id")
            for t in OxTask.objects.filter(task_path=nav_deliver_task.module_path)
        ]

    row = _issue(billing, "committed")
    assert wake_ups() == [row.pk]
    try:
        with transaction.atomic():
            _issue(billing, "rolled-back")
            raise RuntimeError("the issuing transaction fails after the row was written")
    except RuntimeError:
        pass
    assert NavSubmission.objects.count() == 1 and wake_ups() == [row.pk]
    # The number of the rolled-back invoice was not used up: no gap.
    nxt = _issue(billing, "next")
    assert nxt.invoice_number.endswith("-000002")


def test_storno_waits_for_its_original_and_follows_an_aborted_one(
    billing: Personas, nav_clean: NavSandbox
) -> None:
    row = _issue(billing)
    # NAV will refuse the original (a customer status without the customer's data: what a
    # bug of ours would look like), so its number never becomes valid at NAV.
    xml = bytes(row.invoice_xml).replace(
        b"<customerVatStatus>PRIVATE_PERSON</customerVatStatus>",
        b"<customerVatStatus>DOMESTIC</customerVatStatus>",
    )
    NavSubmission.objects.filter(pk=row.pk).update(invoice_xml=xml)
    storno = invoice_storno(actor=billing.receptionist, invoice=row.invoice, idempotency_key="s")
    srow = NavSubmission.objects.get(invoice=storno)
    nav_submission_deliver(submission_id=srow.pk)  # the original has no answer yet: waits
    srow.refresh_from_db()
    assert srow.state == SubmissionState.PENDING and srow.attempts == 1
    assert not srow.transaction_id
    row = _run(row)
    assert row.state == SubmissionState.ABORTED
    assert "CUSTOMER_DATA_EXPECTED" in {m["code"] for m in row.messages}
    srow = _run(srow)
    # NAV never accepted the original: the storno starts the chain (modifyWithoutMaster).
    assert b"<modifyWithoutMaster>true</modifyWithoutMaster>" in bytes(srow.invoice_xml)
    assert srow.state == SubmissionState.DONE, srow.messages


def test_storno_of_an_accepted_invoice_refers_to_it(
    billing: Personas, nav_clean: NavSandbox
) -> None:
    row = _run(_issue(billing))
    assert row.state == SubmissionState.DONE
    storno = invoice_storno(actor=billing.receptionist, invoice=row.invoice, idempotency_key="s")
    srow = _run(NavSubmission.objects.get(invoice=storno))
    assert b"<modifyWithoutMaster>false</modifyWithoutMaster>" in bytes(srow.invoice_xml)
    assert srow.state == SubmissionState.DONE, srow.messages


def test_modification_then_storno_of_the_chain(billing: Personas, nav_clean: NavSandbox) -> None:
    import pytest
    from django.core.exceptions import ValidationError

    from zomanc.billing.payments import invoice_outstanding
    from zomanc.billing.services import invoice_modify

    row = _run(_issue(billing))  # 12 000 Ft, exempt
    original = row.invoice
    modification = invoice_modify(
        actor=billing.receptionist,
        invoice=original,
        lines=[
            LineInput("Fehérítés (utólag)", Decimal(1), Decimal(12_700), "27"),
            LineInput("Kedvezmény", Decimal(1), Decimal(-2_000), "AAM"),
        ],
        idempotency_key="m1",
    )
    assert modification.kind == "modify" and modification.modification_index == 1
    assert modification.gross_total == 10_700
    assert [x.line_number for x in modification.lines.all()] == [1, 2]
    mrow = _run(NavSubmission.objects.get(invoice=modification))
    assert mrow.state == SubmissionState.DONE, mrow.messages
    assert b"<lineNumberReference>2</lineNumberReference>" in bytes(mrow.invoice_xml)
    assert invoice_outstanding(original) == 22_700
    with pytest.raises(ValidationError):
        invoice_modify(
            actor=billing.receptionist,
            invoice=modification,
            lines=[LineInput("x", Decimal(1), Decimal(1), "AAM")],
            idempotency_key="m2",
        )
    storno = invoice_storno(actor=billing.receptionist, invoice=original, idempotency_key="s")
    assert storno.gross_total == -22_700 and storno.modification_index == 2
    srow = _run(NavSubmission.objects.get(invoice=storno))
    assert srow.state == SubmissionState.DONE, srow.messages
    assert b"<lineNumberReference>4</lineNumberReference>" in bytes(srow.invoice_xml)
    assert invoice_outstanding(original) == 0
    with pytest.raises(ValidationError, match="Sztornózott"):
        invoice_modify(
            actor=billing.receptionist,
            invoice=original,
            lines=[LineInput("x", Decimal(1), Decimal(1), "AAM")],
            idempotency_key="m3",
        )


# --- answers lost: looked up at NAV before sending again (docs/invoicing.md, Reliability) --


def _manage_calls(nav: NavSandbox) -> int:
    counters = nav.server.admin("state")["counters"]
    assert isinstance(counters, dict)
    return int(counters.get("requests.nav.manageInvoice", 0))


def _reports_at_nav(nav: NavSandbox, row: NavSubmission) -> list[str]:
    """The transactions NAV has with this row's invoice data, whatever their state."""
    conn = nav.connection()
    now = timezone.now()
    found = []
    for item in conn.query_transaction_list(
        row.created_at - dt.timedelta(seconds=30), now + dt.timedelta(seconds=30)
    ):
        for result in conn.query_transaction_status(item.transaction_id, original=True):
            if result.original_request == bytes(row.invoice_xml):
                found.append(item.transaction_id)
    return found


def _answer_lost_once(nav: NavSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """The next manageInvoice is processed and committed by NAV, its answer never comes
    (the sandbox's accept-then-time-out, switched on just for that call)."""
    from zomanc.nav.client.wire import NavConnection

    real = NavConnection.manage_invoice
    calls = {"n": 0}

    def manage_invoice(self: NavConnection, **kwargs: Any) -> str:
        calls["n"] += 1
        if calls["n"] > 1:
            return real(self, **kwargs)
        nav.faults(share_hang=1.0, hang_seconds=3)
        try:
            return real(self, **kwargs)
        finally:
            nav.server.admin("faults/clear", {})

    monkeypatch.setattr(NavConnection, "manage_invoice", manage_invoice)


def _foreign_invoice_with_the_next_number(billing: Personas, nav: NavSandbox) -> None:
    prefix = billing.company_a.invoice_prefix
    number = f"{prefix}-{timezone.localdate().year}-000001"
    nav.connection().manage_invoice(
        request_id=new_request_id(), operations=[("CREATE", invoice_data_xml(_doc(number)))]
    )
    time.sleep(2.2)
    assert nav.connection().query_invoice_transaction(number)


@pytest.fixture
def lost_answers(settings: Any) -> None:
    settings.NAV_TIMEOUT_SECONDS = 1
    settings.NAV_LOOKUP_MARGIN_SECONDS = 2


def test_accepted_then_timed_out_is_found_not_sent_again(
    billing: Personas, nav_clean: NavSandbox, lost_answers: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _answer_lost_once(nav_clean, monkeypatch)
    row = _issue(billing)
    nav_clean.server.admin("counters/reset", {})
    nav_submission_deliver(submission_id=row.pk)
    row.refresh_from_db()
    assert row.state == SubmissionState.RETRYING and row.last_error_code == "TIMEOUT"
    assert len(row.unanswered) == 1 and not row.transaction_id
    NavSubmission.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    time.sleep(2.2)  # NAV has processed it by now
    row = _run(row)
    assert row.state == SubmissionState.DONE
    assert row.found_by == "number" and row.lookups == 1 and row.unanswered == []
    assert _manage_calls(nav_clean) == 1  # never sent again
    assert _reports_at_nav(nav_clean, row) == [row.transaction_id]


def test_accepted_then_timed_out_and_aborted_is_found_in_the_transaction_list(
    billing: Personas, nav_clean: NavSandbox, lost_answers: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NAV lists only valid invoices by number: an ABORTED one (here: another program had
    already reported the number) is found among the transactions of the send's time span,
    by its original request — and the other program's valid invoice under the same number
    is not taken for ours."""
    _foreign_invoice_with_the_next_number(billing, nav_clean)
    _answer_lost_once(nav_clean, monkeypatch)
    row = _issue(billing)
    nav_clean.server.admin("counters/reset", {})
    nav_submission_deliver(submission_id=row.pk)
    row.refresh_from_db()
    assert row.state == SubmissionState.RETRYING and row.unanswered
    NavSubmission.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    row = _run(row)
    assert row.state == SubmissionState.ABORTED, (row.last_error_code, row.messages)
    assert row.found_by == "list"
    assert "INVOICE_NUMBER_NOT_UNIQUE" in {m["code"] for m in row.messages}
    assert _manage_calls(nav_clean) == 1
    assert _reports_at_nav(nav_clean, row) == [row.transaction_id]


def test_duplicate_request_of_an_aborted_invoice_is_found_not_retried_forever(
    billing: Personas, nav_clean: NavSandbox, lost_answers: None
) -> None:
    """The gap of the first session: an accepted try whose record was lost (no span known)
    and whose invoice NAV aborted. The repeat gets REQUEST_ID_NOT_UNIQUE; the row looks over
    its whole life and ends ABORTED with NAV's messages instead of retrying forever."""
    _foreign_invoice_with_the_next_number(billing, nav_clean)
    row = _issue(billing)
    first = nav_clean.connection().manage_invoice(
        request_id=row.request_id, operations=[(row.operation, bytes(row.invoice_xml))]
    )
    row = _run(row)
    assert row.state == SubmissionState.ABORTED and row.transaction_id == first
    assert row.found_by == "list"
    assert "INVOICE_NUMBER_NOT_UNIQUE" in {m["code"] for m in row.messages}
    assert _reports_at_nav(nav_clean, row) == [first]


def test_a_claim_never_recorded_is_looked_up_from_its_start(
    billing: Personas, nav_clean: NavSandbox, lost_answers: None
) -> None:
    row = _issue(billing)
    started = timezone.now()
    NavSubmission.objects.filter(pk=row.pk).update(
        state=SubmissionState.SENDING, send_started_at=started, attempts=1
    )
    NavSubmission.objects.filter(pk=row.pk).update(lease_until=timezone.now())
    nav_clean.server.admin("counters/reset", {})
    row = _run(row)  # the dead claim's span is looked up: nothing arrived, then sent once
    assert row.state == SubmissionState.DONE and row.found_by == "" and row.lookups == 1
    assert _manage_calls(nav_clean) == 1


def test_a_row_no_longer_ours_is_not_recorded(billing: Personas) -> None:
    from zomanc.nav.outbox import _claim, _record

    row = _issue(billing)
    claimed = _claim(row.pk)
    assert claimed is not None and claimed.attempts == 1
    # Its lease ran out and another worker claimed it again (attempt 2).
    NavSubmission.objects.filter(pk=row.pk).update(attempts=2)
    _record(claimed, state=SubmissionState.DONE, transaction_id="X")
    row.refresh_from_db()
    assert row.state == SubmissionState.SENDING and row.transaction_id == ""


def test_unanswered_spans_are_merged_widened_and_cut_to_navs_limit() -> None:
    from zomanc.nav.outbox import _windows

    t = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)
    iso = [(t + dt.timedelta(seconds=s)).isoformat() for s in (0, 3, 5, 60)]
    margin = dt.timedelta(seconds=2)
    assert list(_windows([[iso[2], iso[3]], [iso[0], iso[1]]], margin)) == [
        (t - margin, t + dt.timedelta(seconds=62))
    ]
    long = list(_windows([[t.isoformat(), (t + dt.timedelta(days=80)).isoformat()]], margin))
    assert len(long) == 3 and all(b - a < dt.timedelta(days=35) for a, b in long)
    assert long[0][0] == t - margin and long[-1][1] == t + dt.timedelta(days=80) + margin


def test_backoff_grows_with_failures_in_a_row_not_with_claims(
    billing: Personas, nav_clean: NavSandbox, settings: Any
) -> None:
    """A row polled and held for its chain many times backs off from the start on its first
    failure (with the attempts, one 503 after ten polls would wait the 15-minute cap)."""
    settings.NAV_OUTBOX_BACKOFF_SECONDS = 30
    settings.NAV_OUTBOX_RETRY_MAX_SECONDS = 900
    row = _issue(billing)
    NavSubmission.objects.filter(pk=row.pk).update(attempts=10)
    nav_clean.faults(share_http_503=1.0, retry_after_seconds=1)
    try:
        for failures, wait in ((1, 30), (2, 60)):
            NavSubmission.objects.filter(pk=row.pk).update(next_attempt_at=None)
            before = timezone.now()
            nav_submission_deliver(submission_id=row.pk)
            row.refresh_from_db()
            assert row.state == SubmissionState.RETRYING and row.failures == failures
            assert row.next_attempt_at is not None
            delay = (row.next_attempt_at - before).total_seconds()
            assert wait - 1 < delay < wait + 5, delay
    finally:
        nav_clean.server.admin("faults/clear", {})
    NavSubmission.objects.filter(pk=row.pk).update(next_attempt_at=None)
    row = _run(row)
    assert row.state == SubmissionState.DONE and row.failures == 0
