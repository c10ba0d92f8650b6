"""Pages moved onto the design system's components (issue 19): states as badges (colour, icon
and word), empty states, fields through core/_field.html, page headers."""

from django.test import Client
from django.urls import reverse

from zomanc.api.services import api_token_create
from zomanc.conftest import Personas

BADGE_ICON = '<span class="state-icon" aria-hidden="true"></span>'


def test_api_keys_states_are_badges(personas: Personas) -> None:
    api_token_create(member=personas.doctor, name="Röntgen")
    html = personas.client_for(personas.doctor).get(reverse("api_tokens:list")).content.decode()
    assert f'<span class="badge state-ok">{BADGE_ICON}aktív</span>' in html
    assert '<div class="page-header">' in html and '<div class="table-wrap">' in html


def test_patients_list_empty_state(personas: Personas) -> None:
    html = personas.client_for(personas.owner).get(reverse("patients:list")).content.decode()
    assert '<div class="empty-state">' in html and "Még nincs páciens a rendelőben." in html
    assert f'href="{reverse("patients:create")}"' in html


def test_login_fields_are_the_shared_field(client: Client) -> None:
    html = client.get(reverse("accounts:login")).content.decode()
    assert html.count('<div class="control">') == 2
    assert '<label for="id_password">Jelszó</label>' in html
