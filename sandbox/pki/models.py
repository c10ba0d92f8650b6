from __future__ import annotations

from django.db import models


class CertKind(models.TextChoices):
    WAF = "WAF", "Intézményi WAF-SSL tanúsítvány"
    EID = "EID", "eSzemélyi kártya tanúsítvány"


class IssuedCertificate(models.Model):
    kind = models.CharField(max_length=3, choices=CertKind.choices)
    serial_hex = models.CharField(max_length=64, unique=True)
    fingerprint_sha256 = models.CharField(max_length=64, unique=True)
    subject = models.CharField(max_length=400)
    institution = models.ForeignKey(
        "sandbox_registry.Institution", null=True, blank=True, on_delete=models.CASCADE
    )
    # For eID certs: the person the card belongs to (activation is a separate step).
    user = models.ForeignKey(
        "sandbox_registry.User", null=True, blank=True, on_delete=models.CASCADE
    )
    not_before = models.DateTimeField()
    not_after = models.DateTimeField()
    pem = models.TextField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.kind} {self.subject}"


class SmsMessage(models.Model):
    """The SMS outbox: the sandbox never sends real SMS; the portal lists these."""

    phone = models.CharField(max_length=20)
    text = models.TextField()
    institution = models.ForeignKey(
        "sandbox_registry.Institution", null=True, blank=True, on_delete=models.CASCADE
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.phone}: {self.text[:40]}"
