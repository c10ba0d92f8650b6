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


class VariantBasis(models.TextChoices):
    """What tells the variants of a catalogue family apart (codes.catalogue_selectors
    .treatment_variant_for picks the variant)."""

    SURFACES = "surfaces", _("felszínek száma")
    CANALS = "canals", _("gyökércsatornák száma")


# The highest variant count; a variant of this count stands for "this many or more" (4+).
VARIANT_COUNT_MAX = 4


class TreatmentItem(models.Model):
    """An item of the practice's treatment catalogue (kezelési katalógus).

    Items may form a family (same `family` name, e.g. "Kompozit tömés") whose variants
    differ by `variant_basis` (surfaces or root canals) and `variant_count` (1, 2, 3, 4 = 4+).
    An item with a count is fixed to it: it refuses any other number of surfaces/canals."""

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
    family = models.CharField(_("család"), max_length=100, blank=True)
    variant_basis = models.CharField(
        _("változatok alapja"), max_length=10, choices=VariantBasis.choices, blank=True
    )
    variant_count = models.PositiveSmallIntegerField(
        _("változat (darabszám)"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("kezelés")
        verbose_name_plural = _("kezelési katalógus")
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "shortcut"],
                condition=~models.Q(shortcut=""),
                name="treatment_unique_shortcut",
            ),
            # One active variant per count in a family (an inactive one may be replaced).
            models.UniqueConstraint(
                fields=["practice", "family", "variant_count"],
                condition=~models.Q(family="") & models.Q(is_active=True),
                name="treatment_unique_variant",
            ),
            models.CheckConstraint(
                condition=models.Q(variant_count__isnull=True)
                | models.Q(variant_count__gte=1, variant_count__lte=VARIANT_COUNT_MAX),
                name="treatment_variant_count_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def variant_label(self) -> str:
        """ "3 felszín", "4+ csatorna"; "" for an item without a fixed count."""
        if self.variant_count is None or not self.variant_basis:
            return ""
        count = str(self.variant_count) + ("+" if self.variant_count >= VARIANT_COUNT_MAX else "")
        unit = _("felszín") if self.variant_basis == VariantBasis.SURFACES else _("csatorna")
        return f"{count} {unit}"
