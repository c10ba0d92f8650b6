"""Outbound messages: a practice's e-mail (SMTP) settings, with the password sealed by the
vault, and the outbox — one row per message to a patient (or anyone), written in the
business transaction that decided to send it and delivered by the worker
(docs/messaging.md)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from zomanc.eeszt.models import SealedSecret
from zomanc.patients.models import Patient
from zomanc.practices.models import Practice, StaffMember

# Per-practice sending limits (messages per minute, docs/messaging.md "Rate limits"): the
# defaults sit under what the common providers allow one sender — Microsoft 365 takes 30
# messages a minute from a mailbox, shared hosting an hour's few hundred; SMS gateways throttle
# an account and bill every part, so a runaway loop costs money — and far above a practice's
# need (a day's reminders go out in a minute or two). The owner sets the provider's own limit.
EMAIL_RATE_DEFAULT = 30
SMS_RATE_DEFAULT = 30
RATE_MAX = 600  # ten a second: above it a limit protects nothing


def _rate_field(default: int) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(
        _("legfeljebb ennyi üzenet percenként"),
        default=default,
        validators=[MinValueValidator(1), MaxValueValidator(RATE_MAX)],
    )


class SmtpSecurity(models.TextChoices):
    NONE = "none", _("Nincs (csak helyi hálózaton)")
    STARTTLS = "starttls", _("STARTTLS (általában 587-es port)")
    SSL = "ssl", _("SSL/TLS (általában 465-ös port)")


class MailSettings(models.Model):
    """How a practice sends e-mail: its own SMTP server (the mailbox its patients know).
    The password is a sealed secret (zomanc.eeszt.vault): never a column, never shown back,
    never logged."""

    practice = models.OneToOneField(Practice, on_delete=models.PROTECT, related_name="+")
    host = models.CharField(_("SMTP-szerver"), max_length=255)
    port = models.PositiveIntegerField(_("port"))
    security = models.CharField(
        _("titkosítás"), max_length=10, choices=SmtpSecurity.choices, default=SmtpSecurity.STARTTLS
    )
    username = models.CharField(_("felhasználónév"), max_length=255, blank=True)
    password_secret = models.OneToOneField(
        SealedSecret, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_email = models.EmailField(_("feladó e-mail címe"))
    from_name = models.CharField(_("feladó neve"), max_length=200, blank=True)
    reply_to = models.EmailField(_("válaszcím"), blank=True)
    rate_per_minute = _rate_field(EMAIL_RATE_DEFAULT)
    updated_by = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    last_test_at = models.DateTimeField(null=True, blank=True)
    last_test_ok = models.BooleanField(null=True, blank=True)
    last_test_message = models.TextField(blank=True)

    class Meta:
        verbose_name = _("e-mail beállítás")
        verbose_name_plural = _("e-mail beállítások")

    def __str__(self) -> str:
        return f"{self.from_email} via {self.host}:{self.port}"

    @property
    def password_purpose(self) -> str:
        return f"messaging.smtp.password/practice:{self.practice_id}"


class SmsSettings(models.Model):
    """How a practice sends SMS: its account at an HTTP SMS gateway (the sandbox's stand-in
    in the demo). The API key is a sealed secret, like the SMTP password."""

    practice = models.OneToOneField(Practice, on_delete=models.PROTECT, related_name="+")
    url = models.URLField(_("az SMS-átjáró címe"), max_length=500)
    api_key_secret = models.OneToOneField(
        SealedSecret, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sender_name = models.CharField(_("feladó neve"), max_length=11, blank=True)
    rate_per_minute = _rate_field(SMS_RATE_DEFAULT)
    updated_by = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("SMS-beállítás")
        verbose_name_plural = _("SMS-beállítások")

    def __str__(self) -> str:
        return self.url

    @property
    def api_key_purpose(self) -> str:
        return f"messaging.sms.api_key/practice:{self.practice_id}"


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Küldésre vár")
    SENDING = "sending", _("Küldés folyamatban")
    SENT = "sent", _("Elküldve")
    # An SMS whose gateway reported it on the phone (e-mail has no such report).
    DELIVERED = "delivered", _("Kézbesítve")
    FAILED = "failed", _("Sikertelen")
    # Never sent, by decision: the patient had no consent for the channel (or opted out, or
    # has no address). Written by the sender (message_suppressed_record) so the patient's
    # message log shows what did not go out beside what did.
    SUPPRESSED = "suppressed", _("Nem ment ki")


# Final for the sending worker: an SMS that is "sent" waits only for its delivery report.
FINAL_STATUSES = (
    MessageStatus.SENT,
    MessageStatus.DELIVERED,
    MessageStatus.FAILED,
    MessageStatus.SUPPRESSED,
)


class OutboundMessage(models.Model):
    """One message to one recipient. The row is the source of truth; the task queue only
    wakes a worker (a sweeper finds lost wake-ups). `message_id` (the Message-ID header) is
    fixed when the row is written and kept across every retry."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        Patient, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(
        _("csatorna"), max_length=10, choices=Channel.choices, default=Channel.EMAIL
    )
    recipient = models.CharField(_("címzett"), max_length=320)
    subject = models.CharField(_("tárgy"), max_length=255)
    body_text = models.TextField(_("szöveg"))
    body_html = models.TextField(_("HTML-szöveg"), blank=True)
    language = models.CharField(_("nyelv"), max_length=5, default="hu")
    status = models.CharField(
        _("állapot"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    attempts = models.PositiveIntegerField(_("kísérletek"), default=0)
    next_attempt_at = models.DateTimeField(_("következő kísérlet"), null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    # When a worker last took the row to send it: the rate limit counts a practice's claims
    # of the last minute per channel (index message_rate).
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(_("utolsó hiba"), blank=True)
    smtp_code = models.PositiveIntegerField(null=True, blank=True)
    message_id = models.CharField(max_length=255, unique=True, editable=False)
    # SMS: the gateway's id of the message (message_id is the client_ref it was sent with),
    # its segment count, when to ask for the delivery report next, when it was delivered.
    gateway_id = models.CharField(max_length=100, blank=True)
    segments = models.PositiveSmallIntegerField(null=True, blank=True)
    report_due_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(_("kézbesítve"), null=True, blank=True)
    # What the message is about (a quote, an invoice, an appointment): kind + id, so any
    # app can queue without this one knowing its models.
    about_kind = models.CharField(max_length=40, blank=True)
    about_id = models.CharField(max_length=40, blank=True)
    created_by = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("létrehozva"), auto_now_add=True)
    sent_at = models.DateTimeField(_("elküldve"), null=True, blank=True)

    class Meta:
        verbose_name = _("kimenő üzenet")
        verbose_name_plural = _("kimenő üzenetek")
        indexes = [
            models.Index(fields=["practice", "patient", "-created_at"], name="message_patient_log"),
            models.Index(fields=["practice", "about_kind", "about_id"], name="message_about"),
            models.Index(fields=["status", "next_attempt_at"], name="message_sweep"),
            models.Index(fields=["status", "report_due_at"], name="message_report_sweep"),
            models.Index(fields=["practice", "channel", "-claimed_at"], name="message_rate"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.recipient}: {self.subject}"


class MessageAttachment(models.Model):
    message = models.ForeignKey(
        OutboundMessage, on_delete=models.CASCADE, related_name="attachments"
    )
    # The tenant id on every tenant-owned table (docs 04-architecture: scaling).
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    content = models.BinaryField()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.filename
