"""The mail catcher's store: every message the sandbox's SMTP listener accepted, as it came
(the raw bytes) and as a person reads it (headers, text and HTML parts, attachments)."""

from __future__ import annotations

from django.db import models


class CaughtMessage(models.Model):
    received_at = models.DateTimeField(db_index=True)
    # The SMTP conversation: who connected, how it introduced itself, whom it logged in as
    # (the password is never kept), the envelope sender and recipients.
    peer = models.CharField(max_length=100, blank=True)
    helo = models.CharField(max_length=255, blank=True)
    auth_user = models.CharField(max_length=255, blank=True)
    tls = models.BooleanField(default=False)
    mail_from = models.CharField(max_length=320, blank=True)
    rcpt_tos = models.JSONField(default=list)
    # From the message itself.
    message_id = models.CharField(max_length=998, blank=True, db_index=True)
    subject = models.TextField(blank=True)
    from_header = models.TextField(blank=True)
    to_header = models.TextField(blank=True)
    headers = models.JSONField(default=list)  # [[name, value], ...] in the order they came
    text_body = models.TextField(blank=True)
    html_body = models.TextField(blank=True)
    raw = models.BinaryField()
    size = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.received_at:%Y-%m-%d %H:%M} {self.subject}"


class CaughtAttachment(models.Model):
    message = models.ForeignKey(CaughtMessage, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=255)
    data = models.BinaryField()
    size = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.filename
