"""The NAV module's data: per-company technical users (secrets sealed by the vault) and the
outbox of invoice reports (one row per invoice data document that must reach NAV)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from zomanc.eeszt.models import SealedSecret
from zomanc.practices.models import Company, Practice, StaffMember


class NavSettings(models.Model):
    """A company's NAV technical user. Login is shown; password, signature key and exchange
    key are sealed secrets (zomanc.eeszt.vault), never columns, never logged."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    company = models.OneToOneField(Company, on_delete=models.PROTECT, related_name="nav")
    login = models.CharField(_("technikai felhasználó"), max_length=15)
    password_secret = models.OneToOneField(
        SealedSecret, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    signature_key_secret = models.OneToOneField(
        SealedSecret, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    exchange_key_secret = models.OneToOneField(
        SealedSecret, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    last_test_at = models.DateTimeField(null=True, blank=True)
    last_test_ok = models.BooleanField(null=True, blank=True)
    last_test_message = models.TextField(blank=True)

    class Meta:
        verbose_name = _("NAV beállítás")
        verbose_name_plural = _("NAV beállítások")
        constraints = [
            models.UniqueConstraint(fields=["practice", "company"], name="navsettings_unique")
        ]

    def __str__(self) -> str:
        return f"NAV: {self.company} ({self.login})"

    def purpose(self, what: str) -> str:
        return f"nav.technical_user.{what}/company:{self.company_id}"


class SubmissionState(models.TextChoices):
    PENDING = "pending", _("Beküldésre vár")
    SENDING = "sending", _("Küldés folyamatban")
    RETRYING = "retrying", _("Újrapróbálás")
    WAITING_SETTINGS = "waiting_settings", _("NAV-beállításra vár")
    PROCESSING = "processing", _("NAV feldolgozza")
    DONE = "done", _("Befogadva (DONE)")
    ABORTED = "aborted", _("Elutasítva (ABORTED)")


FINAL_STATES = (SubmissionState.DONE, SubmissionState.ABORTED)


class NavSubmission(models.Model):
    """One invoice data document (CREATE, MODIFY or STORNO) that must reach NAV. The row is
    the source of truth; the task queue only wakes workers (a sweeper finds lost wake-ups).
    Written in the issuing transaction with the XML frozen; `request_id` is fixed at writing
    and kept across every retry, so a repeat of an accepted request is recognised
    (REQUEST_ID_NOT_UNIQUE) and never makes a second report."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    invoice = models.OneToOneField(
        "billing.Invoice", on_delete=models.PROTECT, related_name="nav_submission"
    )
    operation = models.CharField(_("művelet"), max_length=10)  # CREATE | MODIFY | STORNO
    invoice_number = models.CharField(_("számlaszám"), max_length=50)
    invoice_xml = models.BinaryField()
    request_id = models.CharField(max_length=30, unique=True, editable=False)
    state = models.CharField(
        _("állapot"),
        max_length=20,
        choices=SubmissionState.choices,
        default=SubmissionState.PENDING,
    )
    transaction_id = models.CharField(_("NAV tranzakcióazonosító"), max_length=30, blank=True)
    attempts = models.PositiveIntegerField(_("kísérletek"), default=0)
    # Failures since NAV last answered (the backoff grows with these, not with attempts).
    failures = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error_code = models.CharField(_("hibakód"), max_length=60, blank=True)
    last_error_message = models.TextField(_("hibaüzenet"), blank=True)
    # NAV's validation messages of the processed invoice: [{"result", "code", "text"}].
    messages = models.JSONField(default=list, blank=True)
    # When the current (or last) claim to send began: a claim never recorded (its worker
    # was killed) may have reached NAV from then on.
    send_started_at = models.DateTimeField(null=True, blank=True)
    # Sends whose answer never came (time-outs, killed workers): [[from, to], ...] ISO
    # instants. Before the row is sent again, NAV is asked whether one of them arrived
    # (outbox._lookup): an invoice is never reported twice, nor left retrying forever.
    unanswered = models.JSONField(default=list, blank=True)
    lookups = models.PositiveIntegerField(_("NAV-lekérdezések"), default=0)
    # How the transaction was learnt: "" from manageInvoice's answer, "number" from
    # queryInvoiceData, "list" from queryTransactionList + queryTransactionStatus.
    found_by = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("NAV beküldés")
        verbose_name_plural = _("NAV beküldések")
        indexes = [
            models.Index(fields=["practice", "-created_at"], name="navsub_recent"),
            models.Index(fields=["state", "next_attempt_at"], name="navsub_sweep"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_number} · {self.get_state_display()}"
