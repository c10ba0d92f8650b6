"""Bulk send from the recall list: the receptionist ticks recalls and one button sends each
selected patient a recall message (e-mail and/or SMS) through messaging's outbox, and
records the recall as "reminded" (docs/recall.md, "Bulk send").

- **One transaction per patient**, holding his messages, their RecallMessage rows and the
  "reminded" contact entries: a patient is either notified and recorded, or neither. Not one
  for the whole batch, because one patient's refusal or failure must not undo the messages of
  the others (a batch of 150 would stand or fall with its worst address), and a short
  transaction holds SQLite's write lock for one patient, not for the whole list.
- **One message per patient and channel**, naming every selected recall of his (a scaling and
  a check-up due together are one e-mail, not two in the same minute).
- **Consent per channel, read now**: no consent (or no address) on a channel, nothing on it;
  a patient with nothing to send on is reported back as skipped, with the reason.
- **At most one message per recall, channel and day** (Budapest): the RecallMessage rows are
  unique on it, so a double submit (the back button and "send" again, two clicks, two
  receptionists) sends nothing the second time and reports "already notified today". The
  patient row is locked first (PostgreSQL; SQLite's IMMEDIATE transactions serialise the
  writers anyway), and the constraint is the last word whatever the race.
- **Tenants**: the keys are recomputed through `recall_selection`, which drops any key that is
  not a current recall of the member's practice (another practice's, a forged one, one moved
  by a newer procedure); those are only counted, never named."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from zomanc.core.prebuilt import prebuilt
from zomanc.messaging.models import MailSettings, MessageStatus, OutboundMessage, SmsSettings
from zomanc.messaging.services import (
    MessagingError,
    message_email_queue,
    message_suppressed_record,
)
from zomanc.messaging.sms_outbox import message_sms_queue
from zomanc.patients.consent_selectors import patient_consent_latest
from zomanc.patients.models import Channel, Patient
from zomanc.practices.models import Practice, StaffMember
from zomanc.recall import wording
from zomanc.recall.models import ContactState, RecallMessage
from zomanc.recall.selectors import RecallRow, recall_selection
from zomanc.recall.services import recall_contact_record
from zomanc.reminders.links import optout_url

logger = logging.getLogger(__name__)

CHANNELS = (str(Channel.EMAIL), str(Channel.SMS))
ABOUT_KIND = "recall.patient"  # about_id: the patient; RecallMessage names the recalls
MAX_KEYS = 500  # the list shows at most 200; more is not a click on the list


@dataclass
class Notified:
    patient: Patient
    channels: list[str]
    treatments: list[str]
    notes: list[str] = field(default_factory=list)  # a channel left out, and why

    @property
    def channels_label(self) -> str:
        return ", ".join(str(Channel(c).label) for c in self.channels)


@dataclass
class Skipped:
    patient: Patient
    reasons: list[str]

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


@dataclass
class SendResult:
    notified: list[Notified] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    not_current: int = 0  # keys that are no current recall of the practice


@prebuilt
def _channels_set_up(practice_id: int) -> QuerySet[Any]:
    """(e-mail set up, SMS set up) in one read: two `EXISTS` on the practice's row."""
    return (
        Practice.objects.filter(pk=practice_id)
        .annotate(
            mail=Exists(MailSettings.objects.filter(practice_id=OuterRef("pk"))),
            sms=Exists(SmsSettings.objects.filter(practice_id=OuterRef("pk"))),
        )
        .values_list("mail", "sms")
    )


def practice_send_channels(practice_id: int) -> list[str]:
    """The channels the practice has set up (Beállítások / E-mail és SMS); one prebuilt read
    (the recall list asks on every page)."""
    found = _channels_set_up(practice_id=practice_id)
    mail, sms = found[0] if found else (False, False)
    channels = []
    if mail:
        channels.append(str(Channel.EMAIL))
    if sms:
        channels.append(str(Channel.SMS))
    return channels


def recall_bulk_send(
    *,
    member: StaffMember,
    keys: Iterable[str],
    channels: Collection[str],
    request: HttpRequest | None = None,
) -> SendResult:
    """Sends each selected recall's patient one message per chosen channel he consented to
    (among those the practice has set up) and records the recalls "reminded"."""
    wanted = list(dict.fromkeys(k for k in keys if k))[:MAX_KEYS]
    rows = recall_selection(member, wanted)
    result = SendResult(not_current=len(wanted) - len(rows))
    set_up = practice_send_channels(member.practice_id)
    chosen = [c for c in CHANNELS if c in channels and c in set_up]
    by_patient: dict[int, list[RecallRow]] = {}
    for row in rows:
        by_patient.setdefault(row.patient.pk, []).append(row)
    for patient_rows in by_patient.values():
        patient = patient_rows[0].patient
        try:
            outcome = _patient_send(member, patient, patient_rows, chosen, request)
        except IntegrityError:
            # Another send of the same recalls committed between our check and our insert:
            # this patient's transaction is rolled back whole; he has had his message today.
            outcome = Skipped(patient, [_("ma már értesítettük")])
        if isinstance(outcome, Notified):
            result.notified.append(outcome)
        else:
            result.skipped.append(outcome)
    return result


def _patient_send(
    member: StaffMember,
    patient: Patient,
    rows: list[RecallRow],
    chosen: list[str],
    request: HttpRequest | None,
) -> Notified | Skipped:
    reasons: list[str] = []
    open_rows = [r for r in rows if r.state != ContactState.BOOKED]
    if len(open_rows) < len(rows):
        reasons.append(_("időpontot foglalt"))
    if not open_rows:
        return Skipped(patient, reasons)
    if not chosen:
        return Skipped(patient, [_("a rendelőnek nincs beállítva a választott csatorna")])
    today = timezone.localdate()
    with transaction.atomic():
        # Serialises two sends to the same patient (PostgreSQL; SQLite's IMMEDIATE
        # transactions already do), so the "already today" read below is still true at insert.
        Patient.objects.select_for_update().filter(pk=patient.pk).first()
        latest = patient_consent_latest(patient)  # read now: a withdrawal counts at once
        language = wording.lang(latest.language if latest else "hu")
        sent_today = set(
            RecallMessage.objects.filter(
                practice_id=member.practice_id, patient=patient, sent_on=today
            ).values_list("treatment_id", "since", "channel")
        )
        queued: dict[str, tuple[int, list[RecallRow]]] = {}  # channel → (message, its recalls)
        for channel in chosen:
            label = str(Channel(channel).label)
            if latest is None or not latest.allows(channel):
                reasons.append(_("%(channel)s: nincs hozzájárulás") % {"channel": label})
                _suppressed(member, patient, channel, language, open_rows)
                continue
            address = patient.email if channel == Channel.EMAIL else patient.phone
            if not address.strip():
                reasons.append(_("%(channel)s: nincs cím") % {"channel": label})
                _suppressed(member, patient, channel, language, open_rows)
                continue
            due = [
                r for r in open_rows if (r.due.treatment_id, r.due.since, channel) not in sent_today
            ]
            if not due:
                reasons.append(_("%(channel)s: ma már értesítettük") % {"channel": label})
                continue
            try:
                with transaction.atomic():  # a savepoint: a refusal leaves the other channel
                    message = _queue(member, patient, channel, language, due)
            except MessagingError as exc:
                reasons.append(f"{label}: {exc.message}")
                logger.warning("recall send: patient %s, %s not queued", patient.pk, channel)
                continue
            queued[channel] = (message, due)
        if not queued:
            return Skipped(patient, reasons)
        sent_on: dict[int, list[str]] = {}
        for channel, (_message, due) in queued.items():
            for row in due:
                sent_on.setdefault(id(row), []).append(channel)
        treatments = []
        for row in open_rows:
            row_channels = sent_on.get(id(row))
            if not row_channels:
                continue
            contact = recall_contact_record(
                actor=member,
                patient=patient,
                treatment=row.treatment,
                since=row.due.since,
                state=ContactState.REMINDED,
                channels=",".join(row_channels),
                request=request,
            )
            RecallMessage.objects.bulk_create(
                RecallMessage(
                    practice_id=member.practice_id,
                    patient=patient,
                    treatment=row.treatment,
                    since=row.due.since,
                    channel=channel,
                    sent_on=today,
                    contact=contact,
                    message_id=queued[channel][0],
                )
                for channel in row_channels
            )
            treatments.append(row.treatment.name)
    return Notified(patient, list(queued), treatments, reasons)


def _suppressed(
    member: StaffMember, patient: Patient, channel: str, language: str, rows: list[RecallRow]
) -> None:
    """The message not sent on `channel`, in the patient's message log with its reason
    (leiratkozott / nincs hozzájárulás / no address), as reminders record theirs: the log
    then answers "why did he get nothing?" beside what went out. Not on "already today"
    (that message is in the log) nor for a channel the practice has not set up; once a day
    per patient and channel, as the messages themselves (a resubmit adds no second line)."""
    if OutboundMessage.objects.filter(
        practice_id=member.practice_id,
        patient=patient,
        channel=channel,
        about_kind=ABOUT_KIND,
        status=MessageStatus.SUPPRESSED,
        created_at__date=timezone.localdate(),
    ).exists():
        return
    message_suppressed_record(
        practice=member.practice,
        patient=patient,
        channel=channel,
        subject=_("Visszahívás: %(treatments)s")
        % {"treatments": ", ".join(r.treatment.name for r in rows)},
        about_kind=ABOUT_KIND,
        about_id=patient.pk,
        language=language,
        created_by=member,
    )


def _items(rows: list[RecallRow]) -> list[tuple[str, dt.date, dt.date]]:
    return [(r.treatment.name, r.due.since, r.due.due) for r in rows]


def _queue(
    member: StaffMember, patient: Patient, channel: str, language: str, rows: list[RecallRow]
) -> int:
    """Queues the patient's message on `channel` naming `rows`; the outbox row's id."""
    practice = member.practice
    link = optout_url(patient=patient, channel=channel)
    if channel == Channel.EMAIL:
        subject, text = wording.recall_email(
            language=language,
            patient=patient.full_name,
            practice=practice.name,
            phone=practice.phone,
            items=_items(rows),
            optout_link=link,
        )
        message = message_email_queue(
            practice=practice,
            recipient=patient.email,
            subject=subject,
            text=text,
            patient=patient,
            about_kind=ABOUT_KIND,
            about_id=patient.pk,
            language=language,
            created_by=member,
        )
    else:
        text = wording.recall_sms(
            language=language,
            practice=practice.name,
            phone=practice.phone,
            items=_items(rows),
            optout_link=link,
        )
        message = message_sms_queue(
            practice=practice,
            recipient=patient.phone,
            text=text,
            patient=patient,
            about_kind=ABOUT_KIND,
            about_id=patient.pk,
            language=language,
            created_by=member,
        )
    return message.pk
