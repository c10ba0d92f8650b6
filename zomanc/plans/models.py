"""Treatment plans and quotes (kezelési terv, árajánlat): a patient's plans, their ordered
phases, a phase's alternative options (A/B/C), the planned items, and the practice's price
lists in HUF and EUR with item names in Hungarian, English and German.

Every change goes through plans.services; a plan is editable only as a draft. Once presented
(a quote issued) it is changed by a new version (plan_revise), which keeps the earlier one
readable as it was."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from zomanc.codes.models import TreatmentItem, VatRate
from zomanc.patients.models import Patient
from zomanc.practices.models import Practice, StaffMember


class Currency(models.TextChoices):
    HUF = "HUF", "HUF (Ft)"
    EUR = "EUR", "EUR (€)"


class QuoteLanguage(models.TextChoices):
    HU = "hu", _("magyar")
    EN = "en", _("angol")
    DE = "de", _("német")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("tervezet")
    PRESENTED = "presented", _("árajánlat kiadva")
    ACCEPTED = "accepted", _("elfogadva")
    REJECTED = "rejected", _("elutasítva")
    EXPIRED = "expired", _("lejárt")
    IN_PROGRESS = "in_progress", _("folyamatban")
    COMPLETED = "completed", _("befejezve")
    # An earlier version replaced by a newer one (readable, never changed again).
    SUPERSEDED = "superseded", _("új verzió váltotta fel")


class PriceList(models.Model):
    """A practice's price list in one currency (e.g. "Magyar árlista" in HUF, "Dental
    tourism" in EUR). A plan without a price list uses the catalogue's HUF prices."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("megnevezés"), max_length=100)
    currency = models.CharField(_("pénznem"), max_length=3, choices=Currency.choices)
    is_active = models.BooleanField(_("aktív"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("árlista")
        verbose_name_plural = _("árlisták")
        constraints = [
            models.UniqueConstraint(fields=["practice", "name"], name="pricelist_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.currency})"


class PriceListEntry(models.Model):
    """A catalogue item's price in a price list and its name in the three quote languages
    (a blank name falls back to the catalogue's Hungarian name)."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="entries")
    treatment = models.ForeignKey(TreatmentItem, on_delete=models.PROTECT, related_name="+")
    price = models.DecimalField(
        _("ár"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    name_hu = models.CharField(_("megnevezés (magyar)"), max_length=200, blank=True)
    name_en = models.CharField(_("megnevezés (angol)"), max_length=200, blank=True)
    name_de = models.CharField(_("megnevezés (német)"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("árlista-tétel")
        verbose_name_plural = _("árlista-tételek")
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "price_list", "treatment"], name="pricelist_unique_item"
            )
        ]

    def __str__(self) -> str:
        return f"{self.price_list_id}: {self.treatment_id} = {self.price}"


class TreatmentPlan(models.Model):
    """One version of a treatment plan. `root` ties the versions together (the first
    version is its own root's origin: root is None there); `version` counts from 1."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="plans")
    doctor = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    title = models.CharField(_("megnevezés"), max_length=200)
    status = models.CharField(
        _("állapot"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    version = models.PositiveIntegerField(_("verzió"), default=1)
    previous = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next_version"
    )
    language = models.CharField(
        _("nyelv"), max_length=2, choices=QuoteLanguage.choices, default=QuoteLanguage.HU
    )
    currency = models.CharField(
        _("pénznem"), max_length=3, choices=Currency.choices, default=Currency.HUF
    )
    price_list = models.ForeignKey(
        PriceList, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # EUR quotes: HUF per 1 EUR and the day it was taken (printed with any HUF figure).
    exchange_rate = models.DecimalField(
        _("árfolyam (Ft/EUR)"), max_digits=10, decimal_places=4, null=True, blank=True
    )
    exchange_rate_date = models.DateField(_("árfolyam dátuma"), null=True, blank=True)
    valid_until = models.DateField(_("érvényes eddig"), null=True, blank=True)
    # Payment terms: an advance payable on acceptance, as a percentage or an amount.
    advance_percent = models.DecimalField(
        _("előleg (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    advance_amount = models.DecimalField(
        _("előleg (összeg)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    note = models.TextField(_("megjegyzés"), blank=True)
    presented_at = models.DateTimeField(_("kiadva"), null=True, blank=True)
    decided_at = models.DateTimeField(_("döntés ideje"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("kezelési terv")
        verbose_name_plural = _("kezelési tervek")
        indexes = [models.Index(fields=["practice", "patient"], name="plan_practice_patient")]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    @property
    def is_draft(self) -> bool:
        return self.status == PlanStatus.DRAFT


class PlanPhase(models.Model):
    """A phase of the plan, in order ("Higiénés kezelés", "Konzerváló kezelés", "Fogpótlás")."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="phases")
    position = models.PositiveSmallIntegerField(_("sorrend"))
    title = models.CharField(_("megnevezés"), max_length=200)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "position"], name="phase_unique_position")
        ]

    def __str__(self) -> str:
        return self.title


class PlanOption(models.Model):
    """An alternative of a phase (A: implant with crown, B: bridge, C: removable denture);
    the patient's choice is `chosen` (at most one per phase)."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    phase = models.ForeignKey(PlanPhase, on_delete=models.CASCADE, related_name="options")
    label = models.CharField(_("jel"), max_length=2)  # "A", "B", "C"
    title = models.CharField(_("megnevezés"), max_length=200)
    chosen = models.BooleanField(_("választott"), default=False)

    class Meta:
        ordering = ["label", "id"]
        constraints = [
            models.UniqueConstraint(fields=["phase", "label"], name="option_unique_label"),
            models.UniqueConstraint(
                fields=["phase"], condition=models.Q(chosen=True), name="option_one_chosen"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.title}"


class PlanItem(models.Model):
    """A planned treatment: the catalogue variant, tooth and surfaces where it needs them,
    quantity, the unit price taken from the price list (in the plan's currency, VAT
    included), a discount (amount or percent) and a note. In an option's phase an item
    belongs either to the phase itself (common to every option) or to one option."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="items")
    phase = models.ForeignKey(PlanPhase, on_delete=models.CASCADE, related_name="items")
    option = models.ForeignKey(
        PlanOption, on_delete=models.CASCADE, null=True, blank=True, related_name="items"
    )
    position = models.PositiveIntegerField(_("sorrend"), default=0)
    treatment = models.ForeignKey(TreatmentItem, on_delete=models.PROTECT, related_name="+")
    # The name in the quote's language, copied when added (a later rename of the catalogue
    # does not change an issued quote).
    name = models.CharField(_("megnevezés"), max_length=200)
    tooth = models.PositiveSmallIntegerField(_("fog"), null=True, blank=True)
    surfaces = models.CharField(_("felszínek"), max_length=5, blank=True)
    canals = models.PositiveSmallIntegerField(_("csatornák"), null=True, blank=True)
    quantity = models.PositiveSmallIntegerField(_("mennyiség"), default=1)
    unit_price = models.DecimalField(_("egységár"), max_digits=12, decimal_places=2)
    discount_percent = models.DecimalField(
        _("kedvezmény (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    discount_amount = models.DecimalField(
        _("kedvezmény (összeg)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    vat_rate = models.CharField(_("áfakulcs"), max_length=3, choices=VatRate.choices)
    note = models.CharField(_("megjegyzés"), max_length=300, blank=True)
    done_at = models.DateTimeField(_("elvégezve"), null=True, blank=True)
    # The appointment the item is booked to (plans/booking_services.py). Kept when that
    # appointment is cancelled or has passed (the history); it then no longer counts as
    # booked, and booking the item again moves the link to the new appointment.
    appointment = models.ForeignKey(
        "scheduling.Appointment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="plan_items",
        db_index=False,  # indexed below, practice first
        verbose_name=_("időpont"),
    )
    # The visit it was carried out in (None: marked done on the plan page, without a visit).
    done_visit = models.ForeignKey(
        "clinical.Visit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("elvégezve ennél az ellátásnál"),
    )
    # The procedure that carried it out (recorded from the item, or ticked off against it):
    # removing that procedure from the visit opens the item again (clinical_hooks.py).
    done_procedure = models.ForeignKey(
        "clinical.VisitProcedure",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("elvégző beavatkozás"),
    )

    class Meta:
        ordering = ["position", "id"]
        indexes = [
            # The calendar reads the items of a window's appointments in one query.
            models.Index(fields=["practice", "appointment"], name="planitem_practice_appt")
        ]

    def __str__(self) -> str:
        return self.name


class SignatureKind(models.TextChoices):
    SCREEN = "screen", _("aláírás a képernyőn")
    PAPER = "paper", _("aláírt papír (szkennelve)")


class PlanSignature(models.Model):
    """The patient's acceptance: the signature image, the exact quote he signed (the PDF
    rendered at signing, of this plan version) and its SHA-256, stored together and never
    changed, so the signed quote can be shown unaltered years later.

    Signed on the screen (kind screen: `image_png` from the canvas) or on paper (kind paper:
    the uploaded scan in `paper`, its type sniffed from its bytes and its own SHA-256). One
    model for both: a plan version has one acceptance whichever way it was signed (the
    one-to-one holds it), and the quote, its hash and the pages that show them are the same
    (docs/plans.md, "Acceptance")."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    plan = models.OneToOneField(TreatmentPlan, on_delete=models.PROTECT, related_name="signature")
    version = models.PositiveIntegerField(_("verzió"))
    signer_name = models.CharField(_("aláíró neve"), max_length=200)
    kind = models.CharField(
        _("az aláírás módja"),
        max_length=6,
        choices=SignatureKind.choices,
        default=SignatureKind.SCREEN,
    )
    image_png = models.BinaryField(_("aláírás (PNG)"), blank=True)  # empty for paper
    # The scanned signed paper, as uploaded (PDF, JPEG or PNG); empty for a screen signature.
    paper = models.BinaryField(_("aláírt papír"), blank=True, default=b"")
    paper_type = models.CharField(_("a papír fájltípusa"), max_length=20, blank=True, default="")
    paper_name = models.CharField(
        _("a feltöltött fájl neve"), max_length=200, blank=True, default=""
    )
    paper_sha256 = models.CharField(
        _("a papír SHA-256 lenyomata"), max_length=64, blank=True, default=""
    )
    quote_pdf = models.BinaryField(_("aláírt árajánlat (PDF)"))
    quote_sha256 = models.CharField(_("az árajánlat SHA-256 lenyomata"), max_length=64)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(_("aláírás ideje"), auto_now_add=True)

    class Meta:
        verbose_name = _("aláírt árajánlat")
        verbose_name_plural = _("aláírt árajánlatok")
        constraints = [
            # A paper acceptance has its scan's type and hash; a screen one has neither.
            models.CheckConstraint(
                condition=(
                    models.Q(kind=SignatureKind.SCREEN, paper_type="", paper_sha256="")
                    | (
                        models.Q(kind=SignatureKind.PAPER)
                        & ~models.Q(paper_type="")
                        & ~models.Q(paper_sha256="")
                    )
                ),
                name="plansignature_kind_paper",
            )
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} v{self.version} {self.quote_sha256[:12]}"

    @property
    def paper_type_name(self) -> str:
        names = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}
        return names.get(self.paper_type, self.paper_type)
