"""The practice's reminder SMS template (issue 17): placeholders checked on save like the
e-mail's, the SMS sent from it in the patient's language with the opt-out link always
appended, a GSM-7 template keeping the whole SMS GSM-7, never another practice's template;
the settings page's SMS editor (owners only, the server's count of the sent text, the
accent-free variant without JavaScript, refusals in Hungarian)."""

from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from zomanc.audit.models import AuditAction, AuditEntry
from zomanc.messaging.models import OutboundMessage
from zomanc.messaging.sms import GSM7, UCS2, sms_segments
from zomanc.messaging.sms_outbox import sms_settings_save
from zomanc.patients.consent_services import patient_channel_opt_in, patient_message_language_set
from zomanc.reminders import links, wording
from zomanc.reminders.models import Reminder, ReminderTemplate
from zomanc.reminders.services import (
    reminder_sms_template_save,
    reminder_template_save,
    reminders_due,
)
from zomanc.reminders.sms_text import (
    sms_compose,
    sms_fill,
    sms_forcing_chars,
    sms_gsm_value,
    sms_view,
)
from zomanc.reminders.tests.conftest import local, rule
from zomanc.scheduling.tests.conftest import Cal

pytestmark = pytest.mark.django_db

SETTINGS = "reminders:settings"
SAVE = "reminders:sms_template_save"
ACCENTED = "Kedves {patient}! Időpontja: {date} {time}, {doctor}. Lemondás: {cancel_link}"


@pytest.fixture
def sms(ready: Cal) -> Cal:
    """Practice A sends SMS; its rule uses SMS only; Anna agreed to SMS."""
    sms_settings_save(
        practice=ready.p.practice_a,
        url="http://127.0.0.1:9/sms/api/messages",
        api_key="kulcs",
        sender_name="Mosoly",
        actor=ready.p.owner,
    )
    rule(ready.p, 24, use_email=False, use_sms=True)
    patient_channel_opt_in(
        patient=ready.anna, channel="sms", method="phone", actor=ready.p.receptionist
    )
    return ready


def _save(cal: Cal, body: str, language: str = "hu") -> ReminderTemplate:
    return reminder_sms_template_save(
        practice=cal.p.practice_a, language=language, body=body, actor=cal.p.owner
    )


def _sent_sms(cal: Cal) -> str:
    with time_machine.travel(local(2, 9), tick=False):
        cal.book(local(5, 10))
    with time_machine.travel(local(4, 10), tick=False):
        reminders_due()
    return OutboundMessage.objects.get(channel="sms").body_text


# --- the text --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "template",
    [
        *wording.SMS_BODY.values(),
        *wording.DEFAULT_BODY.values(),
        "{{patient}} {patient}}} {{{date}",
        "Nincs helyettesítő.",
    ],
)
def test_sms_fill_is_format_map_for_valid_templates(template: str) -> None:
    values = {name: f"<{name}>" for name in wording.SMS_PLACEHOLDERS}
    assert sms_fill(template, values) == wording.fill(template, values)


def test_sms_fill_leaves_a_draft_s_unknown_placeholder_and_lone_brace() -> None:
    # What the counter shows while the owner types (the save refuses both).
    assert sms_fill("{nev} {patient} {", {"patient": "Anna"}) == "{nev} Anna {"


def test_gsm7_template_keeps_the_whole_sms_gsm7() -> None:
    values = {"patient": "Kovács Őrs", "practice": "Mosoly Fogászat", "doctor": "Dr. Éles Ede"}
    text = sms_compose(
        body="{practice}: {patient}, {doctor}", values=values, optout_line="Leiratkozás: http://x/"
    )
    assert text == "Mosoly Fogaszat: Kovacs Örs, Dr. Éles Ede Leiratkozas: http://x/"
    assert sms_segments(text).encoding == GSM7
    # A UCS-2 template: the names as they are (the SMS is UCS-2 anyway).
    text = sms_compose(body="{patient} – ő", values=values, optout_line="Leiratkozás: http://x/")
    assert text == "Kovács Őrs – ő Leiratkozás: http://x/"


def test_a_name_with_no_gsm7_form_is_not_turned_into_question_marks() -> None:
    assert sms_gsm_value("Иван Kovács") == "Иван Kovács"
    assert sms_gsm_value("Kovács?") == "Kovacs?"


def test_forcing_chars_and_their_names() -> None:
    assert sms_forcing_chars("Időpont: á, á, é, ö, ű") == ["ő", "á", "ű"]
    view = sms_view("ár\u00a0– 😀")
    assert view.forcing == ("á", "U+00A0", "–", "😀") and view.forcing_letters
    assert not sms_view("– 😀").forcing_letters
    assert sms_view("Kedves Péter").forcing == ()


# --- saving ----------------------------------------------------------------------------------


def test_unknown_placeholder_refused_naming_it_and_nothing_saved(sms: Cal) -> None:
    with pytest.raises(ValidationError) as error:
        _save(sms, "Kedves {paciens}! {time} {datum}")
    message = error.value.message_dict["body"][0]
    assert "Ismeretlen helyettesítő: {paciens}, {datum}" in message
    assert "{patient}" in message  # lists the valid ones
    with pytest.raises(ValidationError) as error:
        _save(sms, "Kedves {patient! {time}")
    assert "kapcsos zárójel" in error.value.message_dict["body"][0]
    assert not ReminderTemplate.objects.exists()


def test_formatted_placeholder_refused(sms: Cal) -> None:
    # format_map would apply it, or fail at send time ({date:d} on a str).
    with pytest.raises(ValidationError) as error:
        _save(sms, "{date:d} {time!r}")
    assert "nem lehet formázás ({date:d}, {time!r})" in error.value.message_dict["body"][0]
    with pytest.raises(ValidationError):
        reminder_template_save(
            practice=sms.p.practice_a,
            language="hu",
            subject="{date:>20}",
            body="{patient}",
            actor=sms.p.owner,
        )
    assert not ReminderTemplate.objects.exists()


def test_too_long_and_bad_language_refused(sms: Cal) -> None:
    with pytest.raises(ValidationError) as error:
        _save(sms, "x" * 601)
    assert "legfeljebb 600 karakter" in error.value.message_dict["body"][0]
    with pytest.raises(ValidationError) as error:
        _save(sms, "{patient}", language="fr")
    assert "Válasszon nyelvet" in error.value.message_dict["language"][0]
    assert not ReminderTemplate.objects.exists()


def test_saved_as_sms_beside_the_email_one_line_ends_as_counted(sms: Cal) -> None:
    reminder_template_save(
        practice=sms.p.practice_a, language="hu", subject="", body="E-mail", actor=sms.p.owner
    )
    row = _save(sms, "  Sor1\r\nSor2\rSor3  ")
    assert (row.channel, row.body) == ("sms", "Sor1\nSor2\nSor3")
    # The e-mail template is untouched, and saving again updates the same row.
    assert ReminderTemplate.objects.get(channel="email").body == "E-mail"
    _save(sms, "Más")
    assert ReminderTemplate.objects.get(channel="sms").body == "Más"
    entry = AuditEntry.objects.filter(summary__startswith="Emlékeztető SMS sablon").first()
    assert entry is not None and entry.action == AuditAction.CREATE


# --- sending ---------------------------------------------------------------------------------


def test_the_sms_uses_the_practice_s_template_and_always_the_opt_out(sms: Cal) -> None:
    # A template saved before {link}: its {cancel_link} is the short link (the page offers the
    # opt-out), so nothing more is appended.
    _save(sms, "Holnap {time}: {practice}, {doctor}. Lemondás: {cancel_link}")
    text = _sent_sms(sms)
    link = links.short_url(Reminder.objects.get().pk)
    assert text == f"Holnap 10:00: Mosoly Fogászat, Dr. Fog Ferenc. Lemondás: {link}"


def test_a_template_without_the_link_gets_it_appended(sms: Cal) -> None:
    # The template has no link: the code appends the short one, whose page has the opt-out.
    _save(sms, "Holnap {time}: {practice}.")
    text = _sent_sms(sms)
    link = links.short_url(Reminder.objects.get().pk)
    assert text == "Holnap 10:00: Mosoly Fogaszat. " + link  # a GSM-7 template: no á
    assert text.count("http") == 1


def test_accent_free_template_sends_a_gsm7_sms(sms: Cal) -> None:
    _save(sms, "Kedves {patient}! Idopontja {date} {time}. Valasz: {link}")
    text = _sent_sms(sms)
    assert text.startswith("Kedves Kovacs Anna! Idopontja 2026.03.05. 10:00. Valasz: http")
    assert text.count("http") == 1
    count = sms_segments(text)
    assert count.encoding == GSM7
    assert OutboundMessage.objects.get(channel="sms").segments == count.segments


def test_template_of_the_patient_s_language_else_built_in(sms: Cal) -> None:
    _save(sms, "HU sablon {time}")
    _save(sms, "EN template {time}", language="en")
    patient_message_language_set(patient=sms.anna, language="en", actor=sms.p.owner)
    assert _sent_sms(sms).startswith("EN template 10:00 http://127.0.0.1:8000/s/")
    # German has no template of the practice's: the built-in German text.
    patient_channel_opt_in(patient=sms.bela, channel="sms", method="phone", actor=sms.p.owner)
    patient_message_language_set(patient=sms.bela, language="de", actor=sms.p.owner)
    with time_machine.travel(local(2, 9), tick=False):
        sms.book(local(6, 10), patient=sms.bela)
    with time_machine.travel(local(5, 10), tick=False):
        reminders_due()
    text = OutboundMessage.objects.get(channel="sms", patient=sms.bela).body_text
    assert text.startswith("Mosoly Fogaszat: Ihr Termin 06.03.2026 10:00")  # GSM-7: no á


def test_another_practice_s_template_is_never_used(sms: Cal) -> None:
    reminder_sms_template_save(
        practice=sms.p.practice_b, language="hu", body="B RENDELŐ {time}", actor=sms.p.outsider
    )
    text = _sent_sms(sms)
    assert "B RENDELŐ" not in text
    assert text.startswith("Mosoly Fogászat: időpontja 2026.03.05. 10:00")  # the built-in
    _save(sms, "A rendelő {time}")
    with time_machine.travel(local(2, 9), tick=False):
        sms.book(local(6, 10), patient=sms.anna)
    with time_machine.travel(local(5, 10), tick=False):
        reminders_due()
    latest = OutboundMessage.objects.filter(channel="sms").latest("pk")
    assert latest.body_text.startswith("A rendelő 10:00")


# --- the page --------------------------------------------------------------------------------


def test_requires_login(sms: Cal) -> None:
    from django.test import Client

    response = Client().post(reverse(SAVE), {"sms-language": "hu", "sms-body": "x"})
    assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.parametrize("role", ["doctor", "assistant", "receptionist"])
def test_requires_owner(sms: Cal, role: str) -> None:
    client = sms.p.client_for(getattr(sms.p, role))
    for action in ("", "accent_free"):
        data = {"sms-language": "hu", "sms-body": "Időpont {time}", "action": action}
        assert client.post(reverse(SAVE), data).status_code == 403
    assert not ReminderTemplate.objects.exists()


def test_page_counts_the_sent_text_with_the_real_appointment(sms: Cal) -> None:
    with time_machine.travel(local(2, 9), tick=False):
        sms.book(local(5, 10))
        client = sms.p.client_for(sms.p.owner)
        before = AuditEntry.objects.count()
        response = client.get(reverse(SETTINGS))
    html = response.content.decode()
    assert response.status_code == 200
    # The built-in HU text, filled with Anna's appointment and its short link: UCS-2.
    preview = response.context["sms"]["preview"]
    assert preview.text == (
        "Mosoly Fogászat: időpontja 2026.03.05. 10:00, Dr. Fog Ferenc. Válasz, leiratkozás: "
        + links.short_url(0)
    )
    count = sms_segments(preview.text)
    assert count.encoding == UCS2 and count.segments > 1
    assert f"<span data-sms-units>{count.units}</span>" in html
    assert f"<span data-sms-segments>{count.segments}</span>" in html
    assert "Ékezetes betű miatt UCS-2: 70 karakter/szegmens" in html
    assert "<strong data-sms-chars>á, ő</strong>" in html
    assert 'id="sms-values"' in html and "Kov\\u00e1cs Anna" in html
    assert (
        'aria-live="polite"' in html and 'aria-describedby="id_sms-body_helptext sms-count"' in html
    )
    assert AuditEntry.objects.count() == before + 1  # the previews' one read of patient data


def test_unknown_placeholder_refused_on_the_page(sms: Cal) -> None:
    client = sms.p.client_for(sms.p.owner)
    response = client.post(reverse(SAVE), {"sms-language": "en", "sms-body": "Hi {nev} {time}"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Ismeretlen helyettesítő: {nev}" in html
    assert not ReminderTemplate.objects.exists()
    response = client.post(reverse(SAVE), {"sms-language": "en", "sms-body": "Hi {time}"})
    assert response.status_code == 302 and response["Location"].endswith("?nyelv=en#sms")
    row = ReminderTemplate.objects.get()
    assert (row.channel, row.language, row.body) == ("sms", "en", "Hi {time}")


def test_accent_free_button_without_javascript(sms: Cal) -> None:
    with time_machine.travel(local(2, 9), tick=False):
        sms.book(local(5, 10))
        client = sms.p.client_for(sms.p.owner)
        data = {"sms-language": "hu", "sms-body": ACCENTED, "action": "accent_free"}
        response = client.post(reverse(SAVE), data)
    assert response.status_code == 200
    form = response.context["sms_form"]
    assert form["body"].value() == (
        "Kedves {patient}! Idopontja: {date} {time}, {doctor}. Lemondas: {cancel_link}"
    )
    assert response.context["sms"]["view"].count.encoding == GSM7
    assert "Az ékezet nélküli változat még nincs elmentve." in response.content.decode()
    assert not ReminderTemplate.objects.exists()
    # The page again, with the preview of Anna's appointment: a read of her data, audited.
    view = AuditEntry.objects.get(action=AuditAction.VIEW)
    assert (view.patient_id, view.actor_id) == (sms.anna.pk, sms.p.owner.user_id)


def test_hides_other_practice(sms: Cal) -> None:
    _save(sms, "A rendelő titka {time}")
    with time_machine.travel(local(2, 9), tick=False):
        sms.book(local(5, 10))
        html = sms.p.client_for(sms.p.outsider).get(reverse(SETTINGS)).content.decode()
    assert "A rendelő titka" not in html and "Kovács Anna" not in html
    assert "Kov\\u00e1cs" not in html
    assert "Még nincs időpont" in html
