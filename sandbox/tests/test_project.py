"""Project-level guards: isolation from the practice system, contract files, seed."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from sandbox.registry.validators import taj_is_valid
from sandbox.soap.registry import CONTRACT_DIR, SERVICES
from sandbox.soap.wsdl import render_wsdl

SANDBOX = Path(__file__).resolve().parent.parent


def test_sandbox_imports_nothing_from_the_practice_system() -> None:
    offenders = []
    for path in SANDBOX.rglob("*.py"):
        if path == Path(__file__).resolve():
            continue  # this test names the forbidden strings itself
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path}: {n}" for n in names if n == "zomanc" or n.startswith("zomanc.")]
        text = path.read_text(encoding="utf-8")
        if 'import_module("zomanc' in text or '__import__("zomanc' in text:
            offenders.append(str(path))
    assert offenders == []


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_committed_wsdl_matches_the_registry(name: str) -> None:
    service = SERVICES[name]
    assert (CONTRACT_DIR / service.wsdl).read_text(encoding="utf-8") == render_wsdl(service), (
        "run: python -m django sandbox_wsdl --settings=sandbox.settings"
    )


def test_contract_served_with_resolvable_imports(client: object) -> None:
    from django.test import Client

    assert isinstance(client, Client)
    for name in SERVICES:
        wsdl = client.get(f"/soap/{name}?wsdl").content.decode()
        assert f"http://testserver/soap/{name}" in wsdl
        assert client.get(f"/soap/{name}?xsd={name}.xsd").status_code == 200
        assert client.get(f"/soap/{name}?xsd=common.xsd").status_code == 200
        assert client.get(f"/soap/{name}?xsd=../settings.py").status_code == 404


def test_seed_is_deterministic_and_idempotent(db: object) -> None:
    from sandbox.registry import seed
    from sandbox.registry.models import Grant, Patient, User

    seed.seed_demo()
    first = sorted(Patient.objects.values_list("id_value", "name", "birth_date"))
    seed.seed_demo()
    assert sorted(Patient.objects.values_list("id_value", "name", "birth_date")) == first
    # The 20 demo patients plus the reserved TAJs that play the negative cases (the
    # "not found" one is never created).
    from sandbox.registry.register import RESERVED

    assert len(first) == 20 + len(RESERVED) - 1 and all(taj_is_valid(t) for t, _, _ in first)
    assert {"111111110", "123456788", "987654322"} <= {t for t, _, _ in first}
    assert User.objects.get(user_id="O58012").stamp == "58012"
    assert Grant.objects.filter(user__user_id="JOGADMIN506097", role="INTJOGADIN").exists()
    assert Grant.objects.count() == len(seed.GRANTS)


def test_taj_check_digit_rule() -> None:
    assert taj_is_valid("111111110") and taj_is_valid("123456788") and taj_is_valid("987654322")
    assert (
        not taj_is_valid("123456789")
        and not taj_is_valid("000000000")
        and not taj_is_valid("12345678")
    )


def test_portal_cookies_do_not_collide_with_the_practice_system(client) -> None:
    """Both run on 127.0.0.1 and cookies ignore ports: Django's default names would let a
    portal login overwrite the practice system's session (and the other way round)."""
    from django.conf import settings

    assert settings.SESSION_COOKIE_NAME not in ("sessionid", "")
    assert settings.CSRF_COOKIE_NAME != "csrftoken"
    response = client.get("/bejelentkezes/", HTTP_HOST="127.0.0.1:9080")
    assert "csrftoken" not in response.cookies
    assert settings.CSRF_COOKIE_NAME in response.cookies
