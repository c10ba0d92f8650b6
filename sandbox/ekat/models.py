from __future__ import annotations

from django.db import models


class EventStatus(models.TextChoices):
    OPEN = "NYITOTT", "Nyitott"
    CLOSED = "LEZART", "Lezárt"
    DELETED = "TOROLT", "Törölt"


class Event(models.Model):
    event_id = models.CharField(max_length=18, unique=True)
    patient = models.ForeignKey("sandbox_registry.Patient", on_delete=models.PROTECT)
    institution = models.ForeignKey("sandbox_registry.Institution", on_delete=models.PROTECT)
    org_unit = models.ForeignKey("sandbox_registry.OrgUnit", on_delete=models.PROTECT)
    client_visit_id = models.CharField(max_length=40)
    care_type = models.CharField(max_length=12)
    specialty = models.CharField(max_length=20)
    event_time = models.DateTimeField()
    end_time = models.DateTimeField(null=True, blank=True)
    recorded_time = models.DateTimeField()
    responsible = models.ForeignKey("sandbox_registry.Doctor", on_delete=models.PROTECT)
    referral_id = models.CharField(max_length=40, blank=True)
    working_diagnosis = models.CharField(max_length=5, blank=True)
    diagnoses = models.JSONField(default=list)
    procedures = models.JSONField(default=list)
    status = models.CharField(max_length=7, choices=EventStatus.choices, default=EventStatus.OPEN)
    reported_by = models.ForeignKey("sandbox_registry.User", on_delete=models.PROTECT)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            # One open outpatient event per (patient, org unit, client visit id).
            models.UniqueConstraint(
                fields=["patient", "org_unit", "client_visit_id"],
                condition=models.Q(status="NYITOTT"),
                name="event_one_open_per_visit",
            )
        ]
        indexes = [models.Index(fields=["patient", "event_time"])]

    def __str__(self) -> str:
        return self.event_id


class EventRevision(models.Model):
    """What a correction or deletion changed, why, by whom (the event keeps the new state)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="revisions")
    kind = models.CharField(max_length=10)  # JAVITAS | TORLES
    reason = models.TextField()
    by = models.ForeignKey("sandbox_registry.User", on_delete=models.PROTECT)
    at = models.DateTimeField()
    before = models.JSONField()

    def __str__(self) -> str:
        return f"{self.event.event_id} {self.kind}"
