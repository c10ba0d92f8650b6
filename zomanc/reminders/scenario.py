"""The appointment reminders' reliability scenario (issue 17, "Done means": exactly-once
delivery under worker kills and gateway failures). The EESZT and NAV scenarios' shape and
harness (zomanc/testing/scenario.py).

One run, in the calling process (the `reminders_scenario` command):

1. a fresh database next to the configured one, migrated like a new installation;
2. the real sandbox in its own process for its SMS gateway (HTTP, an account per practice,
   idempotent on client_ref), and an SMTP server in this process (zomanc/testing/
   smtp_server.py: the workers are other processes and reach it over TCP);
3. two practices, each with its staff, chairs, e-mail settings (the catcher) and SMS settings
   (the gateway, the sandbox's demo account keys), saved through the product's services, and
   the reminder rule "24 hours before, by e-mail and SMS"; their per-minute limits set to the
   maximum (the scenario measures delivery, not the limiter);
4. N patients, each with one appointment booked through `appointment_create` (the scheduling
   hook writes the reminder and its wake-up at the due time): most consented to both
   channels, every tenth to e-mail only, every tenth to SMS only, and every tenth withdrew
   his SMS consent after booking (read at sending: he must get no SMS);
5. the clock (zomanc/testing/scenario_clock.py): booking happens the morning before; the
   workers live at the afternoon hour when all but the last slot's reminders are due (those
   come due seconds into the run: the delayed wake-ups fire live). Daytime, whatever the wall
   clock says: the reminders' quiet hours would otherwise hold a night run till 08:00;
6. W `manage.py ox_worker` processes do everything — the reminders (`reminder_send_task`, the
   `reminders-due` sweeper), the e-mail (SMTP) and SMS (HTTP) delivery, the delivery-report
   polls — while the SMS gateway answers a share of posts with 503 and loses the answer of
   some it accepted (504), the SMTP catcher refuses a share of recipients with 451, both are
   down for a window (SMTP refuses connections, the gateway 503s every post), and a worker is
   SIGKILLed K times while a message is being sent (a new one takes its place);
7. a bounded wait until every reminder is out and every message final, then the count **at
   the catchers**: every consented (appointment, channel) got exactly one message — e-mail by
   recipient and the appointment its links name (one Message-ID; copies of it counted), SMS
   by number and appointment with unique client_refs, each one of our rows — nothing on a
   channel without consent, every row SENT/DELIVERED, every reminder SENT; one JSON dict."""

from __future__ import annotations

import datetime as dt
import random
import re
import shutil
import tempfile
import threading
import time
import zoneinfo
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import requests
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from zomanc.testing import scenario_clock
from zomanc.testing.scenario import (
    Run,
    cpu_seconds,
    fresh_database,
    log_to,
    ox_task_counts,
    worker_environment,
)
from zomanc.testing.smtp_server import SmtpServer

BUDAPEST = zoneinfo.ZoneInfo("Europe/Budapest")
PRELOAD = (
    "zomanc.testing.scenario_clock",
    "zomanc.reminders.services",
    "zomanc.messaging.services",
    "zomanc.messaging.sms_outbox",
)
PRACTICES = (("mosoly", "Mosoly Fogászat (emlékeztető-szcenárió)"), ("gyongy", "Gyöngy Fogászat"))
CHAIRS = 5  # per practice: five appointments start together, one per chair and doctor
SLOT = dt.timedelta(minutes=30)
FIRST_START = dt.time(9, 0)
LINK = re.compile(r"/emlekeztetok/e/([^/\s]+)/")
SHORT_LINK = re.compile(r"/s/([^/\s]+)/")  # the SMS's one link (links.short_url)
_log = log_to("reminders_scenario")


@dataclass(frozen=True)
class ScenarioConfig:
    appointments: int = 150  # one patient each, spread over the practices
    workers: int = 1
    concurrency: int = 8  # ox_worker --concurrency (threads: the sends wait on the network)
    poll_interval: float = 0.2  # ox_worker --interval
    kills: int = 3
    progress_step: int = 40  # the disturbances come each this many more messages final
    # The SMS gateway: this share of posts 503 (Retry-After), and the answer of this many
    # accepted posts lost (stored, then 504).
    share_http_503: float = 0.20
    sms_lose_answers: int = 15
    # The SMTP catcher: this share of recipients refused for now (451).
    smtp_temp_fail_share: float = 0.10
    # Both down for this long once (SMTP refuses connections, the gateway 503s every post).
    maintenance_seconds: float = 3.0
    due_lead_seconds: float = 30.0  # the last slot's reminders come due this long into the run
    # The workers' time-outs. SMTP's is long (production's is 20 s): a 250 that comes after
    # it is a copy of the message (SMTP has no idempotency key), and on this loaded machine
    # the catcher shares a process with the scenario; the SMS gateway's is short, since its
    # lost answers are what the run is about.
    smtp_timeout_seconds: float = 10.0
    sms_timeout_seconds: float = 3.0
    backoff_seconds: float = 0.5  # MESSAGING_BACKOFF_SECONDS
    retry_max_seconds: float = 4.0  # MESSAGING_RETRY_MAX_SECONDS
    lease_seconds: float = 6.0  # MESSAGING_LEASE_SECONDS and ox --lock-timeout
    sweep_seconds: int = 2  # MESSAGING_SWEEP_SECONDS and REMINDERS_SWEEP_SECONDS
    report_seconds: float = 1.0  # MESSAGING_SMS_REPORT_SECONDS (the first report poll)
    wait_seconds: float = 240.0
    keep: bool = False

    # The harness reads these (WorkerConfig); the sandbox's own fault rules are not used.
    @property
    def share_hang(self) -> float:
        return 0.0

    @property
    def retry_after_seconds(self) -> int:
        return 1

    @property
    def timeout_seconds(self) -> float:
        return self.sms_timeout_seconds


@dataclass
class Expected:
    practice: str
    appointment_id: int
    email: str
    phone: str
    channels: frozenset[str]  # what he consents to when the reminder goes out


@dataclass
class Setup:
    practices: dict[str, Any] = field(default_factory=dict)
    patients: list[Expected] = field(default_factory=list)


# --- the outside parties ---------------------------------------------------------------------


@dataclass
class Outside:
    """The SMTP catcher and the sandbox's SMS gateway, and their failure switches."""

    catcher: SmtpServer
    sandbox: Any
    config: ScenarioConfig
    gateway_faults: list[dict[str, int]] = field(default_factory=list)

    @property
    def sms_url(self) -> str:
        return f"{self.sandbox.http_url}/sms/api/messages"

    def sms_faults(self, *, fail_share: float, lose_answer_next: int = 0) -> None:
        """The gateway's "Hiba kérése" form, as its operator would fill it (CSRF and all)."""
        session = requests.Session()
        session.trust_env = False
        page = session.get(f"{self.sandbox.http_url}/sms-ek/", timeout=10)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token is not None, "no CSRF token on the gateway's page"
        answer = session.post(
            f"{self.sandbox.http_url}/sms-ek/hibak/",
            data={
                "csrfmiddlewaretoken": token.group(1),
                "fail_next": 0,
                "fail_share": round(fail_share * 100),
                "lose_answer_next": lose_answer_next,
            },
            headers={"Referer": f"{self.sandbox.http_url}/sms-ek/"},
            timeout=10,
            allow_redirects=False,
        )
        if answer.status_code != 302:
            raise RuntimeError(f"the gateway's fault switch: HTTP {answer.status_code}")

    def outage(self, seconds: float, stop: threading.Event) -> None:
        self.sms_faults(fail_share=1.0)
        try:
            self.catcher.outage(seconds, stop)
        finally:
            self.sms_faults(fail_share=self.config.share_http_503)

    def sms_listed(self, key: str) -> list[dict[str, Any]]:
        session = requests.Session()
        session.trust_env = False
        session.headers["Authorization"] = f"Bearer {key}"
        found: list[dict[str, Any]] = []
        after = ""
        while True:
            params = {"after": after} if after else {}
            page = session.get(self.sms_url, params=params, timeout=30).json()
            found += page["messages"]
            if not page["more"]:
                return found
            after = found[-1]["id"]


@dataclass
class _Run(Run[ScenarioConfig]):
    """The harness's run; its maintenance window is both gateways down (not a sandbox
    fault rule: the gateway and the catcher have their own switches)."""

    def maintenance(self, sandbox: Any) -> None:
        outside: Outside = sandbox
        self.log(f"SMTP and SMS gateway down for {self.config.maintenance_seconds} s")
        self.maintenance_windows += 1
        outside.outage(self.config.maintenance_seconds, self.stop)


# --- the practices, patients and appointments ------------------------------------------------


def _practice(slug: str, name: str, outside: Outside, number: int) -> dict[str, Any]:
    from zomanc.accounts.models import User
    from zomanc.messaging.demo import DEMO_SMS_KEYS
    from zomanc.messaging.models import RATE_MAX, MailSettings, SmsSettings
    from zomanc.messaging.services import mail_settings_save
    from zomanc.messaging.sms_outbox import sms_settings_save
    from zomanc.practices.models import Company, OrgUnit, Practice, Role, StaffMember
    from zomanc.reminders.services import reminder_rule_save
    from zomanc.scheduling.models import Chair

    practice = Practice.objects.create(name=name)
    company = Company.objects.create(
        practice=practice, name=f"{name} Kft.", institution_name=name, institution_id="506097"
    )
    unit = OrgUnit.objects.create(
        practice=practice, company=company, code="001044299", name="Fogászati rendelés"
    )

    def member(email: str, full: str, role: str, stamp: str = "") -> Any:
        user = User.objects.create_user(f"{email}@{slug}.test", None, full_name=full)
        return StaffMember.objects.create(
            practice=practice, user=user, role=role, display_name=full, stamp_number=stamp
        )

    owner = member("tulaj", "Dr. Tulaj Tamás", Role.OWNER)
    receptionist = member("recepcio", "Recepciós Réka", Role.RECEPTIONIST)
    doctors = [
        member(f"orvos{n}", f"Dr. Orvos {n}", Role.DOCTOR, f"{number}{n:04d}")
        for n in range(CHAIRS)
    ]
    chairs = [
        Chair.objects.create(practice=practice, name=f"{n + 1}. szék", position=n + 1)
        for n in range(CHAIRS)
    ]
    mail_settings_save(
        practice=practice,
        host="127.0.0.1",
        port=outside.catcher.port,
        security="none",
        username="",
        password="",
        from_email=f"rendelo@{slug}.example",
        from_name=name,
        reply_to="",
        actor=owner,
    )
    sms_settings_save(
        practice=practice,
        url=outside.sms_url,
        api_key=DEMO_SMS_KEYS[slug],
        sender_name=slug.capitalize()[:11],
        actor=owner,
    )
    # The limits (issue 17's per-practice budget) at their top: the run measures delivery.
    MailSettings.objects.filter(practice=practice).update(rate_per_minute=RATE_MAX)
    SmsSettings.objects.filter(practice=practice).update(rate_per_minute=RATE_MAX)
    reminder_rule_save(
        practice=practice,
        is_active=True,
        first_hours=24,
        second_hours=None,
        use_email=True,
        use_sms=True,
        actor=owner,
    )
    return {
        "practice": practice,
        "company": company,
        "unit": unit,
        "receptionist": receptionist,
        "doctors": doctors,
        "chairs": chairs,
        "key": DEMO_SMS_KEYS[slug],
    }


def _day() -> dt.date:
    """The day the reminders go out (tomorrow's date): the appointments are the day after."""
    return (dt.datetime.now(BUDAPEST) + dt.timedelta(days=1)).date()


def _start(k: int) -> dt.datetime:
    """Appointment k of a practice: five at a time (one per chair), every half hour."""
    day = _day() + dt.timedelta(days=1)
    first = dt.datetime.combine(day, FIRST_START, tzinfo=BUDAPEST)
    return first + SLOT * (k // CHAIRS)


def _consents(k: int) -> tuple[set[str], set[str]]:
    """(consented at booking, withdrawn after booking) for the practice's k-th patient."""
    if k % 10 == 3:
        return {"email"}, set()
    if k % 10 == 7:
        return {"sms"}, set()
    if k % 10 == 5:
        return {"email", "sms"}, {"sms"}
    return {"email", "sms"}, set()


def _book_all(s: Setup, config: ScenarioConfig) -> None:
    from zomanc.codes.validators import taj_generate
    from zomanc.patients.consent_services import patient_channel_opt_in, patient_channel_opt_out
    from zomanc.patients.models import ConsentMethod
    from zomanc.patients.services import PatientData, patient_create
    from zomanc.scheduling.services import appointment_create

    rng = random.Random(20261207)  # noqa: S311 - made-up TAJ numbers, repeatable
    slugs = list(s.practices)
    per = {slug: 0 for slug in slugs}
    withdrawals: list[tuple[Any, str, Any]] = []
    for n in range(config.appointments):
        slug = slugs[n % len(slugs)]
        p = s.practices[slug]
        k = per[slug]
        per[slug] += 1
        index = slugs.index(slug) + 1
        email = f"paciens-{slug}-{k}@pelda.test"
        phone = f"+3630{index}{k:06d}"
        patient = patient_create(
            practice=p["practice"],
            actor=p["receptionist"].user,
            data=PatientData(
                family_name="Páciens",
                given_name=f"{slug.capitalize()} {k}",
                sex="F" if k % 2 else "M",
                birth_date=dt.date(1950 + k % 50, 1 + k % 12, 1 + k % 28),
                postal_code="1051",
                city="Budapest",
                street_address="Fő utca 1.",
                phone=phone,
                email=email,
                id_value=taj_generate(rng),
            ),
        )
        given, withdrawn = _consents(k)
        for channel in sorted(given):
            patient_channel_opt_in(
                patient=patient, channel=channel, method="paper", actor=p["receptionist"]
            )
        start = _start(k)
        appointment = appointment_create(
            practice=p["practice"],
            actor=p["receptionist"],
            patient=patient,
            doctor=p["doctors"][k % CHAIRS],
            chair=p["chairs"][k % CHAIRS],
            company=p["company"],
            org_unit=p["unit"],
            starts_at=start,
            ends_at=start + SLOT,
        )
        for channel in withdrawn:
            withdrawals.append((patient, channel, p["receptionist"]))
        s.patients.append(
            Expected(slug, appointment.pk, email, phone, frozenset(given - withdrawn))
        )
    # Withdrawn after booking (by phone, at the desk): read when the reminder goes out.
    for patient, channel, receptionist in withdrawals:
        patient_channel_opt_out(
            patient=patient, channel=channel, how=ConsentMethod.PHONE, actor=receptionist
        )


# --- progress, waiting, counting -----------------------------------------------------------


def _final_messages() -> int:
    from zomanc.messaging.models import MessageStatus, OutboundMessage

    return OutboundMessage.objects.filter(
        status__in=[MessageStatus.SENT, MessageStatus.DELIVERED]
    ).count()


def _sending() -> bool:
    from zomanc.messaging.models import MessageStatus, OutboundMessage

    return OutboundMessage.objects.filter(status=MessageStatus.SENDING).exists()


def _unfinished() -> dict[str, int]:
    """What is still on its way: reminders pending, messages not final, SMS whose delivery
    report is still to be asked for."""
    from zomanc.messaging.models import FINAL_STATUSES, Channel, MessageStatus, OutboundMessage
    from zomanc.reminders.models import Reminder, ReminderStatus

    return {
        "reminders_pending": Reminder.objects.filter(status=ReminderStatus.PENDING).count(),
        "messages_not_final": OutboundMessage.objects.exclude(status__in=FINAL_STATUSES).count(),
        "sms_awaiting_report": OutboundMessage.objects.filter(
            channel=Channel.SMS, status=MessageStatus.SENT
        ).count(),
    }


def _wait_final(deadline: float) -> bool:
    last_report = 0.0
    while time.monotonic() < deadline:
        left = _unfinished()
        if not any(left.values()):
            return True
        if time.monotonic() - last_report > 10:
            _log(f"still on its way: {left}; final messages {_final_messages()}")
            last_report = time.monotonic()
        time.sleep(0.25)
    return False


def _appointment_of(text: str) -> set[int]:
    """The appointments a message's reminder links name (their signed tokens)."""
    from zomanc.reminders.links import action_load, short_load
    from zomanc.reminders.models import Reminder

    found = set()
    for token in LINK.findall(text):
        link = action_load(token)
        if link is not None:
            found.add(link.appointment_id)
    ids = [i for i in (short_load(t) for t in SHORT_LINK.findall(text)) if i is not None]
    found.update(Reminder.objects.filter(pk__in=ids).values_list("appointment_id", flat=True))
    return found


def _rows(s: Setup) -> dict[str, Any]:
    from django.db.models import Count, Max, Sum

    from zomanc.messaging.models import OutboundMessage
    from zomanc.reminders.models import Reminder, ReminderMessage

    by_status: dict[str, dict[str, int]] = defaultdict(dict)
    for channel, status, n in OutboundMessage.objects.values_list("channel", "status").annotate(
        n=Count("pk")
    ):
        by_status[channel][status] = n
    reminder_of = dict(
        ReminderMessage.objects.values_list("message_id", "reminder__appointment_id")
    )
    expected = {(p.appointment_id, channel) for p in s.patients for channel in ("email", "sms")}
    consented = {(p.appointment_id, c) for p in s.patients for c in p.channels}
    live: Counter[tuple[int, str]] = Counter()
    wrong_status: list[dict[str, Any]] = []
    on_refused_channel: list[dict[str, Any]] = []
    suppressed = 0
    for row in OutboundMessage.objects.values(
        "pk", "channel", "status", "about_id", "attempts", "last_error"
    ):
        appointment = reminder_of.get(row["pk"])
        if row["status"] == "suppressed":
            suppressed += 1
            continue
        if appointment is None:
            # about_id is the reminder; a row with no ReminderMessage is not a reminder's.
            wrong_status.append({**row, "why": "no ReminderMessage"})
            continue
        key = (appointment, row["channel"])
        live[key] += 1
        if key not in consented:
            on_refused_channel.append(dict(row))
        done = "sent" if row["channel"] == "email" else "delivered"
        if row["status"] != done:
            wrong_status.append(dict(row))
    agg = OutboundMessage.objects.exclude(status="suppressed").aggregate(
        rows=Count("pk"),
        message_ids=Count("message_id", distinct=True),
        attempts_total=Sum("attempts"),
        attempts_max=Max("attempts"),
    )
    reminders = dict(Counter(Reminder.objects.values_list("status", flat=True)))
    return {
        "by_channel_status": dict(by_status),
        **agg,
        "suppressed": suppressed,
        "reminders": reminders,
        "consented_pairs": len(consented),
        "refused_pairs": len(expected - consented),
        "consented_with_one_row": sum(1 for k in consented if live[k] == 1),
        "consented_without_row": sum(1 for k in consented if live[k] == 0),
        "pairs_with_more_rows": sum(1 for n in live.values() if n > 1),
        "rows_on_refused_channel": on_refused_channel[:10],
        "rows_not_done": wrong_status[:10],
        "rows_not_done_count": len(wrong_status),
    }


def _row_of(message_id: str) -> dict[str, Any]:
    from zomanc.messaging.models import OutboundMessage

    row = OutboundMessage.objects.filter(message_id=message_id).values("pk", "attempts").first()
    return dict(row) if row else {}


_FAILURE = re.compile(r"^(message|sms) \d+ attempt \d+: (.+?)(?: \(|$)", re.MULTILINE)


def _failures(paths: list[Path]) -> dict[str, int]:
    """The delivery failures the workers logged, by kind (e-mail: the exception's class; SMS:
    the reason without the gateway's text)."""
    found: Counter[str] = Counter()
    for path in paths:
        text = path.read_text(errors="replace") if path.exists() else ""
        for channel, why in _FAILURE.findall(text):
            found[f"{'email' if channel == 'message' else 'sms'}: {why.strip()}"] += 1
    return dict(found)


def _at_catcher(s: Setup, caught: list[Any]) -> dict[str, Any]:
    """The e-mails the SMTP catcher received, by recipient and the appointment they name."""
    from zomanc.messaging.models import Channel, OutboundMessage

    by_address = {p.email: p for p in s.patients}
    ours = set(
        OutboundMessage.objects.filter(channel=Channel.EMAIL)
        .exclude(status="suppressed")
        .values_list("message_id", flat=True)
    )
    ids: dict[tuple[int, str], set[str]] = defaultdict(set)
    copies: Counter[str] = Counter()
    strangers, wrong_appointment, refused = 0, 0, 0
    for mail in caught:
        copies[mail.message_id] += 1
        for rcpt in mail.rcpt_tos:
            patient = by_address.get(rcpt)
            if patient is None:
                strangers += 1
                continue
            if _appointment_of(mail.text) != {patient.appointment_id}:
                wrong_appointment += 1
            if "email" not in patient.channels:
                refused += 1
            ids[(patient.appointment_id, patient.email)].add(mail.message_id)
    consented = [p for p in s.patients if "email" in p.channels]
    return {
        "received": len(caught),
        "distinct_message_ids": len(copies),
        "copies_of_one_message_id": sum(n - 1 for n in copies.values()),
        # Each copied message's row: how many attempts it took (a copy comes from a retry of
        # the same row whose attempt's answer was lost — a kill or a time-out after the 250).
        "copied_rows": [
            {"message_id": mid, "copies": n, **_row_of(mid)} for mid, n in copies.items() if n > 1
        ],
        "not_our_message_id": len(set(copies) - ours),
        "consented": len(consented),
        "consented_with_exactly_one": sum(
            1 for p in consented if len(ids[(p.appointment_id, p.email)]) == 1
        ),
        "consented_with_none": sum(1 for p in consented if not ids[(p.appointment_id, p.email)]),
        "consented_with_more": sum(
            1 for p in consented if len(ids[(p.appointment_id, p.email)]) > 1
        ),
        "to_refused_channel": refused,
        "to_strangers": strangers,
        "naming_another_appointment": wrong_appointment,
        "temp_fails_451": 0,  # filled in by the caller
    }


def _at_gateway(s: Setup, outside: Outside) -> dict[str, Any]:
    """The SMS the gateway holds (its message log over its API), by number and appointment."""
    from zomanc.messaging.models import Channel, OutboundMessage

    rows = dict(
        OutboundMessage.objects.filter(channel=Channel.SMS)
        .exclude(status="suppressed")
        .values_list("message_id", "gateway_id")
    )
    by_number = {p.phone.replace(" ", ""): p for p in s.patients}
    listed: list[dict[str, Any]] = []
    for practice in s.practices.values():
        listed += outside.sms_listed(practice["key"])
    per: Counter[int] = Counter()
    statuses: Counter[str] = Counter()
    strangers, wrong_appointment, refused, unknown_ref, wrong_id = 0, 0, 0, 0, 0
    resubmitted = 0
    for sms in listed:
        statuses[sms["status"]] += 1
        resubmitted += int(sms["submissions"] > 1)
        if sms["client_ref"] not in rows:
            unknown_ref += 1
        elif rows[sms["client_ref"]] != sms["id"]:
            wrong_id += 1
        patient = by_number.get(sms["to"])
        if patient is None:
            strangers += 1
            continue
        if "sms" not in patient.channels:
            refused += 1
        per[patient.appointment_id] += 1
        # Its one short link must name exactly this appointment (a link naming none counts).
        if _appointment_of(sms["text"]) != {patient.appointment_id}:
            wrong_appointment += 1
    consented = [p for p in s.patients if "sms" in p.channels]
    refs = [sms["client_ref"] for sms in listed]
    return {
        "messages": len(listed),
        "distinct_client_refs": len(set(refs)),
        "statuses": dict(statuses),
        "resubmitted_refs": resubmitted,
        "client_ref_not_ours": unknown_ref,
        "gateway_id_not_the_rows": wrong_id,
        "consented": len(consented),
        "consented_with_exactly_one": sum(1 for p in consented if per[p.appointment_id] == 1),
        "consented_with_none": sum(1 for p in consented if per[p.appointment_id] == 0),
        "consented_with_more": sum(1 for p in consented if per[p.appointment_id] > 1),
        "to_refused_channel": refused,
        "to_strangers": strangers,
        "naming_another_appointment": wrong_appointment,
    }


def _problems(result: dict[str, Any], s: Setup, config: ScenarioConfig) -> list[str]:
    problems = []
    rows, mail, sms = result["rows"], result["mail"], result["sms"]
    if result["timed_out"]:
        problems.append(f"not everything final after {config.wait_seconds} s")
    if rows["reminders"] != {"sent": config.appointments}:
        problems.append(f"reminders: {rows['reminders']}")
    if rows["consented_with_one_row"] != rows["consented_pairs"] or rows["pairs_with_more_rows"]:
        problems.append("not exactly one message row per consented appointment and channel")
    if rows["rows_on_refused_channel"]:
        problems.append(f"rows on a channel without consent: {rows['rows_on_refused_channel']}")
    if rows["rows_not_done_count"]:
        problems.append(f"rows not SENT/DELIVERED: {rows['rows_not_done']}")
    if rows["message_ids"] != rows["rows"]:
        problems.append("message ids (Message-ID / client_ref) are not unique")
    for name, at in (("e-mail", mail), ("SMS", sms)):
        if at["consented_with_exactly_one"] != at["consented"]:
            problems.append(f"{name}: not exactly one per consented appointment: {at}")
        if at["to_refused_channel"] or at["to_strangers"] or at["naming_another_appointment"]:
            problems.append(f"{name}: sent where it must not: {at}")
    if mail["not_our_message_id"]:
        problems.append(f"e-mail: Message-IDs no row has: {mail}")
    if sms["messages"] != sms["distinct_client_refs"] or sms["messages"] != sms["consented"]:
        problems.append(f"SMS: {sms['messages']} at the gateway for {sms['consented']}")
    if sms["client_ref_not_ours"] or sms["gateway_id_not_the_rows"]:
        problems.append(f"SMS: the gateway's and the rows' references differ: {sms}")
    if sms["statuses"] != {"delivered": sms["consented"]}:
        problems.append(f"SMS at the gateway: {sms['statuses']}")
    if result["kills"]["done"] < config.kills:
        problems.append(f"only {result['kills']['done']} of {config.kills} kills done")
    return problems


# --- the run -------------------------------------------------------------------------------


def scenario_run(config: ScenarioConfig) -> dict[str, Any]:
    """Runs the whole scenario and returns its result (see the module docstring)."""
    from zomanc.testing.sandbox import SandboxProcess, sandbox_start

    tmp = Path(tempfile.mkdtemp(prefix="zomanc-reminders-scenario-"))
    started_wall = time.monotonic()
    holder: dict[str, Any] = {}
    starter: threading.Thread | None = None
    catcher = SmtpServer()
    catcher.start()
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
            _log(f"sandbox: {sandbox.http_url} ({time.monotonic() - started_wall:.1f} s)")
            settings.DEBUG = False
            outside = Outside(catcher=catcher, sandbox=sandbox, config=config)
            result = _run(config, tmp, db_env, outside)
            result["database"] = connection.vendor
            result["total_seconds"] = round(time.monotonic() - started_wall, 1)
            result["problems"] = _problems(result, result.pop("_setup"), config)
            result["ok"] = not result["problems"]
            if config.keep:
                result["folder"] = str(tmp)
            return result
    finally:
        scenario_clock.clock_reset()
        catcher.stop()
        if starter is not None:
            starter.join()
        if "sandbox" in holder:
            holder["sandbox"].stop()
        if not config.keep:
            shutil.rmtree(tmp, ignore_errors=True)


def _clock_at(moment: dt.datetime) -> float:
    return (moment - dt.datetime.now(dt.UTC)).total_seconds()


def _run(
    config: ScenarioConfig, tmp: Path, db_env: dict[str, str], outside: Outside
) -> dict[str, Any]:
    s = Setup()
    # The morning before: the practices are set up and the appointments booked.
    day = _day()
    scenario_clock.clock_set(_clock_at(dt.datetime.combine(day, dt.time(8, 0), BUDAPEST)))
    for number, (slug, name) in enumerate(PRACTICES[: max(1, min(2, config.appointments))]):
        s.practices[slug] = _practice(slug, name, outside, number + 1)
    _log(f"booking {config.appointments} appointments")
    started = time.monotonic()
    _book_all(s, config)
    book_seconds = time.monotonic() - started
    _log(f"booked in {book_seconds:.1f} s")
    # The afternoon: every reminder due but the last slot's, which come due in a moment.
    per_practice = -(-config.appointments // len(s.practices))
    last_due = _start(per_practice - 1) - dt.timedelta(hours=24)
    shift = _clock_at(last_due - dt.timedelta(seconds=config.due_lead_seconds))
    scenario_clock.clock_set(shift)
    env = worker_environment(
        db_env,
        ZOMANC_SCENARIO_CLOCK_SECONDS=repr(shift),
        MESSAGING_SMTP_TIMEOUT_SECONDS=str(config.smtp_timeout_seconds),
        MESSAGING_SMS_TIMEOUT_SECONDS=str(config.sms_timeout_seconds),
        MESSAGING_BACKOFF_SECONDS=str(config.backoff_seconds),
        MESSAGING_RETRY_MAX_SECONDS=str(config.retry_max_seconds),
        MESSAGING_LEASE_SECONDS=str(config.lease_seconds),
        MESSAGING_SWEEP_SECONDS=str(config.sweep_seconds),
        MESSAGING_SMS_REPORT_SECONDS=str(config.report_seconds),
        REMINDERS_SWEEP_SECONDS=str(config.sweep_seconds),
    )
    run = _Run(
        config=config,
        tmp=tmp,
        worker_env=env,
        preload=PRELOAD,
        delivered=_final_messages,
        in_flight=_sending,
        log=_log,
    )
    outside.sandbox.admin("counters/reset", {})
    outside.sms_faults(fail_share=config.share_http_503, lose_answer_next=config.sms_lose_answers)
    outside.catcher.temp_fail_share = config.smtp_temp_fail_share
    held = [run.spawn() for _ in range(config.workers)]
    if config.kills:
        run.spares.append(run.spawn())
    conductor: threading.Thread | None = None
    timed_out = False
    try:
        run.start(held)
        drain_started = time.monotonic()
        _log(f"workers up; the clock at {timezone.localtime(timezone.now(), BUDAPEST):%H:%M:%S}")
        if config.kills or config.maintenance_seconds:
            conductor = threading.Thread(target=run.conductor, args=(outside,), name="conductor")
            conductor.start()
        deadline = time.monotonic() + config.wait_seconds
        if conductor is not None:
            while not run.plan_done and conductor.is_alive() and any(_unfinished().values()):
                if time.monotonic() > deadline:
                    break
                time.sleep(0.2)
        timed_out = not _wait_final(deadline)
        drain_seconds = time.monotonic() - drain_started
    finally:
        run.stop.set()
        if conductor is not None:
            conductor.join()
        run.stop_all()
    outside.catcher.temp_fail_share = 0.0
    outside.sms_faults(fail_share=0.0)
    caught = outside.catcher.snapshot()
    mail = _at_catcher(s, caught)
    mail["temp_fails_451"] = outside.catcher.temp_fails
    mail["outages"] = outside.catcher.outages
    return {
        "_setup": s,
        "config": asdict(config),
        "timed_out": timed_out,
        "patients": {
            "email_and_sms": sum(1 for p in s.patients if p.channels == {"email", "sms"}),
            "email_only": sum(1 for p in s.patients if p.channels == {"email"}),
            "sms_only": sum(1 for p in s.patients if p.channels == {"sms"}),
        },
        "rows": _rows(s),
        "mail": mail,
        "sms": _at_gateway(s, outside),
        "kills": {"done": run.kills_done, "with_row_in_flight": run.kills_in_flight},
        "maintenance_windows": run.maintenance_windows,
        "timings": {
            "book_seconds": round(book_seconds, 1),
            "drain_seconds": round(drain_seconds, 1),
        },
        "ox_tasks": ox_task_counts(),
        "cpu_seconds": cpu_seconds(run, outside.sandbox),
        "worker_logs": run.log_findings(),
        "worker_failures": _failures(run.worker_logs),
    }
