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


def test_eeszt_login_page_tabs_fields_and_alerts(personas: Personas) -> None:
    client = personas.client_for(personas.doctor)
    url = reverse("eeszt:login") + f"?company={personas.company_a.pk}&method=token"
    html = client.get(url).content.decode()
    assert '<div class="page-header">' in html
    assert '<nav class="tabs" aria-label="Belépési mód">' in html
    # The token form's two fields through core/_field.html (label, control, errors).
    assert html.count('<div class="control">') == 2
    assert '<label for="id_password">Ágazati portál jelszó</label>' in html
    # No certificate yet: a warning alert with its icon, not a plain paragraph.
    assert '<div class="alert alert-warning" role="alert" data-no-certificate>' in html
    assert f'<p class="alert-title">{BADGE_ICON}A cégnek nincs aktív' in html


def test_eeszt_login_company_choice_is_tiles(personas: Personas) -> None:
    from zomanc.practices.models import Company

    Company.objects.create(practice=personas.practice_a, name="Második Kft.", institution_id="1")
    html = personas.client_for(personas.doctor).get(reverse("eeszt:login")).content.decode()
    assert '<ul class="tiles">' in html and html.count('class="tile"') == 2


def test_eeszt_company_settings_badges_and_labelled_row_forms(personas: Personas) -> None:
    url = reverse("eeszt:company_settings", args=[personas.company_a.pk])
    html = personas.client_for(personas.owner).get(url).content.decode()
    assert f'<span class="badge state-pending">{BADGE_ICON}kikapcsolva</span>' in html
    assert f'<span class="badge state-pending">{BADGE_ICON}még nem</span>' in html
    # Each row's controls have a (screen-reader) label naming the member.
    doctor = personas.doctor
    assert (
        f'<label class="visually-hidden" for="id_m{doctor.pk}-portal_username">'
        f"Portál felhasználónév · {doctor.display_name}</label>"
    ) in html
    assert f'for="id_m{doctor.pk}-login_method">' in html
    assert "Még nincs feltöltött tanúsítvány." in html and '<div class="empty-state">' in html


def test_tooth_history_page_has_a_page_header_and_badges(personas: Personas) -> None:
    from zomanc.clinical.services.activities import procedure_add
    from zomanc.codes.models import TreatmentItem
    from zomanc.testing.furnished import furnish

    furnished = furnish(personas)
    url = reverse("clinical:tooth_history", args=[furnished.patient.pk])
    client = personas.client_for(personas.doctor)
    procedure_add(
        visit=furnished.visit,
        treatment=TreatmentItem.objects.get(practice=personas.practice_a, shortcut="ext"),
        tooth=36,
        added_by=personas.doctor.user,
    )
    html = client.get(url + "?fog=36").content.decode()
    assert '<div class="page-header">' in html and "<h1>36. fog előzményei</h1>" in html
    assert html.count("fog előzményei</h") == 1  # the fragment's own h3 is not repeated
    assert f'<span class="badge state-pending">{BADGE_ICON}nyitott ellátás</span>' in html


def test_account_pages_header_badge_and_shared_fields(personas: Personas) -> None:
    client = personas.client_for(personas.doctor)
    html = client.get(reverse("accounts:two_factor")).content.decode()
    assert '<div class="page-header">' in html
    assert f'<span class="badge state-pending">{BADGE_ICON}kikapcsolva</span>' in html
    assert html.count('<div class="control">') == 1  # the code field through core/_field
    html = client.get(reverse("accounts:password_change")).content.decode()
    assert html.count('<div class="control">') == 3
    html = client.get(reverse("core:home")).content.decode()
    assert '<div class="page-header">' in html
