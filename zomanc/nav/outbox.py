"""Reporting invoices to NAV: a row written in the issuing transaction, delivered by the
worker (django-ox), with the EESZT outbox's guarantees (docs/eeszt-reporting.md):

- claim the row in a short transaction (lease), call NAV outside any transaction, record
  the answer in a second short one; a worker killed in between leaves an expired lease and
  the next delivery repeats the call;
- a send whose answer never came (a time-out, a worker killed after claiming) may have
  reached NAV: before the row is sent again, NAV is asked (`_lookup`: queryInvoiceData by
  the number, then queryTransactionList over the unanswered sends' time windows and
  queryTransactionStatus with the original request of each transaction we do not know),
  and a transaction found is taken as the row's — DONE or ABORTED, never reported twice,
  never left retrying;
- the requestId is fixed when the row is written: should a repeat still reach NAV after an
  accepted try, NAV answers REQUEST_ID_NOT_UNIQUE and the row looks its transaction up over
  its whole life instead of reporting the invoice a second time;
- unavailability, maintenance and timeouts are retried with backoff (never sooner than
  NAV's Retry-After); wrong settings wait for the settings;
- after manageInvoice the row asks queryTransactionStatus until DONE or ABORTED.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.tasks import task
from django.utils import timezone

from zomanc.nav.client.errors import (
    NavCredentials,
    NavDuplicateRequest,
    NavError,
    NavTimeout,
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


def _backoff(failures: int, retry_after: int | None = None) -> dt.timedelta:
    """The wait after the `failures`-th failure in a row (not after the row's claims: the
    polls of a processing invoice and the waits for its chain are no failures)."""
    base = settings.NAV_OUTBOX_BACKOFF_SECONDS
    cap = settings.NAV_OUTBOX_RETRY_MAX_SECONDS
    delay = dt.timedelta(seconds=min(base * 2 ** max(failures - 1, 0), cap))
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
            if row.state == SubmissionState.SENDING:
                # The last claim was never recorded: its worker died (or overran its lease)
                # and may have sent the invoice at any moment since that claim.
                since = row.send_started_at or row.created_at
                row.unanswered = [*row.unanswered, [since.isoformat(), now.isoformat()]]
            row.state = SubmissionState.SENDING
            row.send_started_at = now
        row.save(
            update_fields=["lease_until", "attempts", "state", "send_started_at", "unanswered"]
        )
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
    if error is None:
        row.failures = 0  # an answer: the next failure backs off from the start again
    names = [
        "state",
        "lease_until",
        "next_attempt_at",
        "last_error_code",
        "last_error_message",
        "failures",
    ]
    with transaction.atomic():
        # Only while the row is still this claim's: a worker that overran its lease while
        # another claimed the row again records nothing (the newer claim decides).
        ours = NavSubmission.objects.filter(pk=row.pk, attempts=row.attempts).update(
            **{name: getattr(row, name) for name in [*names, *fields]}
        )
        if ours and row.next_attempt_at is not None:
            _wake(row.pk, at=row.next_attempt_at)


def _retry(row: NavSubmission, error: NavError, *, at_least: int = 0, **fields: object) -> None:
    """Another failure in a row: due again after the backoff (never sooner than NAV's
    Retry-After)."""
    row.failures += 1
    retry_after = error.retry_after if isinstance(error, NavUnavailable) else None
    _record(
        row,
        state=SubmissionState.RETRYING,
        wake_in=_backoff(max(row.failures, at_least), retry_after),
        error=error,
        **fields,
    )


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
        _retry(row, NavUnavailable("CA_BUNDLE", "A NAV tanúsítványlánca nem olvasható."))
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
        if row.transaction_id:
            _poll(row, conn)
        elif not row.unanswered or not _found(row, conn, row.unanswered):
            _send(row, conn)
    except NavCredentials as error:
        _record(row, state=SubmissionState.WAITING_SETTINGS, error=error)
    except NavTokenRejected as error:
        _record(row, state=SubmissionState.RETRYING, wake_in=dt.timedelta(0), error=error)
    except NavUnavailable as error:
        _retry(row, error)
    except NavError as error:
        # Our request was refused as such (clock, schema, signature): retried later, slowly,
        # shown on the page with its code — never dropped.
        logger.warning("NAV refused request of submission %s: %s", row.pk, error.code)
        _retry(row, error, at_least=6)


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


def _windows(
    spans: list[list[str]], margin: dt.timedelta
) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """The unanswered sends' spans widened by the clock margin, overlapping ones merged and
    cut to NAV's 35-day limit of a queryTransactionList."""
    limit = dt.timedelta(days=35) - dt.timedelta(minutes=1)
    merged: list[list[dt.datetime]] = []
    for start, end in sorted(
        (dt.datetime.fromisoformat(a) - margin, dt.datetime.fromisoformat(b) + margin)
        for a, b in spans
    ):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    for start, end in merged:
        while start < end:
            yield start, min(end, start + limit)
            start += limit


def _lookup(row: NavSubmission, conn: NavConnection, spans: list[list[str]]) -> tuple[str, str]:
    """Did one of the row's unanswered sends reach NAV? (transactionId, how) when it did,
    ("", "") when NAV has no transaction with this row's invoice data in those spans. The
    invoice data is recognised byte for byte (the row's XML is frozen), so another program's
    invoice under the same number is never taken for ours. NAV's errors propagate."""
    NavSubmission.objects.filter(pk=row.pk).update(lookups=F("lookups") + 1)
    sent = bytes(row.invoice_xml)
    valid = conn.query_invoice_data(row.invoice_number)
    if valid is not None and valid.data == sent and valid.transaction_id:
        return valid.transaction_id, "number"
    # Not valid (still processing, or ABORTED): the transactions of the spans that are no
    # other row's, each asked for its original request.
    margin = dt.timedelta(seconds=settings.NAV_LOOKUP_MARGIN_SECONDS)
    for start, end in _windows(spans, margin):
        listed = [
            item.transaction_id
            for item in conn.query_transaction_list(start, end)
            if not item.technical_annulment
        ]
        known = set(
            NavSubmission.objects.filter(
                company_id=row.company_id, transaction_id__in=listed
            ).values_list("transaction_id", flat=True)
        )
        for transaction_id in listed:
            if transaction_id in known:
                continue
            for result in conn.query_transaction_status(transaction_id, original=True):
                if result.original_request == sent:
                    return transaction_id, "list"
    return "", ""


def _found(row: NavSubmission, conn: NavConnection, spans: list[list[str]]) -> bool:
    """Looks the row's unanswered sends up at NAV; True when their transaction was found
    and recorded (the row then polls it), False when none arrived (the spans are cleared:
    the row may be sent)."""
    transaction_id, how = _lookup(row, conn, spans)
    if transaction_id:
        _record(
            row,
            state=SubmissionState.PROCESSING,
            wake_in=dt.timedelta(0),
            transaction_id=transaction_id,
            found_by=how,
            unanswered=[],
        )
        return True
    row.unanswered = []
    NavSubmission.objects.filter(pk=row.pk, attempts=row.attempts).update(unanswered=[])
    return False


def _send(row: NavSubmission, conn: NavConnection) -> None:
    token = conn.token_exchange()
    sent_at = timezone.now()
    try:
        transaction_id = conn.manage_invoice(
            request_id=row.request_id,
            operations=[(row.operation, bytes(row.invoice_xml))],
            token=token,
        )
    except NavTimeout as error:
        # Sent, no answer: NAV may have it. Looked up before the next send.
        span = [sent_at.isoformat(), timezone.now().isoformat()]
        _retry(row, error, unanswered=[*row.unanswered, span])
        return
    except NavDuplicateRequest as error:
        # An earlier send with this requestId was accepted though no span of it is known
        # (a lost record): look over the row's whole life.
        life = [[row.created_at.isoformat(), timezone.now().isoformat()]]
        if not _found(row, conn, life):
            _retry(row, error, unanswered=life)
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
