"""SMS through the outbox: the practice's gateway settings (API key sealed by the vault),
queueing in the caller's transaction (consent checked here), delivery by the same worker and
claim as e-mail, and the delivery reports, polled.

Exactly once: the row's ``message_id`` ("sms-<uuid>", fixed when the row is written) is the
``client_ref`` of every attempt, and the gateway keeps one message per reference. A worker
whose answer was lost (a time-out, a 504 after the gateway accepted, a kill before the
record) sends the same reference again and gets the same message back: the phone gets one
SMS. Delivery reports are polled (GET), not pushed: the practice needs no public URL."""

from __future__ import annotations

import datetime as dt
import logging
import os
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from zomanc.audit.models import AuditAction
from zomanc.audit.services import audit_record
from zomanc.eeszt.vault import vault_decrypt, vault_destroy, vault_encrypt
from zomanc.messaging.models import Channel, MessageStatus, OutboundMessage, SmsSettings
from zomanc.messaging.services import MessagingError, _backoff, _record, _wake, rate_errors
from zomanc.messaging.sms import sms_segments
from zomanc.messaging.sms_client import GatewayError, SmsGateway
from zomanc.patients.models import Patient
from zomanc.practices.models import Practice, StaffMember

logger = logging.getLogger(__name__)

MAX_SMS_CHARS = 1600  # ten long parts: a reminder that long is a mistake


def _setting(name: str, default: float) -> float:
    """MESSAGING_SMS_TIMEOUT_SECONDS (10: the gateway's request time-out),
    MESSAGING_SMS_REPORT_SECONDS (5: the first delivery-report poll after sending, then
    doubling), MESSAGING_SMS_REPORT_HOURS (48: when to stop asking; the row stays "sent"):
    from the Django settings or the environment."""
    return float(getattr(settings, name, None) or os.environ.get(name) or default)


# --- settings ----------------------------------------------------------------------------


@transaction.atomic
def sms_settings_save(
    *,
    practice: Practice,
    url: str,
    api_key: str,
    sender_name: str,
    actor: StaffMember,
    rate_per_minute: int | None = None,
) -> SmsSettings:
    """Stores (or replaces) the practice's SMS gateway settings. An empty key keeps the
    sealed one; a new one replaces it and the old is destroyed; the first save needs one. No
    `rate_per_minute` keeps the stored limit (the default on a first save)."""
    url = url.strip()
    errors: dict[str, str] = rate_errors(rate_per_minute)
    if not url.startswith(("http://", "https://")):
        errors["url"] = _("Az SMS-átjáró címe http:// vagy https:// kezdetű.")
    sender_name = sender_name.strip()
    if sender_name and (len(sender_name) > 11 or not sender_name.isascii()):
        errors["sender_name"] = _("A feladó neve legfeljebb 11 ékezet nélküli karakter.")
    row = SmsSettings.objects.select_for_update().filter(practice=practice).first()
    created = row is None
    if row is None:
        row = SmsSettings(practice=practice)
    if not api_key and row.api_key_secret_id is None:
        errors["api_key"] = _("Adja meg az SMS-átjáró API-kulcsát.")
    if errors:
        raise ValidationError(errors)
    old_secret = row.api_key_secret
    row.url, row.sender_name, row.updated_by = url, sender_name, actor
    if rate_per_minute is not None:
        row.rate_per_minute = rate_per_minute
    if api_key:
        row.api_key_secret = vault_encrypt(
            api_key.encode(), purpose=row.api_key_purpose, practice=practice
        )
    row.save()
    if api_key and old_secret is not None:
        vault_destroy(old_secret)
    audit_record(
        practice=practice,
        actor=actor.user,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=row,
        summary=_("SMS-beállítások mentve: %(url)s") % {"url": url},
        changes={"api_key_changed": bool(api_key), "rate_per_minute": row.rate_per_minute},
    )
    return row


def sms_settings_of(practice_id: int) -> SmsSettings | None:
    return (
        SmsSettings.objects.select_related("api_key_secret").filter(practice_id=practice_id).first()
    )


def sms_gateway(row: SmsSettings) -> SmsGateway:
    key = ""
    if row.api_key_secret is not None:
        key = vault_decrypt(row.api_key_secret, purpose=row.api_key_purpose).decode()
    return SmsGateway(
        url=row.url, api_key=key, timeout=_setting("MESSAGING_SMS_TIMEOUT_SECONDS", 10)
    )


# --- queueing ----------------------------------------------------------------------------


def phone_normalize(raw: str) -> str:
    """+36 20 123 4567, 06-20/123-4567, 0036 20 1234567 → +36201234567; "" if not a number."""
    digits = "".join(c for c in (raw or "") if c not in " -/().\u00a0")
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    elif digits.startswith("06"):
        digits = "+36" + digits[2:]
    if not (digits.startswith("+") and digits[1:].isdigit() and 8 <= len(digits) - 1 <= 15):
        return ""
    return digits


def message_sms_queue(
    *,
    practice: Practice,
    recipient: str,
    text: str,
    patient: Patient | None = None,
    about_kind: str = "",
    about_id: str | int = "",
    language: str = "hu",
    created_by: StaffMember | None = None,
) -> OutboundMessage:
    """Queues one SMS. Call inside the business transaction that decides to send it: the row
    and its wake-up commit with that change or not at all. Refuses (MessagingError,
    Hungarian; nothing queued) without SMS settings, without a phone number, with an empty
    or over-long text, and — for a patient — without his SMS consent in force now
    (patient_channels_allowed, read at this moment: a withdrawal counts at once)."""
    from zomanc.patients.consent_selectors import patient_channels_allowed

    if patient is not None and patient.practice_id != practice.pk:
        raise ValueError("a patient of another practice")
    if sms_settings_of(practice.pk) is None:
        raise MessagingError(
            _("A rendelőnek nincs SMS-beállítása (Beállítások / E-mail és SMS); SMS nem küldhető.")
        )
    number = phone_normalize(recipient)
    if not number:
        raise MessagingError(
            _("A címzett telefonszáma hibás: %(to)s") % {"to": recipient.strip() or "–"}
        )
    if not text.strip():
        raise MessagingError(_("Az SMS szövege üres."))
    if len(text) > MAX_SMS_CHARS:
        raise MessagingError(_("Az SMS legfeljebb 1600 karakter lehet."))
    if patient is not None and str(Channel.SMS) not in patient_channels_allowed(patient):
        raise MessagingError(_("A páciens nem járult hozzá SMS küldéséhez."))
    with transaction.atomic(savepoint=False):  # the caller's transaction, else its own
        message = OutboundMessage.objects.create(
            practice=practice,
            patient=patient,
            channel=Channel.SMS,
            recipient=number,
            subject=text[:80],  # the message log's column: an SMS has no subject
            body_text=text,
            language=language,
            message_id=f"sms-{uuid.uuid4().hex}",
            segments=sms_segments(text).segments,
            about_kind=about_kind,
            about_id=str(about_id),
            created_by=created_by,
        )
        _wake(message.pk)
    return message


# --- delivering --------------------------------------------------------------------------


def sms_deliver(row: OutboundMessage) -> OutboundMessage:
    """The SMS half of message_deliver, for a row it has claimed (status sending)."""
    settings_row = sms_settings_of(row.practice_id)
    if settings_row is None:
        _record(
            row,
            status=MessageStatus.QUEUED,
            next_attempt_at=timezone.now() + _backoff(row.attempts),
            last_error=_("A rendelőnek nincs SMS-beállítása (Beállítások / E-mail és SMS)."),
        )
        return row
    try:
        accepted = sms_gateway(settings_row).submit(
            to=row.recipient,
            text=row.body_text,
            client_ref=row.message_id,
            sender=settings_row.sender_name,
        )
    except GatewayError as exc:
        logger.warning("sms %s attempt %s: %s", row.pk, row.attempts, exc.why)
        if exc.retry and row.attempts < settings.MESSAGING_MAX_ATTEMPTS:
            _record(
                row,
                status=MessageStatus.QUEUED,
                next_attempt_at=timezone.now() + _backoff(row.attempts),
                last_error=exc.why,
                smtp_code=exc.code,
            )
        else:
            why = exc.why
            if exc.retry:
                why = _("%(attempts)s próbálkozás után sem sikerült: %(why)s") % {
                    "attempts": row.attempts,
                    "why": why,
                }
            _record(row, status=MessageStatus.FAILED, last_error=why, smtp_code=exc.code)
        return row
    now = timezone.now()
    due = now + dt.timedelta(seconds=_setting("MESSAGING_SMS_REPORT_SECONDS", 5))
    with transaction.atomic():
        if _record(
            row,
            status=MessageStatus.SENT,
            sent_at=now,
            next_attempt_at=None,
            last_error="",
            smtp_code=None,
            gateway_id=accepted.id,
            report_due_at=due,
        ):
            message_sms_report_task.using(run_after=due).enqueue(message_id=row.pk)
    return row


def message_sms_report(*, message_id: int) -> OutboundMessage | None:
    """Asks the gateway for a sent SMS's delivery report: delivered or failed is final;
    still on its way, asked again later (doubling), until MESSAGING_SMS_REPORT_HOURS after
    sending, when the row stays "sent". Safe to run twice: it writes only a "sent" row."""
    row = OutboundMessage.objects.filter(
        pk=message_id, channel=Channel.SMS, status=MessageStatus.SENT
    ).first()
    if row is None or not row.gateway_id:
        return None
    now = timezone.now()
    if row.report_due_at is not None and row.report_due_at > now:
        return None  # its own wake-up comes then
    settings_row = sms_settings_of(row.practice_id)
    report = None
    if settings_row is not None:
        try:
            report = sms_gateway(settings_row).status(row.gateway_id)
        except GatewayError as exc:
            logger.warning("sms %s report: %s", row.pk, exc.why)
    mine = OutboundMessage.objects.filter(
        pk=row.pk, status=MessageStatus.SENT, report_due_at=row.report_due_at
    )
    if report is not None and report.status == "delivered":
        mine.update(status=MessageStatus.DELIVERED, delivered_at=now, report_due_at=None)
    elif report is not None and report.status == "failed":
        why = _("az SMS nem kézbesíthető: %(reply)s") % {"reply": report.error or "–"}
        mine.update(status=MessageStatus.FAILED, last_error=why, report_due_at=None)
    else:
        sent_at = row.sent_at or now
        give_up = sent_at + dt.timedelta(hours=_setting("MESSAGING_SMS_REPORT_HOURS", 48))
        if now >= give_up:
            mine.update(report_due_at=None)  # stays "sent": no report came
        else:
            # Asked again after as long as it has been on its way: doubling intervals.
            waited = max(
                (now - sent_at).total_seconds(), _setting("MESSAGING_SMS_REPORT_SECONDS", 5)
            )
            due = now + dt.timedelta(seconds=min(waited, settings.MESSAGING_RETRY_MAX_SECONDS))
            with transaction.atomic():
                if mine.update(report_due_at=due):
                    message_sms_report_task.using(run_after=due).enqueue(message_id=row.pk)
    row.refresh_from_db()
    return row


def sms_reports_sweep(queued: set[int]) -> int:
    """Wakes the report polls whose wake-up went missing (called by message_sweep)."""
    now = timezone.now()
    due = (
        OutboundMessage.objects.filter(
            channel=Channel.SMS, status=MessageStatus.SENT, report_due_at__lte=now
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )
    count = 0
    with transaction.atomic():
        for pk in due:
            if pk not in queued:
                message_sms_report_task.enqueue(message_id=pk)
                count += 1
    return count


def sms_retry_reference(message: OutboundMessage) -> None:
    """A failed SMS that the gateway had accepted (its report said failed) needs a new
    client_ref, or the gateway would answer with the failed one; one it never accepted keeps
    its reference (a retry must not risk a second copy)."""
    if message.channel == Channel.SMS and message.gateway_id:
        OutboundMessage.objects.filter(pk=message.pk, status=MessageStatus.FAILED).update(
            message_id=f"sms-{uuid.uuid4().hex}", gateway_id="", report_due_at=None
        )


@task
def message_sms_report_task(message_id: int) -> None:
    message_sms_report(message_id=message_id)
