"""What the patient reads in a recall message, per message language (HU/EN/DE). Like the
reminders' wording (reminders/wording.py) this is the patient's language, not the
interface's, so it lives in this table rather than the gettext catalogue (which has no
German). The opt-out lines are the reminders' own: one opt-out link for every message the
practice sends on a channel.

The treatment's name is the practice's catalogue name (Hungarian): the catalogue has no
translations, and a name the patient sees on his invoice is better than a guessed one."""

from __future__ import annotations

import datetime as dt

from zomanc.reminders.wording import DATE_FORMAT, OPT_OUT_LINE, SMS_OPT_OUT, lang

__all__ = ["OPT_OUT_LINE", "SMS_OPT_OUT", "lang", "recall_email", "recall_sms"]

SUBJECT = {
    "hu": "Esedékes kezelés – {practice}",
    "en": "A treatment is due – {practice}",
    "de": "Eine Behandlung ist fällig – {practice}",
}

BODY = {
    "hu": (
        "Kedves {patient}!\n\n"
        "Szeretnénk emlékeztetni, hogy esedékes Önnél:\n{items}\n\n"
        "{booking}\n\n"
        "Üdvözlettel:\n{practice}"
    ),
    "en": (
        "Dear {patient},\n\n"
        "We would like to remind you that the following is due:\n{items}\n\n"
        "{booking}\n\n"
        "Kind regards,\n{practice}"
    ),
    "de": (
        "Sehr geehrte(r) {patient},\n\n"
        "wir möchten Sie daran erinnern, dass Folgendes fällig ist:\n{items}\n\n"
        "{booking}\n\n"
        "Mit freundlichen Grüßen\n{practice}"
    ),
}

# One line per recall: what, when it was last done, since when (or from when) it is due.
ITEM = {
    "hu": "- {treatment} (legutóbb: {since}; esedékes: {due})",
    "en": "- {treatment} (last done: {since}; due: {due})",
    "de": "- {treatment} (zuletzt: {since}; fällig: {due})",
}

BOOKING = {
    "hu": "Időpontot a {phone} telefonszámon foglalhat.",
    "en": "To book an appointment, please call us on {phone}.",
    "de": "Einen Termin vereinbaren Sie telefonisch unter {phone}.",
}

# A practice that has not entered its phone number (Beállítások / Rendelő).
BOOKING_NO_PHONE = {
    "hu": "Időpontért kérjük, keresse a rendelőt.",
    "en": "To book an appointment, please contact the practice.",
    "de": "Für einen Termin wenden Sie sich bitte an die Praxis.",
}

SMS = {
    "hu": "{practice}: esedékes: {items}. {booking}",
    "en": "{practice}: due: {items}. {booking}",
    "de": "{practice}: fällig: {items}. {booking}",
}

SMS_ITEM = {
    "hu": "{treatment} ({due})",
    "en": "{treatment} ({due})",
    "de": "{treatment} ({due})",
}


def _day(day: dt.date, language: str) -> str:
    return day.strftime(DATE_FORMAT[language])


def _booking(phone: str, language: str) -> str:
    return BOOKING[language].format(phone=phone) if phone else BOOKING_NO_PHONE[language]


def recall_email(
    *,
    language: str,
    patient: str,
    practice: str,
    phone: str,
    items: list[tuple[str, dt.date, dt.date]],
    optout_link: str,
) -> tuple[str, str]:
    """(subject, text) of the e-mail naming each (treatment, since, due) of `items`, with the
    opt-out line added by the code (no wording can leave it out)."""
    language = lang(language)
    lines = "\n".join(
        ITEM[language].format(treatment=name, since=_day(since, language), due=_day(due, language))
        for name, since, due in items
    )
    text = BODY[language].format(
        patient=patient, items=lines, booking=_booking(phone, language), practice=practice
    )
    text += "\n\n--\n" + OPT_OUT_LINE[language].format(link=optout_link) + "\n"
    return SUBJECT[language].format(practice=practice)[:255], text


def recall_sms(
    *,
    language: str,
    practice: str,
    phone: str,
    items: list[tuple[str, dt.date, dt.date]],
    optout_link: str,
) -> str:
    language = lang(language)
    named = ", ".join(
        SMS_ITEM[language].format(treatment=name, due=_day(due, language)) for name, _, due in items
    )
    text = SMS[language].format(practice=practice, items=named, booking=_booking(phone, language))
    return text + " " + SMS_OPT_OUT[language].format(link=optout_link)
