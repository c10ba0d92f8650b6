"""The "API kulcsok" page: create (shown once, stored hashed), list, revoke; persona tests."""

import hashlib

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zomanc.api.models import ApiToken
from zomanc.api.services import api_token_authenticate, api_token_create
from zomanc.audit.models import AuditEntry
from zomanc.conftest import Personas
from zomanc.practices import permissions
from zomanc.practices.models import Role
from zomanc.practices.permissions import Perm


def test_requires_login(personas: Personas, client: Client) -> None:
    token = api_token_create(member=personas.doctor, name="x").token
    for url in (reverse("api_tokens:list"),):
        assert client.get(url).status_code == 302
    for url in (reverse("api_tokens:create"), reverse("api_tokens:revoke", args=[token.pk])):
        response = client.post(url, {"name": "y"})
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    token.refresh_from_db()
    assert token.revoked_at is None


def test_requires_api_token_permission(personas: Personas, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(
        permissions.MATRIX, Perm.API_TOKEN_OWN, frozenset(set(Role) - {Role.RECEPTIONIST})
    )
    client = personas.client_for(personas.receptionist)
    assert client.get(reverse("api_tokens:list")).status_code == 403
    assert client.post(reverse("api_tokens:create"), {"name": "x"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_hides_other_practice_and_other_users(personas: Personas) -> None:
    foreign = api_token_create(member=personas.outsider, name="B kulcsa").token
    colleague = api_token_create(member=personas.doctor2, name="Kolléga kulcsa").token
    client = personas.client_for(personas.doctor)
    page = client.get(reverse("api_tokens:list")).content.decode()
    assert "B kulcsa" not in page and "Kolléga kulcsa" not in page
    for token in (foreign, colleague):
        response = client.post(reverse("api_tokens:revoke", args=[token.pk]))
        assert response.status_code == 404
        token.refresh_from_db()
        assert token.revoked_at is None


def test_create_shows_secret_once_and_stores_hash(personas: Personas) -> None:
    client = personas.client_for(personas.receptionist)
    response = client.post(reverse("api_tokens:create"), {"name": "Számlázó"})
    assert response.status_code == 200
    secret = response.context["new_secret"]
    assert secret.startswith("zmc_") and secret in response.content.decode()
    token = ApiToken.objects.get()
    assert token.member == personas.receptionist and token.practice == personas.practice_a
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {token.prefix, token.token_hash, token.name}
    # Listed afterwards without the secret.
    page = client.get(reverse("api_tokens:list")).content.decode()
    assert "Számlázó" in page and secret not in page
    assert api_token_authenticate(secret) == token
    assert AuditEntry.objects.filter(object_type="api.apitoken", object_id=str(token.pk)).exists()


def test_create_requires_name(personas: Personas) -> None:
    client = personas.client_for(personas.receptionist)
    response = client.post(reverse("api_tokens:create"), {"name": ""})
    assert "Ennek a mezőnek a megadása kötelező." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoke(personas: Personas) -> None:
    new = api_token_create(member=personas.doctor, name="x")
    client = personas.client_for(personas.doctor)
    response = client.post(reverse("api_tokens:revoke", args=[new.token.pk]))
    assert response.status_code == 302
    new.token.refresh_from_db()
    assert new.token.revoked_at is not None
    assert api_token_authenticate(new.secret) is None
    assert client.get(reverse("api_tokens:revoke", args=[new.token.pk])).status_code == 405


def test_wrong_secret_with_right_prefix_is_refused(personas: Personas) -> None:
    new = api_token_create(member=personas.doctor, name="x")
    assert api_token_authenticate(new.secret[:-2] + "xx") is None
    assert api_token_authenticate(new.secret) == new.token


def _queries(client: Client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def test_list_query_count_is_fixed(personas: Personas) -> None:
    """One query for the tokens whatever their number (the rest is session, user, member and
    whatever the base page asks, also fixed)."""
    client = personas.client_for(personas.doctor)
    url = reverse("api_tokens:list")
    api_token_create(member=personas.doctor, name="k")
    _queries(client, url)
    few = _queries(client, url)
    for i in range(10):
        api_token_create(member=personas.doctor, name=f"k{i}")
    many = _queries(client, url)
    assert len(many) == len(few)
    assert sum("api_apitoken" in sql for sql in many) == 1
