"""e-Beutaló (contract §8, domain doc; 217/1997 Korm. r. §3/A, §4/A, §5/E–H)."""

from __future__ import annotations

import datetime as dt

from django.db import models


class ReferralStatus(models.TextChoices):
    """Ours (the real statuses are not public). LEJART is never stored: an issued referral
    past its validity *reads* as LEJART (``Referral.status_at``)."""

    ISSUED = "KIADOTT", "Kiadott"
    BOOKED = "LEFOGLALT", "Lefoglalt"
    USED = "FELHASZNALT", "Felhasznált"
    COMPLETED = "TELJESITETT", "Teljesített"
    REVOKED = "VISSZAVONT", "Visszavont"
    EXPIRED = "LEJART", "Lejárt"


class Referral(models.Model):
    referral_id = models.CharField(max_length=18, unique=True)
    patient = models.ForeignKey(
        "sandbox_registry.Patient", on_delete=models.PROTECT, related_name="referrals"
    )
    # Mandatory content (217/1997 §3/A): referring doctor + workplace code, patient name +
    # TAJ (the patient row), target, log number, short history, diagnosis text + BNO or the
    # question, issue date.
    referring_doctor = models.ForeignKey("sandbox_registry.Doctor", on_delete=models.PROTECT)
    referring_institution = models.ForeignKey(
        "sandbox_registry.Institution", on_delete=models.PROTECT, related_name="+"
    )
    referring_org_unit = models.ForeignKey(
        "sandbox_registry.OrgUnit", on_delete=models.PROTECT, related_name="+"
    )
    log_number = models.CharField(max_length=40)  # naplószám at the referring provider
    target_specialty = models.CharField(max_length=20)
    # None: any provider of the target specialty (the patient chooses).
    target_institution = models.ForeignKey(
        "sandbox_registry.Institution",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    history = models.TextField()  # rövid kórelőzmény
    diagnosis_text = models.CharField(max_length=200, blank=True)
    diagnosis_code = models.CharField(max_length=5, blank=True)  # BNO-10
    question = models.TextField(blank=True)  # kérdés a szakorvoshoz
    issued_at = models.DateTimeField()
    valid_until = models.DateTimeField()  # issued + 90 days
    status = models.CharField(
        max_length=12, choices=ReferralStatus.choices, default=ReferralStatus.ISSUED
    )
    booked_institution = models.ForeignKey(
        "sandbox_registry.Institution",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    booked_org_unit = models.ForeignKey(
        "sandbox_registry.OrgUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    booked_by = models.ForeignKey(
        "sandbox_registry.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    booked_at = models.DateTimeField(null=True, blank=True)
    event = models.ForeignKey(
        "sandbox_ekat.Event", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    used_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["patient", "target_specialty", "status"]),
            models.Index(fields=["target_institution", "patient"]),
            models.Index(fields=["booked_institution", "patient"]),
        ]

    def __str__(self) -> str:
        return self.referral_id

    def status_at(self, at: dt.datetime) -> str:
        """The status as the caller sees it at ``at`` (an issued referral expires)."""
        if self.status == ReferralStatus.ISSUED and at >= self.valid_until:
            return ReferralStatus.EXPIRED
        return self.status
