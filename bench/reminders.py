"""Section 6 (issue 17): a day of appointment reminders — 2,000 appointments across 100
practices — queued by the reminder service and sent by the ox worker(s) to the sandbox's mail
catcher over SMTP, against the catcher's own floor measured in the same run.

One run (`python -m bench.reminders`, prints one JSON object):

1. a fresh database (zomanc.testing.scenario.fresh_database: SQLite file or a new PostgreSQL
   database), migrated; the real sandbox process (its SMTP catcher on a free port);
2. P practices, each through the product's services: an owner-dentist, a chair, e-mail
   settings pointing at the catcher (with a user name and a sealed password, so every
   connection logs in, like a practice's provider) and the reminder rule (e-mail, 24 h); its
   share of N patients (`patient_create`, e-mail consent by `patient_channel_opt_in`), each
   booked once on the same day, two days ahead, by `appointment_create` — so the reminder
   rows are written by the scheduling hook (`reminders_sync`), as on the calendar;
3. **queueing**, timed: every reminder row handed to `reminder_send(reminder_id, now=due_at)`
   in due order — what each row's wake-up task does at its due time (the product's `now`
   argument is its clock: the bench cannot wait until tomorrow 08:00) — each one claim, its
   text rendered with signed links, an outbox row and its wake-up;
4. **sending**, timed: the `ox_worker` process(es), started before the bookings and held,
   are released on the N outbox rows (1 worker of 16 threads on SQLite, 2 of 8 on
   PostgreSQL, as in the other sections) until every row is `sent`; then the count **at the
   catcher** (its own store, read-only): exactly N messages, one per row's Message-ID. A
   wrong count, a failed row or a row left unsent is a failed run (exit status 1), not a
   figure;
5. **the floor**, while the catcher is still there: the same N messages (each row's e-mail as
   the worker builds it, a fresh Message-ID of the same length, built before the clock
   starts) sent straight to the same catcher with Django's SMTP backend and the practices'
   own settings (AUTH included), as many at a time as the workers have threads together:
   (a) one keep-alive connection per thread — the best the catcher can do; (b) one
   connection per message — the product's own protocol (each row is delivered on its own,
   to its practice's server); and (c) one keep-alive connection back to back (a sample).
   Each pass is counted at the catcher too. Ratio = the best floor ÷ the pipeline's delivery.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import queue
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import cores_busy, cpu_jiffies, log, percentile
from bench.pipeline import IN_FLIGHT, BenchProbe
from zomanc.testing.scenario import process_cpu_seconds

APPOINTMENTS = 2000
PRACTICES = 100
SEQUENTIAL_SAMPLE = 200  # floor (c): back to back on one connection
PRELOAD = ("zomanc.messaging.services", "zomanc.reminders.services")
RULE_HOURS = 24
DAY_START = dt.time(8, 0)
SMTP_PASSWORD = "bench-smtp-jelszo"  # noqa: S105 - the catcher accepts any login


@dataclass(frozen=True)
class RemindersConfig:
    """The run's shape; the fields the worker harness (zomanc.testing.scenario.Run) reads."""

    appointments: int = APPOINTMENTS
    practices: int = PRACTICES
    workers: int = 1
    concurrency: int = IN_FLIGHT  # ox_worker --concurrency (threads: SMTP waits on the wire)
    poll_interval: float = 0.2
    lease_seconds: float = 120.0  # MESSAGING_LEASE_SECONDS, the product's
    wait_seconds: float = 300.0
    # No faults or kills: the harness's knobs, off.
    kills: int = 0
    maintenance_seconds: float = 0.0
    progress_step: int = 40
    share_http_503: float = 0.0
    share_hang: float = 0.0
    timeout_seconds: float = 20.0
    retry_after_seconds: int = 1


class RunFailed(RuntimeError):
    """The run did not deliver what it claims (rows left, a wrong count at the catcher)."""


# --- the world -----------------------------------------------------------------------------


@dataclass
class _Practice:
    practice: Any
    company: Any
    org_unit: Any
    dentist: Any
    chair: Any


def _practice_create(n: int, smtp_port: int) -> _Practice:
    """One practice through the product's services where it has them (practices, companies
    and members have no service: the scenarios create them the same way)."""
    from zomanc.accounts.models import User
    from zomanc.messaging.services import mail_settings_save
    from zomanc.practices.models import Company, OrgUnit, Practice, Role, StaffMember
    from zomanc.reminders.services import reminder_rule_save
    from zomanc.scheduling.services import chair_create

    practice = Practice.objects.create(name=f"Bench Fogászat {n:03d}")
    company = Company.objects.create(
        practice=practice,
        name=f"Bench Fogászat {n:03d} Kft.",
        institution_name=f"Bench Fogászat {n:03d}",
        institution_id="506097",
    )
    unit = OrgUnit.objects.create(
        practice=practice, company=company, code="001044299", name="Fogászati rendelés"
    )
    # An owner who has a stamp number is the practice's dentist too (member_roles).
    user = User.objects.create_user(f"tulaj{n}@bench.test", None, full_name=f"Dr. Bench {n}")
    dentist = StaffMember.objects.create(
        practice=practice,
        user=user,
        role=Role.OWNER,
        display_name=f"Dr. Bench {n}",
        stamp_number=f"{70000 + n}",
    )
    chair = chair_create(practice=practice, name="1. szék", actor=dentist)
    mail_settings_save(
        practice=practice,
        host="127.0.0.1",
        port=smtp_port,
        security="none",
        username=f"rendelo-{n}",
        password=SMTP_PASSWORD,
        from_email=f"rendelo@bench{n}.example",
        from_name=practice.name,
        reply_to=f"recepcio@bench{n}.example",
        actor=dentist,
    )
    reminder_rule_save(
        practice=practice,
        is_active=True,
        first_hours=RULE_HOURS,
        second_hours=None,
        use_email=True,
        use_sms=False,
        actor=dentist,
    )
    return _Practice(practice, company, unit, dentist, chair)


def _patients_and_bookings(p: _Practice, count: int, day: dt.date, rng: Any) -> float:
    """`count` patients with e-mail consent, each booked once on `day` (one chair, from 08:00
    Budapest time, slots of up to 30 minutes); the seconds the bookings took."""
    from django.utils import timezone

    from zomanc.codes.validators import taj_generate
    from zomanc.core.management.commands.demo_load import FAMILY_NAMES, FEMALE_NAMES
    from zomanc.patients.consent_services import patient_channel_opt_in
    from zomanc.patients.services import PatientData, patient_create
    from zomanc.reminders.services import BUDAPEST
    from zomanc.scheduling.services import appointment_create

    slot = dt.timedelta(minutes=max(5, min(30, 600 // max(count, 1))))
    first = dt.datetime.combine(day, DAY_START, tzinfo=BUDAPEST)
    booking = 0.0
    with timezone.override(BUDAPEST):
        for k in range(count):
            family, given = rng.choice(FAMILY_NAMES), rng.choice(FEMALE_NAMES)
            patient = patient_create(
                practice=p.practice,
                actor=p.dentist.user,
                data=PatientData(
                    family_name=family,
                    given_name=given,
                    sex="F",
                    birth_date=dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(20000)),
                    city="Budapest",
                    email=f"paciens{k}@p{p.practice.pk}.example",
                    id_value=taj_generate(rng),
                ),
            )
            patient_channel_opt_in(
                patient=patient, channel="email", method="paper", actor=p.dentist
            )
            starts = first + k * slot
            t = time.perf_counter()
            appointment_create(
                practice=p.practice,
                actor=p.dentist,
                patient=patient,
                doctor=p.dentist,
                chair=p.chair,
                company=p.company,
                org_unit=p.org_unit,
                starts_at=starts,
                ends_at=starts + slot,
            )
            booking += time.perf_counter() - t
    return booking


def world_create(*, appointments: int, practices: int, smtp_port: int) -> dict[str, Any]:
    """The practices, patients and bookings (not the measured part); what it took."""
    import random

    from django.utils import timezone

    from zomanc.reminders.models import Reminder, ReminderStatus
    from zomanc.reminders.services import BUDAPEST

    rng = random.Random(17)  # noqa: S311 - fake data, reproducible
    # Two days ahead: the reminders (24 h before) are due tomorrow, in the future when booked,
    # so the hook gives each a wake-up at its due time instead of sending it at once.
    day = timezone.localdate(timezone=BUDAPEST) + dt.timedelta(days=2)
    t0 = time.perf_counter()
    booking = 0.0
    for n in range(practices):
        share = appointments // practices + (1 if n < appointments % practices else 0)
        p = _practice_create(n, smtp_port)
        booking += _patients_and_bookings(p, share, day, rng)
    pending = Reminder.objects.filter(status=ReminderStatus.PENDING).count()
    if pending != appointments:
        raise RunFailed(f"{pending} pending reminders for {appointments} bookings")
    return {
        "day": day.isoformat(),
        "setup_s": round(time.perf_counter() - t0, 1),
        "booking_ms_per_appointment": round(1000 * booking / max(appointments, 1), 2),
    }


# --- queueing ------------------------------------------------------------------------------


def queue_due() -> dict[str, Any]:
    """Every pending reminder handed to `reminder_send` at its own due time, in due order (the
    wake-up tasks' work, one after another); timed, and checked: one outbox row each."""
    from django.urls import get_resolver

    from zomanc.messaging.models import MessageStatus, OutboundMessage
    from zomanc.reminders.models import Reminder, ReminderMessage, ReminderStatus
    from zomanc.reminders.services import reminder_send

    due = list(
        Reminder.objects.filter(status=ReminderStatus.PENDING)
        .order_by("due_at", "pk")
        .values_list("pk", "due_at")
    )
    # The first reverse() of a process imports the URLconf — every app's views and the API
    # (seconds): the worker's start-up, not a reminder's cost (the links are reversed).
    get_resolver().url_patterns  # noqa: B018 - loaded for its side effect
    times = []
    started, cpu = time.perf_counter(), time.process_time()
    for pk, due_at in due:
        t = time.perf_counter()
        reminder_send(reminder_id=pk, now=due_at)
        times.append(time.perf_counter() - t)
    seconds = time.perf_counter() - started
    # This process's CPU (the database server's not included): unlike the wall time, it does
    # not grow with what else runs on the machine's two cores.
    cpu = time.process_time() - cpu
    statuses = Counter(Reminder.objects.values_list("status", flat=True))
    queued = OutboundMessage.objects.filter(status=MessageStatus.QUEUED).count()
    linked = ReminderMessage.objects.count()
    if statuses != {ReminderStatus.SENT: len(due)} or queued != len(due) or linked != len(due):
        raise RunFailed(
            f"queueing: reminders {dict(statuses)}, {queued} outbox rows queued, "
            f"{linked} reminder messages for {len(due)} due reminders"
        )
    return {
        "reminders": len(due),
        "queue_s": round(seconds, 3),
        "queue_ms_per_reminder": round(1000 * seconds / max(len(due), 1), 2),
        "queue_cpu_ms_per_reminder": round(1000 * cpu / max(len(due), 1), 2),
        "queue_ms_p50": _ms(percentile(times, 0.5)),
        "queue_ms_p95": _ms(percentile(times, 0.95)),
        "reminders_per_s": round(len(due) / seconds, 1) if seconds else None,
        "due_from": due[0][1].isoformat() if due else None,
        "due_until": due[-1][1].isoformat() if due else None,
    }


# --- sending -------------------------------------------------------------------------------


def _unsent() -> dict[str, int]:
    from zomanc.messaging.models import MessageStatus, OutboundMessage

    return dict(
        Counter(
            OutboundMessage.objects.exclude(status=MessageStatus.SENT).values_list(
                "status", flat=True
            )
        )
    )


def _sent_count() -> int:
    from zomanc.messaging.models import MessageStatus, OutboundMessage

    return OutboundMessage.objects.filter(status=MessageStatus.SENT).count()


def _sending() -> bool:
    from zomanc.messaging.models import MessageStatus, OutboundMessage

    return OutboundMessage.objects.filter(status=MessageStatus.SENDING).exists()


def wait_sent(deadline: float) -> dict[str, int]:
    """Waits until every outbox row is sent (or one failed, or the deadline); what is left."""
    last = 0.0
    while True:
        left = _unsent()
        if not left or left.get("failed") or time.monotonic() > deadline:
            return left
        if time.monotonic() - last > 10:
            log(f"reminders: rows not sent yet {left}")
            last = time.monotonic()
        time.sleep(0.1)


# --- the catcher ---------------------------------------------------------------------------


def catcher_messages(sandbox: Any) -> list[tuple[str, int]]:
    """(Message-ID, size) of every message the catcher holds, read from its own store
    (the sandbox's SQLite file, opened read-only): the count is the catcher's, not ours."""
    path = Path(sandbox.data_dir) / "sandbox.sqlite3"
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        return [
            (str(mid).strip(), int(size))
            for mid, size in db.execute("SELECT message_id, size FROM sandbox_mail_caughtmessage")
        ]
    finally:
        db.close()


def catcher_check(held: list[tuple[str, int]], expected: set[str], what: str) -> list[int]:
    """Exactly one caught message for each of `expected`; their sizes. RunFailed otherwise."""
    counts = Counter(mid for mid, _ in held if mid in expected)
    missing = len(expected - set(counts))
    twice = sum(1 for n in counts.values() if n > 1)
    if missing or twice:
        raise RunFailed(
            f"{what}: the catcher holds {sum(counts.values())} of {len(expected)} messages "
            f"({missing} missing, {twice} more than once)"
        )
    return [size for mid, size in held if mid in expected]


# --- the floor -----------------------------------------------------------------------------


def floor_messages(fresh: bool = True) -> list[tuple[int, Any]]:
    """(practice id, e-mail) per outbox row, as the worker builds it (messaging's `_email`),
    with a fresh Message-ID of the same form (make_msgid with the practice's domain)."""
    from email.utils import make_msgid

    from zomanc.messaging.models import OutboundMessage
    from zomanc.messaging.services import _email, _msgid_domain, mail_settings_of

    settings_rows: dict[int, Any] = {}
    mails = []
    for row in OutboundMessage.objects.order_by("pk"):
        if row.practice_id not in settings_rows:
            settings_rows[row.practice_id] = mail_settings_of(row.practice_id)
        settings_row = settings_rows[row.practice_id]
        if fresh:
            row.message_id = make_msgid(domain=_msgid_domain(settings_row))
        mails.append((row.practice_id, _email(row, settings_row)))
    return mails


def floor_send(mails: list[tuple[int, Any]], *, threads: int, keep_alive: bool) -> dict[str, Any]:
    """Sends `mails` with Django's SMTP backend as messaging builds it for each practice
    (`mail_connection`: its host, port, login and sealed password), `threads` at a time: over
    one open connection per thread (`keep_alive`), or a new connection per message (the
    product's way). Returns the rate; the Message-IDs sent are the caller's to count."""
    from zomanc.messaging.models import MailSettings
    from zomanc.messaging.services import mail_connection

    rows = {row.practice_id: row for row in MailSettings.objects.select_related("password_secret")}
    # Built before the clock: the messages, and the backends (passwords unsealed) they use.
    work: queue.SimpleQueue[tuple[Any, Any]] = queue.SimpleQueue()
    for practice_id, mail in mails:
        work.put((None if keep_alive else mail_connection(rows[practice_id]), mail))
    first = rows[mails[0][0]] if mails else None
    kept = [mail_connection(first) if keep_alive and first else None for _ in range(threads)]
    errors: list[str] = []
    latencies: list[float] = []

    def sender(connection: Any) -> None:
        try:
            if connection is not None:
                connection.open()  # logs in once; send_messages keeps it open
            while not errors:
                try:
                    own, mail = work.get_nowait()
                except queue.Empty:
                    return
                t = time.perf_counter()
                sent = (own or connection).send_messages([mail])
                latencies.append(time.perf_counter() - t)
                if sent != 1:
                    errors.append(f"the backend sent {sent} of 1")
        except Exception as exc:  # reported below: the floor failed
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            if connection is not None:
                connection.close()

    started = time.perf_counter()
    pool = [threading.Thread(target=sender, args=(c,)) for c in kept]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    seconds = time.perf_counter() - started
    if errors:
        raise RunFailed(f"floor ({threads} threads, keep-alive {keep_alive}): {errors[0]}")
    return {
        "threads": threads,
        "keep_alive": keep_alive,
        "messages": len(mails),
        "seconds": round(seconds, 3),
        "messages_per_s": round(len(mails) / seconds, 1) if seconds else None,
        "send_ms_p50": _ms(percentile(latencies, 0.5)),
        "send_ms_p95": _ms(percentile(latencies, 0.95)),
    }


def _message_ids(mails: list[tuple[int, Any]]) -> set[str]:
    return {str(mail.extra_headers["Message-ID"]).strip() for _, mail in mails}


def floor_run(sandbox: Any, threads: int) -> dict[str, Any]:
    """The three floor passes, each counted at the catcher (see the module docstring)."""
    passes: dict[str, Any] = {}
    for name, n_threads, keep_alive, sample in (
        ("keep_alive", threads, True, None),
        ("per_message", threads, False, None),
        ("one_connection", 1, True, SEQUENTIAL_SAMPLE),
    ):
        t0 = time.perf_counter()
        mails = floor_messages()[:sample]
        log(f"floor {name}: {len(mails)} messages built in {time.perf_counter() - t0:.1f} s")
        since, catcher_cpu = cpu_jiffies(), process_cpu_seconds(sandbox.process.pid)
        result = floor_send(mails, threads=n_threads, keep_alive=keep_alive)
        result["cores_busy"] = cores_busy(since)
        result["catcher_cpu_ms_per_message"] = round(
            1000 * (process_cpu_seconds(sandbox.process.pid) - catcher_cpu) / len(mails), 2
        )
        sizes = catcher_check(catcher_messages(sandbox), _message_ids(mails), f"floor {name}")
        result["bytes_mean"] = round(sum(sizes) / len(sizes)) if sizes else None
        passes[name] = result
    return passes


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


# --- the run -------------------------------------------------------------------------------


def reminders_run(
    *, appointments: int = APPOINTMENTS, practices: int = PRACTICES, workers: int = 1
) -> dict[str, Any]:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections
    from django.utils import timezone

    from zomanc.messaging.models import OutboundMessage
    from zomanc.testing.sandbox import SandboxProcess, sandbox_start
    from zomanc.testing.scenario import Run, fresh_database, worker_environment

    config = RemindersConfig(
        appointments=appointments,
        practices=practices,
        workers=workers,
        concurrency=max(1, IN_FLIGHT // workers),
        wait_seconds=max(300.0, appointments * 0.5),
    )
    tmp = Path(tempfile.mkdtemp(prefix="zomanc-bench-reminders-"))
    started_wall = time.monotonic()
    holder: dict[str, Any] = {}

    def start_sandbox() -> None:
        try:
            holder["sandbox"] = sandbox_start(tmp / "sandbox", card=False)
        except BaseException as exc:  # re-raised in the main thread
            holder["error"] = exc

    starter = threading.Thread(target=start_sandbox, name="sandbox-start")
    starter.start()
    run: Run[RemindersConfig] | None = None
    try:
        with fresh_database(tmp) as db_env:
            call_command("migrate", interactive=False, verbosity=0)
            starter.join()
            if "error" in holder:
                raise holder["error"]
            sandbox: SandboxProcess = holder["sandbox"]
            if not sandbox.smtp_port:
                raise RunFailed("the sandbox printed no SMTP port")
            settings.DEBUG = False
            log(f"reminders: database {connections['default'].settings_dict['NAME']}, "
                f"catcher smtp://127.0.0.1:{sandbox.smtp_port}")  # fmt: skip
            run = Run(
                config=config,
                tmp=tmp,
                worker_env=worker_environment(db_env),
                preload=PRELOAD,
                delivered=_sent_count,
                in_flight=_sending,
                log=log,
            )
            # Started now and held: they load Django while the world is built, and are
            # released on the queued rows (their start-up is not a cost of the messages).
            held = [run.spawn() for _ in range(workers)]
            run.spares[:0] = held  # stopped with the rest if the run fails before release
            log(f"reminders: {practices} practices, {appointments} appointments")
            world = world_create(
                appointments=appointments, practices=practices, smtp_port=sandbox.smtp_port
            )
            log(f"reminders: built in {world['setup_s']} s; queueing the day's reminders")
            queued = queue_due()
            log(f"reminders: {queued['reminders']} queued in {queued['queue_s']} s; sending")
            del run.spares[: len(held)]
            probe = BenchProbe(floor=False, threads=config.concurrency * workers)
            run.start(held)
            probe.workers_at_rest(run.pids())
            catcher_cpu = process_cpu_seconds(sandbox.process.pid)
            released = timezone.now()
            left = wait_sent(time.monotonic() + config.wait_seconds)
            probe.workers_loaded(run.pids())
            catcher_cpu = process_cpu_seconds(sandbox.process.pid) - catcher_cpu
            run.stop.set()
            run.stop_all()
            if left:
                raise RunFailed(f"rows not sent: {left}")
            rows = list(OutboundMessage.objects.values_list("message_id", "sent_at", "attempts"))
            last = max(sent for _, sent, _ in rows if sent is not None)
            drain_s = (last - released).total_seconds()
            sizes = catcher_check(
                catcher_messages(sandbox), {mid.strip() for mid, _, _ in rows}, "pipeline"
            )
            if len(catcher_messages(sandbox)) != len(rows) or len(rows) != appointments:
                raise RunFailed(
                    f"the catcher holds {len(catcher_messages(sandbox))} messages, "
                    f"{len(rows)} rows for {appointments} appointments"
                )
            log(f"reminders: {len(rows)} sent in {drain_s:.1f} s, all at the catcher; floor")
            delivery: dict[str, Any] = {
                "drain_s": round(drain_s, 3),
                "drain_messages_per_s": round(len(rows) / drain_s, 1) if drain_s > 0 else None,
                "attempts": dict(Counter(a for _, _, a in rows)),
                "bytes_mean": round(sum(sizes) / len(sizes)) if sizes else None,
                "catcher_cpu_ms_per_message": round(1000 * catcher_cpu / len(rows), 2),
            }
            floor = floor_run(sandbox, config.concurrency * workers)
            probed = probe.after(sandbox, None)
            best = max(p["messages_per_s"] or 0 for p in floor.values())
            rate = delivery["drain_messages_per_s"]
            cpu = probed.get("worker_cpu_delivery_s")
            return {
                "database": connection.vendor,
                "appointments": appointments,
                "practices": practices,
                "workers": workers,
                "concurrency": config.concurrency,
                "ok": True,
                "at_catcher": len(rows),
                **world,
                **queued,
                **delivery,
                "floor": floor,
                "floor_best": next(k for k, p in floor.items() if p["messages_per_s"] == best),
                "ratio_to_floor": round(best / rate, 2) if rate else None,
                "worker_cpu_delivery_s": cpu,
                "worker_cpu_ms_per_message": round(1000 * cpu / len(rows), 2) if cpu else None,
                "cores_busy": probed.get("cores_busy") or {},
                "memory": {k: v for k, v in probed.items() if k.startswith("worker_rss")},
                "worker_logs": run.log_findings(),
                "total_seconds": round(time.monotonic() - started_wall, 1),
            }
    except BaseException:
        # The folder goes with the run: what the workers said is printed before it does.
        for path in run.worker_logs if run is not None else []:
            text = path.read_text(errors="replace") if path.exists() else ""
            log(f"{path.name}:\n" + "\n".join(text.splitlines()[-30:]))
        raise
    finally:
        if run is not None:
            run.stop.set()
            run.stop_all()
        starter.join()
        if "sandbox" in holder:
            holder["sandbox"].stop()
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--appointments", type=int, default=APPOINTMENTS)
    parser.add_argument("--practices", type=int, default=PRACTICES)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    import django

    django.setup()
    try:
        result = reminders_run(
            appointments=args.appointments, practices=args.practices, workers=args.workers
        )
    except RunFailed as exc:
        # A wrong count is a failed run, not a figure: no JSON, exit status 1.
        log(f"reminders: FAILED: {exc}")
        sys.exit(1)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
