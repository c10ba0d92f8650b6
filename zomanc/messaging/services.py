"""E-mail settings (sealed password, test send) and the outbox of messages: written inside
the caller's transaction, delivered by the worker through Django's SMTP backend with the
practice's own settings.

Delivery of one row, as in the EESZT and NAV outboxes (docs/eeszt-reporting.md): claim it
in a short transaction (state → sending, attempts + 1, a lease), talk SMTP outside any
transaction, record the answer in a second short transaction that writes only if the row is
still ours (still sending, same attempt). Connection trouble and 4xx answers are retried
with backoff; a 5xx answer fails the row for good, with the server's reason in Hungarian.
SMTP has no idempotency key: a worker killed after the server's 250 and before the record
sends the message again when its lease runs out — with the same Message-ID, which mail
clients use to fold duplicates (docs/messaging.md: at-least-once, the window is one
commit). Nothing here logs or stores a password."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import smtplib
import socket
import ssl
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.utils import formataddr, make_msgid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.smtp import EmailBackend
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import Q
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from zomanc.audit.models import AuditAction
from zomanc.audit.services import audit_record
from zomanc.eeszt.vault import vault_decrypt, vault_destroy, vault_encrypt
from zomanc.messaging.models import (
    FINAL_STATUSES,
    RATE_MAX,
    Channel,
    MailSettings,
    MessageAttachment,
    MessageStatus,
    OutboundMessage,
    SmsSettings,
    SmtpSecurity,
)
from zomanc.patients.models import Patient
from zomanc.practices.models import Practice, StaffMember

logger = logging.getLogger(__name__)

MAX_ATTACHMENT_BYTES = 15 * 1024 * 1024  # most providers refuse mails over 20-25 MB


class MessagingError(Exception):
    """A message cannot be queued (no settings, no address); `message` is Hungarian."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    content_type: str = "application/octet-stream"


# --- settings ----------------------------------------------------------------------------


@transaction.atomic
def mail_settings_save(
    *,
    practice: Practice,
    host: str,
    port: int,
    security: str,
    username: str,
    password: str,
    from_email: str,
    from_name: str,
    reply_to: str,
    actor: StaffMember,
    rate_per_minute: int | None = None,
) -> MailSettings:
    """Stores (or replaces) the practice's SMTP settings. An empty password keeps the sealed
    one (the form never shows it back); a new one replaces it and the old is destroyed; no
    user name means no login, and no stored password. No `rate_per_minute` keeps the stored
    limit (the default on a first save)."""
    host = host.strip()
    errors: dict[str, str] = rate_errors(rate_per_minute)
    if not host or any(c.isspace() for c in host):
        errors["host"] = _("Adja meg a levelezőszerver nevét (pl. smtp.example.hu).")
    if not 1 <= port <= 65535:
        errors["port"] = _("A port 1 és 65535 közötti szám.")
    if security not in SmtpSecurity.values:
        errors["security"] = _("Válasszon titkosítást.")
    if errors:
        raise ValidationError(errors)
    row = MailSettings.objects.select_for_update().filter(practice=practice).first()
    created = row is None
    if row is None:
        row = MailSettings(practice=practice)
    old_secret = row.password_secret
    row.host, row.port, row.security = host, port, security
    row.username = username.strip()
    row.from_email, row.from_name, row.reply_to = from_email, from_name.strip(), reply_to
    row.updated_by = actor
    if rate_per_minute is not None:
        row.rate_per_minute = rate_per_minute
    row.last_test_at, row.last_test_ok, row.last_test_message = None, None, ""
    replaced = False
    if not row.username:
        row.password_secret = None
        replaced = old_secret is not None
    elif password:
        row.password_secret = vault_encrypt(
            password.encode(), purpose=row.password_purpose, practice=practice
        )
        replaced = True
    elif old_secret is None:
        raise ValidationError({"password": _("Felhasználónévhez jelszó is kell.")})
    row.save()
    if replaced:
        vault_destroy(old_secret)
    audit_record(
        practice=practice,
        actor=actor.user,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=row,
        # What changed, never the password (only whether it did).
        summary=_("E-mail beállítások mentve: %(host)s:%(port)s, feladó %(sender)s")
        % {"host": host, "port": port, "sender": from_email},
        changes={
            "password_changed": bool(password) and bool(row.username),
            "rate_per_minute": row.rate_per_minute,
        },
    )
    return row


def rate_errors(rate_per_minute: int | None) -> dict[str, str]:
    """The limit's own check, for the e-mail and the SMS settings alike."""
    if rate_per_minute is not None and not 1 <= rate_per_minute <= RATE_MAX:
        return {
            "rate_per_minute": _("Percenként legalább 1 és legfeljebb %(max)s üzenet.")
            % {"max": RATE_MAX}
        }
    return {}


def mail_settings_of(practice_id: int) -> MailSettings | None:
    return (
        MailSettings.objects.select_related("password_secret")
        .filter(practice_id=practice_id)
        .first()
    )


def mail_connection(row: MailSettings) -> EmailBackend:
    """Django's SMTP backend with the practice's settings passed explicitly, never the
    process's MAILERS (which name no practice). Django 6.1 deprecates get_connection(); a
    backend built with an ``alias`` is its way of "a connection with these options"."""
    password = ""
    if row.username and row.password_secret is not None:
        password = vault_decrypt(row.password_secret, purpose=row.password_purpose).decode()
    return EmailBackend(
        alias=f"practice-{row.practice_id}",
        host=row.host,
        port=row.port,
        username=row.username or None,
        password=password or None,
        use_tls=row.security == SmtpSecurity.STARTTLS,
        use_ssl=row.security == SmtpSecurity.SSL,
        timeout=settings.MESSAGING_SMTP_TIMEOUT_SECONDS,
    )


def _sender(row: MailSettings) -> str:
    return formataddr((row.from_name, row.from_email)) if row.from_name else row.from_email


@dataclass(frozen=True)
class TestResult:
    ok: bool
    message: str


def mail_settings_test(*, practice: Practice, to: str, actor: StaffMember) -> TestResult:
    """ "Próba levél küldése": one message at once (not through the outbox: the owner is
    waiting for the answer), the outcome recorded on the settings row."""
    row = mail_settings_of(practice.pk)
    if row is None:
        return TestResult(False, _("Előbb mentse el az e-mail beállításokat."))
    mail = EmailMultiAlternatives(
        subject=_("Zománc próba levél"),
        body=_(
            "Ez a levél a Zománc e-mail beállításainak próbája (%(practice)s). "
            "Ha megérkezett, a rendelő levelei is célba érnek."
        )
        % {"practice": practice.name},
        from_email=_sender(row),
        to=[to],
        reply_to=[row.reply_to] if row.reply_to else None,
        headers={"Message-ID": make_msgid(domain=_msgid_domain(row))},
    )
    try:
        mail_connection(row).send_messages([mail])
    except Exception as exc:  # every failure is shown, none is a 500
        outcome = _classify(exc)
        result = TestResult(False, _("A próba levél nem ment el: %(why)s") % {"why": outcome.why})
    else:
        result = TestResult(
            True, _("A próba levelet a szerver átvette; címzett: %(to)s.") % {"to": to}
        )
    MailSettings.objects.filter(pk=row.pk).update(
        last_test_at=timezone.now(), last_test_ok=result.ok, last_test_message=result.message
    )
    audit_record(
        practice=practice,
        actor=actor.user,
        action=AuditAction.UPDATE,
        obj=row,
        summary=_("Próba levél küldése (%(to)s): %(result)s")
        % {"to": to, "result": _("sikeres") if result.ok else _("sikertelen")},
    )
    return result


# --- queueing ----------------------------------------------------------------------------


def _msgid_domain(row: MailSettings) -> str:
    return row.from_email.rpartition("@")[2] or "zomanc.local"


def message_email_queue(
    *,
    practice: Practice,
    recipient: str,
    subject: str,
    text: str,
    html: str = "",
    patient: Patient | None = None,
    attachments: Sequence[Attachment] = (),
    about_kind: str = "",
    about_id: str | int = "",
    language: str = "hu",
    created_by: StaffMember | None = None,
) -> OutboundMessage:
    """Queues one e-mail. Call inside the business transaction that decides to send it: the
    row, its attachments and its wake-up commit with that change or not at all. Refuses
    (MessagingError, Hungarian) when the practice has no e-mail settings or the address is
    not one."""
    if patient is not None and patient.practice_id != practice.pk:
        raise ValueError("a patient of another practice")
    row = mail_settings_of(practice.pk)
    if row is None:
        raise MessagingError(
            _("A rendelőnek nincs e-mail beállítása (Beállítások / E-mail); levél nem küldhető.")
        )
    recipient = recipient.strip()
    try:
        validate_email(recipient)
    except ValidationError:
        raise MessagingError(
            _("A címzett e-mail címe hibás: %(to)s") % {"to": recipient or "–"}
        ) from None
    if sum(len(a.content) for a in attachments) > MAX_ATTACHMENT_BYTES:
        raise MessagingError(_("A csatolmányok együtt legfeljebb 15 MB-osak lehetnek."))
    with transaction.atomic(savepoint=False):  # the caller's transaction, else its own
        message = OutboundMessage.objects.create(
            practice=practice,
            patient=patient,
            channel=Channel.EMAIL,
            recipient=recipient,
            subject=subject[:255],
            body_text=text,
            body_html=html,
            language=language,
            message_id=make_msgid(domain=_msgid_domain(row)),
            about_kind=about_kind,
            about_id=str(about_id),
            created_by=created_by,
        )
        MessageAttachment.objects.bulk_create(
            MessageAttachment(
                message=message,
                practice=practice,
                filename=a.filename,
                content_type=a.content_type,
                content=a.content,
            )
            for a in attachments
        )
        _wake(message.pk)
    return message


def suppressed_reason(patient: Patient, channel: str) -> str:
    """Why `patient` may get nothing on `channel` now, in Hungarian, for the message log:
    opted out (a withdrawal is on record), never consented, or consented without an address.
    Empty when the channel is open (the caller then names its own reason)."""
    from zomanc.patients.consent_selectors import patient_consent_latest
    from zomanc.patients.models import ConsentChange, ContactConsent

    latest = patient_consent_latest(patient)
    if latest is not None and getattr(latest, f"{channel}_allowed", False):
        address = patient.phone if channel == Channel.SMS else patient.email
        if address:
            return ""
        return _("nincs telefonszáma") if channel == Channel.SMS else _("nincs e-mail címe")
    opted_out = ContactConsent.objects.filter(
        practice_id=patient.practice_id,
        patient=patient,
        channel=channel,
        change=ConsentChange.OPT_OUT,
    ).exists()
    return _("leiratkozott") if opted_out else _("nincs hozzájárulás")


def message_suppressed_record(
    *,
    practice: Practice,
    patient: Patient,
    channel: str,
    subject: str,
    reason: str = "",
    about_kind: str = "",
    about_id: str | int = "",
    language: str = "hu",
    created_by: StaffMember | None = None,
) -> OutboundMessage:
    """Records a message the caller decided not to send — the patient has no consent for
    `channel` (or opted out, or has no address there) — as a final "suppressed" row, so the
    patient's message log shows it beside what went out. Nothing is sent and no worker ever
    takes it. `reason` (Hungarian) defaults to suppressed_reason(patient, channel). Call it in
    the caller's transaction, where it decided; `subject` is what the staff will read."""
    if patient.practice_id != practice.pk:
        raise ValueError("a patient of another practice")
    if channel not in Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    reason = reason or suppressed_reason(patient, channel) or _("nem küldhető")
    return OutboundMessage.objects.create(
        practice=practice,
        patient=patient,
        channel=channel,
        recipient=(patient.phone if channel == Channel.SMS else patient.email) or "",
        subject=subject[:255],
        body_text="",
        language=language,
        status=MessageStatus.SUPPRESSED,
        last_error=reason[:1000],
        message_id=f"suppressed-{uuid.uuid4().hex}",
        about_kind=about_kind,
        about_id=str(about_id),
        created_by=created_by,
    )


def _wake(message_id: int, *, at: dt.datetime | None = None) -> None:
    # Enqueued in the caller's transaction (django-ox writes to the same database): the
    # task exists exactly when the row does.
    wake = message_deliver_task.using(run_after=at) if at else message_deliver_task
    wake.enqueue(message_id=message_id)


# --- delivering --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Outcome:
    retry: bool
    why: str
    code: int | None = None


def _reply(exc: smtplib.SMTPResponseException) -> str:
    error = exc.smtp_error
    text = error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
    return f"{exc.smtp_code} {text}".strip()


def _classify(exc: BaseException) -> _Outcome:
    """What a failure means: try again later (connection trouble, 4xx) or never (5xx, our
    settings refused), with the reason in Hungarian."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(exc.recipients.values()), (550, b""))
        text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        why = _("a szerver nem fogadta el a címzettet (%(code)s %(reply)s)") % {
            "code": code,
            "reply": text,
        }
        return _Outcome(retry=400 <= code < 500, why=why, code=code)
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return _Outcome(
            retry=False,
            why=_("a szerver nem fogadta el a felhasználónevet vagy a jelszót (%(reply)s)")
            % {"reply": _reply(exc)},
            code=exc.smtp_code,
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        code = exc.smtp_code
        if 400 <= code < 500:
            return _Outcome(
                retry=True,
                why=_("átmeneti hiba a levelezőszerveren (%(reply)s)") % {"reply": _reply(exc)},
                code=code,
            )
        return _Outcome(
            retry=False,
            why=_("a levelezőszerver elutasította a levelet (%(reply)s)") % {"reply": _reply(exc)},
            code=code,
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return _Outcome(
            retry=False,
            why=_(
                "a szerver nem támogatja a beállított titkosítást vagy bejelentkezést; "
                "ellenőrizze az e-mail beállításokat"
            ),
        )
    if isinstance(exc, ssl.SSLError):
        return _Outcome(retry=True, why=_("a titkosított kapcsolat nem jött létre (TLS)"))
    if isinstance(exc, (smtplib.SMTPServerDisconnected, socket.timeout, TimeoutError)):
        return _Outcome(
            retry=True, why=_("a levelezőszerver bontotta a kapcsolatot vagy nem válaszolt")
        )
    if isinstance(exc, smtplib.SMTPException):  # before OSError: SMTPException is one
        return _Outcome(retry=True, why=_("SMTP-hiba a küldés közben"))
    if isinstance(exc, OSError):  # refused, unreachable, name not found
        return _Outcome(retry=True, why=_("a levelezőszerver nem érhető el"))
    return _Outcome(retry=True, why=_("váratlan hiba a küldés közben"))


def _backoff(attempts: int) -> dt.timedelta:
    """MESSAGING_BACKOFF_SECONDS doubled per attempt, capped at MESSAGING_RETRY_MAX_SECONDS."""
    base = settings.MESSAGING_BACKOFF_SECONDS
    cap = settings.MESSAGING_RETRY_MAX_SECONDS
    return dt.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), cap))


RATE_WINDOW = dt.timedelta(seconds=60)


def _rate_limit(practice_id: int, channel: str) -> int | None:
    """The practice's messages-per-minute limit on the channel, its settings row locked until
    the claim commits: on PostgreSQL two workers claiming for one practice take turns over
    count-then-claim, so neither can overshoot; other practices' claims never wait for it
    (one row each). SQLite's IMMEDIATE transaction already serialises them. None when the
    practice has no settings for the channel (delivery then waits for them anyway)."""
    model = SmsSettings if channel == Channel.SMS else MailSettings
    return (
        model.objects.select_for_update()
        .filter(practice_id=practice_id)
        .values_list("rate_per_minute", flat=True)
        .first()
    )


def _rate_free_at(row: OutboundMessage, limit: int, now: dt.datetime) -> dt.datetime | None:
    """None if the practice may send one more on this channel now; else when it may: the
    limit-th newest claim of the last minute leaving the window frees a place. Counted from
    the rows (claimed_at), so every worker process sees the same budget."""
    newest = (
        OutboundMessage.objects.filter(
            practice_id=row.practice_id, channel=row.channel, claimed_at__gt=now - RATE_WINDOW
        )
        .order_by("-claimed_at")
        .values_list("claimed_at", flat=True)[limit - 1 : limit]
    )
    oldest_kept = next(iter(newest), None)
    return None if oldest_kept is None else oldest_kept + RATE_WINDOW


def _rate_defer(row: OutboundMessage, limit: int, free_at: dt.datetime) -> None:
    """Puts a row over the practice's budget back in the queue for when its place comes — no
    attempt counted, no error written. The rows already waiting for the same window go first:
    a minute's `limit` of them per minute, so a flood of a thousand is woken about once each
    (not all of them every minute) and its wake-ups do not crowd the queue."""
    waiting = OutboundMessage.objects.filter(
        practice_id=row.practice_id,
        channel=row.channel,
        status=MessageStatus.QUEUED,
        next_attempt_at__gte=free_at,
    ).count()
    at = free_at + RATE_WINDOW * (waiting // limit)
    deferred = OutboundMessage.objects.filter(
        pk=row.pk, status=row.status, attempts=row.attempts
    ).update(status=MessageStatus.QUEUED, next_attempt_at=at, lease_until=None)
    if deferred:
        _wake(row.pk, at=at)  # the sweeper wakes it if this wake-up is lost


def _claim(message_id: int) -> OutboundMessage | None:
    with transaction.atomic():
        query = OutboundMessage.objects.filter(pk=message_id)
        if connection.features.has_select_for_update_skip_locked:
            # A row another worker holds is being sent: nothing for us to do.
            row = query.select_for_update(skip_locked=True).first()
        else:
            row = query.first()  # SQLite: IMMEDIATE transactions serialise writers
        now = timezone.now()
        if row is None or row.status in FINAL_STATUSES:
            return None
        if row.lease_until is not None and row.lease_until > now:
            return None  # another worker is sending it
        if row.next_attempt_at is not None and row.next_attempt_at > now:
            return None  # its delayed wake-up comes then
        limit = _rate_limit(row.practice_id, row.channel)
        if limit is not None:
            free_at = _rate_free_at(row, limit, timezone.now())
            if free_at is not None:
                _rate_defer(row, limit, free_at)
                return None
        now = timezone.now()  # the settings lock may have been waited for
        lease = now + dt.timedelta(seconds=settings.MESSAGING_LEASE_SECONDS)
        # Conditional: the claim holds only if nobody changed the row since it was read.
        taken = OutboundMessage.objects.filter(
            pk=row.pk, status=row.status, attempts=row.attempts
        ).update(
            status=MessageStatus.SENDING,
            attempts=row.attempts + 1,
            lease_until=lease,
            claimed_at=now,
        )
        if not taken:
            return None
        row.status, row.attempts, row.lease_until = MessageStatus.SENDING, row.attempts + 1, lease
        row.claimed_at = now
        return row


def _record(row: OutboundMessage, **changes: object) -> bool:
    """Writes the outcome if the row is still ours (sending, same attempt); in the same
    transaction the retry's wake-up."""
    changes.setdefault("lease_until", None)
    with transaction.atomic():
        ours = OutboundMessage.objects.filter(
            pk=row.pk, status=MessageStatus.SENDING, attempts=row.attempts
        ).update(**changes)
        if ours and changes.get("status") == MessageStatus.QUEUED:
            at = changes.get("next_attempt_at")
            _wake(row.pk, at=at if isinstance(at, dt.datetime) else None)
    for name, value in changes.items():
        setattr(row, name, value)
    return bool(ours)


def _email(row: OutboundMessage, settings_row: MailSettings) -> EmailMultiAlternatives:
    mail = EmailMultiAlternatives(
        subject=row.subject,
        body=row.body_text,
        from_email=_sender(settings_row),
        to=[row.recipient],
        reply_to=[settings_row.reply_to] if settings_row.reply_to else None,
        headers={"Message-ID": row.message_id},
    )
    if row.body_html:
        mail.attach_alternative(row.body_html, "text/html")
    for attachment in row.attachments.all():
        mail.attach(attachment.filename, bytes(attachment.content), attachment.content_type)
    return mail


def message_deliver(*, message_id: int) -> OutboundMessage | None:
    """Sends one queued message if it is due and not held by another worker; safe to call
    any number of times from any number of workers. None if there was nothing to do."""
    row = _claim(message_id)
    if row is None:
        return None
    if row.channel == Channel.SMS:
        from zomanc.messaging.sms_outbox import sms_deliver

        return sms_deliver(row)
    settings_row = mail_settings_of(row.practice_id)
    if settings_row is None:
        _record(
            row,
            status=MessageStatus.QUEUED,
            next_attempt_at=timezone.now() + _backoff(row.attempts),
            last_error=_("A rendelőnek nincs e-mail beállítása (Beállítások / E-mail)."),
        )
        return row
    backend = mail_connection(settings_row)
    try:
        # Opened here, so send_messages leaves the connection open and the QUIT comes after
        # the record: a worker killed (or stalled) during the QUIT no longer leaves a message
        # the server took as "sending" — SMTP's window for a copy is the record alone
        # (found by the reminders' reliability scenario, docs/reminders.md).
        backend.open()
        backend.send_messages([_email(row, settings_row)])
    except Exception as exc:  # classified below; the row shows why
        _close_quietly(backend)
        outcome = _classify(exc)
        # The worker's log names the row and the kind of failure, never the settings' secrets.
        logger.warning(
            "message %s attempt %s: %s (%s)", row.pk, row.attempts, type(exc).__name__, outcome.why
        )
        if outcome.retry and row.attempts < settings.MESSAGING_MAX_ATTEMPTS:
            _record(
                row,
                status=MessageStatus.QUEUED,
                next_attempt_at=timezone.now() + _backoff(row.attempts),
                last_error=outcome.why,
                smtp_code=outcome.code,
            )
        else:
            why = outcome.why
            if outcome.retry:
                why = _("%(attempts)s próbálkozás után sem sikerült: %(why)s") % {
                    "attempts": row.attempts,
                    "why": why,
                }
            _record(row, status=MessageStatus.FAILED, last_error=why, smtp_code=outcome.code)
        return row
    _record(
        row,
        status=MessageStatus.SENT,
        sent_at=timezone.now(),
        next_attempt_at=None,
        last_error="",
        smtp_code=250,
    )
    _close_quietly(backend)
    return row


def _close_quietly(backend: EmailBackend) -> None:
    """The QUIT, once the message's fate is decided: its failure changes nothing."""
    with contextlib.suppress(Exception):
        backend.close()


def message_retry(*, message: OutboundMessage) -> OutboundMessage:
    """A failed message is queued again at once (same Message-ID; an SMS its gateway
    accepted and reported failed gets a new client reference)."""
    from zomanc.messaging.sms_outbox import sms_retry_reference

    with transaction.atomic():
        sms_retry_reference(message)
        OutboundMessage.objects.filter(pk=message.pk, status=MessageStatus.FAILED).update(
            status=MessageStatus.QUEUED, next_attempt_at=None, lease_until=None
        )
        _wake(message.pk)
    message.refresh_from_db()
    return message


SWEEP_BATCH = 500


def message_sweep() -> int:
    """Wakes every due message whose wake-up went missing (the queue is not the source of
    truth): queued and due, or sending with its lease run out (a killed worker's); and the
    SMS delivery-report polls likewise."""
    from django_ox.models import OxTask

    from zomanc.messaging.sms_outbox import message_sms_report_task, sms_reports_sweep

    now = timezone.now()
    queued = {
        int(kwargs["message_id"])
        for kwargs in OxTask.objects.filter(
            task_path=message_deliver_task.module_path,
            status__in=[OxTask.Status.READY, OxTask.Status.RUNNING],
        ).values_list("kwargs", flat=True)
        if "message_id" in kwargs
    }
    due: Iterable[int] = (
        OutboundMessage.objects.filter(
            Q(status=MessageStatus.QUEUED) | Q(status=MessageStatus.SENDING, lease_until__lte=now)
        )
        .exclude(next_attempt_at__gt=now)
        .exclude(lease_until__gt=now)
        .order_by("pk")
        .values_list("pk", flat=True)[: SWEEP_BATCH * 2]
    )
    count = 0
    with transaction.atomic():
        for pk in due:
            if pk in queued:
                continue
            _wake(pk)
            count += 1
            if count == SWEEP_BATCH:
                break
    polling = {
        int(kwargs["message_id"])
        for kwargs in OxTask.objects.filter(
            task_path=message_sms_report_task.module_path,
            status__in=[OxTask.Status.READY, OxTask.Status.RUNNING],
        ).values_list("kwargs", flat=True)
        if "message_id" in kwargs
    }
    return count + sms_reports_sweep(polling)


# The tasks stand beside the services they call (as in the EESZT and NAV outboxes): queueing
# wakes the delivery and a retry wakes it again. Thin: an id in, one service, safe twice.
@task
def message_deliver_task(message_id: int) -> None:
    message_deliver(message_id=message_id)


@task
def message_sweep_task() -> None:
    message_sweep()


# SMS (zomanc/messaging/sms_outbox.py) is queued from here too, for callers that know only
# this module; imported last because it builds on the outbox above.
from zomanc.messaging.sms_outbox import message_sms_queue as message_sms_queue  # noqa: E402
