"""The one construction of Connection / CallContext, and the "EESZT login required" helper:
no login, or one EESZT no longer accepts → the login page, then back where the user was."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from zomanc.eeszt.client import idp
from zomanc.eeszt.context import EesztNotConfigured, eeszt_connection, eeszt_role_for
from zomanc.eeszt.models import EesztSession
from zomanc.eeszt.tests.conftest import Live, fresh_otp
from zomanc.practices.models import Role

PASSWORD = "Sandbox-Demo-1"


def test_roles_follow_the_vmatrix_roles(personas):
    assert eeszt_role_for(personas.doctor) == "ORVOS"
    assert eeszt_role_for(personas.assistant) == "EESZT_FELHASZNALO"
    assert eeszt_role_for(personas.owner) == "EESZT_FELHASZNALO"
    personas.owner.stamp_number = "52001"  # an owner who is also the practice's dentist
    assert personas.owner.role == Role.OWNER and eeszt_role_for(personas.owner) == "ORVOS"


def test_no_certificate_is_a_clear_error(personas):
    with pytest.raises(EesztNotConfigured) as exc:
        eeszt_connection(personas.company_a)
    assert exc.value.code == "NO_CERTIFICATE" and "Beállítások / EESZT" in exc.value.message


def _login_target(response):
    parts = urlsplit(
        response["Location"] if response.status_code == 302 else response["HX-Redirect"]
    )
    return parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}


pytestmark = pytest.mark.urls("zomanc.eeszt.tests.urls_probe")


def test_without_login_asks_for_it_then_continues(live: Live):
    p = live.personas
    client = p.client_for(p.doctor2)
    probe = f"/probe/{p.company_a.pk}/?lap=2"
    response = client.get(probe)
    assert response.status_code == 302
    path, query = _login_target(response)
    assert path == reverse("eeszt:login")
    assert query == {"company": str(p.company_a.pk), "next": probe}

    login = client.post(
        reverse("eeszt:login_token", args=[p.company_a.pk]),
        {"password": PASSWORD, "otp": fresh_otp(live.token_secret("O61234")), "next": probe},
    )
    assert login.status_code == 302 and login["Location"] == probe
    again = client.get(probe)
    assert again.status_code == 200
    assert again.content.decode() == "ok O61234 ORVOS 001044299"


def test_session_eeszt_no_longer_accepts_is_ended_and_login_asked(live: Live):
    p = live.personas
    session = live.card_login(p.doctor)
    idp.logout(live.conn, assertion_id=session.assertion_id)  # ended at EESZT's side only
    client = p.client_for(p.doctor)
    response = client.get(f"/probe/{p.company_a.pk}/")
    assert response.status_code == 302
    assert _login_target(response)[1]["next"] == f"/probe/{p.company_a.pk}/"
    assert EesztSession.objects.get(pk=session.pk).end_reason == "expired"


def test_htmx_request_sends_the_whole_page_to_login(live: Live):
    p = live.personas
    client = p.client_for(p.doctor)
    response = client.get(
        f"/probe/{p.company_a.pk}/",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/paciensek/5/"},
    )
    assert response.status_code == 204
    path, query = _login_target(response)
    assert path == reverse("eeszt:login") and query["next"] == "http://testserver/paciensek/5/"


def test_post_continues_on_the_page_it_came_from(live: Live):
    p = live.personas
    client = p.client_for(p.doctor)
    response = client.post(
        f"/probe/{p.company_a.pk}/", headers={"Referer": "http://testserver/paciensek/7/"}
    )
    assert _login_target(response)[1]["next"] == "http://testserver/paciensek/7/"
    foreign = client.post(
        f"/probe/{p.company_a.pk}/", headers={"Referer": "https://gonosz.example/x"}
    )
    assert _login_target(foreign)[1]["next"] == reverse("core:home")
