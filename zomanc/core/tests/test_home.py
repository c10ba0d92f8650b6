import datetime as dt

import time_machine
from django.test import Client
from django.utils import timezone

from zomanc.conftest import Personas


def test_requires_login(personas: Personas) -> None:
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_requires_membership(personas: Personas) -> None:
    personas.receptionist.is_active = False
    personas.receptionist.save()
    response = personas.client_for(personas.receptionist).get("/")
    assert response.status_code == 403
    assert "nem tartozik aktív rendelői tagság" in response.content.decode()


def test_home_shows_today_in_hungarian_and_links(personas: Personas) -> None:
    moment = timezone.make_aware(dt.datetime(2026, 11, 25, 9, 0))
    with time_machine.travel(moment, tick=False):
        page = personas.client_for(personas.owner).get("/").content.decode()
    assert "2026. november 25., szerda" in page
    assert "Mosoly Fogászat" in page
    for link in ('href="/beallitasok/"', 'href="/naplo/"', 'href="/accounts/two-factor/"'):
        assert link in page


def test_home_hides_owner_links_from_other_roles(personas: Personas) -> None:
    page = personas.client_for(personas.receptionist).get("/").content.decode()
    assert "/beallitasok/" not in page
    assert "/naplo/" not in page


def test_other_practice_sees_its_own_name(personas: Personas) -> None:
    page = personas.client_for(personas.outsider).get("/").content.decode()
    assert "Másik Rendelő" in page
    assert "Mosoly Fogászat" not in page


def test_switch_practice_requires_login(personas: Personas) -> None:
    response = Client().post("/switch-practice/", {"practice": str(personas.practice_a.pk)})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert Client().get("/switch-practice/").status_code == 405


def test_switch_practice_to_other_practice_is_refused(personas: Personas) -> None:
    client = personas.client_for(personas.owner)
    client.post("/switch-practice/", {"practice": str(personas.practice_b.pk)})
    assert client.get("/").context["practice"] == personas.practice_a
