"""The invoice reliability scenario (issue 16, "Done means"): real processes prove that every
invoice reaches NAV exactly once, and measure the invoicing pipeline (the benchmark reuses
it, bench/invoices.py). The EESZT scenario's shape and harness (zomanc/testing/scenario.py).

One run, in the calling process (the `nav_scenario` command):

1. a fresh database next to the configured one (SQLite file in a temporary folder, or a
   uniquely named PostgreSQL database dropped at the end), migrated like a new installation;
2. the real sandbox in its own process (its own data folder, free ports), NAV on its own TLS
   port;
3. a practice with the sandbox's demo taxpayer as its company (24681353-2-41, prefix MF),
   a receptionist, and the company's NAV technical user saved through `nav_settings_save`
   (sealed by the vault) — the product's services all the way;
4. N `manage.py ox_worker` processes; I invoice reports issued through the billing services
   — in every block of ten, eight invoices (`invoice_issue`: patients, a company and a
   health fund as customers; exempt and 27 % lines; cash, card, transfer), a modification
   (`invoice_modify`) and a storno (`invoice_storno`, every other one of a modified invoice:
   the storno then negates the chain) — while the sandbox answers 30 % of NAV calls with
   HTTP 503, lets 10 % be processed and then never answered (accept-then-time-out), opens a
   maintenance window, and a worker is SIGKILLed K times (a new one takes its place);
5. a bounded wait until every row is final, then the count **at the sandbox**: its
   transaction list over the run (queryTransactionList, with the faults off) must hold
   exactly the rows' transactions, one report each, and each must be DONE there
   (queryTransactionStatus); the numbers must run 1…I with no gap; one JSON-able dict.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
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
    worker_environment,
)

SUPPLIER_TAX = "24681353-2-41"  # the sandbox's demo taxpayer Mosoly Fogászat Kft.
PREFIX = "MF"
FAULT_SERVICE = "nav"
PRELOAD = ("zomanc.nav.outbox", "zomanc.nav.client.wire", "zomanc.billing.services")
BLOCK = 10  # documents per block: 8 invoices, 1 modification, 1 storno
_log = log_to("nav_scenario")


@dataclass(frozen=True)
class ScenarioConfig:
    invoices: int = 500  # invoice reports: invoices + modifications + stornos
    workers: int = 1
    concurrency: int = 16  # ox_worker --concurrency (threads: the calls wait on the network)
    poll_interval: float = 0.2  # ox_worker --interval
    kills: int = 3
    # The disturbances come one after another, each once this many more rows are final.
    progress_step: int = 40
    issue_pause: float = 0.0  # seconds between two documents (0: back to back)
    share_http_503: float = 0.30
    share_hang: float = 0.10  # of all requests (the sandbox rolls it after the 503 roll)
    maintenance_seconds: float = 6.0
    retry_after_seconds: int = 1
    timeout_seconds: float = 2.0  # NAV_TIMEOUT_SECONDS of the workers
    backoff_seconds: float = 0.5  # NAV_OUTBOX_BACKOFF_SECONDS
    retry_max_seconds: float = 4.0  # NAV_OUTBOX_RETRY_MAX_SECONDS
    lease_seconds: float = 8.0  # NAV_OUTBOX_LEASE_SECONDS and ox --lock-timeout
    sweep_seconds: int = 5  # NAV_OUTBOX_SWEEP_SECONDS
    status_poll_seconds: float = 1.0  # NAV_STATUS_POLL_SECONDS
    lookup_margin_seconds: float = 1.0  # NAV_LOOKUP_MARGIN_SECONDS (one machine, one clock)
    wait_seconds: float = 300.0
    keep: bool = False
    # Workers started but released only once every invoice is issued (the benchmark times
    # issuing and delivery apart and compares the delivery with the sandbox's floor).
    hold_workers: bool = False


@dataclass
class Setup:
    practice: Any
    company: Any
    receptionist: Any
    nav_settings: Any


# --- the practice --------------------------------------------------------------------------


def _setup(sandbox: Any) -> Setup:
    from zomanc.accounts.models import User
    from zomanc.nav.services import nav_settings_save
    from zomanc.practices.models import Company, Practice, Role, StaffMember

    practice = Practice.objects.create(name="Mosoly Fogászat (számla-szcenárió)")
    company = Company.objects.create(
        practice=practice,
        name="Mosoly Fogászat Kft.",
        institution_name="Mosoly Fogászat",
        tax_number=SUPPLIER_TAX,
        postal_code="1051",
        city="Budapest",
        street_address="Nádor utca 12.",
        bank_account="11773016-11111111-00000000",
        invoice_prefix=PREFIX,
    )
    user = User.objects.create_user("recepcio@szcenario.test", None, full_name="Recepciós Réka")
    receptionist = StaffMember.objects.create(
        practice=practice, user=user, role=Role.RECEPTIONIST, display_name="Recepciós Réka"
    )
    users: dict[str, tuple[str, str, str, str]] = {}
    deadline = time.monotonic() + 60
    while SUPPLIER_TAX not in users:  # printed after the listeners are up
        users = sandbox.nav_technical_users()
        if time.monotonic() > deadline:
            raise RuntimeError("the sandbox printed no NAV technical user")
        time.sleep(0.1)
    login, password, sign, exchange = users[SUPPLIER_TAX]
    row = nav_settings_save(
        company=company,
        login=login,
        password=password,
        signature_key=sign,
        exchange_key=exchange,
        actor=None,
    )
    return Setup(practice, company, receptionist, row)


# --- the documents -------------------------------------------------------------------------


def _customer(n: int) -> Any:
    from zomanc.billing.services import CustomerInput

    if n % BLOCK == 0:
        return CustomerInput(
            kind="company",
            name="Fogtechnika Kft.",
            tax_number="12345676-2-42",
            postal_code="1134",
            city="Budapest",
            street="Váci út 20.",
        )
    if n % BLOCK == 3:
        return CustomerInput(
            kind="health_fund",
            name="Példa Egészségpénztár",
            tax_number="18000005-1-41",
            postal_code="1138",
            city="Budapest",
            street="Népfürdő utca 22.",
            fund_member_name="Kiss Máté",
            fund_member_number=f"EP-{n:06d}",
        )
    return CustomerInput(
        kind="patient", name=f"Páciens {n}", postal_code="1051", city="Budapest", street="Fő u. 1."
    )


def _lines(n: int) -> list[Any]:
    from zomanc.billing.services import LineInput

    lines = [LineInput("Fogkő-eltávolítás", Decimal(1), Decimal(12_000 + 10 * (n % 7)), "AAM")]
    if n % 2:
        lines.append(LineInput("Fogfehérítés", Decimal(1), Decimal(40_000), "27"))
    if n % 5 == 4:
        lines.append(LineInput("Tömés", Decimal(2), Decimal(18_500), "AAM"))
    return lines


def _issue_all(s: Setup, count: int, pause: float) -> list[str]:
    """`count` documents through the billing services; their kinds in order."""
    from zomanc.billing.services import LineInput, invoice_issue, invoice_modify, invoice_storno

    methods = ("CASH", "CARD", "TRANSFER")
    kinds: list[str] = []
    block: list[Any] = []
    for n in range(count):
        if n and pause:
            time.sleep(pause)
        position = n % BLOCK
        if position == 0:
            block = []
        if position < 8 or count - n < BLOCK - position:
            invoice = invoice_issue(
                actor=s.receptionist,
                company=s.company,
                customer=_customer(n),
                lines=_lines(n),
                payment_method=methods[n % 3],
                idempotency_key=f"scenario-{n}",
            )
            block.append(invoice)
            kinds.append("CREATE")
        elif position == 8:
            invoice_modify(
                actor=s.receptionist,
                invoice=block[1],
                lines=[
                    LineInput("Kiegészítő kezelés", Decimal(1), Decimal(5_000), "AAM"),
                    LineInput("Kedvezmény", Decimal(1), Decimal(-1_000), "AAM"),
                ],
                idempotency_key=f"scenario-{n}",
            )
            kinds.append("MODIFY")
        else:
            # Every other storno takes a modified invoice: it negates the whole chain.
            target = block[1] if (n // BLOCK) % 2 else block[2]
            invoice_storno(actor=s.receptionist, invoice=target, idempotency_key=f"scenario-{n}")
            kinds.append("STORNO")
    return kinds


# --- progress, waiting, counting -----------------------------------------------------------


def _final_rows() -> int:
    from zomanc.nav.models import FINAL_STATES, NavSubmission

    return NavSubmission.objects.filter(state__in=FINAL_STATES).count()


def _sending() -> bool:
    from zomanc.nav.models import NavSubmission, SubmissionState

    return NavSubmission.objects.filter(state=SubmissionState.SENDING).exists()


def _counts() -> dict[str, int]:
    from zomanc.nav.models import NavSubmission

    return dict(Counter(NavSubmission.objects.values_list("state", flat=True)))


def _not_final_exists() -> bool:
    from zomanc.nav.models import FINAL_STATES, NavSubmission

    return NavSubmission.objects.exclude(state__in=FINAL_STATES).exists()


def _wait_final(deadline: float) -> bool:
    last_report = 0.0
    while time.monotonic() < deadline:
        if not _not_final_exists():
            return True
        if time.monotonic() - last_report > 10:
            _log(f"rows by state: {_counts()}")
            last_report = time.monotonic()
        time.sleep(0.2)
    return False


def _rows() -> dict[str, Any]:
    from django.db.models import Count, Max, Sum

    from zomanc.nav.models import FINAL_STATES, NavSubmission

    by_operation: dict[str, dict[str, int]] = {}
    for op, state, n in NavSubmission.objects.values_list("operation", "state").annotate(
        n=Count("pk")
    ):
        by_operation.setdefault(op, {})[state] = n
    agg = NavSubmission.objects.aggregate(
        rows=Count("pk"),
        request_ids=Count("request_id", distinct=True),
        transaction_ids=Count("transaction_id", distinct=True),
        attempts_total=Sum("attempts"),
        attempts_max=Max("attempts"),
        lookups_total=Sum("lookups"),
    )
    found_by = dict(
        Counter(NavSubmission.objects.exclude(found_by="").values_list("found_by", flat=True))
    )
    stuck = list(
        NavSubmission.objects.exclude(state__in=FINAL_STATES)
        .order_by("pk")
        .values("pk", "invoice_number", "operation", "state", "attempts", "last_error_code")[:20]
    )
    aborted = list(
        NavSubmission.objects.filter(state="aborted").values("invoice_number", "messages")[:5]
    )
    return {
        "by_state": _counts(),
        "by_operation": by_operation,
        **agg,
        "found_by": found_by,
        "not_final": stuck,
        "aborted": aborted,
    }


def _numbers(s: Setup) -> dict[str, Any]:
    from zomanc.billing.models import Invoice

    numbers = list(
        Invoice.objects.filter(company=s.company)
        .order_by("number")
        .values_list("number", flat=True)
    )
    sequence = [int(n.rsplit("-", 1)[1]) for n in numbers]
    return {
        "count": len(numbers),
        "first": numbers[0] if numbers else None,
        "last": numbers[-1] if numbers else None,
        "gapless": sequence == list(range(1, len(sequence) + 1)),
        "distinct": len(set(numbers)) == len(numbers),
    }


def _at_nav(s: Setup, since: dt.datetime) -> dict[str, Any]:
    """What the sandbox has, asked over NAV's own API with the faults off: every transaction
    of the taxpayer since the run began, and each one's state."""
    from zomanc.nav.models import NavSubmission
    from zomanc.nav.services import nav_connection

    conn = nav_connection(s.nav_settings)
    listed = conn.query_transaction_list(
        since - dt.timedelta(minutes=1), timezone.now() + dt.timedelta(minutes=1)
    )
    ids = [item.transaction_id for item in listed]

    def status(transaction_id: str) -> list[str]:
        mine = nav_connection(s.nav_settings)
        return [r.status for r in mine.query_transaction_status(transaction_id)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = Counter(st for sts in pool.map(status, ids) for st in sts)
    ours = set(
        NavSubmission.objects.exclude(transaction_id="").values_list("transaction_id", flat=True)
    )
    return {
        "transactions": len(ids),
        "distinct_transactions": len(set(ids)),
        "reports": sum(item.item_count for item in listed),
        "report_states": dict(statuses),
        "not_ours": len(set(ids) - ours),
        "ours_missing": len(ours - set(ids)),
    }


def _timings(issue_seconds: float, drain_started: dt.datetime | None) -> dict[str, Any]:
    from zomanc.nav.models import NavSubmission

    rows = list(NavSubmission.objects.values_list("created_at", "finished_at"))
    lags = [(done - made).total_seconds() for made, done in rows if done and made]
    first = min((made for made, _ in rows), default=None)
    last = max((done for _, done in rows if done), default=None)
    span = (last - first).total_seconds() if first and last else None
    drain: dict[str, Any] = {}
    if drain_started is not None and last is not None:
        seconds = (last - drain_started).total_seconds()
        drain = {
            "drain_s": round(seconds, 3),
            "drain_invoices_per_s": round(len(rows) / seconds, 3) if seconds > 0 else None,
        }
    return {
        **drain,
        "issue_seconds": round(issue_seconds, 3),
        "issue_ms_per_invoice": round(1000 * issue_seconds / len(rows), 1) if rows else None,
        "issued_to_done_p50_s": percentile(lags, 0.50),
        "issued_to_done_p95_s": percentile(lags, 0.95),
        "issued_to_done_max_s": round(max(lags), 3) if lags else None,
        "first_issued_to_last_done_s": round(span, 3) if span else None,
    }


def _problems(result: dict[str, Any], config: ScenarioConfig) -> list[str]:
    problems = []
    rows, nav, numbers = result["rows"], result["nav"], result["numbers"]
    if result["timed_out"]:
        problems.append(f"not every row final after {config.wait_seconds} s")
    if rows["rows"] != config.invoices:
        problems.append(f"{rows['rows']} rows for {config.invoices} documents")
    if rows["by_state"].get("done", 0) != config.invoices:
        problems.append(f"rows not DONE: {rows['by_state']}")
    if rows["request_ids"] != rows["rows"]:
        problems.append("request ids are not unique")
    if rows["transaction_ids"] != rows["rows"]:
        problems.append("transaction ids are not one per row")
    if nav["reports"] != config.invoices or nav["transactions"] != config.invoices:
        problems.append(
            f"NAV has {nav['reports']} reports in {nav['transactions']} transactions "
            f"for {config.invoices} documents"
        )
    if nav["report_states"] != {"DONE": config.invoices}:
        problems.append(f"NAV's states: {nav['report_states']}")
    if nav["not_ours"] or nav["ours_missing"]:
        problems.append(f"NAV's transactions and the rows' differ: {nav}")
    if not (numbers["gapless"] and numbers["distinct"] and numbers["count"] == config.invoices):
        problems.append(f"invoice numbers: {numbers}")
    counters = result["sandbox"]["counters"]
    if result["kills"]["done"] < config.kills:
        problems.append(f"only {result['kills']['done']} of {config.kills} kills done")
    if config.maintenance_seconds and not counters.get("faults.maintenance"):
        problems.append("no request met the maintenance window")
    return problems


# --- the run -------------------------------------------------------------------------------


def scenario_run(config: ScenarioConfig, probe: ScenarioProbe | None = None) -> dict[str, Any]:
    """Runs the whole scenario and returns its result (see the module docstring)."""
    probe = probe or ScenarioProbe()
    from zomanc.testing.sandbox import SandboxProcess, sandbox_start

    tmp = Path(tempfile.mkdtemp(prefix="zomanc-nav-scenario-"))
    started_wall = time.monotonic()
    holder: dict[str, Any] = {}
    starter: threading.Thread | None = None
    try:

        def start_sandbox() -> None:
            try:
                holder["sandbox"] = sandbox_start(tmp / "sandbox", card=False)
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
            _log(f"sandbox: {sandbox.nav_url} ({time.monotonic() - started_wall:.1f} s)")
            ca_bundle = str(sandbox.data_dir / "pki" / "ca-bundle.pem")
            settings.DEBUG = False
            settings.NAV_ENDPOINT = sandbox.nav_url
            settings.NAV_CA_BUNDLE = ca_bundle
            settings.NAV_TIMEOUT_SECONDS = 10.0  # this process's own (fault-free) queries
            s = _setup(sandbox)
            sandbox.admin("counters/reset", {})
            env = worker_environment(
                db_env,
                NAV_ENDPOINT=sandbox.nav_url,
                NAV_CA_BUNDLE=ca_bundle,
                NAV_TIMEOUT_SECONDS=str(config.timeout_seconds),
                NAV_OUTBOX_BACKOFF_SECONDS=str(config.backoff_seconds),
                NAV_OUTBOX_RETRY_MAX_SECONDS=str(config.retry_max_seconds),
                NAV_OUTBOX_LEASE_SECONDS=str(config.lease_seconds),
                NAV_OUTBOX_SWEEP_SECONDS=str(config.sweep_seconds),
                NAV_STATUS_POLL_SECONDS=str(config.status_poll_seconds),
                NAV_LOOKUP_MARGIN_SECONDS=str(config.lookup_margin_seconds),
            )
            run = Run(
                config=config,
                tmp=tmp,
                worker_env=env,
                preload=PRELOAD,
                delivered=_final_rows,
                in_flight=_sending,
                fault_service=FAULT_SERVICE,
                log=_log,
            )
            held = [run.spawn() for _ in range(config.workers)]
            if not config.hold_workers:
                run.start(held)
                probe.workers_at_rest(run.pids())
                held = []
            if config.kills:
                run.spares.append(run.spawn())
            result = _drive(run, s, sandbox, probe, held)
            result["probe"] = probe.after(sandbox, s)
            result["database"] = connection.vendor
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


def _drive(
    run: Run[ScenarioConfig],
    s: Setup,
    sandbox: Any,
    probe: ScenarioProbe,
    held: list[subprocess.Popen[bytes]],
) -> dict[str, Any]:
    config = run.config
    conductor: threading.Thread | None = None
    timed_out = False
    drain_started: dt.datetime | None = None
    began = timezone.now()
    run.spares[:0] = held  # stopped with the rest if the run fails before their release
    try:
        faults_set(sandbox, config, FAULT_SERVICE)
        if config.kills or config.maintenance_seconds:
            conductor = threading.Thread(target=run.conductor, args=(sandbox,), name="conductor")
            conductor.start()
        _log(f"issuing {config.invoices} invoices, modifications and stornos")
        started = time.monotonic()
        kinds = _issue_all(s, config.invoices, config.issue_pause)
        issue_seconds = time.monotonic() - started
        _log(f"issued in {issue_seconds:.1f} s; waiting for NAV")
        if held:
            del run.spares[: len(held)]
            run.start(held)
            probe.workers_at_rest(run.pids())
            drain_started = timezone.now()
        deadline = time.monotonic() + config.wait_seconds
        if conductor is not None:
            while not run.plan_done and conductor.is_alive() and _not_final_exists():
                if time.monotonic() > deadline:
                    break
                time.sleep(0.2)
        timed_out = not _wait_final(deadline)
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
        "documents": dict(Counter(kinds)),
        "rows": _rows(),
        "numbers": _numbers(s),
        "nav": _at_nav(s, began),
        "sandbox": {
            "counters": counters,
            "faults": {
                name.removeprefix("faults."): value
                for name, value in counters.items()
                if name.startswith("faults.") and not name.startswith("faults.code.")
            },
            "codes": {
                name.removeprefix("faults.code."): value
                for name, value in counters.items()
                if name.startswith("faults.code.")
            },
        },
        "kills": {"done": run.kills_done, "with_row_in_flight": run.kills_in_flight},
        "maintenance_windows": run.maintenance_windows,
        "timings": _timings(issue_seconds, drain_started),
        "ox_tasks": ox_task_counts(),
        "cpu_seconds": cpu_seconds(run, sandbox),
        "worker_logs": run.log_findings(),
    }
