"""The bulk send's pages: the list's action (checkboxes, select all, the channel choice, the
button), the send view's personas (recall_run: owner and receptionist; doctor and assistant
403), other practices, bad input in Hungarian, the result page and a resubmit; the practice's
phone on its settings page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from zomanc.conftest import Personas
from zomanc.messaging.models import MessageStatus, OutboundMessage
from zomanc.patients.models import Patient
from zomanc.practices.models import Practice
from zomanc.recall.models import RecallContact
from zomanc.recall.tests.conftest import Catalogue
from zomanc.recall.tests.test_send import due, key, mail_for, sms_for

pytestmark = pytest.mark.django_db

SEND = "recall:send"


@pytest.fixture
def anna(personas: Personas, items: Catalogue) -> Patient:
    mail_for(personas)
    return due(personas, items, "Levelező", "email")


def _post(client: Client, *keys: str, channel: str = "email", **extra: str) -> Any:
    data = {"recall": list(keys), "channel": channel, "next": reverse("recall:list"), **extra}
    return client.post(reverse(SEND), data)


def test_requires_login(client: Client, anna: Patient, items: Catalogue) -> None:
    response = _post(client, key(anna, items))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
    assert not OutboundMessage.objects.exists()


@pytest.mark.parametrize("role", ["doctor", "assistant"])
def test_requires_recall_run(
    personas: Personas, anna: Patient, items: Catalogue, role: str
) -> None:
    client = personas.client_for(getattr(personas, role))
    assert _post(client, key(anna, items)).status_code == 403
    assert client.get(reverse(SEND)).status_code in (403, 405)
    assert not OutboundMessage.objects.exists() and not RecallContact.objects.exists()


@pytest.mark.parametrize("role", ["owner", "receptionist"])
def test_owner_and_receptionist_send(
    personas: Personas, anna: Patient, items: Catalogue, role: str
) -> None:
    client = personas.client_for(getattr(personas, role))
    response = _post(client, key(anna, items))
    assert response.status_code == 200
    page = response.content.decode()
    assert "1 páciens értesítve, 0 kihagyva." in page
    assert anna.full_name in page
    assert OutboundMessage.objects.filter(patient=anna).count() == 1
    assert RecallContact.objects.get(patient=anna).recorded_by == getattr(personas, role)


def test_get_is_not_allowed(personas: Personas) -> None:
    client = personas.client_for(personas.receptionist)
    assert client.get(reverse(SEND)).status_code == 405


def test_hides_other_practice(personas: Personas, anna: Patient, items: Catalogue) -> None:
    mail_for(personas, personas.practice_b)
    client = personas.client_for(personas.outsider)
    response = _post(client, key(anna, items))
    page = response.content.decode()
    assert response.status_code == 200
    assert "0 páciens értesítve, 0 kihagyva." in page
    assert "1 kijelölt visszahívás már nem aktuális" in page
    assert anna.full_name not in page
    assert not OutboundMessage.objects.exists() and not RecallContact.objects.exists()


def test_result_names_the_skipped_and_why_and_a_resubmit_sends_nothing(
    personas: Personas, anna: Patient, items: Catalogue
) -> None:
    nobody = due(personas, items, "Hozzájárulásnélküli")
    client = personas.client_for(personas.receptionist)
    keys = (key(anna, items), key(nobody, items))
    page = _post(client, *keys).content.decode()
    assert "1 páciens értesítve, 1 kihagyva." in page
    assert nobody.full_name in page and "e-mail: nincs hozzájárulás" in page
    # The back button and the same form again: nothing goes out twice.
    page = _post(client, *keys).content.decode()
    assert "0 páciens értesítve, 2 kihagyva." in page
    assert "e-mail: ma már értesítettük" in page
    assert OutboundMessage.objects.exclude(status=MessageStatus.SUPPRESSED).count() == 1
    # The one not sent is in the patient's log once, not once a submit.
    assert list(
        OutboundMessage.objects.filter(status=MessageStatus.SUPPRESSED).values_list(
            "patient_id", "channel"
        )
    ) == [(nobody.pk, "email")]
    # The list shows the recall reminded, by e-mail.
    listing = client.get(reverse("recall:list")).content.decode()
    assert "emlékeztettük" in listing and "értesítve: e-mail" in listing


def test_bad_input_is_named_in_hungarian(
    personas: Personas, anna: Patient, items: Catalogue
) -> None:
    client = personas.client_for(personas.receptionist)
    response = client.post(reverse(SEND), {"channel": "email"}, follow=True)
    assert "Jelöljön ki legalább egy pácienst a listában." in response.content.decode()
    response = _post(client, key(anna, items), channel="sms")  # no SMS settings
    assert response.status_code == 302
    page = client.get(reverse("recall:list")).content.decode()
    assert "Ezen a csatornán a rendelő nem küld üzenetet" in page
    response = _post(client, key(anna, items), channel="")
    page = client.get(reverse("recall:list")).content.decode()
    assert "Válassza ki, hogyan értesítsük a pácienseket." in page
    many = [f"{n}:1:2026-01-01" for n in range(501)]
    client.post(reverse(SEND), {"recall": many, "channel": "email"})
    page = client.get(reverse("recall:list")).content.decode()
    assert "Egyszerre legfeljebb 500 visszahívás küldhető." in page
    # A foreign `next` does not lead away from the site.
    response = _post(client, channel="email", next="https://example.com/")
    assert response["Location"] == reverse("recall:list")
    assert not OutboundMessage.objects.exists()


def test_list_draws_the_action(personas: Personas, anna: Patient, items: Catalogue) -> None:
    client = personas.client_for(personas.receptionist)
    page = client.get(reverse("recall:list")).content.decode()
    assert f'value="{key(anna, items)}" form="recall-bulk"' in page
    assert "data-recall-all" in page and "recall/bulk.js" in page
    assert "Kiválasztottak értesítése" in page
    assert f'formaction="{reverse(SEND)}"' in page
    # E-mail only: no "every channel" choice, no SMS.
    assert _channel_choices(page) == ["email"]
    sms_for(personas)
    page = client.get(reverse("recall:list")).content.decode()
    assert _channel_choices(page) == ["all", "email", "sms"]


def _channel_choices(page: str) -> list[str]:
    select = re.search(r'<select name="channel".*?</select>', page, re.S)
    assert select is not None
    return re.findall(r'value="([^"]*)"', select.group(0))


def test_list_without_sending_set_up_says_so(personas: Personas, items: Catalogue) -> None:
    due(personas, items, "Várakozó")
    page = personas.client_for(personas.receptionist).get(reverse("recall:list")).content.decode()
    assert "Kiválasztottak értesítése" not in page
    assert "Üzenetet a rendelő még nem küld" in page


def test_practice_phone_on_the_settings_page(personas: Personas) -> None:
    client = personas.client_for(personas.owner)
    response = client.post(
        reverse("practices:settings"),
        {"name": personas.practice_a.name, "phone": " +36 1 234 5678 "},
    )
    assert response.status_code == 302
    assert Practice.objects.get(pk=personas.practice_a.pk).phone == "+36 1 234 5678"
    assert "+36 1 234 5678" in client.get(reverse("practices:settings")).content.decode()
