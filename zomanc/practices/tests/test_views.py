from collections.abc import Callable

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from zomanc.conftest import Personas, make_member
from zomanc.practices.models import Company, OrgUnit, Role, StaffMember

Url = Callable[[Personas], str]

# (name, url of an object of practice A, the same view for practice B's object, method)
VIEWS: list[tuple[str, Url, Url | None, str]] = [
    ("settings", lambda p: "/beallitasok/", None, "get"),
    ("company_list", lambda p: "/beallitasok/cegek/", None, "get"),
    ("company_create", lambda p: "/beallitasok/cegek/uj/", None, "get"),
    (
        "company_edit",
        lambda p: f"/beallitasok/cegek/{p.company_a.pk}/",
        lambda p: f"/beallitasok/cegek/{p.company_b.pk}/",
        "get",
    ),
    (
        "company_deactivate",
        lambda p: f"/beallitasok/cegek/{p.company_a.pk}/inaktivalas/",
        lambda p: f"/beallitasok/cegek/{p.company_b.pk}/inaktivalas/",
        "post",
    ),
    (
        "company_reactivate",
        lambda p: f"/beallitasok/cegek/{p.company_a.pk}/aktivalas/",
        lambda p: f"/beallitasok/cegek/{p.company_b.pk}/aktivalas/",
        "post",
    ),
    (
        "org_unit_create",
        lambda p: f"/beallitasok/cegek/{p.company_a.pk}/szervezeti-egysegek/uj/",
        lambda p: f"/beallitasok/cegek/{p.company_b.pk}/szervezeti-egysegek/uj/",
        "get",
    ),
    (
        "org_unit_edit",
        lambda p: f"/beallitasok/szervezeti-egysegek/{p.org_unit_a.pk}/",
        lambda p: f"/beallitasok/szervezeti-egysegek/{p.org_unit_b.pk}/",
        "get",
    ),
    (
        "org_unit_deactivate",
        lambda p: f"/beallitasok/szervezeti-egysegek/{p.org_unit_a.pk}/inaktivalas/",
        lambda p: f"/beallitasok/szervezeti-egysegek/{p.org_unit_b.pk}/inaktivalas/",
        "post",
    ),
    (
        "org_unit_reactivate",
        lambda p: f"/beallitasok/szervezeti-egysegek/{p.org_unit_a.pk}/aktivalas/",
        lambda p: f"/beallitasok/szervezeti-egysegek/{p.org_unit_b.pk}/aktivalas/",
        "post",
    ),
    ("staff_list", lambda p: "/beallitasok/munkatarsak/", None, "get"),
    ("staff_create", lambda p: "/beallitasok/munkatarsak/uj/", None, "get"),
    (
        "staff_edit",
        lambda p: f"/beallitasok/munkatarsak/{p.doctor.pk}/",
        lambda p: f"/beallitasok/munkatarsak/{p.doctor_b.pk}/",
        "get",
    ),
    (
        "staff_deactivate",
        lambda p: f"/beallitasok/munkatarsak/{p.doctor.pk}/inaktivalas/",
        lambda p: f"/beallitasok/munkatarsak/{p.doctor_b.pk}/inaktivalas/",
        "post",
    ),
    (
        "staff_reactivate",
        lambda p: f"/beallitasok/munkatarsak/{p.doctor.pk}/aktivalas/",
        lambda p: f"/beallitasok/munkatarsak/{p.doctor_b.pk}/aktivalas/",
        "post",
    ),
]
IDS = [v[0] for v in VIEWS]


def count_queries(client: Client, path: str) -> int:
    client.get(path)  # warm up (session, lazy caches)
    with CaptureQueriesContext(connection) as context:
        assert client.get(path).status_code == 200
    return len(context.captured_queries)


WITH_IDS = [v for v in VIEWS if v[2] is not None]


@pytest.mark.parametrize(("name", "url", "other", "method"), VIEWS, ids=IDS)
def test_requires_login(personas: Personas, name: str, url: Url, other: Url, method: str) -> None:
    response = getattr(Client(), method)(url(personas))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("role", ["doctor", "assistant", "receptionist"])
@pytest.mark.parametrize(("name", "url", "other", "method"), VIEWS, ids=IDS)
def test_requires_owner(
    personas: Personas, role: str, name: str, url: Url, other: Url, method: str
) -> None:
    client = personas.client_for(getattr(personas, role))
    assert getattr(client, method)(url(personas)).status_code == 403


@pytest.mark.parametrize(("name", "url", "other", "method"), VIEWS, ids=IDS)
def test_owner_may_use(personas: Personas, name: str, url: Url, other: Url, method: str) -> None:
    response = getattr(personas.client_for(personas.owner), method)(url(personas))
    assert response.status_code in (200, 302)


@pytest.mark.parametrize(("name", "url", "other", "method"), WITH_IDS, ids=[v[0] for v in WITH_IDS])
def test_hides_other_practice(
    personas: Personas, name: str, url: Url, other: Url, method: str
) -> None:
    client = personas.client_for(personas.owner)
    assert getattr(client, method)(other(personas)).status_code == 404
    # ... and nothing of practice B changed.
    assert Company.objects.get(pk=personas.company_b.pk).is_active
    assert OrgUnit.objects.get(pk=personas.org_unit_b.pk).is_active
    assert StaffMember.objects.get(pk=personas.doctor_b.pk).is_active


def test_settings_navigation_leaves_room_for_eeszt(personas: Personas) -> None:
    page = personas.client_for(personas.owner).get("/beallitasok/").content.decode()
    for label in ("Rendelő", "Cégek és szervezeti egységek", "Munkatársak", "EESZT"):
        assert label in page


def test_nav_shows_settings_and_audit_to_owner_only(personas: Personas) -> None:
    owner_home = personas.client_for(personas.owner).get("/").content.decode()
    assert 'href="/beallitasok/"' in owner_home and 'href="/naplo/"' in owner_home
    doctor_home = personas.client_for(personas.doctor).get("/").content.decode()
    assert 'href="/beallitasok/"' not in doctor_home and 'href="/naplo/"' not in doctor_home


def test_practice_settings_saves_name_and_2fa_switch(personas: Personas) -> None:
    client = personas.client_for(personas.owner)
    response = client.post(
        "/beallitasok/", {"name": "Mosoly Fogászat Kft. rendelő", "require_owner_2fa": "on"}
    )
    assert response.status_code == 302
    personas.practice_a.refresh_from_db()
    assert personas.practice_a.name == "Mosoly Fogászat Kft. rendelő"
    assert personas.practice_a.require_owner_2fa
    empty = client.get("/beallitasok/")  # the owner has no device yet: enrolment first
    assert empty["Location"] == "/accounts/two-factor/"


def test_company_form_errors_are_hungarian_and_next_to_the_field(personas: Personas) -> None:
    client = personas.client_for(personas.owner)
    response = client.post(
        "/beallitasok/cegek/uj/", {"name": "", "institution_name": "X", "institution_id": "12"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["name"] == ["Ennek a mezőnek a megadása kötelező."]
    assert "6 karakter" in form.errors["institution_id"][0]
    duplicate = client.post(
        "/beallitasok/cegek/uj/",
        {"name": "Dupla", "institution_name": "X", "institution_id": "506097"},
    )
    assert "Mosoly Fogászat Kft." in duplicate.context["form"].errors["institution_id"][0]
    assert Company.objects.filter(practice=personas.practice_a).count() == 1


def test_company_create_edit_deactivate_flow(personas: Personas) -> None:
    client = personas.client_for(personas.owner)
    response = client.post(
        "/beallitasok/cegek/uj/",
        {"name": "Második Kft.", "institution_name": "Mosoly 2", "institution_id": "a1b2c3"},
    )
    assert response["Location"] == "/beallitasok/cegek/"
    company = Company.objects.get(name="Második Kft.")
    assert company.institution_id == "A1B2C3"
    client.post(
        f"/beallitasok/cegek/{company.pk}/szervezeti-egysegek/uj/",
        {"code": "123456789", "name": "Gyerekfogászat"},
    )
    assert company.org_units.get().code == "123456789"
    client.post(f"/beallitasok/cegek/{company.pk}/inaktivalas/")
    company.refresh_from_db()
    assert not company.is_active
    page = client.get("/beallitasok/cegek/").content.decode()
    assert "inaktív" in page and "Újraaktiválás" in page


def test_staff_create_sends_invite_and_shows_in_list(
    personas: Personas, django_capture_on_commit_callbacks
) -> None:
    client = personas.client_for(personas.owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/beallitasok/munkatarsak/uj/",
            {
                "email": "uj.orvos@mosoly.test",
                "full_name": "Dr. Új Orsolya",
                "display_name": "",
                "role": Role.DOCTOR,
                "stamp_number": "70123",
            },
        )
    assert response["Location"] == "/beallitasok/munkatarsak/"
    assert len(mail.outbox) == 1
    assert "http://testserver/accounts/password/reset/" in mail.outbox[0].body
    assert "Dr. Új Orsolya" in client.get("/beallitasok/munkatarsak/").content.decode()


def test_staff_stamp_clash_error_names_colleague_next_to_field(personas: Personas) -> None:
    client = personas.client_for(personas.owner)
    response = client.post(
        f"/beallitasok/munkatarsak/{personas.doctor2.pk}/",
        {"role": Role.DOCTOR, "display_name": "Dr. Második Mária", "stamp_number": "58012"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["stamp_number"] == [
        "A(z) 58012 pecsétszám már Dr. Fog Ferenc munkatársé ebben a rendelőben."
    ]


def test_owner_cannot_deactivate_the_last_owner(personas: Personas) -> None:
    client = personas.client_for(personas.owner)
    response = client.post(
        f"/beallitasok/munkatarsak/{personas.owner.pk}/inaktivalas/", follow=True
    )
    assert "legalább egy aktív tulajdonosa" in response.content.decode()
    assert StaffMember.objects.get(pk=personas.owner.pk).is_active


def test_staff_list_query_count_is_constant(personas: Personas, django_assert_num_queries) -> None:
    client = personas.client_for(personas.owner)
    baseline = count_queries(client, "/beallitasok/munkatarsak/")
    for i in range(10):
        make_member(personas.practice_a, f"extra{i}@mosoly.test", f"Extra {i}", Role.ASSISTANT)
    # The page layout's own queries (session, user, membership, other apps' header parts)
    # are in the baseline; the list adds one query (staff with users) however long it is.
    with django_assert_num_queries(baseline):
        response = client.get("/beallitasok/munkatarsak/")
    assert "Extra 9" in response.content.decode()
    assert baseline - count_queries(client, "/") <= 1


def test_company_list_query_count_is_constant(
    personas: Personas, django_assert_num_queries
) -> None:
    client = personas.client_for(personas.owner)
    baseline = count_queries(client, "/beallitasok/cegek/")
    for i in range(3):
        company = Company.objects.create(
            practice=personas.practice_a,
            name=f"Cég {i}",
            institution_name="x",
            institution_id=f"ABC00{i}",
        )
        OrgUnit.objects.create(
            practice=personas.practice_a, company=company, code=f"00000000{i}", name="E"
        )
    # Companies and their org units: two queries however many there are.
    with django_assert_num_queries(baseline):
        response = client.get("/beallitasok/cegek/")
    assert "Cég 2" in response.content.decode()
    assert baseline - count_queries(client, "/") <= 2
