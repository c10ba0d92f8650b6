"""The words the patient reads, per message language (HU/EN/DE): the built-in reminder text
and the pages his links open. Like the quote's PDF (plans/send.py) these are the patient's
language, not the interface's, so they live in this table rather than the gettext catalogue
(which has no German)."""

from __future__ import annotations

import string

PLACEHOLDERS = (
    "patient",
    "date",
    "time",
    "doctor",
    "practice",
    "confirm_link",
    "reschedule_link",
    "cancel_link",
)

DEFAULT_SUBJECT = {
    "hu": "Emlékeztető: időpontja {date} {time} – {practice}",
    "en": "Reminder: your appointment on {date} at {time} – {practice}",
    "de": "Erinnerung: Ihr Termin am {date} um {time} – {practice}",
}

DEFAULT_BODY = {
    "hu": (
        "Kedves {patient}!\n\n"
        "Emlékeztetjük, hogy időpontja van nálunk: {date} {time}, {doctor}.\n\n"
        "Visszaigazolás: {confirm_link}\n"
        "Új időpontot kérek: {reschedule_link}\n"
        "Lemondás: {cancel_link}\n\n"
        "Üdvözlettel:\n{practice}"
    ),
    "en": (
        "Dear {patient},\n\n"
        "This is a reminder of your appointment: {date} at {time}, with {doctor}.\n\n"
        "Confirm: {confirm_link}\n"
        "Ask for another time: {reschedule_link}\n"
        "Cancel: {cancel_link}\n\n"
        "Kind regards,\n{practice}"
    ),
    "de": (
        "Sehr geehrte(r) {patient},\n\n"
        "wir erinnern Sie an Ihren Termin: {date} um {time}, bei {doctor}.\n\n"
        "Bestätigen: {confirm_link}\n"
        "Neuen Termin erbitten: {reschedule_link}\n"
        "Absagen: {cancel_link}\n\n"
        "Mit freundlichen Grüßen\n{practice}"
    ),
}

# The SMS's placeholders: {link} is its one short link to the appointment's page (confirm,
# another time, cancel, no more SMS). The e-mail's three link names are still accepted and
# filled with that same link (templates saved before {link} keep working, and stay short).
SMS_PLACEHOLDERS = ("patient", "date", "time", "doctor", "practice", "link", *PLACEHOLDERS[5:])

# The SMS is short: the practice, the time, and the one link (every choice and the opt-out are
# on its page). A typical filled one is 2 UCS-2 segments in Hungarian, 1 GSM-7 in English and
# German (docs/reminders.md).
SMS_BODY = {
    "hu": "{practice}: időpontja {date} {time}, {doctor}. Válasz, leiratkozás: {link}",
    "en": "{practice}: your appointment {date} {time}, {doctor}. Confirm, cancel, opt out: {link}",
    "de": "{practice}: Ihr Termin {date} {time}, {doctor}. Bestätigen, absagen, abmelden: {link}",
}

# The opt-out line of an SMS that carries its own opt-out link (recall's; the reminder SMS
# reaches the opt-out through its one page instead).
SMS_OPT_OUT = {"hu": "Leiratkozás: {link}", "en": "Unsubscribe: {link}", "de": "Abmelden: {link}"}

OPT_OUT_LINE = {
    "hu": "Ha nem kér több üzenetet e-mailben, leiratkozhat: {link}",
    "en": "To receive no more messages by e-mail, unsubscribe here: {link}",
    "de": "Wenn Sie keine Nachrichten per E-Mail mehr wünschen, melden Sie sich hier ab: {link}",
}

DATE_FORMAT = {"hu": "%Y.%m.%d.", "en": "%d/%m/%Y", "de": "%d.%m.%Y"}

PAGE = {
    "hu": {
        "title": "Időpont",
        "ask_confirm": "Megerősíti az időpontját?",
        "ask_reschedule": "Új időpontot kér ehelyett?",
        "ask_cancel": "Lemondja az időpontját?",
        "button_confirm": "Igen, megerősítem",
        "button_reschedule": "Igen, új időpontot kérek",
        "button_cancel": "Igen, lemondom",
        "done_confirm": "Köszönjük, az időpontját visszaigazolta.",
        "done_reschedule": (
            "Köszönjük, jeleztük a rendelőnek, hogy új időpontot kér; hamarosan keresik."
        ),
        "done_cancel": "Az időpontját lemondta. Köszönjük, hogy jelezte.",
        "bad": "Ez a link érvénytelen. Kérjük, hívja a rendelőt.",
        "expired": "Ez a link lejárt: az időpont már elkezdődött.",
        "used": "Ezt a linket már használta; az időpontja állapota nem változott.",
        "moved": "Az időpontja időközben megváltozott; ez a link a korábbi időpontra szólt.",
        "cancelled": "Ez az időpont már le van mondva.",
        "appointment": "Időpont",
        "optout_ask": "Leiratkozik az e-mailben küldött üzenetekről?",
        "optout_button": "Igen, leiratkozom",
        "optout_done": "Leiratkozott: e-mailben nem küldünk Önnek több üzenetet.",
        "optout_already": "Már leiratkozott: e-mailben nem küldünk Önnek üzenetet.",
        "reason": "A páciens lemondta az emlékeztető linkjével.",
        "optout_ask_sms": "Leiratkozik az SMS-ben küldött üzenetekről?",
        "optout_done_sms": "Leiratkozott: SMS-ben nem küldünk Önnek több üzenetet.",
        "optout_already_sms": "Már leiratkozott: SMS-ben nem küldünk Önnek üzenetet.",
        "short_ask": "Mit szeretne tenni ezzel az időponttal?",
        "button_confirm_short": "Megerősítem az időpontot",
        "button_reschedule_short": "Másik időpontot kérek",
        "button_cancel_short": "Lemondom az időpontot",
        "button_optout": "Ne küldjenek több SMS-t",
    },
    "en": {
        "title": "Appointment",
        "ask_confirm": "Do you confirm your appointment?",
        "ask_reschedule": "Would you like another time instead?",
        "ask_cancel": "Do you cancel your appointment?",
        "button_confirm": "Yes, I confirm",
        "button_reschedule": "Yes, I need another time",
        "button_cancel": "Yes, I cancel",
        "done_confirm": "Thank you, your appointment is confirmed.",
        "done_reschedule": (
            "Thank you, we told the practice you need another time; they will contact you."
        ),
        "done_cancel": "Your appointment is cancelled. Thank you for letting us know.",
        "bad": "This link is not valid. Please call the practice.",
        "expired": "This link has expired: the appointment has already started.",
        "used": "This link has already been used; nothing was changed.",
        "moved": "Your appointment has changed since; this link was for the earlier time.",
        "cancelled": "This appointment is already cancelled.",
        "appointment": "Appointment",
        "optout_ask": "Unsubscribe from messages by e-mail?",
        "optout_button": "Yes, unsubscribe",
        "optout_done": "You are unsubscribed: we will send you no more messages by e-mail.",
        "optout_already": "You are already unsubscribed from messages by e-mail.",
        "reason": "Cancelled by the patient through the reminder's link.",
        "optout_ask_sms": "Unsubscribe from messages by SMS?",
        "optout_done_sms": "You are unsubscribed: we will send you no more messages by SMS.",
        "optout_already_sms": "You are already unsubscribed from messages by SMS.",
        "short_ask": "What would you like to do about this appointment?",
        "button_confirm_short": "Confirm the appointment",
        "button_reschedule_short": "Ask for another time",
        "button_cancel_short": "Cancel the appointment",
        "button_optout": "Send me no more SMS",
    },
    "de": {
        "title": "Termin",
        "ask_confirm": "Bestätigen Sie Ihren Termin?",
        "ask_reschedule": "Möchten Sie stattdessen einen anderen Termin?",
        "ask_cancel": "Sagen Sie Ihren Termin ab?",
        "button_confirm": "Ja, ich bestätige",
        "button_reschedule": "Ja, ich brauche einen anderen Termin",
        "button_cancel": "Ja, ich sage ab",
        "done_confirm": "Vielen Dank, Ihr Termin ist bestätigt.",
        "done_reschedule": (
            "Vielen Dank, die Praxis weiß, dass Sie einen anderen Termin brauchen, und meldet sich."
        ),
        "done_cancel": "Ihr Termin ist abgesagt. Danke für Ihre Nachricht.",
        "bad": "Dieser Link ist ungültig. Bitte rufen Sie die Praxis an.",
        "expired": "Dieser Link ist abgelaufen: der Termin hat bereits begonnen.",
        "used": "Dieser Link wurde bereits benutzt; nichts wurde geändert.",
        "moved": "Ihr Termin wurde inzwischen geändert; dieser Link galt dem früheren Termin.",
        "cancelled": "Dieser Termin ist bereits abgesagt.",
        "appointment": "Termin",
        "optout_ask": "Von Nachrichten per E-Mail abmelden?",
        "optout_button": "Ja, abmelden",
        "optout_done": "Sie sind abgemeldet: wir senden Ihnen keine Nachrichten per E-Mail mehr.",
        "optout_already": "Sie sind bereits von Nachrichten per E-Mail abgemeldet.",
        "reason": "Vom Patienten über den Link der Erinnerung abgesagt.",
        "optout_ask_sms": "Von Nachrichten per SMS abmelden?",
        "optout_done_sms": "Sie sind abgemeldet: wir senden Ihnen keine Nachrichten per SMS mehr.",
        "optout_already_sms": "Sie sind bereits von Nachrichten per SMS abgemeldet.",
        "short_ask": "Was möchten Sie mit diesem Termin tun?",
        "button_confirm_short": "Termin bestätigen",
        "button_reschedule_short": "Anderen Termin erbitten",
        "button_cancel_short": "Termin absagen",
        "button_optout": "Keine SMS mehr senden",
    },
}


def lang(language: str) -> str:
    return language if language in PAGE else "hu"


def placeholders_unknown(text: str, known: tuple[str, ...] = PLACEHOLDERS) -> list[str]:
    """The {names} in `text` that are not in `known`; raises ValueError on a broken brace."""
    unknown = []
    for _literal, name, _spec, _conv in string.Formatter().parse(text):
        if name is not None and name not in known and name not in unknown:
            unknown.append(name)
    return unknown


def placeholders_formatted(text: str) -> list[str]:
    """The placeholders written with a conversion or a format ({date!r}, {time:>8}), as
    written; raises ValueError on a broken brace. Refused on save: format_map would apply the
    format (or fail at send time on a str), and the SMS editor's counter in the browser fills
    plain {name} only."""
    found = []
    for _literal, name, spec, conversion in string.Formatter().parse(text):
        if name is not None and (spec or conversion):
            shown = "{" + name + (f"!{conversion}" if conversion else "")
            shown += (f":{spec}" if spec else "") + "}"
            if shown not in found:
                found.append(shown)
    return found


def fill(text: str, values: dict[str, str]) -> str:
    return text.format_map(values)
