"""Bejelentkezés (card through a real PKCS#11 signature, token, mobile token), logout,
session expiry, intézményválasztás, the layout and the CSP."""

from __future__ import annotations

import base64
import datetime as dt
import re
from typing import Any

import pyotp
import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from sandbox.clock.services import clock_offset_set
from sandbox.idp.models import AuthMethod, IdpSession
from sandbox.pki.card import DemoCard, card_sign, demo_card_ensure
from sandbox.portal.session import KEY_ASSERTION, KEY_CONTEXT
from sandbox.portal.tests.conftest import DEMO_INST_ONLY, DEMO_UNIT, PortalLogin
from sandbox.registry import seed

pytestmark = pytest.mark.django_db


@pytest.fixture
def card(seeded: None) -> DemoCard:
    return demo_card_ensure(user_id=seed.DEMO_DENTIST)


def _card_page(client: Client, user_id: str) -> tuple[bytes, str]:
    response = client.post(reverse("portal:login_card_start"), {"user_id": user_id.lower()})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:login_card")
    page = client.get(reverse("portal:login_card"))
    assert page.status_code == 200
    challenge_b64 = page.context["challenge_b64"]
    assert f'data-challenge="{challenge_b64}"' in page.content.decode()
    return base64.b64decode(challenge_b64), page.content.decode()


def test_home_shows_the_portal_header_and_the_practice_banner(client: Client, seeded: None) -> None:
    page = client.get(reverse("portal:home")).content.decode()
    assert "Ágazati portál — EESZT Sandbox" in page
    assert "Gyakorló környezet — nem a valódi EESZT" in page
    assert 'href="/bejelentkezes/"' in page


def test_every_page_gets_a_strict_csp_and_no_inline_script(client: Client, seeded: None) -> None:
    response = client.get(reverse("portal:login"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "connect-src 'self' http://127.0.0.1:9451" in csp
    assert "<script>" not in response.content.decode()


def test_card_login_with_a_pkcs11_signature_from_the_softhsm_card(
    client: Client, card: DemoCard
) -> None:
    nonce, page = _card_page(client, card.user_id)
    # The PIN goes to the card service only: the PIN input has no name, so it is never posted.
    pin_input = re.search(r"<input id=\"card-pin\"[^>]*>", page)
    assert pin_input is not None and "name=" not in pin_input.group(0)
    assert 'src="/static/portal/card.js"' in page
    signature = card_sign(card=card, data=nonce)
    response = client.post(
        reverse("portal:login_card"),
        {
            "signature": base64.b64encode(signature).decode(),
            "certificate": base64.b64encode(card.certificate_der).decode(),
            "algorithm": "RSA-PKCS1v15-SHA256",  # the card service's name for it
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:choose_context")
    session = IdpSession.objects.get(assertion_id=client.session[KEY_ASSERTION])
    assert session.user.user_id == seed.DEMO_DENTIST
    assert session.method == AuthMethod.CARD
    assert session.not_on_or_after - session.issued_at == dt.timedelta(hours=7)


def test_card_login_with_a_signature_over_something_else_is_refused(
    client: Client, card: DemoCard
) -> None:
    _nonce, _page = _card_page(client, card.user_id)
    signature = card_sign(card=card, data=b"not the challenge")
    response = client.post(
        reverse("portal:login_card"),
        {
            "signature": base64.b64encode(signature).decode(),
            "certificate": base64.b64encode(card.certificate_der).decode(),
            "algorithm": "RSA-PKCS1v15-SHA256",
        },
    )
    assert response.status_code == 400
    assert "A kártyával készült aláírás érvénytelen." in response.content.decode()
    assert KEY_ASSERTION not in client.session
    assert not IdpSession.objects.exists()


def test_card_login_page_explains_what_to_start_when_the_card_service_is_down(
    client: Client, card: DemoCard
) -> None:
    _nonce, page = _card_page(client, card.user_id)
    assert "Nincs kapcsolat a kártyaszolgáltatással (http://127.0.0.1:9451)" in page
    assert (
        "zomanc card-service --origin http://127.0.0.1:8000 --origin http://127.0.0.1:9080" in page
    )


def test_card_login_for_an_unknown_user_says_so_on_the_login_form(
    client: Client, seeded: None
) -> None:
    client.post(reverse("portal:login_card_start"), {"user_id": "O99999"})
    response = client.get(reverse("portal:login_card"))
    assert response.status_code == 400
    assert "ismeretlen felhasználó" in response.content.decode()


def test_token_login_with_password_and_totp(client: Client, seeded: None) -> None:
    otp = pyotp.TOTP(seed.TOKEN_SECRETS[seed.SECOND_DOCTOR]).now()
    response = client.post(
        reverse("portal:login_token"),
        {"user_id": seed.SECOND_DOCTOR, "password": seed.DEMO_PASSWORD, "otp": otp},
    )
    assert response.status_code == 302
    session = IdpSession.objects.get(assertion_id=client.session[KEY_ASSERTION])
    assert (session.user.user_id, session.method) == (seed.SECOND_DOCTOR, AuthMethod.TOKEN)


def test_token_login_with_a_wrong_password_shows_the_idp_message(
    client: Client, seeded: None
) -> None:
    otp = pyotp.TOTP(seed.TOKEN_SECRETS[seed.SECOND_DOCTOR]).now()
    response = client.post(
        reverse("portal:login_token"),
        {"user_id": seed.SECOND_DOCTOR, "password": "rossz-jelszo", "otp": otp},
    )
    assert response.status_code == 400
    assert "Hibás jelszó vagy egyszer használatos kód." in response.content.decode()
    assert KEY_ASSERTION not in client.session


def test_token_login_otp_format_is_checked_next_to_the_field(client: Client, seeded: None) -> None:
    response = client.post(
        reverse("portal:login_token"),
        {"user_id": seed.SECOND_DOCTOR, "password": seed.DEMO_PASSWORD, "otp": "12ab"},
    )
    assert response.status_code == 400
    assert "A kód 6 számjegy." in response.content.decode()


def test_mobile_token_login(client: Client, seeded: None) -> None:
    otp = pyotp.TOTP(seed.MOBILE_SECRETS[seed.ASSISTANT]).now()
    response = client.post(
        reverse("portal:login_mobile"), {"user_id": seed.ASSISTANT.lower(), "otp": otp}
    )
    assert response.status_code == 302
    session = IdpSession.objects.get(assertion_id=client.session[KEY_ASSERTION])
    assert (session.user.user_id, session.method) == (seed.ASSISTANT, AuthMethod.MOBILE)


def test_mobile_token_code_is_accepted_once(client: Client, seeded: None) -> None:
    otp = pyotp.TOTP(seed.MOBILE_SECRETS[seed.ASSISTANT]).now()
    first = client.post(reverse("portal:login_mobile"), {"user_id": seed.ASSISTANT, "otp": otp})
    assert first.status_code == 302
    again = Client().post(reverse("portal:login_mobile"), {"user_id": seed.ASSISTANT, "otp": otp})
    assert again.status_code == 400
    assert "Hibás vagy már felhasznált mobiltoken kód." in again.content.decode()


def test_logout_ends_the_idp_session(portal_login: PortalLogin) -> None:
    client = portal_login(seed.DEMO_DENTIST, DEMO_UNIT)
    assertion_id = client.session[KEY_ASSERTION]
    response = client.post(reverse("portal:logout"))
    assert response.status_code == 302
    assert IdpSession.objects.get(assertion_id=assertion_id).ended_at is not None
    assert client.get(reverse("portal:sms")).status_code == 302


def test_logout_needs_post(portal_login: PortalLogin) -> None:
    client = portal_login(seed.DEMO_DENTIST, DEMO_UNIT)
    assert client.get(reverse("portal:logout")).status_code == 405


def test_portal_session_ends_with_the_idp_session_on_the_sandbox_clock(
    portal_login: PortalLogin,
) -> None:
    client = portal_login(seed.DEMO_DENTIST, DEMO_UNIT)
    assert client.get(reverse("portal:sms")).status_code == 200
    clock_offset_set(seconds=7 * 3600 + 1)
    response = client.get(reverse("portal:sms"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))


def test_pages_require_login(client: Client, seeded: None) -> None:
    for name in (
        "choose_context",
        "certificates",
        "sms",
        "card_activation",
        "mobile_token",
        "password",
        "vmatrix",
    ):
        response = client.get(reverse(f"portal:{name}"))
        assert response.status_code == 302, name
        assert response["Location"] == f"{reverse('portal:login')}?next={reverse(f'portal:{name}')}"


def test_login_returns_to_the_page_asked_for_after_the_context_choice(
    client: Client, seeded: None
) -> None:
    client.get(reverse("portal:login") + "?next=/sms/")
    otp = pyotp.TOTP(seed.TOKEN_SECRETS[seed.RIGHTS_ADMIN]).now()
    client.post(
        reverse("portal:login_token"),
        {"user_id": seed.RIGHTS_ADMIN, "password": seed.DEMO_PASSWORD, "otp": otp},
    )
    response = client.post(reverse("portal:choose_context"), {"context": DEMO_UNIT})
    assert response["Location"] == "/sms/"


def test_login_never_redirects_to_another_site(client: Client, seeded: None) -> None:
    client.get(reverse("portal:login") + "?next=https://example.org/")
    otp = pyotp.TOTP(seed.TOKEN_SECRETS[seed.RIGHTS_ADMIN]).now()
    client.post(
        reverse("portal:login_token"),
        {"user_id": seed.RIGHTS_ADMIN, "password": seed.DEMO_PASSWORD, "otp": otp},
    )
    response = client.post(reverse("portal:choose_context"), {"context": DEMO_UNIT})
    assert response["Location"] == reverse("portal:home")


def test_context_choice_lists_institution_only_first_then_org_units(
    portal_login: PortalLogin,
) -> None:
    client = portal_login(seed.SECOND_DOCTOR)
    page = client.get(reverse("portal:choose_context"))
    keys = [o.key for o in page.context["options"]]
    assert keys == [DEMO_INST_ONLY, DEMO_UNIT, "U:001044300"]
    html = page.content.decode()
    assert "CSAK intézmény" in html
    assert "Fogászati rendelés" in html and "Orvos" in html


def test_context_choice_refuses_an_option_the_user_does_not_have(
    portal_login: PortalLogin,
) -> None:
    client = portal_login(seed.DEMO_DENTIST)
    response = client.post(reverse("portal:choose_context"), {"context": "U:0108R2272"})
    assert response.status_code == 400
    assert "Válasszon a felsorolt lehetőségek közül." in response.content.decode()
    assert KEY_CONTEXT not in client.session


def test_context_choice_is_shown_in_the_header(portal_login: PortalLogin) -> None:
    client = portal_login(seed.DEMO_DENTIST)
    client.post(reverse("portal:choose_context"), {"context": DEMO_INST_ONLY})
    page = client.get(reverse("portal:home")).content.decode()
    assert "506097 Mosoly Fogászat Kft." in page and "CSAK intézmény" in page
    assert "Munkamenet vége:" in page


def test_user_without_any_grant_is_told_whom_to_ask(portal_login: PortalLogin) -> None:
    from sandbox.registry.models import Grant

    Grant.objects.filter(user__user_id=seed.ASSISTANT).delete()
    client = portal_login(seed.ASSISTANT)
    page = client.get(reverse("portal:choose_context")).content.decode()
    assert "jogosultság-adminisztrátorát (INTJOGADIN)" in page


def test_portal_answers_only_on_the_http_listener(client: Client, seeded: None) -> None:
    from sandbox.server.middleware import LISTENER_ENVIRON

    http: dict[str, Any] = {LISTENER_ENVIRON: "http"}
    https: dict[str, Any] = {LISTENER_ENVIRON: "https"}
    assert client.generic("GET", "/", **http).status_code == 200
    assert client.generic("GET", "/", **https).status_code == 404


def test_static_card_script_is_served(client: Client, seeded: None) -> None:
    response = client.get("/static/portal/card.js")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert b"X-Zomanc-Pairing" in body


def test_time_machine_is_available_for_clock_tests() -> None:
    with time_machine.travel(dt.datetime(2030, 1, 1, tzinfo=dt.UTC)):
        assert dt.datetime.now(dt.UTC).year == 2030


def test_login_page_ids_are_unique_so_each_label_names_its_own_input(
    client: Client, seeded: None
) -> None:
    """Three forms with the same field names on one page: duplicate ids made every "EESZT
    felhasználónév" label point at the card form's input (found by the setup-guide walk)."""
    import re

    page = client.get(reverse("portal:login")).content.decode()
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for prefix in ("card", "token", "mobile"):
        assert f'for="{prefix}_user_id"' in page and f'id="{prefix}_user_id"' in page
