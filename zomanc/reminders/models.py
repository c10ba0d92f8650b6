"""Appointment reminders: a practice's rule (when, on which channels), its message templates
per language, one reminder row per appointment and rule step (kept in step with the
appointment inside the booking's, move's and cancellation's transaction), the messages a
reminder became (one per channel, at most), and what the patient answered through the
reminder's signed links (docs/reminders.md)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from zomanc.messaging.models import OutboundMessage
from zomanc.patients.models import Patient
from zomanc.practices.models import Practice, StaffMember
from zomanc.scheduling.models import Appointment


class ReminderRule(models.Model):
    """One per practice: the first reminder `first_hours` before the appointment, an optional
    second one `second_hours` before, on the channels ticked (each still needs the patient's
    consent)."""

    practice = models.OneToOneField(Practice, on_delete=models.PROTECT, related_name="+")
    is_active = models.BooleanField(_("emlékeztetők küldése"), default=True)
    first_hours = models.PositiveIntegerField(
        _("első emlékeztető (óra az időpont előtt)"), default=24
    )
    second_hours = models.PositiveIntegerField(
        _("második emlékeztető (óra az időpont előtt)"), null=True, blank=True
    )
    use_email = models.BooleanField(_("e-mailben"), default=True)
    use_sms = models.BooleanField(_("SMS-ben"), default=False)
    updated_by = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("emlékeztető szabály")
        verbose_name_plural = _("emlékeztető szabályok")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(first_hours__gte=1) & models.Q(first_hours__lte=24 * 14),
                name="reminder_rule_first_hours",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_hours} h / {self.second_hours or '-'} h"

    def steps(self) -> list[tuple[int, int]]:
        """(step, hours before), the first step furthest from the appointment."""
        steps = [(1, self.first_hours)]
        if self.second_hours:
            steps.append((2, self.second_hours))
        return steps

    def channels(self) -> list[str]:
        return [c for c, on in (("email", self.use_email), ("sms", self.use_sms)) if on]


class ReminderTemplate(models.Model):
    """The practice's own wording for one language (and channel); the built-in wording is used
    where the practice has none (reminders/wording.py)."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    language = models.CharField(_("nyelv"), max_length=5)
    channel = models.CharField(_("csatorna"), max_length=10, default="email")
    subject = models.CharField(_("tárgy"), max_length=200, blank=True)
    body = models.TextField(_("szöveg"))
    updated_by = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("emlékeztető sablon")
        verbose_name_plural = _("emlékeztető sablonok")
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "language", "channel"], name="reminder_template_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.language}/{self.channel}"


class ReminderStatus(models.TextChoices):
    PENDING = "pending", _("küldésre vár")
    SENT = "sent", _("elküldve")
    SKIPPED = "skipped", _("nem ment ki")
    CANCELLED = "cancelled", _("visszavonva")


class Reminder(models.Model):
    """One step of the rule for one appointment at one start time. A move updates a pending
    row (its time follows the appointment); a sent one stays as the record of what went out,
    and the new start gets a row of its own. `for_start` is the start the reminder speaks
    of: its links are refused once the appointment has moved."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="+")
    step = models.PositiveSmallIntegerField()
    for_start = models.DateTimeField()
    due_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.PENDING
    )
    note = models.CharField(max_length=300, blank=True)  # why skipped / cancelled
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("emlékeztető")
        verbose_name_plural = _("emlékeztetők")
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "appointment", "step", "for_start"], name="reminder_unique"
            )
        ]
        indexes = [
            # The worker reads the due pending rows; the sync reads one appointment's rows.
            models.Index(fields=["status", "due_at"], name="reminder_due"),
            models.Index(fields=["practice", "appointment"], name="reminder_appointment"),
        ]

    def __str__(self) -> str:
        return f"{self.appointment_id}#{self.step} @ {self.due_at:%Y-%m-%d %H:%M}"


class ReminderMessage(models.Model):
    """What a reminder became on one channel: at most one message per (reminder, channel),
    enforced by the database, so no second worker can send it again."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    reminder = models.ForeignKey(Reminder, on_delete=models.PROTECT, related_name="messages")
    channel = models.CharField(max_length=10)
    message = models.OneToOneField(OutboundMessage, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["reminder", "channel"], name="reminder_message_once")
        ]

    def __str__(self) -> str:
        return f"{self.reminder_id}/{self.channel}"


class ResponseAction(models.TextChoices):
    CONFIRM = "confirm", _("a páciens visszaigazolta")
    RESCHEDULE = "reschedule", _("a páciens új időpontot kér")
    CANCEL = "cancel", _("a páciens lemondta")


class ReminderResponse(models.Model):
    """The patient's answer through a reminder's link. One per (reminder, action): a link is
    used once; the appointment's state is its latest answer."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="+")
    reminder = models.ForeignKey(Reminder, on_delete=models.PROTECT, related_name="responses")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=12, choices=ResponseAction.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["reminder", "action"], name="reminder_link_once")
        ]
        indexes = [
            models.Index(fields=["practice", "appointment", "-id"], name="reminder_response_appt")
        ]

    def __str__(self) -> str:
        return f"{self.appointment_id}: {self.action}"
