"""Reference code sets: the NEAK BNO-10 table and each practice's treatment catalogue."""

from decimal import Decimal

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from zomanc.practices.models import Practice


class BnoCode(models.Model):
    """One row of the NEAK BNOTORZS table (not tenant-owned: national reference data).

    Imported by `manage.py bno_import`; see zomanc/codes/data/PROVENANCE.md."""

    code = models.CharField(_("BNO-kód"), max_length=5)
    name = models.CharField(_("megnevezés"), max_length=300)
    # NEM: 0 = both sexes, 1 = male only, 2 = female only (NEAK coding).
    sex = models.PositiveSmallIntegerField(_("nem"), default=0)
    age_min = models.PositiveSmallIntegerField(_("életkor-tól"), default=0)
    age_max = models.PositiveSmallIntegerField(_("életkor-ig"), default=99)
    valid_from = models.DateField(_("érvényesség kezdete"))
    valid_to = models.DateField(_("érvényesség vége"))
    # JEL: "+" = etiology (dagger) code, "*" = manifestation (asterisk) code that only
    # complements a "+" code, never the primary diagnosis; "" = ordinary code.
    mark = models.CharField(_("jelölés"), max_length=1, blank=True, default="")
    # Accent-free lower-case "code name" for the picker's search.
    search_text = models.CharField(max_length=320, editable=False)

    class Meta:
        verbose_name = _("BNO-kód")
        verbose_name_plural = _("BNO-kódok")
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="bno_unique_code_from")
        ]
        indexes = [models.Index(fields=["code"], name="bno_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class VatRate(models.TextChoices):
    # Most dental care is VAT-exempt (Áfa tv. 85. § (1) c)); cosmetic work carries 27 %.
    EXEMPT = "AAM", _("Áfamentes (AAM)")
    STANDARD_27 = "27", _("27 %")


class TreatmentItem(models.Model):
    """An item of the practice's treatment catalogue (kezelési katalógus)."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="treatments")
    name = models.CharField(_("megnevezés"), max_length=200)
    # Short keyword for the keyboard command line ("töm", "ext", "gyök").
    shortcut = models.CharField(_("gyorsbillentyű"), max_length=20, blank=True)
    price = models.DecimalField(
        _("ár (Ft)"), max_digits=10, decimal_places=0, validators=[MinValueValidator(Decimal(0))]
    )
    vat_rate = models.CharField(
        _("áfakulcs"), max_length=3, choices=VatRate.choices, default=VatRate.EXEMPT
    )
    duration_minutes = models.PositiveSmallIntegerField(_("időtartam (perc)"), default=30)
    oeno_code = models.CharField(
        _("OENO-kód"),
        max_length=5,
        blank=True,
        validators=[RegexValidator(r"^[0-9]{5}$", _("Az OENO-kód pontosan 5 számjegy."))],
    )
    needs_tooth = models.BooleanField(_("fog megadása kötelező"), default=False)
    needs_surfaces = models.BooleanField(_("felszín megadása kötelező"), default=False)
    # Tooth status the procedure leaves behind (e.g. filling → "filling"); blank = no change.
    resulting_status = models.CharField(_("eredő fogstátusz"), max_length=30, blank=True)
    is_active = models.BooleanField(_("aktív"), default=True)

    class Meta:
        verbose_name = _("kezelés")
        verbose_name_plural = _("kezelési katalógus")
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "shortcut"],
                condition=~models.Q(shortcut=""),
                name="treatment_unique_shortcut",
            )
        ]

    def __str__(self) -> str:
        return self.name
