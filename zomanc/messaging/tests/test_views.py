"""The e-mail settings page (owners only; the password sealed and never shown back; the test
send against a real SMTP server) and the patient page's message log card (one query more,
the practice's own messages only)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zomanc.audit.models import AuditEntry
from zomanc.conftest import Personas
from zomanc.messaging.models import MailSettings, MessageStatus, OutboundMessage
from zomanc.messaging.services import message_deliver, message_email_queue
from zomanc.messaging.tests.conftest import PASSWORD, closed_port, configure
from zomanc.patients.tests.factories import make_patient
from zomanc.testing.smtp_server import SmtpServer

URL = "/uzenetek/beallitasok/"

FORM = {
    "host": "127.0.0.1",
    "port": "2525",
    "security": "none",
    "username": "rendelo",
    "password": PASSWORD,
    "from_email": "rendelo@mosoly.example",
    "from_name": "Mosoly Fogászat",
    "reply_to": "",
}


def test_url() -> None:
    assert reverse("messaging:settings") == URL


def test_requires_login(personas: Personas) -> None:
    from django.test import Client

    response = Client().get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("who", ["doctor", "assistant", "receptionist"])
def test_requires_owner(personas: Personas, who: str) -> None:
    client = personas.client_for(getattr(personas, who))
    assert client.get(URL).status_code == 403
    assert client.post(URL, FORM).status_code == 403
    assert client.post(reverse("messaging:test"), {"to": "a@b.hu"}).status_code == 403
    assert not MailSettings.objects.exists()


def test_owner_saves_the_password_is_sealed_and_never_shown(personas: Personas) -> None:
    client = personas.client_for(personas.owner)
    page = client.get(URL)
    assert page.status_code == 200 and "Próba levél" not in page.content.decode()
    response = client.post(URL, FORM)
    assert response.status_code == 302
    row = MailSettings.objects.get()
    assert row.practice_id == personas.practice_a.pk and row.password_secret is not None
    shown = client.get(URL).content.decode()
    assert PASSWORD not in shown
    assert "jelszó mentve" in shown and "Próba levél küldése" in shown
    # Saved again without a password: the sealed one stays.
    secret = row.password_secret_id
    assert client.post(URL, {**FORM, "password": "", "port": "2526"}).status_code == 302
    row.refresh_from_db()
    assert row.port == 2526 and row.password_secret_id == secret
    # Audited, without the password.
    entries = AuditEntry.objects.filter(object_type="messaging.mailsettings")
    assert entries.count() == 2
    assert all(PASSWORD not in (e.summary + str(e.changes)) for e in entries)


def test_bad_input_is_refused_in_hungarian_nothing_saved(personas: Personas) -> None:
    client = personas.client_for(personas.owner)
    response = client.post(URL, {**FORM, "port": "99999", "from_email": "nem-cim"})
    assert response.status_code == 400
    page = response.content.decode()
    assert page.count("has-error") >= 2  # both fields marked, nothing saved
    response = client.post(URL, {**FORM, "password": ""})
    assert response.status_code == 400
    assert "Felhasználónévhez jelszó is kell." in response.content.decode()
    assert not MailSettings.objects.exists()


def test_test_send_reaches_the_server(personas: Personas, smtp_server: SmtpServer) -> None:
    client = personas.client_for(personas.owner)
    client.post(URL, {**FORM, "port": str(smtp_server.port)})
    response = client.post(reverse("messaging:test"), {"to": "tulaj@mosoly.example"}, follow=True)
    assert "A próba levelet a szerver átvette" in response.content.decode()
    (got,) = smtp_server.received
    assert got.rcpt_tos == ["tulaj@mosoly.example"] and got.password == PASSWORD
    assert MailSettings.objects.get().last_test_ok is True


def test_test_send_to_nowhere_says_why(personas: Personas) -> None:
    client = personas.client_for(personas.owner)
    client.post(URL, {**FORM, "port": str(closed_port())})
    response = client.post(reverse("messaging:test"), {"to": "tulaj@mosoly.example"}, follow=True)
    assert "A próba levél nem ment el: a levelezőszerver nem érhető el" in response.content.decode()
    assert MailSettings.objects.get().last_test_ok is False


def test_hides_other_practice(personas: Personas) -> None:
    configure(personas, 25)  # practice A's
    page = personas.client_for(personas.outsider).get(URL).content.decode()
    assert "rendelo@mosoly.example" not in page
    assert personas.client_for(personas.outsider).post(URL, {**FORM, "from_email": "b@b.hu"})
    assert MailSettings.objects.get(practice=personas.practice_b).from_email == "b@b.hu"
    assert MailSettings.objects.get(practice=personas.practice_a).from_email == (
        "rendelo@mosoly.example"
    )


def _patient_page_queries(client: object, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)  # type: ignore[attr-defined]
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_patient_page_shows_the_message_log_with_one_query(
    personas: Personas, smtp_server: SmtpServer
) -> None:
    configure(personas, smtp_server.port)
    patient = make_patient(personas.receptionist, email="eva@example.hu")
    client = personas.client_for(personas.receptionist)
    url = reverse("patients:detail", args=[patient.pk])
    client.get(url)
    empty = _patient_page_queries(client, url)
    page = client.get(url).content.decode()
    assert "Üzenetek" in page and "A páciensnek még nem küldtünk üzenetet." in page
    sent = message_email_queue(
        practice=personas.practice_a,
        recipient="eva@example.hu",
        subject="Árajánlat elküldve",
        text="x",
        patient=patient,
    )
    message_deliver(message_id=sent.pk)
    for n in range(12):
        message_email_queue(
            practice=personas.practice_a,
            recipient="eva@perm.invalid",
            subject=f"Levél {n}",
            text="x",
            patient=patient,
        )
    assert _patient_page_queries(client, url) == empty  # one query, however many messages
    failed = OutboundMessage.objects.filter(patient=patient, subject="Levél 11").get()
    message_deliver(message_id=failed.pk)
    page = client.get(url).content.decode()
    assert "Levél 11" in page and "Sikertelen" in page and "550" in page
    assert "Levél 0" not in page  # the latest ten
    assert OutboundMessage.objects.get(pk=sent.pk).status == MessageStatus.SENT


def test_patient_page_card_query_is_the_only_one_added(personas: Personas) -> None:
    """The card costs exactly one query on the patient page."""
    from django.template import loader

    patient = make_patient(personas.receptionist)
    template = loader.get_template("messaging/_patient_messages_slot.html")
    with CaptureQueriesContext(connection) as ctx:
        template.render({"patient": patient})
    assert len(ctx.captured_queries) == 1
    assert "outboundmessage" in ctx.captured_queries[0]["sql"].lower()
    assert f'"practice_id" = {personas.practice_a.pk}' in ctx.captured_queries[0]["sql"]
