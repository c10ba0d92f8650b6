"""One row per thing that must reach EESZT. The row is the source of truth: the task queue
only wakes workers up, so a lost task delays a row but never loses it (the sweeper finds it)."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from zomanc.clinical.models import Visit
from zomanc.patients.models import Patient
from zomanc.practices.models import Company, OrgUnit, Practice, StaffMember


class OutboxKind(models.TextChoices):
    EVENT_START = "event_start", _("Ellátás megkezdése (eKAT)")
    EVENT_CLOSE = "event_close", _("Ellátás lezárása (eKAT)")
    DOCUMENT_SUBMIT = "document_submit", _("Ambuláns lap beküldése")
    DOCUMENT_VERSION = "document_version", _("Ambuláns lap új verziója")
    # S9: binds an e-referral to the visit's eKAT event; needs the START row's event id.
    REFERRAL_USE = "referral_use", _("Beutaló felhasználása (e-Beutaló)")


class OutboxState(models.TextChoices):
    PENDING = "pending", _("Várakozik")
    SENDING = "sending", _("Küldés folyamatban")
    WAITING_LOGIN = "waiting_login", _("Bejelentkezésre vár")
    RETRYING = "retrying", _("Újrapróbálás")
    SENT = "sent", _("Elküldve")
    REFUSED = "refused", _("Elutasítva")


FINAL_STATES = (OutboxState.SENT, OutboxState.REFUSED)
# A refusal of these kinds does not hold back the visit's later rows. A referral EESZT will
# not bind (used meanwhile at another desk, revoked) is the referral's problem; the care
# event's close and the Ambuláns lap are the legal duty and must still go.
NON_BLOCKING_KINDS = (OutboxKind.REFERRAL_USE,)


class OutboxItem(models.Model):
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="eeszt_items")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    # The doctor whose EESZT login the row is sent with (the visit's responsible doctor).
    responsible = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("típus"), max_length=20, choices=OutboxKind.choices)
    # Rows of one visit are delivered in seq order: a close never overtakes its start.
    seq = models.PositiveIntegerField()
    state = models.CharField(
        _("állapot"), max_length=20, choices=OutboxState.choices, default=OutboxState.PENDING
    )
    # The idempotency key, fixed when the row is written and kept across every retry.
    request_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # What is sent, frozen at the clinical change (later edits make new rows, not new content).
    payload = models.JSONField(default=dict)
    attempts = models.PositiveIntegerField(_("kísérletek"), default=0)
    next_attempt_at = models.DateTimeField(_("következő kísérlet"), null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error_code = models.CharField(_("hibakód"), max_length=60, blank=True)
    last_error_message = models.TextField(_("hibaüzenet"), blank=True)
    result = models.JSONField(_("EESZT azonosítók"), default=dict, blank=True)
    # 39/2016 EMMI r. 10–11. §: what could not be sent must be caught up within 4 days.
    deadline_at = models.DateTimeField(_("pótlási határidő"))
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(_("elküldve"), null=True, blank=True)

    class Meta:
        verbose_name = _("EESZT beküldés")
        verbose_name_plural = _("EESZT beküldések")
        constraints = [
            models.UniqueConstraint(fields=["practice", "visit", "seq"], name="outbox_visit_seq")
        ]
        indexes = [
            models.Index(fields=["practice", "state", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["practice", "-created_at"], name="outbox_recent"),
            models.Index(fields=["state", "next_attempt_at"], name="outbox_sweep"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.visit_id} · {self.get_state_display()}"
