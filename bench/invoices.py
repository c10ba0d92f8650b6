"""Section 5 (issue 16): invoices issued through the billing services → every one DONE at NAV
(the NAV sandbox on its own TLS port) by the ox worker(s), against the sandbox's floor
measured in the same run; and what rendering an invoice PDF costs.

The pipeline is the invoice reliability scenario without faults (zomanc/nav/scenario.py:
fresh database, the real sandbox process, `invoice_issue` / `invoice_modify` /
`invoice_storno`, `ox_worker` processes), the workers held until every document is issued
(`hold_workers`): issuing and delivery are timed apart, and the delivery alone — release →
the last row DONE — is compared with the floor, like for like.

The **floor**, while the run's sandbox and database are still there: the same documents
(each row's frozen invoice data with the number prefix changed, so NAV takes them as new
invoices, and their references with them), posted as NAV requests built before the clock
starts — per document a tokenExchange, a manageInvoice (with a token fetched beforehand,
the tokenExchange's answer only costs what it costs) and, once NAV's processing time has
passed, queryTransactionStatus until DONE — from one keep-alive TLS session, as many at a
time as the workers have threads together (16); the corrections go once every original is
sent (the pipeline waits for each original's answer first: NAV checks the chain in arrival
order, and whether the original stands decides modifyWithoutMaster — so a chain costs the
pipeline NAV's processing time twice, the floor once). What the floor measures is the
sandbox, TLS and NAV's own processing delay (RECEIVED 1 s, PROCESSING 1 s), nothing of
ours.

Run: `python -m bench.invoices --invoices 500 --workers 1` (prints one JSON object)."""

from __future__ import annotations

import argparse
import json
import queue
import re
import threading
import time
from typing import Any

from bench.common import log, percentile
from bench.pipeline import IN_FLIGHT, BenchProbe

_TID = "ZOMANCBENCHTRANSACTIONID0"  # placeholder in the prebuilt status requests
FLOOR_PREFIX = b"FL-"  # the floor's invoices: the run's numbers with another prefix
PDF_SAMPLE = 20


def _post(session: Any, url: str, data: bytes) -> bytes:
    response = session.post(url, data=data, headers={"Content-Type": "application/xml"}, timeout=30)
    if response.status_code != 200:
        raise RuntimeError(f"HTTP {response.status_code}: {response.text[:300]}")
    content: bytes = response.content
    return content


def _between(data: bytes, tag: bytes) -> bytes:
    """The text of the first `tag` element, whatever its namespace prefix."""
    match = re.search(rb"<(?:[A-Za-z0-9_]+:)?" + tag + rb">([^<]*)</", data)
    if match is None:
        raise RuntimeError(f"no {tag.decode()} in the answer: {data[:300]!r}")
    return match.group(1)


def floor_run(setup: Any, threads: int) -> dict[str, Any]:
    """The floor: every row's document again as new invoices (see the module docstring)."""
    from zomanc.nav.client.wire import API_PATH, _session, new_request_id
    from zomanc.nav.models import NavSubmission
    from zomanc.nav.scenario import PREFIX
    from zomanc.nav.services import nav_connection

    conn = nav_connection(setup.nav_settings)
    rows = list(NavSubmission.objects.order_by("pk").values_list("operation", "invoice_xml"))
    old = f"{PREFIX}-".encode()
    # Built before the clock: tokens fetched ahead, every request signed.
    t0 = time.perf_counter()
    prepared = []
    for operation, xml in rows:
        data = bytes(xml).replace(old, FLOOR_PREFIX)
        token = conn.token_exchange()
        manage = _capture_manage(conn, operation, data, token, new_request_id())
        prepared.append(
            (
                operation,
                conn.build("tokenExchange"),
                manage,
                conn.build(
                    "queryTransactionStatus",
                    f"<transactionId>{_TID}</transactionId>"
                    "<returnOriginalRequest>false</returnOriginalRequest>",
                ),
            )
        )
    log(f"floor: {len(prepared)} documents' requests built in {time.perf_counter() - t0:.1f} s")
    session = _session(conn.endpoint, conn.ca_pem)
    url = f"{conn.endpoint}{API_PATH}"
    latencies: list[float] = []
    errors: list[str] = []
    sent: list[tuple[float, bytes, bytes]] = []  # (sent at, transactionId, status request)

    def timed(name: str, data: bytes) -> bytes:
        t = time.perf_counter()
        answer = _post(session, url + name, data)
        latencies.append(time.perf_counter() - t)
        return answer

    def send(batch: list[Any]) -> None:
        todo: queue.SimpleQueue[Any] = queue.SimpleQueue()
        for item in batch:
            todo.put(item)

        def worker() -> None:
            while not errors:
                try:
                    _, token_request, manage, status = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    timed("tokenExchange", token_request)
                    answer = timed("manageInvoice", manage)
                    sent.append((time.perf_counter(), _between(answer, b"transactionId"), status))
                except Exception as exc:  # reported below, the floor stops
                    errors.append(str(exc))

        pool = [threading.Thread(target=worker) for _ in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()

    def finish() -> list[str]:
        todo: queue.SimpleQueue[Any] = queue.SimpleQueue()
        for item in sent:
            todo.put(item)
        statuses: list[str] = []

        def worker() -> None:
            while not errors:
                try:
                    at, tid, status = todo.get_nowait()
                except queue.Empty:
                    return
                # NAV's own processing time (RECEIVED 1 s, PROCESSING 1 s) first.
                time.sleep(max(0.0, at + 2.05 - time.perf_counter()))
                try:
                    while True:
                        answer = timed("queryTransactionStatus", status.replace(_TID.encode(), tid))
                        state = _between(answer, b"invoiceStatus").decode()
                        if state in ("DONE", "ABORTED"):
                            statuses.append(state)
                            break
                        time.sleep(0.1)
                except Exception as exc:
                    errors.append(str(exc))

        pool = [threading.Thread(target=worker) for _ in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        return statuses

    started = time.perf_counter()
    send([p for p in prepared if p[0] == "CREATE"])
    send([p for p in prepared if p[0] != "CREATE"])  # corrections after their originals
    statuses = finish()
    seconds = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"floor: {errors[0]}")
    return {
        "threads": threads,
        "invoices": len(prepared),
        "requests": len(latencies),
        "seconds": round(seconds, 3),
        "invoices_per_s": round(len(prepared) / seconds, 2) if seconds else None,
        "done": statuses.count("DONE"),
        "request_p50_ms": _ms(percentile(latencies, 0.5)),
        "request_p95_ms": _ms(percentile(latencies, 0.95)),
    }


def _capture_manage(conn: Any, operation: str, data: bytes, token: str, request_id: str) -> bytes:
    """The manageInvoice request the product's client builds, without sending it."""
    captured: list[bytes] = []

    def keep(name: str, body: bytes) -> Any:
        captured.append(body)
        raise _Built

    original = conn.call
    conn.call = keep
    try:
        conn.manage_invoice(request_id=request_id, operations=[(operation, data)], token=token)
    except _Built:
        return captured[0]
    finally:
        conn.call = original
    raise RuntimeError("the client built no request")


class _Built(Exception):
    pass


def pdf_run(setup: Any, sample: int) -> dict[str, Any]:
    """Invoice PDFs rendered one after another (WeasyPrint, bundled fonts): ms per PDF."""
    from zomanc.billing.models import Invoice
    from zomanc.billing.pdf import invoice_pdf

    invoices = list(Invoice.objects.filter(company=setup.company).order_by("pk")[: sample + 1])
    invoice_pdf(invoices[0])  # the first loads WeasyPrint and the fonts: not a PDF's cost
    times = []
    size = 0
    for invoice in invoices[1:]:
        t = time.perf_counter()
        size = len(invoice_pdf(invoice))
        times.append(time.perf_counter() - t)
    return {
        "pdfs": len(times),
        "ms_per_pdf_p50": _ms(percentile(times, 0.5)),
        "ms_per_pdf_p95": _ms(percentile(times, 0.95)),
        "ms_per_pdf_mean": _ms(sum(times) / len(times)) if times else None,
        "bytes_last": size,
    }


CLOSING_INVOICES = 2000  # the day measured: 2,000 invoices (issue 16's row)
CLOSING_HISTORY_DAYS = 4  # earlier days of the same size, closed in order first
CLOSING_REPEATS = 5


def _closing_day_rows(
    setup: Any, company: Any, day: Any, count: int, patients: Any = ()
) -> tuple[int, int]:
    """A day's invoices and payments as the issuing and paying services leave them, written
    in bulk: the closing reads only these rows (by company and day), so building them
    through `invoice_issue` (its lines, frozen NAV XML and outbox row — what the pipeline
    above measures) would change nothing the closing sees. Every 20th invoice is stornoed
    the same day with its payment given back, as `invoice_storno` does; the payments cycle
    through cash (any forint, rounded to 0/5), card, transfer and the fund's card. Made out
    to `patients` in turn when given (the invoice list's audit entry names them)."""
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from zomanc.billing.models import Invoice, InvoiceKind, Payment, PaymentMethod
    from zomanc.billing.payments import cash_round

    at = timezone.make_aware(dt.datetime.combine(day, dt.time(9)))
    tag = day.isoformat()
    methods = [PaymentMethod.CASH, PaymentMethod.CARD, PaymentMethod.TRANSFER]
    methods += [PaymentMethod.CASH, PaymentMethod.FUND_CARD]
    common = {
        "practice_id": setup.practice.pk,
        "company": company,
        "supplier_name": company.name,
        "supplier_tax_number": company.tax_number,
        "supplier_address": f"{company.postal_code} {company.city}, {company.street_address}",
        "supplier_postal_code": company.postal_code,
        "supplier_city": company.city,
        "supplier_street": company.street_address,
        "customer_kind": "patient",
        "issue_date": day,
        "delivery_date": day,
        "payment_due": day,
        "issued_by": setup.receptionist,
    }
    stornoed = {n for n in range(count) if n % 20 == 19}
    originals = count - len(stornoed)
    invoices = []
    for n in range(originals):
        gross = Decimal(8000 + (n * 137) % 40000)
        invoices.append(
            Invoice(
                **common,
                kind=InvoiceKind.NORMAL,
                number=f"ZB-{tag}-{n + 1:06d}",
                customer_name=f"Páciens {n}",
                patient=patients[n % len(patients)] if patients else None,
                payment_method=methods[n % len(methods)],
                net_total=gross,
                vat_total=0,
                gross_total=gross,
                idempotency_key=f"bench-closing-{tag}-{n}",
                issued_at=at + dt.timedelta(seconds=10 * n),
            )
        )
    Invoice.objects.bulk_create(invoices, batch_size=500)
    invoices = list(Invoice.objects.filter(company=company, issue_date=day).order_by("number"))
    stornos = [
        Invoice(
            **{**common, "customer_name": original.customer_name},
            patient_id=original.patient_id,
            kind=InvoiceKind.STORNO,
            number=f"ZB-{tag}-{originals + k + 1:06d}",
            original=original,
            modification_index=1,
            payment_method=original.payment_method,
            net_total=-original.net_total,
            vat_total=0,
            gross_total=-original.gross_total,
            idempotency_key=f"bench-closing-{tag}-storno-{k}",
            issued_at=original.issued_at + dt.timedelta(hours=1),
        )
        for k, original in enumerate(invoices[: len(stornoed)])
    ]
    Invoice.objects.bulk_create(stornos, batch_size=500)

    def payment(invoice: Any, amount: Decimal, key: str) -> Any:
        method = invoice.payment_method
        cash = cash_round(amount) if method == PaymentMethod.CASH else None
        return Payment(
            practice_id=setup.practice.pk,
            invoice=invoice,
            method=method,
            amount=amount,
            cash_amount=cash,
            cash_rounding=(cash - amount) if cash is not None else Decimal(0),
            paid_on=day,
            idempotency_key=key,
            taken_by=setup.receptionist,
            taken_at=invoice.issued_at,
        )

    storno_ids = {
        s.original_id: s
        for s in Invoice.objects.filter(company=company, issue_date=day, kind=InvoiceKind.STORNO)
    }
    payments = []
    for n, invoice in enumerate(invoices):
        paid = invoice.gross_total  # any forint: cash is rounded at the desk
        payments.append(payment(invoice, paid, f"bench-closing-{tag}-pay-{n}"))
        storno = storno_ids.get(invoice.pk)
        if storno is not None:
            payments.append(payment(storno, -paid, f"bench-closing-{tag}-refund-{n}"))
    Payment.objects.bulk_create(payments, batch_size=500)
    return len(invoices) + len(stornos), len(payments)


def closing_run(
    setup: Any,
    *,
    invoices: int = CLOSING_INVOICES,
    history_days: int = CLOSING_HISTORY_DAYS,
) -> dict[str, Any]:
    """The daily closing over a day of 2,000 invoices (issue 16): a company of the run's
    practice with `CLOSING_HISTORY_DAYS` earlier days of the same size, each closed in order
    (`day_close`: the books up to the latest closing, the drawer carried over), then the day
    measured: `day_summary` (what the closing page draws) `CLOSING_REPEATS` times, and the
    closing itself once, each with its query count."""
    import datetime as dt
    from decimal import Decimal

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from zomanc.billing.closing import day_close, day_summary
    from zomanc.practices.models import Company

    company = Company.objects.create(
        practice=setup.practice,
        name="Zárás Fogászat Kft.",
        institution_name="Zárás Fogászat",
        institution_id="999001",  # any: unique in the practice, never reported
        tax_number=setup.company.tax_number,
        postal_code="1051",
        city="Budapest",
        street_address="Nádor utca 14.",
        invoice_prefix="ZB",
    )
    today = timezone.localdate()
    days = [today - dt.timedelta(days=k) for k in range(history_days, -1, -1)]
    t0 = time.perf_counter()
    counts = [_closing_day_rows(setup, company, day, invoices) for day in days]
    build_s = time.perf_counter() - t0

    def close(day: Any) -> tuple[float, int, Any]:
        summary = day_summary(company, day)
        with CaptureQueriesContext(connection) as queries:
            t = time.perf_counter()
            done = day_close(
                actor=setup.receptionist,
                company=company,
                day=day,
                counted_cash=summary.expected_cash,
                cash_removed=Decimal(0),
            )
            seconds = time.perf_counter() - t
        return seconds, len(queries), done

    history = [close(day)[0] for day in days[:-1]] or [0.0]
    day = days[-1]
    summaries = []
    for _ in range(CLOSING_REPEATS):
        with CaptureQueriesContext(connection) as queries:
            t = time.perf_counter()
            summary = day_summary(company, day)
            summaries.append(time.perf_counter() - t)
        summary_queries = len(queries)
    close_s, close_queries, done = close(day)
    with CaptureQueriesContext(connection) as queries:
        t = time.perf_counter()
        frozen = day_summary(company, day)
        closed_s = time.perf_counter() - t
    if frozen.closing is None or done.invoices_count + done.stornos_count != counts[-1][0]:
        raise RuntimeError(f"closing: {done.invoices_count}+{done.stornos_count} != {counts[-1]}")
    return {
        "invoices": counts[-1][0],
        "payments": counts[-1][1],
        "history_days": history_days,
        "rows_build_s": round(build_s, 2),
        "summary_ms_p50": _ms(percentile(summaries, 0.5)),
        "summary_queries": summary_queries,
        "close_ms": _ms(close_s),
        "close_queries": close_queries,
        "close_ms_history_p50": _ms(percentile(history, 0.5)),
        "closed_summary_ms": _ms(closed_s),
        "closed_summary_queries": len(queries),
        "expected_cash": str(summary.expected_cash),
    }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


class InvoiceProbe(BenchProbe):
    """The pipeline benchmark's probe (worker memory and CPU from release to the last row),
    then the NAV floor, the PDFs and the closing hook."""

    def __init__(self, threads: int, pdfs: int) -> None:
        super().__init__(floor=False, threads=threads)
        self.pdfs = pdfs

    def after(self, sandbox: Any, practice: Any) -> dict[str, Any]:
        from bench.common import cores_busy, cpu_jiffies

        result = super().after(sandbox, practice)
        since = cpu_jiffies()
        result["floor"] = floor_run(practice, self.threads)
        self.cores["floor"] = cores_busy(since)
        result["pdf"] = pdf_run(practice, self.pdfs)
        result["closing"] = closing_run(practice)
        return result


def invoices_run(*, invoices: int, workers: int, pdfs: int = PDF_SAMPLE) -> dict[str, Any]:
    from django.db import connection

    from zomanc.nav.scenario import ScenarioConfig, scenario_run

    config = ScenarioConfig(
        invoices=invoices,
        workers=workers,
        concurrency=max(1, IN_FLIGHT // workers),
        hold_workers=True,
        kills=0,
        share_http_503=0.0,
        share_hang=0.0,
        maintenance_seconds=0.0,
        wait_seconds=max(240.0, invoices * 1.0),
        timeout_seconds=15.0,  # the product's (no hangs to cut short here)
        lease_seconds=60.0,
        # NAV's processing takes 2 s; the product asks every 2 s (NAV_STATUS_POLL_SECONDS).
        status_poll_seconds=2.0,
    )
    probe = InvoiceProbe(threads=config.concurrency * workers, pdfs=pdfs)
    result = scenario_run(config, probe)
    timings = result["timings"]
    floor = result["probe"].get("floor") or {}
    drain_rate = timings.get("drain_invoices_per_s")
    ratio = None
    if floor.get("invoices_per_s") and drain_rate:
        ratio = round(floor["invoices_per_s"] / drain_rate, 2)
    cpu = result["probe"].get("worker_cpu_delivery_s")
    rows = result["rows"]["rows"]
    return {
        "database": connection.vendor,
        "invoices": invoices,
        "workers": workers,
        "concurrency": config.concurrency,
        "ok": result["ok"],
        "problems": result["problems"],
        "rows": rows,
        "documents": result["documents"],
        "issue_ms_per_invoice": timings.get("issue_ms_per_invoice"),
        "drain_s": timings.get("drain_s"),
        "drain_invoices_per_s": drain_rate,
        "issued_to_done_p50_s": timings.get("issued_to_done_p50_s"),
        "issued_to_done_p95_s": timings.get("issued_to_done_p95_s"),
        "floor": floor,
        "ratio_to_floor": ratio,
        "worker_cpu_delivery_s": cpu,
        "worker_cpu_ms_per_invoice": round(1000 * cpu / rows, 1) if cpu and rows else None,
        "cores_busy": result["probe"].get("cores_busy") or {},
        "memory": {k: v for k, v in result["probe"].items() if k.startswith("worker_rss")},
        "pdf": result["probe"].get("pdf") or {},
        "closing": result["probe"].get("closing"),
        "cpu_seconds": result["cpu_seconds"],
        "total_seconds": result["total_seconds"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invoices", type=int, default=500)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--pdfs", type=int, default=PDF_SAMPLE)
    args = parser.parse_args()
    import django

    django.setup()
    result = invoices_run(invoices=args.invoices, workers=args.workers, pdfs=args.pdfs)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
