"""The chart ("karton"): visits (ellátás) of a patient with their activities — text sections,
BNO diagnoses, procedures from the practice's catalogue, tooth findings — and the immutable
revisions a closed visit gets. Every write goes through services.py."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zomanc.clinical.teeth import ToothStatus
from zomanc.codes.models import BnoCode, TreatmentItem, VatRate
from zomanc.patients.models import Patient
from zomanc.practices.models import Company, OrgUnit, Practice, StaffMember


class VisitStatus(models.TextChoices):
    OPEN = "open", _("nyitott")
    CLOSED = "closed", _("lezárt")


class Visit(models.Model):
    """One episode of care. Open while care goes on; closed = locked (revision 1 is the
    content at closing); corrections add revisions 2, 3, … with a reason."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="visits", verbose_name=_("páciens")
    )
    doctor = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("felelős orvos"),
    )
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="+", verbose_name=_("cég")
    )
    org_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("szervezeti egység")
    )
    # The calendar appointment the visit was opened from, if any.
    appointment = models.ForeignKey(
        "scheduling.Appointment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("időpont"),
    )
    started_at = models.DateTimeField(_("ellátás kezdete"))
    closed_at = models.DateTimeField(_("lezárás ideje"), null=True, blank=True)
    status = models.CharField(
        _("állapot"), max_length=10, choices=VisitStatus.choices, default=VisitStatus.OPEN
    )
    # Text sections of the activity entry.
    anamnesis = models.TextField(_("anamnézis"), blank=True)
    status_text = models.TextField(_("státusz"), blank=True)
    therapy = models.TextField(_("terápia / beavatkozás"), blank=True)
    advice = models.TextField(_("javaslat"), blank=True)
    # Filled by the EESZT module when an e-referral is used for this visit; NULL = none used
    # (NULL rather than "" so "no referral" cannot be confused with an empty id).
    referral_id = models.CharField(  # noqa: DJ001
        _("beutaló azonosítója"), max_length=60, null=True, blank=True
    )
    referral_summary = models.TextField(_("beutaló"), null=True, blank=True)  # noqa: DJ001
    # Number of the latest revision (0 while open and never closed).
    revision = models.PositiveIntegerField(_("revízió"), default=0)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("ellátás")
        verbose_name_plural = _("ellátások")
        constraints = [
            # One open visit per patient: the entry box always knows where to write.
            models.UniqueConstraint(
                fields=["practice", "patient"],
                condition=Q(status="open"),
                name="visit_one_open_per_patient",
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(closed_at__isnull=False),
                name="visit_closed_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["practice", "patient", "-started_at"], name="visit_patient"),
        ]

    def __str__(self) -> str:
        return f"{self.patient} {timezone.localtime(self.started_at):%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.status == VisitStatus.OPEN


class VisitDiagnosis(models.Model):
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="diagnoses")
    bno = models.ForeignKey(BnoCode, on_delete=models.PROTECT, related_name="+")
    # Copied at entry: the record keeps what was chosen even if the table is re-imported.
    code = models.CharField(_("BNO-kód"), max_length=5)
    name = models.CharField(_("megnevezés"), max_length=300)
    is_primary = models.BooleanField(_("fő diagnózis"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("diagnózis")
        verbose_name_plural = _("diagnózisok")
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "code"], name="diagnosis_unique_code"),
            models.UniqueConstraint(
                fields=["visit"], condition=Q(is_primary=True), name="diagnosis_one_primary"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class VisitProcedure(models.Model):
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="procedures")
    treatment = models.ForeignKey(TreatmentItem, on_delete=models.PROTECT, related_name="+")
    # Copied at entry: later catalogue edits must not change what was done and charged.
    name = models.CharField(_("megnevezés"), max_length=200)
    oeno_code = models.CharField(_("OENO-kód"), max_length=5, blank=True)
    tooth = models.PositiveSmallIntegerField(_("fog"), null=True, blank=True)
    surfaces = models.CharField(_("felszínek"), max_length=5, blank=True)
    quantity = models.PositiveSmallIntegerField(_("mennyiség"), default=1)
    unit_price = models.DecimalField(_("egységár (Ft)"), max_digits=10, decimal_places=0)
    vat_rate = models.CharField(_("áfakulcs"), max_length=3, choices=VatRate.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("beavatkozás")
        verbose_name_plural = _("beavatkozások")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.tooth or ''} {self.surfaces} {self.name}".strip()


class ToothFinding(models.Model):
    """A tooth (or surface) status recorded on a visit — by the status keyword or as the
    result of a procedure (procedure set). The chart as it stood at any visit is the fold of
    the patient's findings in visit order (teeth.chart_build), so history needs no copies."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="findings")
    procedure = models.ForeignKey(
        VisitProcedure, on_delete=models.CASCADE, null=True, related_name="findings"
    )
    tooth = models.PositiveSmallIntegerField(_("fog"))
    surfaces = models.CharField(_("felszínek"), max_length=5, blank=True)
    status = models.CharField(_("státusz"), max_length=30, choices=ToothStatus.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("fogstátusz")
        verbose_name_plural = _("fogstátuszok")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.tooth} {self.surfaces} {self.status}".strip()


class VisitRevision(models.Model):
    """Immutable snapshot of a closed visit (selectors.visit_snapshot): number 1 at closing,
    2, 3, … for each correction. Inserted only; nothing updates or deletes one."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField(_("revízió"))
    reason = models.TextField(_("javítás indoka"), blank=True)
    content = models.JSONField(_("tartalom"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("revízió")
        verbose_name_plural = _("revíziók")
        ordering = ["visit", "number"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "number"], name="revision_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.visit_id} #{self.number}"
