"""The main menu from the fragment cache (core/templatetags/core_tags.py): the cached menu is
the menu the template renders, for every role and language, and a change of permission or
language gives its own entry."""

from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from zomanc.conftest import Personas
from zomanc.core.templatetags.core_tags import NAV_CACHE_ALIAS, nav_cache_key
from zomanc.practices.models import Role
from zomanc.practices.permissions import MATRIX, Perm, member_can


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    caches[NAV_CACHE_ALIAS].clear()


def _render(source: str, can: dict[str, bool]) -> str:
    request = RequestFactory().get("/")
    return Template(source).render(Context({"can": can, "request": request}))


def _can(member: Any) -> dict[str, bool]:
    return {perm.value: member_can(member, perm) for perm in Perm}


@pytest.mark.parametrize("language", ["hu", "en"])
def test_same_menu_as_the_include_for_every_role(personas: Personas, language: str) -> None:
    members = (
        personas.owner,
        personas.doctor,
        personas.assistant,
        personas.receptionist,
    )
    with translation.override(language):
        for member in members:
            can = _can(member)
            expected = _render('{% include "_nav.html" %}', can)
            for _ in range(2):  # drawn, then from the cache
                assert _render("{% load core_tags %}{% main_nav %}", can) == expected


def test_each_permission_and_language_is_its_own_entry(personas: Personas) -> None:
    can = _can(personas.receptionist)
    with translation.override("hu"):
        keys = {nav_cache_key(can)}
        for name in can:
            keys.add(nav_cache_key({**can, name: not can[name]}))
    assert len(keys) == len(can) + 1
    with translation.override("en"):
        assert nav_cache_key(can) not in keys


def test_a_role_given_a_permission_sees_its_menu_item(personas: Personas, monkeypatch: Any) -> None:
    client = personas.client_for(personas.receptionist)
    audit = reverse("audit:list")
    assert f'href="{audit}"' not in client.get(reverse("core:home")).content.decode()
    monkeypatch.setitem(MATRIX, Perm.AUDIT_VIEW, MATRIX[Perm.AUDIT_VIEW] | {Role.RECEPTIONIST})
    assert f'href="{audit}"' in client.get(reverse("core:home")).content.decode()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Patients" in client.get(reverse("core:home")).content.decode()


def test_plan_lists_in_the_menu_by_permission(personas: Personas) -> None:
    """The treatment plans' group: the open-treatment list and the price lists for everyone
    who sees plans, the quotes report for those who may see reports (owners)."""
    lists = [reverse("plans:open_treatment"), reverse("plans:price_lists")]
    report = reverse("plans:conversion_report")
    for member in (personas.owner, personas.doctor, personas.assistant, personas.receptionist):
        page = personas.client_for(member).get(reverse("core:home")).content.decode()
        assert all(f'href="{url}"' in page for url in lists)
        assert (f'href="{report}"' in page) == member_can(member, Perm.PLAN_REPORT)
    owner = personas.client_for(personas.owner).get(reverse("core:home")).content.decode()
    assert f'href="{report}"' in owner
