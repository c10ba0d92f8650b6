"""Section 3 and the web half of 4, pages under load: the home page (the layout alone: the
floor of every page), the patient list, a patient page with
200 visits, the calendar week, the EHR document list (the sandbox answering), and a patient
with an accepted 40-item treatment plan — his patient page and the plan page (issue 14,
bench/plans.py) —, the invoice list showing a day of 200 invoices and that day's closing page
(issue 16; the rows as bench/invoices.py writes them for the closing benchmark, with their
NAV submissions), and the recall list with a few hundred of the 10,000 patients due (issue
17: scalings recorded through the clinical services, e-mail consent, some contacts already
recorded) — the last three as a receptionist, whose pages they are — each with
1, 10 and 50 concurrent clients from a separate load-generator process (bench/load.py), and
the bare view (bench/urls.py) served by the same gunicorn in the same run as the baseline;
the resident memory of the gunicorn workers at rest and after each load; and, in process
before the load, the quote PDF of the 40-item plan (Hungarian) rendered `--pdfs` times.

Set-up reuses the reliability scenario's machinery (zomanc/eeszt/scenario.py): a
fresh database next to the configured one, the real sandbox process, the practice, the
certificate, the module switched on and the dentist logged in with his card. The load runs
as that dentist (a doctor: no owner 2FA step in the way), the invoicing and recall pages as
a receptionist (a doctor may not close the day nor work the recall list).

Run: `python -m bench.pages --clients 1,10,50 --requests 300 --seconds 10 --pdfs 10`."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.common import REPO, log, rss_mb
from bench.plans import quote_pdf_timing

# No models in it: importable before Django's setup.
from zomanc.eeszt.scenario import process_cpu_seconds

GUNICORN_WORKERS = 2  # one per core
GUNICORN_THREADS = 4
LIST_PATIENTS = 10_000
VISITS = 200
DAY_INVOICES = 200  # issue 18: "a day of 200 invoices"
RECALLS_DUE = 300  # of the 10,000 patients: due by the end of this month (overdue included)
RECALLS_LATER = 300  # scaled in the last months: in the history the list reads, not yet due


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _receptionist(p: Any) -> Any:
    from zomanc.accounts.models import User
    from zomanc.practices.models import Role, StaffMember

    user = User.objects.create_user("recepcio@szcenario.test", None, full_name="Szabó Éva")
    return StaffMember.objects.create(
        practice=p.practice, user=user, role=Role.RECEPTIONIST, display_name="Szabó Éva"
    )


def _invoice_day(p: Any, receptionist: Any) -> tuple[Any, dt.date]:
    """Today's 200 invoices of a second company (one with the invoicing details the
    scenario's company lacks), as the closing benchmark writes them (bench/invoices.py:
    190 paid invoices, 10 stornoed with their payments given back), each made out to one of
    the patients and accepted by NAV (a DONE submission, as the list shows it)."""
    from types import SimpleNamespace

    from django.utils import timezone

    from bench.invoices import _closing_day_rows
    from zomanc.billing.models import Invoice, InvoiceKind
    from zomanc.nav.models import NavSubmission, SubmissionState
    from zomanc.practices.models import Company

    company = Company.objects.create(
        practice=p.practice,
        name="Mosoly Számla Kft.",
        institution_name="Mosoly Számla",
        institution_id="999002",  # any: unique in the practice, never reported
        tax_number="12345676-1-41",
        postal_code="1051",
        city="Budapest",
        street_address="Nádor utca 14.",
        invoice_prefix="MS",
    )
    day = timezone.localdate()
    setup = SimpleNamespace(practice=p.practice, receptionist=receptionist)
    _closing_day_rows(setup, company, day, DAY_INVOICES, patients=p.patients)
    invoices = list(Invoice.objects.filter(company=company).order_by("number"))
    now = timezone.now()
    NavSubmission.objects.bulk_create(
        [
            NavSubmission(
                practice=p.practice,
                company=company,
                invoice=invoice,
                operation="STORNO" if invoice.kind == InvoiceKind.STORNO else "CREATE",
                invoice_number=invoice.number,
                invoice_xml=b"",
                request_id=f"BENCHPAGES{invoice.pk:012d}",
                state=SubmissionState.DONE,
                transaction_id=f"T{invoice.pk:015d}",
                attempts=1,
                created_at=now,
            )
            for invoice in invoices
        ],
        batch_size=500,
    )
    return company, day


def _recalls(p: Any, receptionist: Any) -> None:
    """Scaling (6-month recall rule) recorded in closed visits through the clinical services
    for RECALLS_DUE + RECALLS_LATER of the 10,000 patients: the first RECALLS_DUE between 6
    and 8 months ago (due from two months ago to the end of this month), the others 1–5
    months ago (in the history the list computes from, not yet due); each with a phone
    number, two in three an e-mail address and their consent to e-mails, one in ten
    already contacted (reminded by e-mail, or declined)."""
    from dataclasses import replace

    from django.utils import timezone

    from bench.plans import _catalogue
    from zomanc.clinical.services import diagnosis_add, procedure_add, visit_close, visit_open
    from zomanc.patients.consent_services import patient_channel_opt_in
    from zomanc.patients.models import Patient
    from zomanc.patients.services import patient_data_of, patient_update
    from zomanc.recall.due import add_months
    from zomanc.recall.models import ContactState, RecallRule
    from zomanc.recall.services import recall_contact_record

    scaling = _catalogue(p.practice)["fk"]
    RecallRule.objects.create(practice=p.practice, treatment=scaling, interval_months=6)
    today = timezone.localdate()
    count = RECALLS_DUE + RECALLS_LATER
    patients = list(
        Patient.objects.filter(practice=p.practice, id_value__gt="")
        .exclude(pk__in=[x.pk for x in p.patients])
        .order_by("pk")[: LIST_PATIENTS : LIST_PATIENTS // count][:count]
    )
    user = p.dentist.user
    month_end = add_months(today.replace(day=1), 1) - dt.timedelta(days=1)
    for n, patient in enumerate(patients):
        if n < RECALLS_DUE:  # 6 months before a day from two months ago to the month's end
            span = (month_end - add_months(today, -2)).days
            since = add_months(month_end - dt.timedelta(days=n * span // RECALLS_DUE), -6)
        else:
            since = today - dt.timedelta(days=30 + (n - RECALLS_DUE) * 120 // RECALLS_LATER)
        at = timezone.make_aware(dt.datetime.combine(since, dt.time(9)))
        visit = visit_open(
            patient=patient, doctor=p.dentist, company=p.company, org_unit=p.org_unit,
            started_at=at, opened_by=user,
        )  # fmt: skip
        procedure_add(visit=visit, treatment=scaling, added_by=user)
        diagnosis_add(visit=visit, code="K0510", added_by=user)
        visit_close(visit=visit, closed_by=user, closed_at=at + dt.timedelta(minutes=40))
        # Contact data as the desk records it: a mobile number for all, e-mail for most.
        email = f"paciens{patient.pk}@pelda.example" if n % 3 != 2 else ""
        data = replace(patient_data_of(patient), phone=f"+36 30 {1000000 + n:07d}", email=email)
        patient = patient_update(patient=patient, actor=receptionist.user, data=data)
        if email:
            patient_channel_opt_in(
                patient=patient, channel="email", method="paper", actor=receptionist
            )
        if n < RECALLS_DUE and n % 10 == 0:
            reminded = n % 20 == 0
            recall_contact_record(
                actor=receptionist,
                patient=patient,
                treatment=scaling,
                since=since,
                state=ContactState.REMINDED if reminded else ContactState.DECLINED,
                channels="email" if reminded else "",
                note="" if reminded else "majd jelentkezik",
            )


def _data(p: Any) -> tuple[dict[str, str], Any, dict[str, Any]]:
    """The pages' data; returns page name → path, the 40-item plan, and page name → the
    staff member a page is served to when not the dentist."""
    from django.urls import reverse
    from django.utils import timezone

    from bench.data import load
    from bench.plans import PLAN_ITEMS, plan_data
    from zomanc.clinical.services import diagnosis_add, visit_close, visit_open
    from zomanc.scheduling.models import Appointment, Chair

    patient = p.patients[0]  # a patient the sandbox knows (its EHR documents)
    user = p.dentist.user
    for _ in range(VISITS):  # before the module is on: no outbox rows
        visit = visit_open(
            patient=patient, doctor=p.dentist, company=p.company, org_unit=p.org_unit,
            opened_by=user,
        )  # fmt: skip
        diagnosis_add(visit=visit, code="K0210", added_by=user)
        visit_close(visit=visit, closed_by=user)
    load(LIST_PATIENTS, practice=p.practice)
    chairs = [Chair.objects.create(practice=p.practice, name=f"Szék {n}") for n in (1, 2)]
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    appointments = []
    for day in range(5):
        for slot in range(16):  # 8:00–16:00, half-hourly, on both chairs
            start = timezone.make_aware(
                dt.datetime.combine(monday + dt.timedelta(days=day), dt.time(8))
            ) + dt.timedelta(minutes=30 * slot)
            for chair in chairs:
                appointments.append(
                    Appointment(
                        practice=p.practice,
                        patient=p.patients[(day + slot) % len(p.patients)],
                        doctor=p.dentist,
                        chair=chair,
                        company=p.company,
                        org_unit=p.org_unit,
                        starts_at=start,
                        ends_at=start + dt.timedelta(minutes=30),
                    )
                )
    Appointment.objects.bulk_create(appointments)
    plan_patient, plan = plan_data(p)
    t0 = time.perf_counter()
    receptionist = _receptionist(p)
    company, invoice_day = _invoice_day(p, receptionist)
    _recalls(p, receptionist)
    log(f"pages: the invoices' and the recalls' data in {time.perf_counter() - t0:.1f} s")
    desk = {
        # The list shows the latest 200 invoices: the day's, whatever the filter.
        f"invoice list ({DAY_INVOICES} invoices of the day)": reverse("billing:list"),
        f"daily closing ({DAY_INVOICES} invoices)": reverse(
            "billing:closing_day", args=[company.pk, invoice_day.isoformat()]
        ),
        f"recall list ({RECALLS_DUE} due)": reverse("recall:list"),
    }
    return (
        {
            "bare view": "/bench/bare",
            # The layout every page prints (header with the EESZT status, menu) around almost
            # nothing: what any page costs before its own content (issue 18's floor).
            "layout only (home page)": "/",
            "patient list": "/patients/",
            f"patient page ({VISITS} visits)": f"/patients/{patient.pk}/",
            "calendar week": f"/naptar/het/?date={monday.isoformat()}",
            "EHR document list": f"/eeszt/paciens/{patient.pk}/ehr/",
            f"patient page ({PLAN_ITEMS}-item plan)": f"/patients/{plan_patient.pk}/",
            f"plan page ({PLAN_ITEMS} items)": f"/tervek/{plan.pk}/",
            **desk,
        },
        plan,
        dict.fromkeys(desk, receptionist),
    )


def _session_cookie(user: Any) -> str:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def _gunicorn_start(env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "gunicorn", "bench.wsgi:application"]
    args += ["--bind", f"127.0.0.1:{port}", "--workers", str(GUNICORN_WORKERS)]
    args += ["--worker-class", "gthread", "--threads", str(GUNICORN_THREADS)]
    args += ["--keep-alive", "30", "--timeout", "60", "--log-level", "warning"]
    with log_path.open("wb") as out:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and module
            args, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(x) for x in text.split()]


def _web_cpu(master: int) -> float:
    """CPU seconds (user + system) of the gunicorn workers so far."""
    return sum(process_cpu_seconds(pid) for pid in _children(master))


def _web_rss(master: int) -> list[float | None]:
    return [rss_mb(pid) for pid in _children(master)]


def _wait_ready(
    base: str, cookies: dict[str, str], paths: dict[str, str], timeout: float = 60
) -> None:
    """Until the bare view answers; then every page (name → path) must answer 200 to its
    login (`cookies`, by page name)."""
    import http.client

    deadline = time.monotonic() + timeout
    port = int(base.rsplit(":", 1)[1])
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/bench/bare")
            if conn.getresponse().status == 200:
                break
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("gunicorn did not answer in time")
        time.sleep(0.2)
    for name, path in paths.items():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", path, headers={"Cookie": cookies[name]})
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"{name} ({path}) answered {response.status}: {body[:300]!r}")


def _load(url: str, cookie: str, clients: int, requests: int, seconds: float) -> dict[str, Any]:
    out = subprocess.run(  # noqa: S603 - our own interpreter and module
        [
            sys.executable, "-m", "bench.load", "--url", url, "--clients", str(clients),
            "--requests", str(requests), "--seconds", str(seconds), "--cookie", cookie,
        ],
        cwd=REPO, capture_output=True, check=True, timeout=seconds + 120,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(out.stdout.decode().strip().splitlines()[-1])
    return result


def pages_run(
    *, clients: list[int], requests: int, seconds: float, pdfs: int = 10
) -> dict[str, Any]:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections

    from zomanc.eeszt import scenario
    from zomanc.testing.sandbox import sandbox_start

    tmp = Path(tempfile.mkdtemp(prefix="zomanc-bench-pages-"))
    holder: dict[str, Any] = {}
    web: subprocess.Popen[bytes] | None = None

    def start_sandbox() -> None:
        try:
            holder["sandbox"] = sandbox_start(tmp / "sandbox")
        except BaseException as exc:  # re-raised below
            holder["error"] = exc

    starter = threading.Thread(target=start_sandbox)
    starter.start()
    try:
        with scenario._fresh_database(tmp) as db_env:
            call_command("migrate", interactive=False, verbosity=0)
            starter.join()
            if "error" in holder:
                raise holder["error"]
            sandbox = holder["sandbox"]
            ca_bundle = str(sandbox.data_dir / "pki" / "ca-bundle.pem")
            settings.EESZT_ENDPOINT = sandbox.soap_url
            settings.EESZT_CA_BUNDLE = ca_bundle
            t0 = time.perf_counter()
            p = scenario._practice_create()
            paths, plan, served_to = _data(p)
            scenario._module_on(p, sandbox)
            scenario._card_login(p, sandbox)
            log(f"pages: data ready in {time.perf_counter() - t0:.1f} s")
            # Before the server starts: the PDF has the machine to itself, as a page has.
            quote = quote_pdf_timing(plan, pdfs)
            log(f"quote PDF ({quote['items']} items, hu): {quote['ms_p50']} ms p50")
            dentist = _session_cookie(p.dentist.user)
            others = {m.pk: _session_cookie(m.user) for m in served_to.values()}
            cookies = {
                name: others[served_to[name].pk] if name in served_to else dentist for name in paths
            }
            connections.close_all()
            env = {
                k: v
                for k, v in os.environ.items()
                if k not in ("DATABASE_URL", "ZOMANC_DATA_DIR", "DJANGO_SETTINGS_MODULE")
            }
            env.update(db_env)
            env.update(
                DJANGO_SETTINGS_MODULE="bench.settings",
                ZOMANC_DEBUG="0",
                ZOMANC_LOG_LEVEL="WARNING",
                EESZT_ENDPOINT=sandbox.soap_url,
                EESZT_CA_BUNDLE=ca_bundle,
            )
            port = _free_port()
            base = f"http://127.0.0.1:{port}"
            web = _gunicorn_start(env, port, tmp / "gunicorn.log")
            try:
                _wait_ready(base, cookies, paths)
            except RuntimeError:
                log((tmp / "gunicorn.log").read_text(errors="replace")[-3000:])
                raise
            # Every page a few times on every worker thread before anything is measured: a
            # worker's first answers load templates, URL patterns and translations, and that
            # was charged to whichever page came first — the bare view, the baseline (a CI run
            # measured it at the layout's 5.0 ms, flattering every ratio).
            threads = GUNICORN_WORKERS * GUNICORN_THREADS
            for name, path in paths.items():
                _load(base + path, cookies[name], threads, 4 * threads, 10)
            memory: dict[str, Any] = {"at rest": _web_rss(web.pid)}
            pages: dict[str, dict[str, Any]] = {}
            bare_samples: list[float] = []
            for name, path in paths.items():
                pages[name] = {}
                for n in clients:
                    cpu_before = _web_cpu(web.pid)
                    result = _load(base + path, cookies[name], n, requests, seconds)
                    # The server's CPU per answer: what a page costs, whatever the load
                    # generator on the same cores does to the latencies.
                    answered = result["ok"] + sum(result["errors"].values())
                    spent = _web_cpu(web.pid) - cpu_before
                    result["cpu_ms"] = round(1000 * spent / answered, 1) if answered else None
                    pages[name][str(n)] = result
                    log(
                        f"{name}, {n} clients: {result['rps']} req/s, p95 {result['p95_ms']} ms"
                        + (f", errors {result['errors']}" if result["errors"] else "")
                    )
                memory[f"after {name}"] = _web_rss(web.pid)
                if name != "bare view":
                    bare_samples.append(
                        _bare_cpu(
                            web.pid,
                            base + paths["bare view"],
                            cookies["bare view"],
                            requests,
                            seconds,
                        )
                    )
            # The baseline is the median of the bare view measured after every page as well
            # as first: measured once, a quiet or busy moment of the machine moved every
            # ratio (a full run of 2026-12-08 had it at 3.4 ms first, 4.9 ms minutes later).
            bare_1 = pages["bare view"].get("1")
            if bare_1 is not None and bare_samples:
                bare_samples.insert(0, bare_1["cpu_ms"])
                bare_1["cpu_ms_samples"] = bare_samples
                bare_1["cpu_ms"] = round(statistics.median(bare_samples), 1)
            return {
                "database": connection.vendor,
                "server": f"gunicorn gthread, {GUNICORN_WORKERS} workers × "
                f"{GUNICORN_THREADS} threads",
                "pages": pages,
                "web_rss_mb": memory,
                "sandbox_rss_mb": rss_mb(sandbox.process.pid),
                "quote_pdf": quote,
            }
    finally:
        if web is not None and web.poll() is None:
            os.killpg(web.pid, signal.SIGTERM)
            try:
                web.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(web.pid, signal.SIGKILL)
        starter.join()
        if "sandbox" in holder:
            holder["sandbox"].stop()
        shutil.rmtree(tmp, ignore_errors=True)


def _bare_cpu(master: int, url: str, cookie: str, requests: int, seconds: float) -> float:
    """The bare view's web CPU per answer at one client, measured now."""
    cpu_before = _web_cpu(master)
    result = _load(url, cookie, 1, requests, seconds)
    answered = result["ok"] + sum(result["errors"].values())
    return round(1000 * (_web_cpu(master) - cpu_before) / answered, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", default="1,10,50")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--pdfs", type=int, default=10, help="quote PDFs rendered (timed)")
    args = parser.parse_args()
    import django

    django.setup()
    result = pages_run(
        clients=[int(c) for c in args.clients.split(",")],
        requests=args.requests,
        seconds=args.seconds,
        pdfs=args.pdfs,
    )
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
