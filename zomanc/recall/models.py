"""Recall (visszahívás): which catalogue item brings a patient back after how many months
(the practice's rules, a patient's own intervals) and the contact history of each recall.
When a recall is due is computed (due.py), never stored: a later procedure or a changed
interval moves it at once, with nothing to keep in step."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from zomanc.codes.models import TreatmentItem
from zomanc.patients.models import Channel, Patient
from zomanc.practices.models import Practice, StaffMember

INTERVAL_VALIDATORS = [MinValueValidator(1), MaxValueValidator(60)]


class RecallRule(models.Model):
    """The practice's rule: after `treatment`, the patient is due again in `interval_months`."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    treatment = models.ForeignKey(
        TreatmentItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("kezelés")
    )
    interval_months = models.PositiveSmallIntegerField(
        _("visszahívás (hónap)"), validators=INTERVAL_VALIDATORS
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("visszahívási szabály")
        verbose_name_plural = _("visszahívási szabályok")
        constraints = [
            models.UniqueConstraint(fields=["practice", "treatment"], name="recall_rule_unique")
        ]

    def __str__(self) -> str:
        return f"{self.treatment_id}: {self.interval_months}"


class PatientRecallInterval(models.Model):
    """A patient's own interval for an item (a periodontal patient's scaling every 3 months):
    wins over the practice's rule, and stands even where the practice has none."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    treatment = models.ForeignKey(
        TreatmentItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("kezelés")
    )
    interval_months = models.PositiveSmallIntegerField(
        _("saját időköz (hónap)"), validators=INTERVAL_VALIDATORS
    )
    set_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("saját visszahívási időköz")
        verbose_name_plural = _("saját visszahívási időközök")
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "patient", "treatment"], name="recall_own_interval_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.patient_id}/{self.treatment_id}: {self.interval_months}"


class ContactState(models.TextChoices):
    NOT_CONTACTED = "new", _("még nem kerestük")
    REMINDED = "reminded", _("emlékeztettük")
    BOOKED = "booked", _("időpontot foglalt")
    DECLINED = "declined", _("nem kér időpontot")
    UNREACHABLE = "unreachable", _("nem elérhető")


# What staff record by hand; "booked" comes from the calendar (a future appointment).
RECORDED_STATES = (ContactState.REMINDED, ContactState.DECLINED, ContactState.UNREACHABLE)


class RecallContact(models.Model):
    """One contact attempt or answer on one recall — the recall is the patient, the item and
    the day it counts from (`since`), so a new procedure starts a new recall with a clean
    slate. Inserted only: the latest entry is the recall's state, the rest its history."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    treatment = models.ForeignKey(TreatmentItem, on_delete=models.PROTECT, related_name="+")
    since = models.DateField(_("utolsó kezelés napja"))
    state = models.CharField(_("állapot"), max_length=12, choices=ContactState.choices)
    note = models.CharField(_("megjegyzés"), max_length=300, blank=True)
    # The channels a message went out on ("email", "sms", "email,sms") when the entry was
    # made by the list's bulk send; empty for an entry recorded by hand (a phone call).
    channels = models.CharField(_("csatornák"), max_length=20, blank=True, default="")
    recorded_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("időpont"))

    class Meta:
        verbose_name = _("visszahívási kapcsolatfelvétel")
        verbose_name_plural = _("visszahívási kapcsolatfelvételek")
        indexes = [
            models.Index(
                fields=["practice", "patient", "treatment", "since"], name="recall_contact"
            )
        ]

    def __str__(self) -> str:
        return f"{self.patient_id}/{self.treatment_id}/{self.since}: {self.state}"

    @property
    def channels_label(self) -> str:
        """ "e-mail, SMS": what the bulk send's message went out on."""
        return ", ".join(str(Channel(c).label) for c in self.channels.split(",") if c)


class RecallMessage(models.Model):
    """One recall message on one channel: the recall (patient, item, since), the day it went
    out (Budapest) and the outbox row. Unique per recall, channel and day, so a double submit
    of the bulk send (the back button, two clicks, two receptionists) cannot queue a second
    message for the same recall on the same day: the database refuses it whatever the race.
    One outbox message may serve several recalls of the patient (one message names them all)."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    treatment = models.ForeignKey(TreatmentItem, on_delete=models.PROTECT, related_name="+")
    since = models.DateField()
    channel = models.CharField(max_length=10)
    sent_on = models.DateField()
    contact = models.ForeignKey(RecallContact, on_delete=models.PROTECT, related_name="messages")
    message = models.ForeignKey(
        "messaging.OutboundMessage", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("visszahívó üzenet")
        verbose_name_plural = _("visszahívó üzenetek")
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "patient", "treatment", "since", "channel", "sent_on"],
                name="recall_message_once_a_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.patient_id}/{self.treatment_id}/{self.since} {self.channel} {self.sent_on}"
