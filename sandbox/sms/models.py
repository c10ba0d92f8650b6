"""The SMS gateway stand-in's store: the practices' gateway accounts (an API key each), every
message accepted (one per account and client reference), and the operator's fault switch."""

from __future__ import annotations

from django.db import models


class SmsAccount(models.Model):
    """A practice's account at the gateway; its API key is shown on the page (made-up data)."""

    name = models.CharField(max_length=200)
    api_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class SmsStatus(models.TextChoices):
    ACCEPTED = "accepted", "Átvéve"
    DELIVERED = "delivered", "Kézbesítve"
    FAILED = "failed", "Nem kézbesíthető"


class SmsMessage(models.Model):
    account = models.ForeignKey(SmsAccount, on_delete=models.CASCADE, related_name="messages")
    public_id = models.CharField(max_length=40, unique=True)
    client_ref = models.CharField(max_length=100)
    to = models.CharField(max_length=20)
    text = models.TextField()
    encoding = models.CharField(max_length=5)
    segments = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=SmsStatus.choices)
    accepted_at = models.DateTimeField()
    # The delivery report comes this long after acceptance (settled when read).
    settles_at = models.DateTimeField()
    final_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)
    # How many POSTs carried this client reference (1 = never repeated).
    submissions = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-accepted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["account", "client_ref"], name="sms_client_ref_once")
        ]

    def __str__(self) -> str:
        return f"{self.public_id} → {self.to}"


class SmsFaults(models.Model):
    """The one row (pk=1) of failures on demand: 503 for the next N requests, 503 for a share
    of requests, and "accept, then lose the answer" (stored, 504 instead of 202) for the next N."""

    fail_next = models.PositiveIntegerField(default=0)
    fail_share = models.FloatField(default=0)
    lose_answer_next = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"503×{self.fail_next}, {self.fail_share:.0%}, 504×{self.lose_answer_next}"
