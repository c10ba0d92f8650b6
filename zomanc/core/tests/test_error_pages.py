"""Error pages: Hungarian for 400/403/404/413/500 in production mode (DEBUG off), and a
Hungarian 413 for a browser form over the upload limit in any mode (the probe met Django's
English technical page)."""

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

from zomanc.conftest import Personas
from zomanc.patients.models import Patient

BASE_DIR = Path(__file__).resolve().parents[3]


def _too_big_form() -> dict[str, str]:
    return {"family_name": "x" * (django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}


@pytest.mark.parametrize("debug", [True, False])
def test_a_form_over_the_limit_is_a_hungarian_413_and_saves_nothing(
    personas: Personas, settings: object, debug: bool
) -> None:
    settings.DEBUG = debug  # type: ignore[attr-defined]
    client = personas.client_for(personas.receptionist)
    response = client.post("/patients/uj/", _too_big_form())
    assert response.status_code == 413
    html = response.content.decode()
    assert "Túl nagy adat" in html and "semmi sem lett mentve" in html
    assert "RequestDataTooBig" not in html and "Traceback" not in html
    assert not Patient.objects.exists()


def test_too_many_fields_is_a_413_too(personas: Personas, settings: object) -> None:
    client = personas.client_for(personas.receptionist)
    body = "&".join(f"f{i}=1" for i in range(django_settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    response = client.post("/patients/uj/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413


def test_the_api_keeps_its_json_413(personas: Personas) -> None:
    response = Client().post(
        "/api/patients",
        json.dumps(_too_big_form()),
        content_type="application/json",
        headers={"Authorization": "Bearer zmc_nothing"},
    )
    # The token is checked after the body: either way the answer is the API's JSON.
    assert response["Content-Type"].startswith("application/json")


PRODUCTION_SCRIPT = """
import json, django
django.setup()
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import clear_url_caches, path
from django.conf import settings
import zomanc.urls

def boom(request):
    raise RuntimeError("a bug")

def suspicious(request):
    raise SuspiciousOperation("bad")

def denied(request):
    raise PermissionDenied

zomanc.urls.urlpatterns += [
    path("probe/500/", boom), path("probe/400/", suspicious), path("probe/403/", denied)
]
clear_url_caches()
from django.test import Client
client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="hu")
pages = {}
for status, method, url, data in [
    (400, "get", "/probe/400/", None),
    (403, "get", "/probe/403/", None),
    (404, "get", "/nincs-ilyen-oldal/", None),
    (413, "post", "/accounts/login/", {"username": "x" * (2 * 1024 * 1024 + 1)}),
    (500, "get", "/probe/500/", None),
]:
    response = getattr(client, method)(url, data, secure=True)
    pages[str(status)] = [response.status_code, response.content.decode()]
print(json.dumps({"debug": settings.DEBUG, "pages": pages}))
"""

# The 413 body is one byte over settings.DATA_UPLOAD_MAX_MEMORY_SIZE (2 MiB).
EXPECTED = {
    "400": "Hibás kérés",
    "403": "Nincs jogosultság",
    "404": "Nem található",
    "413": "Túl nagy adat",
    "500": "Váratlan hiba",
}


def test_error_pages_in_production_mode_are_hungarian(tmp_path: Path) -> None:
    """Production settings are read at start-up, so this runs in a fresh interpreter with
    ZOMANC_ENV=production (DEBUG off), like test_security.py does."""
    env = {
        **os.environ,
        "ZOMANC_ENV": "production",
        "ZOMANC_SECRET_KEY": "test-only-production-key-0123456789abcdef",
        "ZOMANC_MASTER_KEYS": "k1:" + base64.b64encode(os.urandom(32)).decode(),
        "ZOMANC_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "zomanc.settings",
    }
    env.pop("DATABASE_URL", None)
    env.pop("ZOMANC_DEBUG", None)
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_SCRIPT],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    facts = json.loads(result.stdout.strip().splitlines()[-1])
    assert facts["debug"] is False
    for status, title in EXPECTED.items():
        got_status, html = facts["pages"][status]
        assert got_status == int(status), (status, html[:500])
        assert title in html, (status, html[:500])
        assert 'lang="hu"' in html, status
        assert "Traceback" not in html and "a bug" not in html, status
