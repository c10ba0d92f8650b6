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


def test_chairs_states_are_badges_and_form_is_two_column(personas: Personas) -> None:
    from zomanc.scheduling.services import chair_create, chair_update

    chair_create(practice=personas.practice_a, name="1. szék", actor=None)
    old = chair_create(practice=personas.practice_a, name="Régi szék", actor=None)
    chair_update(chair=old, name="Régi szék", is_active=False, actor=None)
    html = personas.client_for(personas.owner).get(reverse("scheduling:chairs")).content.decode()
    assert f'<span class="badge state-ok">{BADGE_ICON}aktív</span>' in html
    assert f'<span class="badge state-pending">{BADGE_ICON}inaktív</span>' in html
    assert '<form method="post" class="card form-2col" novalidate>' in html
    assert '<div class="control">' in html and '<div class="table-wrap">' in html


def test_calendar_without_chairs_shows_the_empty_state(personas: Personas) -> None:
    html = personas.client_for(personas.owner).get(reverse("scheduling:day")).content.decode()
    assert '<div class="empty-state">' in html and "Nincs aktív szék." in html
    assert f'href="{reverse("scheduling:chairs")}">Szék felvétele</a>' in html


def test_catalogue_empty_state_and_staff_badges(personas: Personas) -> None:
    client = personas.client_for(personas.owner)
    html = client.get(reverse("codes:catalogue")).content.decode()
    assert '<div class="empty-state">' in html and "A katalógus üres." in html
    html = client.get(reverse("practices:staff_list")).content.decode()
    assert f'<span class="badge state-ok">{BADGE_ICON}aktív</span>' in html
