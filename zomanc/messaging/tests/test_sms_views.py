"""The SMS card of the settings page (owners only; the API key sealed and never shown back;
bad input refused in Hungarian, nothing saved; each practice its own) and an SMS in the
patient page's message log, delivered."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from zomanc.audit.models import AuditEntry
from zomanc.conftest import Personas
from zomanc.messaging.models import SmsSettings
from zomanc.messaging.services import message_deliver
from zomanc.messaging.sms_outbox import message_sms_queue, message_sms_report, sms_settings_save
from zomanc.messaging.tests.sms_gateway import API_KEY, SmsGatewayServer
from zomanc.patients.consent_services import patient_channel_opt_in
from zomanc.patients.tests.factories import make_patient

URL = "/uzenetek/beallitasok/sms/"
KEY = "titkos-sms-api-kulcs-42"
FORM = {"url": "http://127.0.0.1:9080/sms/api/messages", "api_key": KEY, "sender_name": "Mosoly"}


@pytest.fixture
def gateway() -> Iterator[SmsGatewayServer]:
    server = SmsGatewayServer()
    server.start()
    yield server
    server.stop()


def test_url() -> None:
    assert reverse("messaging:sms_settings") == URL


def test_requires_login(personas: Personas) -> None:
    response = Client().post(URL, FORM)
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("who", ["doctor", "assistant", "receptionist"])
def test_requires_owner(personas: Personas, who: str) -> None:
    client = personas.client_for(getattr(personas, who))
    assert client.post(URL, FORM).status_code == 403
    assert not SmsSettings.objects.exists()


def test_owner_saves_the_key_is_sealed_and_never_shown(personas: Personas) -> None:
    client = personas.client_for(personas.owner)
    assert client.post(URL, FORM).status_code == 302
    row = SmsSettings.objects.get()
    assert row.api_key_secret_id is not None and row.sender_name == "Mosoly"
    page = client.get(reverse("messaging:settings")).content.decode()
    assert "API-kulcs mentve" in page and FORM["url"] in page and KEY not in page
    entry = AuditEntry.objects.filter(object_type="messaging.smssettings").latest("pk")
    assert KEY not in str(entry.changes)
    assert entry.changes == {"api_key_changed": True, "rate_per_minute": 30}


def test_bad_input_is_refused_in_hungarian_nothing_saved(personas: Personas) -> None:
    client = personas.client_for(personas.owner)
    response = client.post(URL, {"url": "nem cím", "api_key": KEY, "sender_name": ""})
    assert response.status_code == 400 and "érvényes URL" in response.content.decode()
    response = client.post(URL, {**FORM, "api_key": ""})
    assert response.status_code == 400 and "Adja meg az SMS-átjáró API-kulcsát" in (
        response.content.decode()
    )
    response = client.post(URL, {**FORM, "sender_name": "Mosoly Fogászat"})
    assert response.status_code == 400
    assert not SmsSettings.objects.exists()


def test_hides_other_practice(personas: Personas) -> None:
    sms_settings_save(
        practice=personas.practice_a,
        url=FORM["url"],
        api_key=KEY,
        sender_name="Mosoly",
        actor=personas.owner,
    )
    outsider = personas.client_for(personas.outsider)
    assert FORM["url"] not in outsider.get(reverse("messaging:settings")).content.decode()
    other = {**FORM, "url": "https://sms.gyongy.example/api"}
    assert outsider.post(URL, other).status_code == 302
    assert SmsSettings.objects.get(practice=personas.practice_b).url == other["url"]
    assert SmsSettings.objects.get(practice=personas.practice_a).url == FORM["url"]


def test_patient_page_shows_the_sms_delivered(
    personas: Personas, gateway: SmsGatewayServer
) -> None:
    sms_settings_save(
        practice=personas.practice_a,
        url=gateway.url,
        api_key=API_KEY,
        sender_name="",
        actor=personas.owner,
    )
    patient = make_patient(personas.receptionist, phone="+36 20 123 4567")
    patient_channel_opt_in(
        patient=patient, channel="sms", method="paper", actor=personas.receptionist
    )
    message = message_sms_queue(
        practice=personas.practice_a,
        recipient=patient.phone,
        text="Emlékeztető: holnap 9:00",
        patient=patient,
    )
    message_deliver(message_id=message.pk)
    gateway.messages[0].status = "delivered"
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=30)):
        message_sms_report(message_id=message.pk)
    page = personas.client_for(personas.receptionist).get(
        reverse("patients:detail", args=[patient.pk])
    )
    html = page.content.decode()
    assert "Emlékeztető: holnap 9:00" in html and "+36201234567" in html
    assert "Kézbesítve" in html and ">SMS<" in html
    other = personas.client_for(personas.outsider).get(
        reverse("patients:detail", args=[patient.pk])
    )
    assert other.status_code == 404
