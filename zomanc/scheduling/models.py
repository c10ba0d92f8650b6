"""The calendar (Naptár): the practice's chairs (szék / kezelőegység) and the appointments
booked on them. Overlap rules and every write live in services.py; this module only holds
the shape of the data and the database-level guards."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from zomanc.codes.models import TreatmentItem
from zomanc.patients.models import Patient
from zomanc.practices.models import Company, OrgUnit, Practice, StaffMember


class Chair(models.Model):
    """A treatment chair (kezelőegység). Deactivated, never deleted: its past appointments
    must keep pointing at it."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="chairs")
    name = models.CharField(_("megnevezés"), max_length=60)
    position = models.PositiveSmallIntegerField(_("sorrend"), default=0)
    is_active = models.BooleanField(_("aktív"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("szék")
        verbose_name_plural = _("székek")
        ordering = ["position", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "name"], name="chair_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("foglalt")
    ARRIVED = "arrived", _("megérkezett")
    CANCELLED = "cancelled", _("lemondva")


class Appointment(models.Model):
    """A booked slot: one patient with one doctor on one chair, for one company/org unit
    (the unit the visit opened from it will be reported under)."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("páciens")
    )
    doctor = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("orvos")
    )
    chair = models.ForeignKey(
        Chair, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("szék")
    )
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="+", verbose_name=_("cég")
    )
    org_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("szervezeti egység")
    )
    treatment = models.ForeignKey(
        TreatmentItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("tervezett kezelés"),
    )
    starts_at = models.DateTimeField(_("kezdés"))
    ends_at = models.DateTimeField(_("befejezés"))
    note = models.CharField(_("megjegyzés"), max_length=500, blank=True)
    status = models.CharField(
        _("állapot"),
        max_length=12,
        choices=AppointmentStatus.choices,
        default=AppointmentStatus.BOOKED,
    )
    cancel_reason = models.CharField(_("lemondás oka"), max_length=300, blank=True)
    cancelled_at = models.DateTimeField(_("lemondás ideje"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("időpont")
        verbose_name_plural = _("időpontok")
        ordering = ["starts_at", "id"]
        constraints = [
            # The service says it in Hungarian first; this keeps raw writes honest too.
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="appointment_end_after_start"
            )
        ]
        indexes = [
            # The calendar reads a time window of the practice, optionally one chair/doctor;
            # the overlap check reads a window of one chair or one doctor.
            models.Index(fields=["practice", "starts_at"], name="appt_practice_start"),
            models.Index(fields=["practice", "chair", "starts_at"], name="appt_chair_start"),
            models.Index(fields=["practice", "doctor", "starts_at"], name="appt_doctor_start"),
            models.Index(fields=["practice", "patient", "starts_at"], name="appt_patient_start"),
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M} {self.patient}"

    @property
    def is_cancelled(self) -> bool:
        return self.status == AppointmentStatus.CANCELLED

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)
