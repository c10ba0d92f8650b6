"""Section 1, the reporting pipeline: N visits closed → every outbox row "sent" to the sandbox
over mutual TLS by the ox worker(s), against the floor measured in the same run.

The workers are started with the run but released once the N visits are closed
(`ScenarioConfig.hold_workers`): the clinical writes (visit_open / diagnosis_add /
visit_close, outbox rows included) and the delivery of the backlog are timed apart, and the
delivery alone is compared with the floor — like for like. (Run together, on two cores, each
slows the other: measured in the first runs, docs/benchmarks.md.)

The pipeline is the reliability scenario without faults (zomanc/eeszt/scenario.py:
fresh database, the real sandbox process, the product's services, `ox_worker` processes):
this module only adds a probe to it. The probe reads the workers' memory, and — while that
run's sandbox, database and EESZT login are still there — measures the **floor**: the same
number of equivalent signed SOAP requests (each visit's EventStart, EventClose and
DocumentSubmit, built by the product's own client from the run's rows with fresh ids, so the
sandbox really does the work again) posted from one keep-alive mutual-TLS session, each
visit's three in order, as many visits at a time as the workers have threads together
(IN_FLIGHT, 16: one worker of 16 threads or two of 8; the sandbox serves requests in
parallel: a back-to-back floor would be slower than the pipeline it bounds). A second,
back-to-back pass on one connection over a sample of the visits gives what one request costs
alone. The envelopes are built before the clock starts: the floor is what the sandbox and
TLS cost, nothing of ours.

Apart from that floor, the **client floor** (`client_floor`): the CPU a row needs on our
side with no outbox, no database and no django-ox — a sample of visits' three calls made by
the product's own client as the worker makes them (envelope, post over the same mutual-TLS
session, answer), one thread, its CPU ÷ rows: what the worker's CPU per row is read against.

Run: `python -m bench.pipeline --visits 1000 --workers 2` (prints one JSON object)."""

from __future__ import annotations

import argparse
import json
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any

from bench.common import cores_busy, cpu_jiffies, log, percentile, rss_mb

# No models in these: importable before Django's setup.
from zomanc.eeszt.scenario import ScenarioProbe, process_cpu_seconds

_EVENT_ID = re.compile(rb"<(?:[A-Za-z0-9_]+:)?eventId>([^<]+)</")
_PLACEHOLDER = "zomanc-bench-event-id"
SEQUENTIAL_SAMPLE = 100
CLIENT_FLOOR_SAMPLE = 100  # visits (3 rows each) of the client floor
IN_FLIGHT = 16  # calls in flight: worker threads over all workers, and the floor's threads


@dataclass
class _Envelope:
    address: str
    message: bytes
    headers: dict[str, str]


class _Captured(Exception):
    def __init__(self, envelope: _Envelope) -> None:
        self.envelope = envelope


def _capture(send: Any) -> _Envelope:
    """The envelope the product's client would post for `send()`, without posting it."""
    from zomanc.eeszt.client import wire

    original = wire._WireTransport.post

    def post(self: Any, address: str, message: bytes, headers: dict[str, str]) -> Any:
        raise _Captured(_Envelope(address, message, dict(headers)))

    wire._WireTransport.post = post  # type: ignore[method-assign]
    try:
        send()
    except _Captured as captured:
        return captured.envelope
    finally:
        wire._WireTransport.post = original  # type: ignore[method-assign]
    raise RuntimeError("the client posted nothing")


def _fresh(payload: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    """The payload with the visit's client id (in the case and document ids and in the CDA
    body) replaced: a new visit and document for the sandbox, the same size and shape."""
    fresh: dict[str, Any] = json.loads(json.dumps(payload).replace(old, new))
    return fresh


def _fromiso(value: str) -> Any:
    import datetime as dt

    return dt.datetime.fromisoformat(value)


def _floor_inputs(
    practice: Any, limit: int | None = None
) -> tuple[Any, Any, list[dict[str, dict[str, Any]]]]:
    """The run's Connection and CallContext as the worker builds them (context.py), and per
    visit its three rows' payloads with fresh client ids (a new visit and document for the
    sandbox, the same size and shape) and fresh request ids."""
    from zomanc.eeszt.context import (
        eeszt_call_context,
        eeszt_connection_for_certificate,
        eeszt_role_for,
    )
    from zomanc.eeszt.models import CertificateStatus, EesztCertificate
    from zomanc.eeszt.outbox.models import OutboxItem, OutboxKind
    from zomanc.eeszt.sessions import eeszt_session_active

    cert = EesztCertificate.objects.get(company=practice.company, status=CertificateStatus.ACTIVE)
    conn = eeszt_connection_for_certificate(cert)
    session = eeszt_session_active(member=practice.dentist, company=practice.company)
    assert session is not None
    ctx = eeszt_call_context(
        session=session,
        company=practice.company,
        org_unit=practice.org_unit,
        role=eeszt_role_for(practice.dentist),
    )
    rows: dict[int, dict[str, dict[str, Any]]] = {}
    for visit_id, kind, payload in OutboxItem.objects.order_by("visit_id", "seq").values_list(
        "visit_id", "kind", "payload"
    ):
        rows.setdefault(visit_id, {})[kind] = payload
    visits = []
    for by_kind in list(rows.values())[:limit]:
        old = by_kind[OutboxKind.EVENT_START]["client_visit_id"]
        new = f"bench-{uuid.uuid4().hex}"
        visit = {
            name: {**_fresh(by_kind[kind], old, new), "request_id": str(uuid.uuid4())}
            for name, kind in (
                ("start", OutboxKind.EVENT_START),
                ("close", OutboxKind.EVENT_CLOSE),
                ("doc", OutboxKind.DOCUMENT_SUBMIT),
            )
        }
        visits.append(visit)
    return conn, ctx, visits


# A visit's three calls as the worker makes them from its rows (outbox/services.py, `_send`):
# the product's client builds each envelope, posts it over the company's session and parses
# the answer.
def _call_start(conn: Any, ctx: Any, p: dict[str, Any]) -> Any:
    from zomanc.eeszt.client import ekat

    return ekat.event_start(
        conn,
        ctx,
        request_id=p["request_id"],
        patient=ekat.PatientRef(p["patient"]["idType"], p["patient"]["id"]),
        client_visit_id=p["client_visit_id"],
        event_time=_fromiso(p["event_time"]),
        recorded_time=_fromiso(p["recorded_time"]),
        responsible_stamp=p["responsible_stamp"],
        specialty=p["specialty"],
        referral_id=p.get("referral_id"),
    )


def _call_close(conn: Any, ctx: Any, p: dict[str, Any], event_id: str) -> Any:
    from zomanc.eeszt.client import ekat

    return ekat.event_close(
        conn,
        ctx,
        request_id=p["request_id"],
        event_id=event_id,
        end_time=_fromiso(p["end_time"]),
        recorded_time=_fromiso(p["recorded_time"]),
        responsible_stamp=p["responsible_stamp"],
        diagnoses=p["diagnoses"],
        procedures=p["procedures"] or None,
    )


def _call_doc(conn: Any, ctx: Any, p: dict[str, Any], event_id: str) -> Any:
    from zomanc.eeszt.client import documents, ekat

    return documents.document_submit(
        conn,
        ctx,
        request_id=p["request_id"],
        patient=ekat.PatientRef(p["patient"]["idType"], p["patient"]["id"]),
        event_id=event_id,
        client_case_id=p["client_case_id"],
        client_document_id=p["client_document_id"],
        doc_type="11",
        title=p["title"],
        author_stamp=p["author_stamp"],
        created_at=_fromiso(p["created_at"]),
        body=p["body"].encode("utf-8"),
        diagnoses=p["diagnoses"] or None,
        procedures=p["procedures"] or None,
    )


def floor_envelopes(practice: Any) -> list[list[_Envelope]]:
    """Per visit, its three requests as the product builds them (fresh request and client
    ids; the event id left as a placeholder, filled from the start's answer)."""
    conn, ctx, visits = _floor_inputs(practice)
    return [
        [
            _capture(lambda v=v: _call_start(conn, ctx, v["start"])),
            _capture(lambda v=v: _call_close(conn, ctx, v["close"], _PLACEHOLDER)),
            _capture(lambda v=v: _call_doc(conn, ctx, v["doc"], _PLACEHOLDER)),
        ]
        for v in visits
    ]


def client_floor(practice: Any, sample: int = CLIENT_FLOOR_SAMPLE) -> dict[str, Any]:
    """The CPU a row must cost on the client's side: `sample` visits' three calls made by
    the product's own EESZT client exactly as the worker's `_send` makes them (the envelope
    built with its WS-Security and Context headers and the SAML assertion spliced in, posted
    over the company's keep-alive mutual-TLS session, the answer parsed) — with no outbox,
    no database and no django-ox. One thread, back to back: the CPU of the thread that does
    it (`thread_time`) ÷ rows, the cheapest a row can be with this client, for the worker's
    CPU per row to be read against. The first visit warms up (the TLS handshake, zeep's
    clients) and is not counted; the payloads and ids are made before the clock."""
    conn, ctx, visits = _floor_inputs(practice, limit=sample + 1)
    warm, visits = visits[0], visits[1:]

    def visit_send(v: dict[str, dict[str, Any]]) -> None:
        event_id = _call_start(conn, ctx, v["start"]).event_id
        _call_close(conn, ctx, v["close"], event_id)
        _call_doc(conn, ctx, v["doc"], event_id)

    visit_send(warm)
    wall, cpu, process = time.perf_counter(), time.thread_time(), time.process_time()
    for v in visits:
        visit_send(v)
    cpu, process = time.thread_time() - cpu, time.process_time() - process
    wall = time.perf_counter() - wall
    rows = 3 * len(visits)
    return {
        "visits": len(visits),
        "rows": rows,
        "seconds": round(wall, 3),
        "cpu_ms_per_row": round(1000 * cpu / rows, 2) if rows else None,
        # The whole benchmark process over the same pass (nothing else of it runs then).
        "process_cpu_ms_per_row": round(1000 * process / rows, 2) if rows else None,
    }


def floor_post(practice: Any, visits: list[list[_Envelope]], threads: int = 1) -> dict[str, Any]:
    """Posts the envelopes over one keep-alive mutual-TLS session: each visit's three in
    order, `threads` visits at a time (1: back to back on one connection; the workers'
    thread count: as concurrent as the pipeline, over the session's pooled connections)."""
    import queue
    import threading

    from zomanc.eeszt.client.tls import session_create, ssl_context_create
    from zomanc.eeszt.context import eeszt_connection_for_certificate
    from zomanc.eeszt.models import CertificateStatus, EesztCertificate

    cert = EesztCertificate.objects.get(company=practice.company, status=CertificateStatus.ACTIVE)
    conn = eeszt_connection_for_certificate(cert)
    context = ssl_context_create(
        pkcs12_data=conn.pkcs12_data, password=conn.pkcs12_password, ca_pem=conn.ca_pem
    )
    session = session_create(context=context)
    latencies: list[float] = []
    errors: list[str] = []
    todo: queue.SimpleQueue[list[_Envelope]] = queue.SimpleQueue()
    for envelopes in visits:
        todo.put(envelopes)

    def post_visits() -> None:
        while not errors:
            try:
                envelopes = todo.get_nowait()
            except queue.Empty:
                return
            event_id = b""
            for n, env in enumerate(envelopes):
                message = env.message.replace(_PLACEHOLDER.encode(), event_id)
                t0 = time.perf_counter()
                response = session.post(env.address, data=message, headers=env.headers, timeout=30)
                latencies.append(time.perf_counter() - t0)
                if response.status_code != 200:
                    errors.append(f"HTTP {response.status_code}: {response.text[:300]}")
                    return
                if n == 0:
                    match = _EVENT_ID.search(response.content)
                    if match is None:
                        errors.append("no eventId in the answer to EventStart")
                        return
                    event_id = match.group(1)

    started = time.perf_counter()
    pool = [threading.Thread(target=post_visits) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    seconds = time.perf_counter() - started
    session.close()
    if errors:
        raise RuntimeError(f"floor ({threads} threads): {errors[0]}")
    return {
        "threads": threads,
        "visits": len(visits),
        "requests": len(latencies),
        "seconds": round(seconds, 3),
        "visits_per_s": round(len(visits) / seconds, 2) if seconds else None,
        "request_p50_ms": _ms(percentile(latencies, 0.5)),
        "request_p95_ms": _ms(percentile(latencies, 0.95)),
    }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


class BenchProbe(ScenarioProbe):
    """The scenario's measurement hooks: worker memory, then the floor."""

    def __init__(self, floor: bool = True, threads: int = 16) -> None:
        self.floor = floor
        self.threads = threads
        self.memory: dict[str, list[float | None]] = {}
        self.cores: dict[str, float | None] = {}
        self._since = cpu_jiffies()
        self._cpu_at_rest: dict[int, float] = {}
        self.delivery_cpu_s: float | None = None

    def workers_at_rest(self, pids: list[int]) -> None:
        self.memory["worker_rss_mb_at_rest"] = [rss_mb(pid) for pid in pids]
        # The workers' CPU from here on is the delivery's: their start-up (Django, imports)
        # is not a cost of the rows, and in a quick run of 150 rows it would be most of it.
        self._cpu_at_rest = {pid: process_cpu_seconds(pid) for pid in pids}
        self._since = cpu_jiffies()  # the workers are released right after this

    def workers_loaded(self, pids: list[int]) -> None:
        self.memory["worker_rss_mb_loaded"] = [rss_mb(pid) for pid in pids]
        self.delivery_cpu_s = round(
            sum(process_cpu_seconds(pid) - self._cpu_at_rest.get(pid, 0.0) for pid in pids), 2
        )
        # Whether the delivery had CPU to spare: with every core busy, the ratio to the
        # floor is our CPU per row against the sandbox's, not waiting (docs/benchmarks.md).
        self.cores["delivery"] = cores_busy(self._since)

    def after(self, sandbox: Any, practice: Any) -> dict[str, Any]:
        result: dict[str, Any] = {
            **self.memory,
            "cores_busy": self.cores,
            "worker_cpu_delivery_s": self.delivery_cpu_s,
        }
        if self.floor:
            t0 = time.perf_counter()
            visits = floor_envelopes(practice)
            log(f"floor: {len(visits)} visits' envelopes built in {time.perf_counter() - t0:.1f} s")
            # Fresh ids for each pass: both passes make the sandbox do the work.
            sandbox.admin("counters/reset", {})
            since = cpu_jiffies()
            result["floor"] = floor_post(practice, visits, threads=self.threads)
            self.cores["floor"] = cores_busy(since)
            # Back to back on one connection too: what one request costs the sandbox alone
            # (a sample of SEQUENTIAL_SAMPLE visits; its rate is visits/s all the same).
            sample = floor_envelopes(practice)[:SEQUENTIAL_SAMPLE]
            result["floor_sequential"] = floor_post(practice, sample, threads=1)
            counters = sandbox.admin("state")["counters"]
            result["floor"]["sandbox_writes"] = {
                k: v for k, v in counters.items() if str(k).startswith("writes.")
            }
            # What a row costs the client alone (issue 18: the floor of the worker's CPU).
            result["client_floor"] = client_floor(practice)
        return result


def pipeline_run(
    *, visits: int, workers: int, floor: bool = True, concurrency: int | None = None
) -> dict[str, Any]:
    from django.conf import settings
    from django.db import connection

    from zomanc.eeszt.scenario import ScenarioConfig, scenario_run

    config = ScenarioConfig(
        visits=visits,
        workers=workers,
        # The same calls in flight in every run, however many processes share them: 16
        # threads in one worker or 8 in each of two. (Two workers of 16 each put twice the
        # threads on two cores — more GIL hand-offs and a busier sandbox, not more work
        # done: docs/benchmarks.md.)
        concurrency=concurrency or max(1, IN_FLIGHT // workers),
        hold_workers=True,
        kills=0,
        share_http_503=0.0,
        share_hang=0.0,
        maintenance_seconds=0.0,
        wait_seconds=max(240.0, visits * 1.0),
        # The product's own call timeout and lease: the scenario's short ones (2 s, 8 s) are
        # for its hangs and kills, which the benchmark has none of. With 2 s, calls queued
        # behind the sandbox's busy moments timed out and went again 5 s later (≈ 1 % of the
        # rows), stretching the delivery's tail.
        timeout_seconds=float(settings.EESZT_TIMEOUT_SECONDS),
        lease_seconds=float(settings.EESZT_OUTBOX_LEASE_SECONDS),
    )
    probe = BenchProbe(floor=floor, threads=config.concurrency * workers)
    result = scenario_run(config, probe)
    timings = result["timings"]
    floor_result = result["probe"].get("floor") or {}
    sequential = result["probe"].get("floor_sequential") or {}
    # The floor is the better of the two passes: the sandbox (SQLite, one writer) may serve
    # concurrent requests worse than back-to-back ones.
    best = max(floor_result.get("visits_per_s") or 0, sequential.get("visits_per_s") or 0)
    ratio = None
    if best and timings.get("drain_visits_per_s"):
        ratio = round(best / timings["drain_visits_per_s"], 2)
    visits_total = timings["open_close_seconds"] + (timings.get("drain_s") or 0)
    return {
        "database": connection.vendor,
        "visits": visits,
        "workers": workers,
        "concurrency": config.concurrency,
        "ok": result["ok"],
        "problems": result["problems"],
        "rows": result["rows"]["rows"],
        # Visits closed → every row sent, the two phases one after the other.
        "visits_per_s": round(visits / visits_total, 2) if visits_total else None,
        "clinical_visits_per_s": round(visits / timings["open_close_seconds"], 2),
        "drain_visits_per_s": timings.get("drain_visits_per_s"),
        "drain_s": timings.get("drain_s"),
        "close_to_sent_p50_s": timings["close_to_sent_p50_s"],
        "close_to_sent_p95_s": timings["close_to_sent_p95_s"],
        "open_close_seconds": timings["open_close_seconds"],
        "first_open_to_last_sent_s": timings["first_open_to_last_sent_s"],
        "floor": floor_result,
        "ratio_to_floor": ratio,
        "cpu_seconds": result["cpu_seconds"],
        "cores_busy": result["probe"].get("cores_busy") or {},
        "worker_cpu_delivery_s": result["probe"].get("worker_cpu_delivery_s"),
        "floor_sequential": result["probe"].get("floor_sequential") or {},
        "client_floor": result["probe"].get("client_floor") or {},
        "memory": {k: v for k, v in result["probe"].items() if k.startswith("worker_rss")},
        "total_seconds": result["total_seconds"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--visits", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--no-floor", action="store_true")
    parser.add_argument(
        "--concurrency", type=int, help="threads per worker (default: 16 over all workers)"
    )
    args = parser.parse_args()
    import django

    django.setup()
    result = pipeline_run(
        visits=args.visits,
        workers=args.workers,
        floor=not args.no_floor,
        concurrency=args.concurrency,
    )
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
