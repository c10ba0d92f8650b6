"""Writes of a patient's message consent: each change appends one ContactConsent entry
(nothing is edited or deleted) with its audit entry, in one transaction. The patient row is
locked first, so two changes at the same moment cannot both build on the same "latest"."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from zomanc.audit.models import AuditAction
from zomanc.audit.services import audit_record
from zomanc.patients.consent_selectors import patient_consent_latest
from zomanc.patients.models import (
    Channel,
    ConsentChange,
    ConsentMethod,
    ContactConsent,
    MessageLanguage,
    Patient,
)
from zomanc.practices.models import StaffMember

# How staff may record a consent: on paper or by word at the desk, online, by phone or by
# e-mail. Never "by link": a link can only withdraw (opt-in needs the patient's own act).
OPT_IN_METHODS = (
    ConsentMethod.PAPER,
    ConsentMethod.IN_PERSON,
    ConsentMethod.ONLINE_FORM,
    ConsentMethod.PHONE,
    ConsentMethod.EMAIL,
)
OPT_OUT_METHODS = tuple(ConsentMethod)


def _append(
    *,
    patient: Patient,
    change: str,
    channel: str,
    method: str,
    note: str,
    actor: StaffMember | None,
    language: str | None = None,
    request: HttpRequest | None = None,
) -> ContactConsent:
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    latest = patient_consent_latest(patient)
    entry = ContactConsent(
        practice_id=patient.practice_id,
        patient=patient,
        change=change,
        channel=channel,
        method=method,
        note=note,
        recorded_by=actor,
        recorded_at=timezone.now(),
        email_allowed=latest.email_allowed if latest else False,
        sms_allowed=latest.sms_allowed if latest else False,
        language=latest.language if latest else MessageLanguage.HU,
    )
    if change != ConsentChange.LANGUAGE:
        setattr(entry, f"{channel}_allowed", change == ConsentChange.OPT_IN)
    if language is not None:
        entry.language = language
    entry.save()
    what = {
        ConsentChange.OPT_IN: "Üzenetküldési hozzájárulás",
        ConsentChange.OPT_OUT: "Üzenetküldési hozzájárulás visszavonása",
        ConsentChange.LANGUAGE: "Üzenetek nyelve",
    }[ConsentChange(change)]
    audit_record(
        practice=patient.practice,
        actor=actor.user if actor else None,
        action=AuditAction.CREATE,
        obj=entry,
        patient_id=patient.pk,
        summary=f"{what}: {patient} ({channel or entry.language}, {method})",
        request=request,
    )
    return entry


def _channel_check(channel: str) -> None:
    if channel not in Channel.values:
        raise ValidationError({"channel": [_("Ismeretlen csatorna.")]})


@transaction.atomic
def patient_channel_opt_in(
    *,
    patient: Patient,
    channel: str,
    method: str,
    actor: StaffMember,
    note: str = "",
    request: HttpRequest | None = None,
) -> ContactConsent:
    """Record the patient's consent to messages on `channel`, and how it was given."""
    _channel_check(channel)
    if method not in OPT_IN_METHODS:
        raise ValidationError(
            {"method": [_("Hozzájárulás így nem rögzíthető; válassza ki, hogyan adta meg.")]}
        )
    if channel == Channel.EMAIL and not patient.email:
        raise ValidationError(
            {"channel": [_("A páciensnek nincs e-mail-címe: előbb adja meg az adatai között.")]}
        )
    if channel == Channel.SMS and not patient.phone:
        raise ValidationError(
            {"channel": [_("A páciensnek nincs telefonszáma: előbb adja meg az adatai között.")]}
        )
    latest = patient_consent_latest(patient)
    if latest is not None and latest.allows(channel):
        raise ValidationError(
            {"channel": [_("Ehhez a csatornához már van érvényes hozzájárulás.")]}
        )
    return _append(
        patient=patient,
        change=ConsentChange.OPT_IN,
        channel=channel,
        method=method,
        note=note,
        actor=actor,
        request=request,
    )


@transaction.atomic
def patient_channel_opt_out(
    *,
    patient: Patient,
    channel: str,
    how: str,
    actor: StaffMember | None = None,
    note: str = "",
    request: HttpRequest | None = None,
) -> ContactConsent | None:
    """Withdraw the consent for `channel`, at once: the next patient_channels_allowed no
    longer has it. The message links call it without an actor (the patient himself, `how`
    = link); a second click changes nothing and returns None."""
    _channel_check(channel)
    if how not in OPT_OUT_METHODS:
        raise ValidationError({"method": [_("Ismeretlen mód.")]})
    latest = patient_consent_latest(patient)
    if latest is None or not latest.allows(channel):
        return None
    return _append(
        patient=patient,
        change=ConsentChange.OPT_OUT,
        channel=channel,
        method=how,
        note=note,
        actor=actor,
        request=request,
    )


@transaction.atomic
def patient_message_language_set(
    *,
    patient: Patient,
    language: str,
    actor: StaffMember,
    request: HttpRequest | None = None,
) -> ContactConsent | None:
    """The language of the patient's messages; None when it already is that."""
    if language not in MessageLanguage.values:
        raise ValidationError({"language": [_("Válasszon nyelvet: magyar, angol vagy német.")]})
    latest = patient_consent_latest(patient)
    if (latest.language if latest else MessageLanguage.HU) == language:
        return None
    return _append(
        patient=patient,
        change=ConsentChange.LANGUAGE,
        channel="",
        method="",
        note="",
        actor=actor,
        language=language,
        request=request,
    )
