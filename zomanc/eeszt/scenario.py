"""The reliability scenario: real processes prove "nothing lost, nothing doubled" (issue 5,
Reliability) and measure the reporting pipeline (issue 7, item 1 reuses it).

One run, in the calling process (the `eeszt_scenario` command):

1. a fresh database next to the configured one — a new SQLite file in a temporary folder,
   or a uniquely named PostgreSQL database on the DATABASE_URL server, created and dropped
   here — so a run can never touch real data; migrated like a new installation;
2. the real EESZT sandbox in its own process (its own data folder, free ports);
3. a practice, company 506097, org unit 001044299, the dentist with stamp 58012 and the
   sandbox's documented demo patients, the company's certificate uploaded, the module
   switched on and the dentist logged in with his (SoftHSM) eID card — the product's own
   services all the way;
4. N `manage.py ox_worker` processes, V visits opened and closed through visit_open /
   visit_close while the sandbox injects HTTP 503s, accept-then-time-out and a maintenance
   window, and a worker SIGKILLed K times (a new one takes its place each time);
5. a bounded wait until every outbox row is final, then one JSON-able dict: rows by state,
   the sandbox's counters, timings, kills, problems (empty = passed).

The sandbox counts `writes.<Operation>` inside the transaction of the business write, and a
repeated request id is answered from its record without counting again: so the counters
are exactly "how many events EESZT has", whatever the retries were.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.utils import timezone

from zomanc.testing.scenario import (
    Run,
    ScenarioProbe,
    cpu_seconds,
    faults_set,
    fresh_database,
    log_to,
    ox_task_counts,
    percentile,
    process_cpu_seconds,
    worker_environment,
)

REPO = Path(__file__).resolve().parents[2]
# The sandbox's documented demo patients (sandbox/registry/seed.py FIXED_TAJ): it refuses
# patients it does not know, and one open visit per patient is allowed, so visits take
# turns between them.
DEMO_PATIENTS = [
    ("111111110", "Demo", "Ádám", "M", dt.date(1950, 1, 1)),
    ("123456788", "Demo", "Borbála", "F", dt.date(1962, 5, 17)),
    ("987654322", "Demo", "Csaba", "M", dt.date(1978, 11, 3)),
]
INSTITUTION_ID = "506097"
ORG_UNIT = "001044299"
DENTIST_STAMP = "58012"
DIAGNOSIS = "K0210"  # caries of enamel: valid for every age and sex
WRITE_OPERATIONS = ("EventStart", "EventClose", "DocumentSubmit")
# What a worker imports before it waits to be released (zomanc/testing/scenario.py).
PRELOAD = (
    "zomanc.eeszt.outbox.services",
    "zomanc.eeszt.client.ekat",
    "zomanc.eeszt.client.documents",
)
# Kept for the benchmark's imports (bench/pages.py, bench/pipeline.py).
_fresh_database = fresh_database
__all__ = ["ScenarioConfig", "ScenarioProbe", "process_cpu_seconds", "scenario_run"]


@dataclass(frozen=True)
class ScenarioConfig:
    visits: int = 200
    workers: int = 1
    concurrency: int = 16  # ox_worker --concurrency (threads: the calls wait on the network)
    poll_interval: float = 0.2  # ox_worker --interval
    kills: int = 3  # SIGKILLs, each followed by a restart
    # The disturbances (kills, the maintenance window) come one after another, each once
    # this many more rows have been sent: they hit working workers on a fast or slow machine.
    progress_step: int = 25
    visit_pause: float = 0.0  # seconds between two visits (0: back to back)
    share_http_503: float = 0.30
    # Effective share of requests answered never (processed, then the connection is held):
    # the sandbox rolls it only for requests the 503 roll let through, so the rule's share
    # is raised to make this the share of all requests.
    share_hang: float = 0.10
    maintenance_seconds: float = 6.0
    retry_after_seconds: int = 1  # the sandbox's Retry-After on a random 503
    timeout_seconds: float = 2.0  # EESZT_TIMEOUT_SECONDS of the workers
    backoff_seconds: float = 0.5  # EESZT_OUTBOX_BACKOFF_SECONDS of the workers
    retry_max_seconds: float = 4.0  # EESZT_OUTBOX_RETRY_MAX_SECONDS (the backoff's cap)
    lease_seconds: float = 8.0  # EESZT_OUTBOX_LEASE_SECONDS and ox --lock-timeout
    sweep_seconds: int = 5  # EESZT_OUTBOX_SWEEP_SECONDS
    wait_seconds: float = 240.0  # bound on waiting for every row to be final
    keep: bool = False  # keep the temporary folder (logs, SQLite file, sandbox data)
    # The workers are started (Django loaded) but released only once every visit is closed:
    # the run then measures the clinical writes and draining the backlog separately (the
    # benchmark compares the drain with the sandbox's floor, like for like).
    hold_workers: bool = False


_log = log_to("eeszt_scenario")


# --- the practice, the certificate, the module, the card login ---------------------------


@dataclass
class _Practice:
    practice: Any
    company: Any
    org_unit: Any
    dentist: Any
    owner: Any
    patients: list[Any]


def _practice_create() -> _Practice:
    from zomanc.accounts.models import User
    from zomanc.patients.models import IdType, Patient
    from zomanc.practices.models import Company, OrgUnit, Practice, Role, StaffMember

    practice = Practice.objects.create(name="Mosoly Fogászat (szcenárió)")
    company = Company.objects.create(
        practice=practice,
        name="Mosoly Fogászat Kft.",
        institution_name="Mosoly Fogászat",
        institution_id=INSTITUTION_ID,
    )
    org_unit = OrgUnit.objects.create(
        practice=practice, company=company, code=ORG_UNIT, name="Fogászati rendelés"
    )

    def member(email: str, name: str, role: str, stamp: str = "") -> StaffMember:
        user = User.objects.create_user(email, None, full_name=name)
        return StaffMember.objects.create(
            practice=practice, user=user, role=role, display_name=name, stamp_number=stamp
        )

    owner = member("tulaj@szcenario.test", "Dr. Tulaj Tamás", Role.OWNER)
    dentist = member("fogorvos@szcenario.test", "Dr. Kovács Anna", Role.DOCTOR, DENTIST_STAMP)
    patients = [
        Patient.objects.create(
            practice=practice,
            family_name=family,
            given_name=given,
            sex=sex,
            birth_date=born,
            id_type=IdType.TAJ,
            id_value=taj,
        )
        for taj, family, given, sex, born in DEMO_PATIENTS
    ]
    return _Practice(practice, company, org_unit, dentist, owner, patients)


def _module_on(p: _Practice, sandbox: Any) -> None:
    from zomanc.eeszt.setup.services import eeszt_certificate_upload, eeszt_module_enable

    data, password = sandbox.certificate(INSTITUTION_ID)
    eeszt_certificate_upload(company=p.company, actor=p.owner, data=data, password=password)
    eeszt_module_enable(company=p.company, actor=p.owner)


def _card_login(p: _Practice, sandbox: Any) -> None:
    """The dentist logs in with his eID card as in the product: the IDP challenge, the
    card's signature after the PIN (the card service's PKCS#11 code on the sandbox's
    SoftHSM token), the assertion stored as his EESZT session."""
    from zomanc.cardservice.card import Pkcs11Card
    from zomanc.eeszt.login.services import eeszt_login_card, eeszt_login_challenge

    conf, label, pin = sandbox.card(f"O{DENTIST_STAMP}")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    challenge = eeszt_login_challenge(member=p.dentist, company=p.company)
    signed = Pkcs11Card(token_label=label).sign(challenge.nonce, pin)
    eeszt_login_card(
        member=p.dentist,
        company=p.company,
        nonce=challenge.nonce,
        challenge_expires_at=challenge.expires_at,
        signature=signed.signature,
        certificate_der=signed.certificate_der,
        algorithm=signed.algorithm,
    )


# --- progress, for the conductor -------------------------------------------------------


def _sent_rows() -> int:
    from zomanc.eeszt.outbox.models import OutboxItem, OutboxState

    return OutboxItem.objects.filter(state=OutboxState.SENT).count()


def _sending() -> bool:
    from zomanc.eeszt.outbox.models import OutboxItem, OutboxState

    return OutboxItem.objects.filter(state=OutboxState.SENDING).exists()


# --- the visits --------------------------------------------------------------------------


def _visits(p: _Practice, count: int, pause: float = 0.0) -> None:
    from zomanc.clinical.services import diagnosis_add, visit_close, visit_open

    doctor_user = p.dentist.user
    for n in range(count):
        if n and pause:
            # SQLite has one writer at a time and its lock is not fair: back-to-back clinical
            # transactions from this process starved the worker (measured: 34 tasks run while
            # 600 were queued). A practice closes a visit every few minutes, not 8 a second.
            time.sleep(pause)
        patient = p.patients[n % len(p.patients)]
        visit = visit_open(
            patient=patient,
            doctor=p.dentist,
            company=p.company,
            org_unit=p.org_unit,
            opened_by=doctor_user,
        )
        diagnosis_add(visit=visit, code=DIAGNOSIS, added_by=doctor_user)
        visit_close(visit=visit, closed_by=doctor_user)


# --- waiting and measuring ---------------------------------------------------------------


def _counts() -> dict[str, int]:
    from zomanc.eeszt.outbox.models import OutboxItem

    rows = OutboxItem.objects.values_list("state", flat=True)
    return dict(Counter(rows))


def _wait_final(run: Run[ScenarioConfig], deadline: float) -> bool:
    from zomanc.eeszt.outbox.models import FINAL_STATES, OutboxItem

    last_report = 0.0
    while time.monotonic() < deadline:
        if not OutboxItem.objects.exclude(state__in=FINAL_STATES).exists():
            return True
        if time.monotonic() - last_report > 10:
            _log(f"rows by state: {_counts()}")
            last_report = time.monotonic()
        time.sleep(0.2)
    return False


def _timings(
    first_open: float, visits_done: float, drain_started: dt.datetime | None = None
) -> dict[str, Any]:
    from zomanc.clinical.models import Visit
    from zomanc.eeszt.outbox.models import OutboxItem, OutboxKind, OutboxState

    closes = OutboxItem.objects.filter(kind=OutboxKind.EVENT_CLOSE, state=OutboxState.SENT)
    closed_at = dict(Visit.objects.values_list("pk", "closed_at"))
    lags = []
    for visit_id, sent_at in closes.values_list("visit_id", "sent_at"):
        closed = closed_at.get(visit_id)
        if sent_at and closed:
            lags.append((sent_at - closed).total_seconds())
    first = Visit.objects.order_by("started_at").values_list("started_at", flat=True).first()
    last = (
        OutboxItem.objects.filter(state=OutboxState.SENT)
        .order_by("-sent_at")
        .values_list("sent_at", flat=True)
        .first()
    )
    span = (last - first).total_seconds() if first and last else None
    visits = Visit.objects.count()
    drain = {}
    if drain_started is not None and last is not None:
        seconds = (last - drain_started).total_seconds()
        drain = {
            "drain_s": round(seconds, 3),
            "drain_visits_per_s": round(visits / seconds, 3) if seconds > 0 else None,
        }
    return {
        **drain,
        "close_to_sent_p50_s": percentile(lags, 0.50),
        "close_to_sent_p95_s": percentile(lags, 0.95),
        "close_to_sent_max_s": round(max(lags), 3) if lags else None,
        "first_open_to_last_sent_s": round(span, 3) if span else None,
        "visits_per_s": round(visits / span, 3) if span else None,
        "open_close_seconds": round(visits_done - first_open, 3),
    }


def _rows() -> dict[str, Any]:
    from django.db.models import Count, Max, Sum

    from zomanc.eeszt.outbox.models import FINAL_STATES, OutboxItem

    by_kind: dict[str, dict[str, int]] = {}
    for kind, state, n in OutboxItem.objects.values_list("kind", "state").annotate(n=Count("pk")):
        by_kind.setdefault(kind, {})[state] = n
    agg = OutboxItem.objects.aggregate(
        rows=Count("pk"),
        request_ids=Count("request_id", distinct=True),
        attempts_total=Sum("attempts"),
        attempts_max=Max("attempts"),
    )
    stuck = list(
        OutboxItem.objects.exclude(state__in=FINAL_STATES)
        .order_by("pk")
        .values("pk", "visit_id", "kind", "state", "attempts", "last_error_code")[:20]
    )
    versions = Counter(
        str(result.get("version"))
        for result in OutboxItem.objects.filter(kind="document_submit").values_list(
            "result", flat=True
        )
    )
    return {
        "by_state": _counts(),
        "by_kind": by_kind,
        **agg,
        "document_versions": dict(versions),
        "not_final": stuck,
    }


def _problems(result: dict[str, Any], config: ScenarioConfig) -> list[str]:
    problems = []
    rows, counters = result["rows"], result["sandbox"]["counters"]
    if result["timed_out"]:
        problems.append(f"not every row final after {config.wait_seconds} s")
    if rows["by_state"].get("sent", 0) != rows["rows"]:
        problems.append(f"rows not sent: {rows['by_state']}")
    if rows["request_ids"] != rows["rows"]:
        problems.append("request ids are not unique")
    for op, kind in (("EventStart", "event_start"), ("EventClose", "event_close")):
        if counters.get(f"writes.{op}", 0) != config.visits:
            problems.append(f"writes.{op} = {counters.get(f'writes.{op}', 0)} != {config.visits}")
        if sum(rows["by_kind"].get(kind, {}).values()) != config.visits:
            problems.append(f"{kind} rows != {config.visits}")
    if "document_submit" in rows["by_kind"]:
        writes = counters.get("writes.DocumentSubmit", 0)
        if writes != config.visits:
            problems.append(f"writes.DocumentSubmit = {writes} != {config.visits}")
    if counters.get("requests", 0) > (rows["attempts_total"] or 0):
        problems.append("more calls reached the sandbox than rows were claimed")
    if counters.get("duplicates.conflict", 0):
        problems.append("the sandbox saw a request id reused with other content")
    if result["kills"]["done"] < config.kills:
        problems.append(f"only {result['kills']['done']} of {config.kills} kills done")
    if config.maintenance_seconds and not counters.get("faults.maintenance"):
        problems.append("no request met the maintenance window")
    return problems


# --- the run -----------------------------------------------------------------------------


def scenario_run(config: ScenarioConfig, probe: ScenarioProbe | None = None) -> dict[str, Any]:
    """Runs the whole scenario and returns its result (see the module docstring)."""
    probe = probe or ScenarioProbe()
    from zomanc.testing.sandbox import SandboxProcess, sandbox_start

    tmp = Path(tempfile.mkdtemp(prefix="zomanc-scenario-"))
    started_wall = time.monotonic()
    holder: dict[str, Any] = {}
    starter: threading.Thread | None = None
    try:
        # The sandbox's first start (PKI, card, seed) is slow: it runs while we migrate.
        def start_sandbox() -> None:
            try:
                holder["sandbox"] = sandbox_start(tmp / "sandbox")
            except BaseException as exc:  # re-raised in the main thread
                holder["error"] = exc

        starter = threading.Thread(target=start_sandbox, name="sandbox-start")
        starter.start()
        with fresh_database(tmp) as db_env:
            _log(f"database: {connections['default'].settings_dict['NAME']}")
            call_command("migrate", interactive=False, verbosity=0)
            starter.join()
            if "error" in holder:
                raise holder["error"]
            sandbox: SandboxProcess = holder["sandbox"]
            _log(f"sandbox: {sandbox.soap_url} ({time.monotonic() - started_wall:.1f} s)")
            ca_bundle = sandbox.data_dir / "pki" / "ca-bundle.pem"
            settings.DEBUG = False  # no query log in this long-running process either
            # This process talks to this sandbox too (certificate check, card login).
            settings.EESZT_ENDPOINT = sandbox.soap_url
            settings.EESZT_CA_BUNDLE = str(ca_bundle)
            p = _practice_create()
            _module_on(p, sandbox)
            _card_login(p, sandbox)
            sandbox.admin("counters/reset", {})

            env = worker_environment(
                db_env,
                EESZT_ENDPOINT=sandbox.soap_url,
                EESZT_CA_BUNDLE=str(ca_bundle),
                EESZT_TIMEOUT_SECONDS=str(config.timeout_seconds),
                EESZT_OUTBOX_BACKOFF_SECONDS=str(config.backoff_seconds),
                EESZT_OUTBOX_RETRY_MAX_SECONDS=str(config.retry_max_seconds),
                EESZT_OUTBOX_LEASE_SECONDS=str(config.lease_seconds),
                EESZT_OUTBOX_SWEEP_SECONDS=str(config.sweep_seconds),
            )
            run = Run(
                config=config,
                tmp=tmp,
                worker_env=env,
                preload=PRELOAD,
                delivered=_sent_rows,
                in_flight=_sending,
                log=_log,
            )
            held = [run.spawn() for _ in range(config.workers)]
            if not config.hold_workers:
                _workers_start(run, held, probe)
                held = []
            if config.kills:
                run.spares.append(run.spawn())
            result = _drive(run, p, sandbox, probe, held)
            result["probe"] = probe.after(sandbox, p)
            result["database"] = connections["default"].vendor
            result["total_seconds"] = round(time.monotonic() - started_wall, 1)
            result["problems"] = _problems(result, config)
            result["ok"] = not result["problems"]
            if config.keep:
                result["folder"] = str(tmp)
            return result
    finally:
        if starter is not None:
            starter.join()
        if "sandbox" in holder:
            holder["sandbox"].stop()
        if not config.keep:
            shutil.rmtree(tmp, ignore_errors=True)


def _workers_start(
    run: Run[ScenarioConfig], processes: list[subprocess.Popen[bytes]], probe: Any
) -> None:
    run.start(processes)
    probe.workers_at_rest(run.pids())


def _drive(
    run: Run[ScenarioConfig],
    p: _Practice,
    sandbox: Any,
    probe: ScenarioProbe,
    held: list[subprocess.Popen[bytes]],
) -> dict[str, Any]:
    config = run.config
    conductor: threading.Thread | None = None
    timed_out = False
    drain_started: dt.datetime | None = None
    run.spares[:0] = held  # stopped with the rest if the run fails before their release
    try:
        first_open = time.monotonic()
        faults_set(sandbox, config)
        if config.kills or config.maintenance_seconds:
            conductor = threading.Thread(target=run.conductor, args=(sandbox,), name="conductor")
            conductor.start()
        _log(f"opening and closing {config.visits} visits")
        _visits(p, config.visits, config.visit_pause)
        visits_done = time.monotonic()
        _log(f"visits done in {visits_done - first_open:.1f} s; waiting for delivery")
        if held:
            del run.spares[: len(held)]
            _workers_start(run, held, probe)
            drain_started = timezone.now()
        deadline = time.monotonic() + config.wait_seconds
        # Disturbances still due happen while the rows drain; then every row must be final.
        if conductor is not None:
            while not run.plan_done and conductor.is_alive() and _not_final_exists():
                if time.monotonic() > deadline:
                    break
                time.sleep(0.2)
        timed_out = not _wait_final(run, deadline)
        probe.workers_loaded(run.pids())
    finally:
        run.stop.set()
        if conductor is not None:
            conductor.join()
        run.stop_all()
    state = sandbox.admin("state")
    sandbox.admin("faults/clear", {})
    counters: dict[str, int] = state["counters"]
    return {
        "config": asdict(config),
        "timed_out": timed_out,
        "rows": _rows(),
        "sandbox": {
            "counters": counters,
            "writes": {op: counters.get(f"writes.{op}", 0) for op in WRITE_OPERATIONS},
            "duplicates": counters.get("duplicates", 0),
            "faults": {
                name.removeprefix("faults."): value
                for name, value in counters.items()
                if name.startswith("faults.") and not name.startswith("faults.code.")
            },
        },
        "kills": {"done": run.kills_done, "with_row_in_flight": run.kills_in_flight},
        "maintenance_windows": run.maintenance_windows,
        "timings": _timings(first_open, visits_done, drain_started),
        "ox_tasks": ox_task_counts(),
        "cpu_seconds": cpu_seconds(run, sandbox),
        "worker_logs": run.log_findings(),
        "documents": _documents_note(),
    }


def _documents_note() -> str:
    from zomanc.eeszt.outbox.models import OutboxItem, OutboxKind

    if OutboxItem.objects.filter(kind=OutboxKind.DOCUMENT_SUBMIT).exists():
        return "checked: writes.DocumentSubmit must equal the number of visits"
    return "pending: the outbox writes no document rows yet (writes.DocumentSubmit not checked)"


def _not_final_exists() -> bool:
    from zomanc.eeszt.outbox.models import FINAL_STATES, OutboxItem

    return OutboxItem.objects.exclude(state__in=FINAL_STATES).exists()
