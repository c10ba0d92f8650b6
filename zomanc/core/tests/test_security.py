import base64
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from zomanc.accounts.models import User
from zomanc.conftest import PASSWORD, Personas

BASE_DIR = Path(__file__).resolve().parents[3]


def test_csp_header_has_a_nonce_that_the_page_scripts_carry(db: None) -> None:
    response = Client().get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy)
    assert nonce, policy
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert f'nonce="{nonce.group(1)}"' in response.content.decode()
    # A fresh nonce for every response.
    again = Client().get("/accounts/login/")["Content-Security-Policy"]
    assert again != policy


def test_pages_have_no_inline_style_attributes(personas: Personas) -> None:
    # CSP allows styles from our stylesheet and nonce'd blocks only: a style="" attribute
    # would silently be ignored by the browser.
    client = personas.client_for(personas.owner)
    for path in ("/accounts/login/", "/", "/beallitasok/", "/beallitasok/munkatarsak/", "/naplo/"):
        assert " style=" not in client.get(path).content.decode(), path


def test_production_settings_are_secure(tmp_path: Path) -> None:
    """ZOMANC_ENV is read when settings load, so production mode is checked in a fresh
    interpreter: secure cookies, HSTS, HTTPS redirect, and the headers on a real response."""
    script = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
client = Client()
plain = client.get("/accounts/login/")
secure = client.get("/accounts/login/", secure=True)
print(json.dumps({
    "session_secure": settings.SESSION_COOKIE_SECURE,
    "csrf_secure": settings.CSRF_COOKIE_SECURE,
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "hsts": settings.SECURE_HSTS_SECONDS,
    "debug": settings.DEBUG,
    "plain_status": plain.status_code,
    "plain_location": plain.get("Location", ""),
    "hsts_header": secure.get("Strict-Transport-Security", ""),
    "csp": secure.get("Content-Security-Policy", ""),
    "csrf_cookie_secure": bool(secure.cookies["csrftoken"]["secure"]),
    "hasher": settings.PASSWORD_HASHERS[0],
}))
"""
    env = {
        **os.environ,
        "ZOMANC_ENV": "production",
        "ZOMANC_SECRET_KEY": "test-only-production-key-0123456789abcdef",
        "ZOMANC_MASTER_KEYS": "k1:" + base64.b64encode(os.urandom(32)).decode(),
        "ZOMANC_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "zomanc.settings",
    }
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    facts = json.loads(result.stdout.strip().splitlines()[-1])
    assert facts["session_secure"] and facts["csrf_secure"] and facts["ssl_redirect"]
    assert facts["debug"] is False
    assert facts["hsts"] >= 31536000
    assert facts["plain_status"] == 301
    assert facts["plain_location"].startswith("https://")
    assert "max-age=31536000" in facts["hsts_header"]
    assert "includeSubDomains" in facts["hsts_header"]
    assert "'nonce-" in facts["csp"]
    assert facts["csrf_cookie_secure"]
    assert facts["hasher"].endswith("Argon2PasswordHasher")


def test_production_refuses_to_start_without_secret_key(tmp_path: Path) -> None:
    env = {**os.environ, "ZOMANC_ENV": "production", "ZOMANC_DATA_DIR": str(tmp_path)}
    env.pop("ZOMANC_SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "-c", "import zomanc.settings"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "ZOMANC_SECRET_KEY" in result.stderr


class TestAdmin:
    def test_superuser_gets_in(self, db: None) -> None:
        superuser = User.objects.create_superuser("root@zomanc.test", PASSWORD, full_name="R")
        client = Client()
        client.force_login(superuser)
        assert client.get("/admin/").status_code == 200

    @pytest.mark.parametrize("staff_flag", [True, False])
    def test_non_superuser_is_kept_out(self, personas: Personas, staff_flag: bool) -> None:
        user = personas.owner.user
        user.is_staff = staff_flag  # even Django's "staff status" does not open it
        user.save()
        client = personas.client_for(personas.owner)
        response = client.get("/admin/", follow=True)
        assert response.redirect_chain
        assert "Zománc adminisztráció" not in response.content.decode()
        assert client.get("/admin/practices/company/").status_code == 302

    def test_admin_login_goes_through_our_login(self, db: None) -> None:
        response = Client().get("/admin/login/?next=/admin/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")

    def test_no_delete_in_admin(self, personas: Personas) -> None:
        superuser = User.objects.create_superuser("root@zomanc.test", PASSWORD, full_name="R")
        client = Client()
        client.force_login(superuser)
        for path in (
            f"/admin/practices/company/{personas.company_a.pk}/delete/",
            f"/admin/practices/orgunit/{personas.org_unit_a.pk}/delete/",
            f"/admin/practices/staffmember/{personas.doctor.pk}/delete/",
            f"/admin/practices/practice/{personas.practice_a.pk}/delete/",
            f"/admin/accounts/user/{personas.doctor.user_id}/delete/",
        ):
            assert client.get(path).status_code == 403, path
            assert client.post(path, {"post": "yes"}).status_code == 403, path
