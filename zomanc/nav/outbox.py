"""Reporting invoices to NAV: a row written in the issuing transaction, delivered by the
worker (django-ox), with the EESZT outbox's guarantees (docs/eeszt-reporting.md):

- claim the row in a short transaction (lease), call NAV outside any transaction, record
  the answer in a second short one; a worker killed in between leaves an expired lease and
  the next delivery repeats the call;
- the requestId is fixed when the row is written: a repeat of an accepted manageInvoice gets
  REQUEST_ID_NOT_UNIQUE, and the row then finds its transaction by the invoice number
  (queryInvoiceData) instead of reporting the invoice a second time;
- unavailability, maintenance and timeouts are retried with backoff (never sooner than
  NAV's Retry-After); wrong settings wait for the settings;
- after manageInvoice the row asks queryTransactionStatus until DONE or ABORTED.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.tasks import task
from django.utils import timezone

from zomanc.nav.client.errors import (
    NavCredentials,
    NavDuplicateRequest,
    NavError,
    NavTokenRejected,
    NavUnavailable,
)
from zomanc.nav.client.wire import NavConnection, new_request_id
from zomanc.nav.models import FINAL_STATES, NavSettings, NavSubmission, SubmissionState
from zomanc.nav.services import nav_connection

logger = logging.getLogger(__name__)


def nav_submission_write(*, invoice: object, operation: str, invoice_xml: bytes) -> NavSubmission:
    """Call inside the issuing transaction: the row and its wake-up commit with the invoice."""
    from zomanc.billing.models import Invoice

    assert isinstance(invoice, Invoice)
    row = NavSubmission.objects.create(
        practice_id=invoice.practice_id,
        company_id=invoice.company_id,
        invoice=invoice,
        operation=operation,
        invoice_number=invoice.number,
        invoice_xml=invoice_xml,
        request_id=new_request_id(),
    )
    _wake(row.pk)
    return row


def _wake(row_id: int, *, at: dt.datetime | None = None) -> None:
    wake = nav_deliver_task.using(run_after=at) if at else nav_deliver_task
    wake.enqueue(submission_id=row_id)


def _backoff(attempts: int, retry_after: int | None = None) -> dt.timedelta:
    base = settings.NAV_OUTBOX_BACKOFF_SECONDS
    cap = settings.NAV_OUTBOX_RETRY_MAX_SECONDS
    delay = dt.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), cap))
    if retry_after is not None:
        delay = max(delay, dt.timedelta(seconds=retry_after))
    return delay


def _claim(submission_id: int) -> NavSubmission | None:
    now = timezone.now()
    with transaction.atomic():
        query = NavSubmission.objects.filter(pk=submission_id)
        if connection.features.has_select_for_update_skip_locked:
            row = query.select_for_update(skip_locked=True).first()
        else:
            row = query.first()  # SQLite: IMMEDIATE transactions serialise writers
        if row is None or row.state in FINAL_STATES:
            return None
        if row.lease_until is not None and row.lease_until > now:
            return None  # another worker holds it
        if row.next_attempt_at is not None and row.next_attempt_at > now:
            return None  # its delayed wake-up comes then
        row.lease_until = now + dt.timedelta(seconds=settings.NAV_OUTBOX_LEASE_SECONDS)
        row.attempts += 1
        if not row.transaction_id:
            row.state = SubmissionState.SENDING
        row.save(update_fields=["lease_until", "attempts", "state"])
        return row


def _record(
    row: NavSubmission,
    *,
    state: str,
    wake_in: dt.timedelta | None = None,
    error: NavError | None = None,
    **fields: object,
) -> None:
    row.state = state
    row.lease_until = None
    row.next_attempt_at = timezone.now() + wake_in if wake_in is not None else None
    row.last_error_code = error.code if error else ""
    row.last_error_message = f"{error.message} {error.advice}".strip() if error else ""
    for name, value in fields.items():
        setattr(row, name, value)
    with transaction.atomic():
        row.save(
            update_fields=[
                "state",
                "lease_until",
                "next_attempt_at",
                "last_error_code",
                "last_error_message",
                *fields,
            ]
        )
        if row.next_attempt_at is not None:
            _wake(row.pk, at=row.next_attempt_at)


def nav_submission_deliver(*, submission_id: int) -> None:
    """One step of a row: send it (if not yet accepted) or ask its status. Safe to run twice
    and concurrently (the claim decides)."""
    row = _claim(submission_id)
    if row is None:
        return
    settings_row = (
        NavSettings.objects.select_related("company").filter(company_id=row.company_id).first()
    )
    if settings_row is None or settings_row.password_secret is None:
        _record(
            row,
            state=SubmissionState.WAITING_SETTINGS,
            error=NavCredentials("NO_SETTINGS", "Nincs NAV technikai felhasználó megadva."),
        )
        return
    try:
        conn = nav_connection(settings_row)
    except OSError:
        _record(
            row,
            state=SubmissionState.RETRYING,
            wake_in=_backoff(row.attempts),
            error=NavUnavailable("CA_BUNDLE", "A NAV tanúsítványlánca nem olvasható."),
        )
        return
    if not row.transaction_id and row.operation != "CREATE" and not _chain_ready(row):
        # A storno or modification goes after its original has NAV's answer: NAV checks
        # the chain in arrival order, and whether the original stands decides the flag.
        _record(
            row,
            state=SubmissionState.PENDING,
            wake_in=dt.timedelta(seconds=max(settings.NAV_STATUS_POLL_SECONDS, 1)),
        )
        return
    try:
        if not row.transaction_id:
            _send(row, conn)
        else:
            _poll(row, conn)
    except NavCredentials as error:
        _record(row, state=SubmissionState.WAITING_SETTINGS, error=error)
    except NavTokenRejected as error:
        _record(row, state=SubmissionState.RETRYING, wake_in=dt.timedelta(0), error=error)
    except NavUnavailable as error:
        _record(
            row,
            state=SubmissionState.RETRYING,
            wake_in=_backoff(row.attempts, error.retry_after),
            error=error,
        )
    except NavError as error:
        # Our request was refused as such (clock, schema, signature): retried later, slowly,
        # shown on the page with its code — never dropped.
        logger.warning("NAV refused request of submission %s: %s", row.pk, error.code)
        _record(
            row, state=SubmissionState.RETRYING, wake_in=_backoff(max(row.attempts, 6)), error=error
        )


def _chain_ready(row: NavSubmission) -> bool:
    """True when the original's report is final; marks the document modifyWithoutMaster
    when NAV never accepted the original (ABORTED). Deterministic once final, so every
    repeat of the request carries the same bytes."""
    original = (
        NavSubmission.objects.filter(invoice__corrections=row.invoice_id).only("state").first()
    )
    if original is None:
        return True
    if original.state not in FINAL_STATES:
        return False
    if original.state == SubmissionState.ABORTED:
        xml = bytes(row.invoice_xml)
        fixed = xml.replace(
            b"<modifyWithoutMaster>false</modifyWithoutMaster>",
            b"<modifyWithoutMaster>true</modifyWithoutMaster>",
        )
        if fixed != xml:
            row.invoice_xml = fixed
            NavSubmission.objects.filter(pk=row.pk).update(invoice_xml=fixed)
    return True


def _send(row: NavSubmission, conn: NavConnection) -> None:
    try:
        transaction_id = conn.manage_invoice(
            request_id=row.request_id, operations=[(row.operation, bytes(row.invoice_xml))]
        )
    except NavDuplicateRequest as error:
        # An earlier try was accepted and its answer lost: find its transaction.
        transaction_id = conn.query_invoice_transaction(row.invoice_number) or ""
        if not transaction_id:
            _record(
                row, state=SubmissionState.RETRYING, wake_in=_backoff(row.attempts), error=error
            )
            return
    _record(
        row,
        state=SubmissionState.PROCESSING,
        wake_in=dt.timedelta(seconds=settings.NAV_STATUS_POLL_SECONDS),
        transaction_id=transaction_id,
    )


def _poll(row: NavSubmission, conn: NavConnection) -> None:
    results = conn.query_transaction_status(row.transaction_id)
    result = results[0] if results else None
    if result is None or result.status not in ("DONE", "ABORTED"):
        _record(
            row,
            state=SubmissionState.PROCESSING,
            wake_in=dt.timedelta(seconds=settings.NAV_STATUS_POLL_SECONDS),
        )
        return
    messages = [{"result": m.result_code, "code": m.code, "text": m.text} for m in result.messages]
    state = SubmissionState.DONE if result.status == "DONE" else SubmissionState.ABORTED
    _record(row, state=state, messages=messages, finished_at=timezone.now())


def nav_sweep(*, older_than: dt.timedelta = dt.timedelta(seconds=30)) -> int:
    """Wakes rows whose wake-up went missing (or whose worker died): not final, due, no live
    lease. Returns how many were woken."""
    now = timezone.now()
    due = (
        NavSubmission.objects.exclude(state__in=FINAL_STATES)
        .exclude(state=SubmissionState.WAITING_SETTINGS)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now - older_than))
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
        .filter(created_at__lte=now - older_than)
        .values_list("pk", flat=True)[:500]
    )
    ids = list(due)
    with transaction.atomic():
        for row_id in ids:
            _wake(row_id)
    return len(ids)


def nav_settings_changed(*, company_id: int) -> int:
    """After new settings: the rows waiting for them go again."""
    with transaction.atomic():
        ids = list(
            NavSubmission.objects.filter(
                company_id=company_id, state=SubmissionState.WAITING_SETTINGS
            ).values_list("pk", flat=True)
        )
        NavSubmission.objects.filter(pk__in=ids).update(state=SubmissionState.RETRYING)
        for row_id in ids:
            _wake(row_id)
    return len(ids)


def nav_submission_retry(*, submission: NavSubmission) -> None:
    """The page's "Újraküldés": due now (same requestId: never a second report)."""
    with transaction.atomic():
        NavSubmission.objects.filter(pk=submission.pk).exclude(state__in=FINAL_STATES).update(
            next_attempt_at=None
        )
        _wake(submission.pk)


# The tasks stand beside the services they call, as in zomanc/eeszt/outbox/services.py: a
# separate tasks module would import this one and be imported by it (a row's write wakes its
# delivery). Thin (house style §5): an id in, one service, safe to run twice.
@task
def nav_deliver_task(submission_id: int) -> None:
    nav_submission_deliver(submission_id=submission_id)


@task
def nav_sweep_task() -> None:
    nav_sweep()
