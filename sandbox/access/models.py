"""Patient-side access controls (DÖR, waivers), breakglass grants and the access log
(contract §6, domain doc "Access rules")."""

from __future__ import annotations

from django.db import models


class DorScope(models.TextChoices):
    """What a DÖR (digitális önrendelkezés) restriction names (Eüak §35/H)."""

    INSTITUTION = "INTEZMENY", "Intézmény"
    USER = "FELHASZNALO", "Felhasználó"
    CATEGORY = "KATEGORIA", "Adatkategória (szakma)"


class DorRestriction(models.Model):
    """The patient forbids access by an institution, a named user, or to a data category.

    Law: changes take effect "within 24 h". We store the moment it applies from/until
    (``SANDBOX_DOR_DELAY_HOURS`` after the change, 0 = at once) so either policy is exact.
    """

    patient = models.ForeignKey(
        "sandbox_registry.Patient", on_delete=models.CASCADE, related_name="dor_restrictions"
    )
    scope = models.CharField(max_length=12, choices=DorScope.choices)
    # institution id (6), user id ("O58012"), or specialty code ("PSZICH")
    value = models.CharField(max_length=40)
    created_at = models.DateTimeField()
    effective_from = models.DateTimeField()
    lifted_at = models.DateTimeField(null=True, blank=True)
    effective_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["patient", "effective_from"])]

    def __str__(self) -> str:
        return f"{self.patient_id} {self.scope}={self.value}"


class Waiver(models.Model):
    """The patient's written waiver: this doctor may see restricted data for 24 h (§35/I(3))."""

    patient = models.ForeignKey(
        "sandbox_registry.Patient", on_delete=models.CASCADE, related_name="waivers"
    )
    doctor = models.ForeignKey("sandbox_registry.Doctor", on_delete=models.CASCADE)
    granted_at = models.DateTimeField()
    valid_until = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["patient", "doctor", "valid_until"])]

    def __str__(self) -> str:
        return f"{self.patient_id} -> {self.doctor_id} until {self.valid_until}"


class BreakglassReason(models.TextChoices):
    """Our reason codes (the real list is not public)."""

    LIFE_THREAT = "ELETVESZELY", "Életveszély"
    UNCONSCIOUS = "ESZMELETLEN", "Eszméletlen beteg"
    URGENT_CARE = "SURGOS_ELLATAS", "Sürgős ellátás"
    OTHER = "EGYEB", "Egyéb (indoklással)"


class BreakglassGrant(models.Model):
    """Emergency access of one user to one patient, time-limited, always flagged."""

    user = models.ForeignKey("sandbox_registry.User", on_delete=models.PROTECT)
    patient = models.ForeignKey(
        "sandbox_registry.Patient", on_delete=models.CASCADE, related_name="breakglass_grants"
    )
    institution = models.ForeignKey("sandbox_registry.Institution", on_delete=models.PROTECT)
    org_unit = models.ForeignKey("sandbox_registry.OrgUnit", on_delete=models.PROTECT)
    reason_code = models.CharField(max_length=16, choices=BreakglassReason.choices)
    justification = models.TextField(blank=True)
    granted_at = models.DateTimeField()
    valid_until = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "patient", "valid_until"])]

    def __str__(self) -> str:
        return f"{self.user_id} -> {self.patient_id} until {self.valid_until}"


class Outcome(models.TextChoices):
    ALLOWED = "ENGEDELYEZVE", "Engedélyezve"
    DENIED = "ELUTASITVA", "Elutasítva"
    BREAKGLASS = "SURGOSSEGI", "Sürgősségi hozzáférés"


class AccessLogEntry(models.Model):
    """One access decision (allowed, denied or breakglass) — what the patient sees on the
    portal (Eüak §35/D: who, which institution / org unit, when, what). Kept: never deleted
    (the law asks for 25 years)."""

    patient = models.ForeignKey(
        "sandbox_registry.Patient", on_delete=models.PROTECT, related_name="access_log"
    )
    at = models.DateTimeField()
    user = models.ForeignKey("sandbox_registry.User", on_delete=models.PROTECT)
    institution = models.ForeignKey("sandbox_registry.Institution", on_delete=models.PROTECT)
    org_unit = models.ForeignKey("sandbox_registry.OrgUnit", on_delete=models.PROTECT)
    role = models.CharField(max_length=20)
    service = models.CharField(max_length=20)
    operation = models.CharField(max_length=40, blank=True)
    # What was read: a document id with version, an entry id, or "12 dokumentum".
    item = models.CharField(max_length=100, blank=True)
    category = models.CharField(max_length=20, blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    code = models.CharField(max_length=40, blank=True)  # fault code when denied
    reason = models.TextField(blank=True)
    breakglass = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["patient", "at"])]
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} {self.outcome} {self.item}"
