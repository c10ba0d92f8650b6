"""Reads of a patient's message consent (ContactConsent): the current state, its proof, and
the one question the sending side asks — which channels may this patient get messages on."""

from dataclasses import dataclass, field

from django.db.models import QuerySet

from zomanc.core.prebuilt import prebuilt
from zomanc.patients.models import Channel, ConsentChange, ContactConsent, MessageLanguage, Patient


@dataclass(frozen=True)
class ChannelState:
    channel: str
    allowed: bool
    # The entry that made the channel what it is now (the opt-in that is the proof of
    # consent, or the opt-out); None when nothing was ever recorded for the channel.
    entry: ContactConsent | None

    @property
    def label(self) -> str:
        return str(Channel(self.channel).label)


@dataclass(frozen=True)
class ConsentState:
    channels: list[ChannelState]
    language: str
    history: list[ContactConsent] = field(default_factory=list)  # newest first

    @property
    def language_label(self) -> str:
        return str(MessageLanguage(self.language).label)


def patient_consent_latest(patient: Patient) -> ContactConsent | None:
    return (
        ContactConsent.objects.filter(practice_id=patient.practice_id, patient=patient)
        .order_by("-id")
        .first()
    )


# On every patient page: prebuilt (zomanc/core/prebuilt.py, issue 18).
@prebuilt
def _consent_history(practice_id: int, patient_id: int) -> QuerySet[ContactConsent]:
    return (
        ContactConsent.objects.filter(practice_id=practice_id, patient_id=patient_id)
        .select_related("recorded_by")
        .order_by("-id")
    )


def patient_consent_state(patient: Patient) -> ConsentState:
    """The card on the patient page: each channel's state with its proof, the language and
    the whole history. One query (the history is short: a few changes in years)."""
    history = _consent_history(practice_id=patient.practice_id, patient_id=patient.pk)
    latest = history[0] if history else None
    channels = []
    for channel in Channel:
        allowed = latest.allows(channel) if latest else False
        entry = next(
            (
                e
                for e in history
                if e.channel == channel
                and e.change == (ConsentChange.OPT_IN if allowed else ConsentChange.OPT_OUT)
            ),
            None,
        )
        channels.append(ChannelState(channel=channel, allowed=allowed, entry=entry))
    return ConsentState(
        channels=channels,
        language=latest.language if latest else MessageLanguage.HU,
        history=history,
    )


def patient_channels_allowed(patient: Patient) -> set[str]:
    """The channels a message may go out on now: consent recorded and not withdrawn, and an
    address to send to (an e-mail address, a phone number). Without consent: nothing."""
    return consent_channels(patient, patient_consent_latest(patient))


def consent_channels(patient: Patient, latest: ContactConsent | None) -> set[str]:
    """patient_channels_allowed given the patient's latest entry (lists read those in bulk)."""
    if latest is None:
        return set()
    allowed = set()
    if latest.email_allowed and patient.email:
        allowed.add(str(Channel.EMAIL))
    if latest.sms_allowed and patient.phone:
        allowed.add(str(Channel.SMS))
    return allowed


def patient_message_language(patient: Patient) -> str:
    latest = patient_consent_latest(patient)
    return latest.language if latest else str(MessageLanguage.HU)
