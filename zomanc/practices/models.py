"""Tenants and their people: the practice (rendelő), its companies (cég, each an EESZT
institution with org units) and its staff with roles."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

institution_id_validator = RegexValidator(
    r"^[0-9A-Z]{6}$", _("Az intézményazonosító 6 karakter: számjegyek és nagybetűk (pl. 506097).")
)
org_unit_code_validator = RegexValidator(
    r"^[0-9A-Z]{9}$",
    _("A szervezeti egység kódja 9 karakter: számjegyek és nagybetűk (pl. 001044299)."),
)


def tax_number_validate(value: str) -> None:
    """A Hungarian tax number 12345678-1-42 whose 8th digit is its check digit."""
    from django.core.exceptions import ValidationError

    from zomanc.nav.client.crypto import tax_number_parts

    parts = tax_number_parts(value)
    if parts is None or not parts[1] or not parts[2]:
        raise ValidationError(
            _(
                "Az adószám formája 12345678-1-42, és a 8. számjegye ellenőrző számjegy: "
                "ez az adószám hibás."
            ),
            code="tax_number",
        )


stamp_number_validator = RegexValidator(
    r"^[0-9]{5}$", _("A pecsétszám pontosan 5 számjegy (pl. 58012).")
)


class Practice(models.Model):
    """The customer account and the tenant: every tenant-owned row points here."""

    name = models.CharField(_("név"), max_length=200)
    # Printed in the messages to patients (recall: "book on this number").
    phone = models.CharField(_("telefonszám"), max_length=40, blank=True, default="")
    require_owner_2fa = models.BooleanField(
        _("kétlépcsős azonosítás kötelező a tulajdonosoknak"), default=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rendelő")
        verbose_name_plural = _("rendelők")

    def __str__(self) -> str:
        return self.name


class PracticeLogo(models.Model):
    """The practice's logo, printed in the header of its quotes (plans/pdf.py). A row of its
    own, not a column of Practice: every request loads the practice, and it need not carry
    the image with it. PNG or JPEG, kind and pixel size read from the bytes at upload
    (core/uploads.py); stored as uploaded."""

    practice = models.OneToOneField(
        Practice, on_delete=models.CASCADE, primary_key=True, related_name="logo"
    )
    image = models.BinaryField(_("logó"))
    content_type = models.CharField(_("fájltípus"), max_length=20)
    width = models.PositiveIntegerField(_("szélesség (képpont)"))
    height = models.PositiveIntegerField(_("magasság (képpont)"))
    sha256 = models.CharField(_("SHA-256 lenyomat"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("feltöltve"), auto_now=True)

    class Meta:
        verbose_name = _("a rendelő logója")
        verbose_name_plural = _("a rendelők logói")

    def __str__(self) -> str:
        return f"{self.practice_id}: {self.content_type} {self.width}×{self.height}"


class Company(models.Model):
    """A company (cég) of the practice: one EESZT institution, one licence, one certificate.

    Deactivated, never deleted: its visits and EESZT submissions must stay attributable."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="companies")
    name = models.CharField(_("cégnév"), max_length=200)
    institution_name = models.CharField(_("intézmény (rendelő) neve"), max_length=200)
    institution_id = models.CharField(
        _("intézményazonosító (OTH/NNGYK)"), max_length=6, validators=[institution_id_validator]
    )
    is_active = models.BooleanField(_("aktív"), default=True)
    # Billing data (Áfa tv. 169. §: the supplier's name, address and tax number on every
    # invoice). Blank until the practice fills them in; invoicing refuses a company without.
    tax_number = models.CharField(
        _("adószám"), max_length=13, blank=True, default="", validators=[tax_number_validate]
    )
    postal_code = models.CharField(_("irányítószám"), max_length=10, blank=True, default="")
    city = models.CharField(_("település"), max_length=100, blank=True, default="")
    street_address = models.CharField(_("utca, házszám"), max_length=200, blank=True, default="")
    bank_account = models.CharField(_("bankszámlaszám"), max_length=40, blank=True, default="")
    # Alanyi adómentes (Áfa tv. XIII. fejezet): every line is issued VAT exempt (AAM).
    vat_small_business_exempt = models.BooleanField(_("alanyi adómentes"), default=False)
    # The invoice number prefix of the company (MF → MF-2026-000123).
    invoice_prefix = models.CharField(
        _("számlaszám előtag"),
        max_length=10,
        blank=True,
        default="",
        validators=[
            RegexValidator(r"^[A-Z0-9]{1,10}$", _("Az előtag 1–10 nagybetű vagy számjegy."))
        ],
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("cég")
        verbose_name_plural = _("cégek")
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "institution_id"], name="company_unique_institution"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.institution_id})"


class OrgUnit(models.Model):
    """Szervezeti egység of a company, the unit EESZT calls act for."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="org_units")
    code = models.CharField(
        _("szervezeti egység kódja"), max_length=9, validators=[org_unit_code_validator]
    )
    name = models.CharField(_("megnevezés"), max_length=200)
    is_active = models.BooleanField(_("aktív"), default=True)

    class Meta:
        verbose_name = _("szervezeti egység")
        verbose_name_plural = _("szervezeti egységek")
        constraints = [
            models.UniqueConstraint(fields=["practice", "company", "code"], name="orgunit_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Role(models.TextChoices):
    OWNER = "owner", _("Tulajdonos")
    DOCTOR = "doctor", _("Orvos")
    ASSISTANT = "assistant", _("Asszisztens")
    RECEPTIONIST = "receptionist", _("Recepciós")


class StaffMember(models.Model):
    """A user's membership in one practice, with the role that decides what he may do."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="staff")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("szerepkör"), max_length=20, choices=Role.choices)
    display_name = models.CharField(_("megjelenített név"), max_length=200)
    # Text, not a number: NEAK moved some registers to 6 digits, leading zeros matter.
    stamp_number = models.CharField(
        _("pecsétszám"),
        max_length=6,
        blank=True,
        default="",
        validators=[stamp_number_validator],
    )
    is_active = models.BooleanField(_("aktív"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("munkatárs")
        verbose_name_plural = _("munkatársak")
        constraints = [
            models.UniqueConstraint(fields=["practice", "user"], name="staff_unique_user"),
            models.UniqueConstraint(
                fields=["practice", "stamp_number"],
                condition=~Q(stamp_number=""),
                name="staff_unique_stamp",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name
