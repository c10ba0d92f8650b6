"""Section 3 and the web half of 4, pages under load: the home page (the layout alone: the
floor of every page), the patient list, a patient page with
200 visits, the calendar week, the EHR document list (the sandbox answering), and a patient
with an accepted 40-item treatment plan — his patient page and the plan page (issue 14,
bench/plans.py) — each with
1, 10 and 50 concurrent clients from a separate load-generator process (bench/load.py), and
the bare view (bench/urls.py) served by the same gunicorn in the same run as the baseline;
the resident memory of the gunicorn workers at rest and after each load; and, in process
before the load, the quote PDF of the 40-item plan (Hungarian) rendered `--pdfs` times.

Set-up reuses the reliability scenario's machinery (zomanc/eeszt/scenario.py): a
fresh database next to the configured one, the real sandbox process, the practice, the
certificate, the module switched on and the dentist logged in with his card. The load runs
as that dentist (a doctor: no owner 2FA step in the way).

Run: `python -m bench.pages --clients 1,10,50 --requests 300 --seconds 10 --pdfs 10`."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import signal
import socket
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _data(p: Any) -> tuple[dict[str, str], Any]:
    """The pages' data; returns page name → path, and the 40-item plan."""
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
    return {
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
    }, plan


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


def _wait_ready(base: str, cookie: str, paths: dict[str, str], timeout: float = 60) -> None:
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
        conn.request("GET", path, headers={"Cookie": cookie})
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
            paths, plan = _data(p)
            scenario._module_on(p, sandbox)
            scenario._card_login(p, sandbox)
            log(f"pages: data ready in {time.perf_counter() - t0:.1f} s")
            # Before the server starts: the PDF has the machine to itself, as a page has.
            quote = quote_pdf_timing(plan, pdfs)
            log(f"quote PDF ({quote['items']} items, hu): {quote['ms_p50']} ms p50")
            cookie = _session_cookie(p.dentist.user)
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
                _wait_ready(base, cookie, paths)
            except RuntimeError:
                log((tmp / "gunicorn.log").read_text(errors="replace")[-3000:])
                raise
            # Every page a few times on every worker thread before anything is measured: a
            # worker's first answers load templates, URL patterns and translations, and that
            # was charged to whichever page came first — the bare view, the baseline (a CI run
            # measured it at the layout's 5.0 ms, flattering every ratio).
            threads = GUNICORN_WORKERS * GUNICORN_THREADS
            for path in paths.values():
                _load(base + path, cookie, threads, 4 * threads, 10)
            memory: dict[str, Any] = {"at rest": _web_rss(web.pid)}
            pages: dict[str, dict[str, Any]] = {}
            for name, path in paths.items():
                pages[name] = {}
                for n in clients:
                    cpu_before = _web_cpu(web.pid)
                    result = _load(base + path, cookie, n, requests, seconds)
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
