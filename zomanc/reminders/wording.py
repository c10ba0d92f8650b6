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

# The SMS is short: the practice, the time, confirm and cancel (reschedule by calling back),
# and the opt-out link (every message carries one).
SMS_BODY = {
    "hu": "{practice}: időpontja {date} {time}, {doctor}. Visszaigazolás: {confirm_link} "
    "Lemondás: {cancel_link}",
    "en": "{practice}: your appointment {date} {time}, {doctor}. Confirm: {confirm_link} "
    "Cancel: {cancel_link}",
    "de": "{practice}: Ihr Termin {date} {time}, {doctor}. Bestätigen: {confirm_link} "
    "Absagen: {cancel_link}",
}

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
    },
}


def lang(language: str) -> str:
    return language if language in PAGE else "hu"


def placeholders_unknown(text: str) -> list[str]:
    """The {names} in `text` that are not placeholders; raises ValueError on a broken brace."""
    unknown = []
    for _literal, name, _spec, _conv in string.Formatter().parse(text):
        if name is not None and name not in PLACEHOLDERS and name not in unknown:
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
