from __future__ import annotations

from django.db import models


class AuthMethod(models.TextChoices):
    CARD = "CARD", "eSzemélyi kártya"
    TOKEN = "TOKEN", "Token"
    MOBILE = "MOBILE", "Mobiltoken"


class Challenge(models.Model):
    """A card-login nonce: valid 2 minutes, consumed by the first CardLogin that names it."""

    user = models.ForeignKey("sandbox_registry.User", on_delete=models.CASCADE)
    nonce = models.CharField(max_length=64, unique=True)  # hex
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id}:{self.nonce[:8]}…"


class CardActivation(models.Model):
    """Card certificate bound to a user on the portal (step 5 of the guide)."""

    user = models.ForeignKey("sandbox_registry.User", on_delete=models.CASCADE)
    certificate = models.OneToOneField("sandbox_pki.IssuedCertificate", on_delete=models.CASCADE)
    activated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.user_id} kártya {self.certificate_id}"


class IdpSession(models.Model):
    """One issued assertion. Logout ends it before its NotOnOrAfter."""

    assertion_id = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey("sandbox_registry.User", on_delete=models.CASCADE)
    method = models.CharField(max_length=6, choices=AuthMethod.choices)
    issued_at = models.DateTimeField()
    not_on_or_after = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.assertion_id


class LoginFailure(models.Model):
    user = models.ForeignKey("sandbox_registry.User", on_delete=models.CASCADE)
    at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.user_id} {self.at:%Y-%m-%d %H:%M}"


class UserLock(models.Model):
    user = models.OneToOneField("sandbox_registry.User", on_delete=models.CASCADE)
    until = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.user_id} → {self.until:%Y-%m-%d %H:%M}"


class UsedOtp(models.Model):
    """A TOTP time step already accepted for (user, kind): the same code never works twice."""

    user = models.ForeignKey("sandbox_registry.User", on_delete=models.CASCADE)
    kind = models.CharField(max_length=6, choices=AuthMethod.choices)
    step = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "step"], name="used_otp_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.step}"
