"""Writes of reminders: the practice's rule and templates, the reminder rows kept in step with
each appointment (called by scheduling inside its transaction), the worker that turns due rows
into messages exactly once, and the patient's answers through the signed links.

Quiet hours: nothing goes out between 20:00 and 08:00 Budapest time; a reminder that falls
inside is held until 08:00, and one that would then come after the appointment's start is not
sent at all. A booking made inside the window gets its reminder at once (the step nearest the
appointment only: a booking an hour ahead does not get the 24-hour and the 2-hour one
together)."""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from zomanc.audit.models import AuditAction
from zomanc.audit.services import audit_record
from zomanc.messaging.services import (
    MessagingError,
    message_email_queue,
    message_suppressed_record,
)
from zomanc.patients.consent_selectors import patient_channels_allowed, patient_message_language
from zomanc.patients.consent_services import patient_channel_opt_out
from zomanc.patients.models import ConsentMethod, Patient
from zomanc.practices.models import Practice, StaffMember
from zomanc.reminders import links, wording
from zomanc.reminders.models import (
    Reminder,
    ReminderMessage,
    ReminderResponse,
    ReminderRule,
    ReminderStatus,
    ReminderTemplate,
    ResponseAction,
)
from zomanc.reminders.sms_text import sms_compose
from zomanc.scheduling.models import Appointment, AppointmentStatus

logger = logging.getLogger(__name__)

BUDAPEST = zoneinfo.ZoneInfo("Europe/Budapest")
QUIET_FROM = dt.time(20, 0)
QUIET_UNTIL = dt.time(8, 0)
MAX_HOURS = 24 * 14
SEND_BATCH = 500


# --- when ------------------------------------------------------------------------------------


def out_of_quiet_hours(moment: dt.datetime) -> dt.datetime:
    """`moment`, or 08:00 Budapest time after it when it falls between 20:00 and 08:00."""
    local = moment.astimezone(BUDAPEST)
    if local.time() >= QUIET_FROM:
        day = local.date() + dt.timedelta(days=1)
    elif local.time() < QUIET_UNTIL:
        day = local.date()
    else:
        return moment
    return dt.datetime.combine(day, QUIET_UNTIL, tzinfo=BUDAPEST)


def in_quiet_hours(moment: dt.datetime) -> bool:
    return out_of_quiet_hours(moment) != moment


def reminder_times(
    *, rule: ReminderRule, starts_at: dt.datetime, now: dt.datetime
) -> dict[int, dt.datetime]:
    """{step: when to send} for an appointment starting at `starts_at`, as decided `now`.
    Steps whose time has passed collapse into one sent at once (the one nearest the start);
    a step that quiet hours would push past the start is left out."""
    times: dict[int, dt.datetime] = {}
    passed: list[int] = []
    for step, hours in rule.steps():
        natural = starts_at - dt.timedelta(hours=hours)
        if natural <= now:
            passed.append(step)
            natural = now
        times[step] = out_of_quiet_hours(natural)
    for step in passed[:-1]:  # only the last passed step (the nearest to the start) is kept
        del times[step]
    return {step: at for step, at in times.items() if at < starts_at}


# --- the rule and the templates ------------------------------------------------------------


def reminder_rule_of(practice_id: int) -> ReminderRule | None:
    return ReminderRule.objects.filter(practice_id=practice_id).first()


@transaction.atomic
def reminder_rule_save(
    *,
    practice: Practice,
    is_active: bool,
    first_hours: int,
    second_hours: int | None,
    use_email: bool,
    use_sms: bool,
    actor: StaffMember,
    request: HttpRequest | None = None,
) -> ReminderRule:
    """Stores the practice's rule and moves the reminders of its future appointments to it."""
    errors: dict[str, str] = {}
    if not 1 <= first_hours <= MAX_HOURS:
        errors["first_hours"] = _("Az első emlékeztető 1 és 336 óra (14 nap) között lehet.")
    if second_hours is not None:
        if not 1 <= second_hours <= MAX_HOURS:
            errors["second_hours"] = _("A második emlékeztető 1 és 336 óra (14 nap) között lehet.")
        elif second_hours >= first_hours:
            errors["second_hours"] = _(
                "A második emlékeztető az elsőnél közelebb legyen az időponthoz (kevesebb óra)."
            )
    if is_active and not (use_email or use_sms):
        errors["use_email"] = _("Válasszon legalább egy csatornát (e-mail vagy SMS).")
    if errors:
        raise ValidationError(errors)
    rule = ReminderRule.objects.select_for_update().filter(practice=practice).first()
    created = rule is None
    if rule is None:
        rule = ReminderRule(practice=practice)
    rule.is_active, rule.first_hours, rule.second_hours = is_active, first_hours, second_hours
    rule.use_email, rule.use_sms, rule.updated_by = use_email, use_sms, actor
    rule.save()
    audit_record(
        practice=practice,
        actor=actor.user,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=rule,
        summary=_("Emlékeztető szabály mentve: %(first)s óra, %(second)s")
        % {
            "first": first_hours,
            "second": _("második: %(h)s óra") % {"h": second_hours}
            if second_hours
            else _("második nincs"),
        },
        request=request,
    )
    future = Appointment.objects.filter(
        practice=practice, starts_at__gt=timezone.now(), status=AppointmentStatus.BOOKED
    ).select_related("practice")
    for appointment in future.iterator():
        _sync(appointment, rule)
    return rule


def template_clean(
    *, subject: str, body: str, placeholders: tuple[str, ...] = wording.PLACEHOLDERS
) -> None:
    """Refuses an unknown placeholder (or a broken brace) in Hungarian; `placeholders` are
    the known names (the SMS's set differs: wording.SMS_PLACEHOLDERS)."""
    errors: dict[str, str] = {}
    for field, text in (("subject", subject), ("body", body)):
        try:
            unknown = wording.placeholders_unknown(text, placeholders)
        except ValueError:
            errors[field] = _(
                "Hibás kapcsos zárójel: a helyettesítők alakja {patient}; "
                "egy magányos { vagy } nem lehet a szövegben."
            )
            continue
        if unknown:
            errors[field] = _("Ismeretlen helyettesítő: %(names)s. Használható: %(known)s.") % {
                "names": ", ".join("{" + n + "}" for n in unknown),
                "known": ", ".join("{" + n + "}" for n in placeholders),
            }
            continue
        formatted = wording.placeholders_formatted(text)
        if formatted:
            errors[field] = _(
                "A helyettesítőben nem lehet formázás (%(names)s): írja egyszerűen így: {date}."
            ) % {"names": ", ".join(formatted)}
    if not body.strip():
        errors["body"] = _("Adja meg az üzenet szövegét.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def reminder_template_save(
    *,
    practice: Practice,
    language: str,
    subject: str,
    body: str,
    actor: StaffMember,
    request: HttpRequest | None = None,
) -> ReminderTemplate:
    if language not in wording.PAGE:
        raise ValidationError({"language": _("Válasszon nyelvet: magyar, angol vagy német.")})
    template_clean(subject=subject, body=body)
    row, created = ReminderTemplate.objects.update_or_create(
        practice=practice,
        language=language,
        channel="email",
        defaults={"subject": subject.strip(), "body": body.strip(), "updated_by": actor},
    )
    audit_record(
        practice=practice,
        actor=actor.user,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=row,
        summary=_("Emlékeztető sablon mentve (%(language)s)") % {"language": language},
        request=request,
    )
    return row


SMS_TEMPLATE_MAX = 600  # characters of the template; the filled SMS may be up to 1,600


@transaction.atomic
def reminder_sms_template_save(
    *,
    practice: Practice,
    language: str,
    body: str,
    actor: StaffMember,
    request: HttpRequest | None = None,
) -> ReminderTemplate:
    """The practice's own reminder SMS for one language. The placeholders are checked as the
    e-mail's are; line ends are stored as LF, as the browser's counter sees them (a CR would
    be one more character on the wire)."""
    if language not in wording.PAGE:
        raise ValidationError({"language": _("Válasszon nyelvet: magyar, angol vagy német.")})
    body = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    template_clean(subject="", body=body, placeholders=wording.SMS_PLACEHOLDERS)
    if len(body) > SMS_TEMPLATE_MAX:
        raise ValidationError(
            {
                "body": _("Az SMS sablon legfeljebb %(max)s karakter lehet.")
                % {"max": SMS_TEMPLATE_MAX}
            }
        )
    row, created = ReminderTemplate.objects.update_or_create(
        practice=practice,
        language=language,
        channel="sms",
        defaults={"subject": "", "body": body, "updated_by": actor},
    )
    audit_record(
        practice=practice,
        actor=actor.user,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=row,
        summary=_("Emlékeztető SMS sablon mentve (%(language)s)") % {"language": language},
        request=request,
    )
    return row


# --- the rows, in step with the appointment ------------------------------------------------


def reminders_sync(appointment: Appointment) -> None:
    """Called by scheduling (hooks.APPOINTMENT_CHANGED) in the transaction that booked, moved
    or cancelled `appointment`: its pending reminders follow it."""
    _sync(appointment, reminder_rule_of(appointment.practice_id))


def _sync(appointment: Appointment, rule: ReminderRule | None) -> None:
    if rule is None:
        return  # rows exist only under a rule (a rule is switched off, never deleted)
    rows = list(
        Reminder.objects.filter(practice_id=appointment.practice_id, appointment=appointment)
    )
    pending = [r for r in rows if r.status == ReminderStatus.PENDING]
    if rule is None or not rule.is_active or appointment.status != AppointmentStatus.BOOKED:
        why = "cancelled" if appointment.status == AppointmentStatus.CANCELLED else "no rule"
        Reminder.objects.filter(pk__in=[r.pk for r in pending]).update(
            status=ReminderStatus.CANCELLED, note=why
        )
        return
    wanted = reminder_times(rule=rule, starts_at=appointment.starts_at, now=timezone.now())
    taken = {(r.step, r.for_start) for r in rows if r.status != ReminderStatus.PENDING}
    wake: list[Reminder] = []
    for row in pending:
        at = wanted.pop(row.step, None)
        if at is None or (row.step, appointment.starts_at) in taken:
            Reminder.objects.filter(pk=row.pk).update(status=ReminderStatus.CANCELLED, note="moved")
            continue
        if row.due_at != at or row.for_start != appointment.starts_at:
            row.due_at, row.for_start = at, appointment.starts_at
            row.save(update_fields=["due_at", "for_start"])
            wake.append(row)
    for step, at in wanted.items():
        if (step, appointment.starts_at) in taken:
            continue  # this step already went out for this very start
        wake.append(
            Reminder.objects.create(
                practice_id=appointment.practice_id,
                appointment=appointment,
                step=step,
                for_start=appointment.starts_at,
                due_at=at,
            )
        )
    for row in wake:
        # A wake-up at the due time, in this transaction; the sweeper finds any that is lost.
        when = row.due_at if row.due_at > timezone.now() else None
        send = reminder_send_task.using(run_after=when) if when else reminder_send_task
        send.enqueue(reminder_id=row.pk)


# --- sending -------------------------------------------------------------------------------


def _template(practice_id: int, language: str) -> tuple[str, str]:
    row = ReminderTemplate.objects.filter(
        practice_id=practice_id, language=language, channel="email"
    ).first()
    if row is not None:
        return row.subject or wording.DEFAULT_SUBJECT[language], row.body
    return wording.DEFAULT_SUBJECT[language], wording.DEFAULT_BODY[language]


def sms_template_of(practice_id: int, language: str) -> str:
    """The practice's SMS template for `language`, else the built-in one."""
    row = ReminderTemplate.objects.filter(
        practice_id=practice_id, language=language, channel="sms"
    ).first()
    return row.body if row is not None else wording.SMS_BODY[language]


def reminder_values(*, appointment: Appointment, reminder_id: int, language: str) -> dict[str, str]:
    start = timezone.localtime(appointment.starts_at, BUDAPEST)
    return {
        "patient": appointment.patient.full_name,
        "date": start.strftime(wording.DATE_FORMAT[language]),
        "time": start.strftime("%H:%M"),
        "doctor": appointment.doctor.display_name,
        "practice": appointment.practice.name,
        **{
            f"{action}_link": links.action_url(
                appointment=appointment, reminder_id=reminder_id, action=action
            )
            for action in ResponseAction.values
        },
    }


def reminder_render(
    *, appointment: Appointment, reminder_id: int, language: str, subject: str, body: str
) -> tuple[str, str]:
    """(subject, text) with the placeholders filled and the opt-out line added."""
    values = reminder_values(appointment=appointment, reminder_id=reminder_id, language=language)
    optout = links.optout_url(patient=appointment.patient, channel="email")
    text = wording.fill(body, values).rstrip()
    text += "\n\n--\n" + wording.OPT_OUT_LINE[language].format(link=optout) + "\n"
    return " ".join(wording.fill(subject, values).split())[:255], text


def reminder_sms_values(
    *, appointment: Appointment, reminder_id: int, language: str
) -> dict[str, str]:
    """The SMS's values: the e-mail's names and dates, and one short link ({link}) to the
    appointment's page with every choice (links.short_url). The e-mail's three link names
    are filled with the same short link: a template saved before {link} existed sends a
    short SMS too."""
    values = reminder_values(appointment=appointment, reminder_id=reminder_id, language=language)
    link = links.short_url(reminder_id)
    values["link"] = link
    for action in ResponseAction.values:
        values[f"{action}_link"] = link
    return values


def reminder_sms_render(
    *, appointment: Appointment, reminder_id: int, language: str, body: str
) -> str:
    """The reminder SMS: `body` filled, and the short link appended when the template has no
    {link} (sms_text.sms_compose: the page behind it offers the opt-out, so every SMS lets
    the patient opt out; a GSM-7 template keeps the whole SMS GSM-7)."""
    values = reminder_sms_values(
        appointment=appointment, reminder_id=reminder_id, language=language
    )
    return sms_compose(body=body, values=values, optout_line=values["link"])


def reminder_send(*, reminder_id: int, now: dt.datetime | None = None) -> Reminder | None:
    """Turns one due reminder into its messages, exactly once: the row is taken by a
    conditional update (pending → sent) in the same transaction that queues the messages and
    writes one ReminderMessage per channel (unique per reminder and channel). A second worker
    finds it no longer pending and does nothing. None if there was nothing to do."""
    now = now or timezone.now()
    with transaction.atomic():
        query = Reminder.objects.filter(pk=reminder_id, status=ReminderStatus.PENDING)
        if connection.features.has_select_for_update_skip_locked:
            row = query.select_for_update(skip_locked=True).first()
        else:
            row = query.first()  # SQLite: IMMEDIATE transactions serialise writers
        if row is None or row.due_at > now:
            return None
        appointment = (
            Appointment.objects.select_related("patient", "doctor", "practice")
            .filter(pk=row.appointment_id, practice_id=row.practice_id)
            .first()
        )
        note, status = "", ReminderStatus.SENT
        if appointment is None or appointment.status != AppointmentStatus.BOOKED:
            status, note = ReminderStatus.CANCELLED, "not booked"
        elif appointment.starts_at != row.for_start:
            status, note = ReminderStatus.CANCELLED, "moved"
        elif appointment.starts_at <= now:
            status, note = ReminderStatus.SKIPPED, "started"
        elif in_quiet_hours(now):
            return None  # its time is 08:00: the sweeper wakes it then
        taken = Reminder.objects.filter(pk=row.pk, status=ReminderStatus.PENDING).update(
            status=status, note=note, sent_at=now if status == ReminderStatus.SENT else None
        )
        if not taken:
            return None
        row.status, row.note = status, note
        if status != ReminderStatus.SENT or appointment is None:
            return row
        sent = _queue_messages(row, appointment)
        if not sent:
            Reminder.objects.filter(pk=row.pk).update(
                status=ReminderStatus.SKIPPED, sent_at=None, note=row.note or "no consent"
            )
            row.status = ReminderStatus.SKIPPED
    return row


def _queue_messages(row: Reminder, appointment: Appointment) -> int:
    rule = reminder_rule_of(row.practice_id)
    patient = appointment.patient
    allowed = patient_channels_allowed(patient)
    channels = [c for c in (rule.channels() if rule else []) if c in allowed]
    language = wording.lang(patient_message_language(patient))
    for channel in rule.channels() if rule else []:
        if channel not in allowed:  # the patient's log shows it: not sent, and why
            _suppressed(row, appointment, channel, language)
    sent = 0
    for channel in channels:
        if channel == "sms":
            sent += _queue_sms(row, appointment, language)
            continue
        subject, body = _template(row.practice_id, language)
        subject, text = reminder_render(
            appointment=appointment,
            reminder_id=row.pk,
            language=language,
            subject=subject,
            body=body,
        )
        try:
            with transaction.atomic():  # a savepoint: a refusal leaves the rest intact
                message = message_email_queue(
                    practice=appointment.practice,
                    recipient=patient.email,
                    subject=subject,
                    text=text,
                    patient=patient,
                    about_kind="reminders.reminder",
                    about_id=row.pk,
                    language=language,
                )
                ReminderMessage.objects.create(
                    practice_id=row.practice_id, reminder=row, channel=channel, message=message
                )
        except MessagingError as exc:
            row.note = exc.message[:300]
            logger.warning("reminder %s: %s not queued", row.pk, channel)
            _suppressed(row, appointment, channel, language, exc.message)
            continue
        except IntegrityError:
            continue  # already queued on this channel (cannot happen past the claim)
        sent += 1
    return sent


def _queue_sms(row: Reminder, appointment: Appointment, language: str) -> int:
    """The SMS of a reminder through messaging's SMS outbox (zomanc/messaging/sms_outbox.py),
    which checks the consent and the number again itself."""
    try:
        from zomanc.messaging.sms_outbox import message_sms_queue
    except ImportError:  # an install without messaging's SMS outbox: e-mail only
        return 0
    patient = appointment.patient
    text = reminder_sms_render(
        appointment=appointment,
        reminder_id=row.pk,
        language=language,
        body=sms_template_of(row.practice_id, language),
    )
    try:
        with transaction.atomic():
            message = message_sms_queue(
                practice=appointment.practice,
                recipient=patient.phone,
                text=text,
                patient=patient,
                about_kind="reminders.reminder",
                about_id=row.pk,
                language=language,
            )
            ReminderMessage.objects.create(
                practice_id=row.practice_id, reminder=row, channel="sms", message=message
            )
    except MessagingError as exc:
        row.note = exc.message[:300]
        logger.warning("reminder %s: sms not queued", row.pk)
        _suppressed(row, appointment, "sms", language, exc.message)
        return 0
    except IntegrityError:
        return 0
    return 1


def _suppressed(
    row: Reminder, appointment: Appointment, channel: str, language: str, reason: str = ""
) -> None:
    """A reminder that did not go out on `channel` (no consent, opted out, no address, or
    refused by messaging) as a "suppressed" row in the patient's message log — in the
    sending transaction, so it exists exactly when the reminder was decided."""
    start = timezone.localtime(appointment.starts_at, BUDAPEST)
    message_suppressed_record(
        practice=appointment.practice,
        patient=appointment.patient,
        channel=channel,
        subject=_("Időpont-emlékeztető: %(when)s") % {"when": start.strftime("%Y.%m.%d. %H:%M")},
        reason=reason,
        about_kind="reminders.reminder",
        about_id=row.pk,
        language=language,
    )


def reminders_due(*, now: dt.datetime | None = None) -> int:
    """The sweeper: sends every due pending reminder (lost wake-ups, held ones at 08:00)."""
    now = now or timezone.now()
    if in_quiet_hours(now):
        return 0
    ids = list(
        Reminder.objects.filter(status=ReminderStatus.PENDING, due_at__lte=now)
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)[:SEND_BATCH]
    )
    return sum(1 for pk in ids if reminder_send(reminder_id=pk, now=now) is not None)


# --- the patient's answers -----------------------------------------------------------------


class LinkRefused(Exception):
    """A link that does nothing; `key` names the sentence in wording.PAGE."""

    def __init__(self, key: str, language: str = "hu"):
        super().__init__(key)
        self.key = key
        self.language = language


def _reminder_open(
    reminder_id: int, *, appointment_id: int | None = None, expires_at: dt.datetime | None = None
) -> tuple[Reminder, Appointment, str]:
    """(reminder, appointment, language) for a signed link naming `reminder_id` that may still
    act; else LinkRefused naming why (unknown, expired, cancelled, moved). The per-action
    "used" check is the caller's."""
    reminder = (
        Reminder.objects.select_related("appointment__patient", "appointment__practice")
        .filter(pk=reminder_id)
        .first()
    )
    if reminder is None or (
        appointment_id is not None and reminder.appointment_id != appointment_id
    ):
        raise LinkRefused("bad")
    appointment = reminder.appointment
    language = wording.lang(patient_message_language(appointment.patient))
    now = timezone.now()
    if (expires_at is not None and now >= expires_at) or now >= appointment.starts_at:
        raise LinkRefused("expired", language)
    if appointment.status == AppointmentStatus.CANCELLED:
        raise LinkRefused("cancelled", language)
    if appointment.starts_at != reminder.for_start:
        raise LinkRefused("moved", language)
    return reminder, appointment, language


def _unused(reminder: Reminder, action: str, language: str) -> None:
    if ReminderResponse.objects.filter(reminder=reminder, action=action).exists():
        raise LinkRefused("used", language)


def reminder_link_check(token: str) -> tuple[Reminder, Appointment, str, str]:
    """(reminder, appointment, action, language) for a link that may still act; else
    LinkRefused naming why (forged, expired, moved, used, cancelled)."""
    data = links.action_load(token)
    if data is None:
        raise LinkRefused("bad")
    reminder, appointment, language = _reminder_open(
        data.reminder_id, appointment_id=data.appointment_id, expires_at=data.expires_at
    )
    _unused(reminder, data.action, language)
    return reminder, appointment, data.action, language


def reminder_short_check(
    token: str, action: str | None = None
) -> tuple[Reminder, Appointment, str]:
    """(reminder, appointment, language) for the SMS's short link (links.short_token): the
    same refusals as the e-mail's links, its expiry the appointment's start; with `action`,
    also refused once that action was taken through this reminder."""
    reminder_id = links.short_load(token)
    if reminder_id is None or (action is not None and action not in ResponseAction.values):
        raise LinkRefused("bad")
    reminder, appointment, language = _reminder_open(reminder_id)
    if action is not None:
        _unused(reminder, action, language)
    return reminder, appointment, language


def reminder_respond(*, token: str, request: HttpRequest | None = None) -> tuple[str, str]:
    """The patient's click on confirm / reschedule / cancel: (action, language). Touches only
    the link's appointment; a cancel goes through scheduling's own service."""
    with transaction.atomic():
        reminder, appointment, action, language = reminder_link_check(token)
        _act(reminder, appointment, action, language, request)
    return action, language


def reminder_short_respond(*, token: str, action: str, request: HttpRequest | None = None) -> str:
    """A choice on the SMS's page (confirm / reschedule / cancel) through the short link: the
    patient's language. Acts exactly as the e-mail's link for that action."""
    with transaction.atomic():
        reminder, appointment, language = reminder_short_check(token, action)
        _act(reminder, appointment, action, language, request)
    return language


def _act(
    reminder: Reminder,
    appointment: Appointment,
    action: str,
    language: str,
    request: HttpRequest | None,
) -> None:
    from zomanc.scheduling.services import appointment_cancel

    Appointment.objects.select_for_update().filter(pk=appointment.pk).first()
    try:
        with transaction.atomic():
            ReminderResponse.objects.create(
                practice_id=appointment.practice_id,
                appointment=appointment,
                reminder=reminder,
                patient_id=appointment.patient_id,
                action=action,
            )
    except IntegrityError:
        raise LinkRefused("used", language) from None
    if action == ResponseAction.CANCEL:
        try:
            appointment_cancel(
                appointment=appointment,
                actor=None,
                reason=wording.PAGE["hu"]["reason"],
                request=request,
            )
        except ValidationError:
            raise LinkRefused("cancelled", language) from None
    else:
        audit_record(
            practice=appointment.practice,
            actor=None,
            action=AuditAction.UPDATE,
            obj=appointment,
            patient_id=appointment.patient_id,
            summary=str(ResponseAction(action).label),
            request=request,
        )


def reminder_optout(*, token: str, request: HttpRequest | None = None) -> tuple[bool, str]:
    """The opt-out link: (withdrawn now, language). Honoured at once; twice is harmless."""
    data = links.optout_load(token)
    if data is None:
        raise LinkRefused("bad")
    patient = Patient.objects.filter(pk=data.patient_id).first()
    if patient is None:
        raise LinkRefused("bad")
    language = wording.lang(patient_message_language(patient))
    entry = patient_channel_opt_out(
        patient=patient, channel=data.channel, how=ConsentMethod.LINK, request=request
    )
    return entry is not None, language


def reminder_short_optout(*, token: str, request: HttpRequest | None = None) -> tuple[bool, str]:
    """ "No more SMS" on the SMS's page: withdraws the patient's SMS consent only, (withdrawn
    now, language). Like the opt-out link it does not expire: an old SMS (its appointment
    passed, moved or cancelled) must still let the patient leave, so only the MAC and the
    reminder's existence are checked."""
    reminder_id = links.short_load(token)
    reminder = (
        Reminder.objects.select_related("appointment__patient").filter(pk=reminder_id).first()
        if reminder_id is not None
        else None
    )
    if reminder is None:
        raise LinkRefused("bad")
    patient = reminder.appointment.patient
    language = wording.lang(patient_message_language(patient))
    entry = patient_channel_opt_out(
        patient=patient, channel="sms", how=ConsentMethod.LINK, request=request
    )
    return entry is not None, language


# The tasks: an id in (or nothing), one service, safe to run twice.
@task
def reminder_send_task(reminder_id: int) -> None:
    reminder_send(reminder_id=reminder_id)


@task
def reminders_due_task() -> None:
    reminders_due()
