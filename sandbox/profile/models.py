"""eProfil (contract §7; Eüak §35/J, 39/2016 §18): the patient's summary entries, each
versioned — a modification adds a version, the old one stays in the history."""

from __future__ import annotations

from django.db import models


class Category(models.TextChoices):
    """Our codes for the categories seen on the real eProfil."""

    ALLERGY = "ALLERGIA", "Allergia"
    DRUG_INTOLERANCE = "GYOGYSZER_INTOLERANCIA", "Gyógyszer-intolerancia"
    IMPLANT = "IMPLANTATUM", "Implantátum"
    CHRONIC_DISEASE = "KRONIKUS_BETEGSEG", "Krónikus betegség"
    CARE_PROGRAMME = "GONDOZASI_PROGRAM", "Gondozási program"
    DIAGNOSED_DISEASE = "DIAGNOZIS", "Diagnosztizált betegség"
    CURRENT_MEDICATION = "AKTUALIS_GYOGYSZER", "Aktuális gyógyszerelés"


# Categories whose code is a BNO-10 code (checked against the NEAK table).
BNO_CATEGORIES = frozenset({Category.CHRONIC_DISEASE, Category.DIAGNOSED_DISEASE})


class BasisType(models.TextChoices):
    EVENT = "ESEMENY", "eKAT esemény"
    DOCUMENT = "DOKUMENTUM", "EHR dokumentum"


class Action(models.TextChoices):
    CREATE = "LETREHOZAS", "Létrehozás"
    UPDATE = "MODOSITAS", "Módosítás"
    DELETE = "TORLES", "Törlés"


class ProfileEntry(models.Model):
    entry_id = models.CharField(max_length=18, unique=True)
    patient = models.ForeignKey(
        "sandbox_registry.Patient", on_delete=models.PROTECT, related_name="profile_entries"
    )
    category = models.CharField(max_length=24, choices=Category.choices)
    # Only the creating institution may delete.
    institution = models.ForeignKey("sandbox_registry.Institution", on_delete=models.PROTECT)
    created_by = models.ForeignKey("sandbox_registry.User", on_delete=models.PROTECT)
    created_at = models.DateTimeField()
    current = models.ForeignKey(
        "ProfileEntryVersion", null=True, on_delete=models.PROTECT, related_name="+"
    )
    deleted = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["patient", "deleted"])]

    def __str__(self) -> str:
        return self.entry_id


class ProfileEntryVersion(models.Model):
    """One state of an entry: who wrote it, when, on what basis, why."""

    entry = models.ForeignKey(ProfileEntry, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    action = models.CharField(max_length=10, choices=Action.choices)
    code = models.CharField(max_length=40, blank=True)
    text = models.TextField()
    note = models.TextField(blank=True)
    basis_type = models.CharField(max_length=10, choices=BasisType.choices, blank=True)
    basis_id = models.CharField(max_length=40, blank=True)
    reason = models.TextField(blank=True)  # required for updates and deletions
    institution = models.ForeignKey("sandbox_registry.Institution", on_delete=models.PROTECT)
    user = models.ForeignKey("sandbox_registry.User", on_delete=models.PROTECT)
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "version"], name="profile_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.entry.entry_id} v{self.version}"


class ProfileProhibition(models.Model):
    """The patient forbade the eProfil (every call about it → PROFILE_FORBIDDEN)."""

    patient = models.OneToOneField(
        "sandbox_registry.Patient", on_delete=models.CASCADE, related_name="profile_prohibition"
    )
    since = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.patient_id} since {self.since}"
