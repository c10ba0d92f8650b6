"""The EESZT module's own data: per-company settings, the institution certificates, per-user
EESZT sessions and the sealed secrets behind them.

What EESZT calls the institution (name, OTH id), its org units and the doctors' stamp
numbers live in `zomanc.practices` (Company, OrgUnit, StaffMember); this app adds only what
is EESZT-specific. Secrets (certificate files, SMS codes, SAML assertions) are never columns
of these tables: they are `SealedSecret` rows written by `zomanc.eeszt.vault`."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zomanc.practices.models import Company, Practice, StaffMember


class SealedSecret(models.Model):
    """One envelope-encrypted secret (see vault.py). Only the vault reads or writes these."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    # Nullable: the vault is generic; EESZT rows always fill it (tenant id on tenant rows).
    practice = models.ForeignKey(
        Practice, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.CharField(max_length=200)
    kid = models.CharField(max_length=64)
    wrapped_key = models.BinaryField()
    ciphertext = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)
    rewrapped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("titkosított adat")
        verbose_name_plural = _("titkosított adatok")
        indexes = [models.Index(fields=["kid"], name="sealedsecret_kid")]

    def __str__(self) -> str:
        # Never the content: only what and under which key.
        return f"{self.purpose} [{self.kid}]"


class EesztSettings(models.Model):
    """Per-company switch and the last reference-data check of its data."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    company = models.OneToOneField(Company, on_delete=models.PROTECT, related_name="eeszt")
    module_enabled = models.BooleanField(_("EESZT modul bekapcsolva"), default=False)
    enabled_at = models.DateTimeField(null=True, blank=True)
    enabled_by = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The warnings of the last lookup in the reference data (list of Hungarian sentences),
    # kept so the settings page shows them without calling the sandbox on every render.
    refdata_warnings = models.JSONField(default=list, blank=True)
    refdata_checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("EESZT beállítás")
        verbose_name_plural = _("EESZT beállítások")
        constraints = [
            models.UniqueConstraint(fields=["practice", "company"], name="eesztsettings_unique")
        ]

    def __str__(self) -> str:
        return f"EESZT: {self.company}"


class LoginMethod(models.TextChoices):
    CARD = "card", _("eSzemélyi kártya")
    TOKEN = "token", _("Token (jelszó + egyszer használatos jelszó)")
    MOBILE = "mobile", _("Mobil token")


class EesztMemberProfile(models.Model):
    """A staff member's EESZT identity: portal username (doctors: "O" + stamp number) and
    the login method he intends to use (the checklist's last step)."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    member = models.OneToOneField(
        StaffMember, on_delete=models.PROTECT, related_name="eeszt_profile"
    )
    portal_username = models.CharField(_("ágazati portál felhasználónév"), max_length=40)
    login_method = models.CharField(
        _("bejelentkezési mód"), max_length=10, choices=LoginMethod.choices, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("EESZT felhasználói adat")
        verbose_name_plural = _("EESZT felhasználói adatok")
        constraints = [
            models.UniqueConstraint(fields=["practice", "member"], name="eesztprofile_unique")
        ]

    def __str__(self) -> str:
        return self.portal_username


class CertificateStatus(models.TextChoices):
    PENDING = "pending", _("Függőben (kapcsolatteszt előtt)")
    ACTIVE = "active", _("Aktív")
    RETIRED = "retired", _("Lecserélve")


class EesztCertificate(models.Model):
    """An institution's WAF-SSL client certificate. The PKCS#12 file and its SMS code are
    sealed secrets; the columns hold only what is shown (subject, serial, validity)."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="certificates")
    status = models.CharField(
        _("állapot"), max_length=10, choices=CertificateStatus.choices, db_index=True
    )
    pkcs12_secret = models.OneToOneField(
        SealedSecret, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    password_secret = models.OneToOneField(
        SealedSecret, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.CharField(_("tulajdonos"), max_length=500)
    issuer = models.CharField(_("kiadó"), max_length=500)
    serial_hex = models.CharField(_("sorozatszám"), max_length=64)
    fingerprint_sha256 = models.CharField(_("SHA-256 ujjlenyomat"), max_length=64)
    institution_id = models.CharField(_("intézményazonosító"), max_length=6)
    not_before = models.DateTimeField(_("érvényesség kezdete"))
    not_after = models.DateTimeField(_("érvényesség vége"))
    uploaded_by = models.ForeignKey(
        StaffMember, null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    last_test_at = models.DateTimeField(null=True, blank=True)
    last_test_ok = models.BooleanField(null=True, blank=True)
    last_test_report = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("EESZT tanúsítvány")
        verbose_name_plural = _("EESZT tanúsítványok")
        constraints = [
            # One certificate in use and at most one waiting for its test, per company.
            models.UniqueConstraint(
                fields=["practice", "company"],
                condition=Q(status="active"),
                name="eesztcert_one_active",
            ),
            models.UniqueConstraint(
                fields=["practice", "company"],
                condition=Q(status="pending"),
                name="eesztcert_one_pending",
            ),
        ]
        indexes = [models.Index(fields=["practice", "company", "status"], name="eesztcert_pcs")]

    def __str__(self) -> str:
        return f"{self.subject} ({self.serial_hex})"

    @property
    def pkcs12_purpose(self) -> str:
        return f"eeszt.certificate.pkcs12/company:{self.company_id}/cert:{self.uid}"

    @property
    def password_purpose(self) -> str:
        return f"eeszt.certificate.password/company:{self.company_id}/cert:{self.uid}"


class EesztSession(models.Model):
    """A user's EESZT login for one company: the IDP's SAML assertion, sealed, until its
    NotOnOrAfter. At most one open session per (member, company)."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    assertion_secret = models.OneToOneField(
        SealedSecret, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assertion_id = models.CharField(_("assertion azonosító"), max_length=200)
    eeszt_user_id = models.CharField(_("EESZT felhasználó"), max_length=40)
    login_method = models.CharField(
        _("bejelentkezési mód"), max_length=10, choices=LoginMethod.choices
    )
    not_on_or_after = models.DateTimeField(_("érvényes eddig"))
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name = _("EESZT munkamenet")
        verbose_name_plural = _("EESZT munkamenetek")
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "member", "company"],
                condition=Q(ended_at__isnull=True),
                name="eesztsession_one_open",
            )
        ]
        indexes = [
            models.Index(fields=["practice", "member", "ended_at"], name="eesztsession_member"),
        ]

    def __str__(self) -> str:
        return f"{self.eeszt_user_id} @ {self.company_id} → {self.not_on_or_after:%Y-%m-%d %H:%M}"

    @property
    def assertion_purpose(self) -> str:
        return (
            f"eeszt.session.assertion/member:{self.member_id}/company:{self.company_id}/{self.uid}"
        )
