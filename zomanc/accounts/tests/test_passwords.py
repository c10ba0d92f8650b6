import re

from django.core import mail
from django.test import Client

from zomanc.accounts.models import LoginThrottle
from zomanc.conftest import PASSWORD, Personas

NEW_PASSWORD = "Uj-Eros-Jelszo-2027"


def _link(body: object) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/password/reset/[^\s]+/)", str(body))
    assert match, body
    return match.group(1)


def test_password_reset_end_to_end(personas: Personas) -> None:
    client = Client()
    response = client.post("/accounts/password/reset/", {"email": "Fogorvos@mosoly.test"})
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["fogorvos@mosoly.test"]
    assert message.subject == "Zománc: új jelszó beállítása"
    assert "Kedves" in message.body
    link = _link(message.body)
    form_page = client.get(link, follow=True)
    assert "Új jelszó beállítása" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    # Hungarian validator message next to the field for a weak password.
    weak = client.post(set_url, {"new_password1": "123", "new_password2": "123"})
    assert "túl rövid" in weak.content.decode()
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done["Location"] == "/accounts/password/reset/complete/"
    login = Client().post(
        "/accounts/login/", {"email": "fogorvos@mosoly.test", "password": NEW_PASSWORD}
    )
    assert login.status_code == 302
    # The link works once.
    reused = Client().get(link, follow=True)
    assert "érvénytelen" in reused.content.decode()


def test_password_reset_unlocks_a_locked_account(personas: Personas) -> None:
    for _ in range(5):
        Client().post("/accounts/login/", {"email": "fogorvos@mosoly.test", "password": "x"})
    assert LoginThrottle.objects.get(scope="account").locked_until is not None
    client = Client()
    client.post("/accounts/password/reset/", {"email": "fogorvos@mosoly.test"})
    page = client.get(_link(mail.outbox[0].body), follow=True)
    client.post(
        page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    login = Client(REMOTE_ADDR="10.9.9.9").post(
        "/accounts/login/", {"email": "fogorvos@mosoly.test", "password": NEW_PASSWORD}
    )
    assert login.status_code == 302


def test_password_reset_for_unknown_address_sends_nothing_and_says_the_same(
    personas: Personas,
) -> None:
    response = Client().post("/accounts/password/reset/", {"email": "nincs@ilyen.test"})
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert mail.outbox == []


def test_password_change(personas: Personas) -> None:
    client = personas.client_for(personas.assistant)
    assert client.get("/accounts/password/change/").status_code == 200
    wrong = client.post(
        "/accounts/password/change/",
        {"old_password": "rossz", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert "régi jelszó" in wrong.content.decode().lower()
    ok = client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert ok["Location"] == "/accounts/password/change/done/"
    personas.assistant.user.refresh_from_db()
    assert personas.assistant.user.check_password(NEW_PASSWORD)


def test_password_change_requires_login(personas: Personas) -> None:
    response = Client().get("/accounts/password/change/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
