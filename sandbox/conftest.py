"""Fixtures of the sandbox test suite (run: pytest sandbox --ds=sandbox.settings).

Every test session gets its own data folder (PKI, SoftHSM token), created once; answers
of every handler are validated against the published XSD (SANDBOX_VALIDATE_RESPONSES).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from lxml import etree

from sandbox import testing
from sandbox.idp.services import session_issue
from sandbox.memo import Memo
from sandbox.pki.services import waf_certificate_issue
from sandbox.registry import seed
from sandbox.registry.models import Institution, User


@pytest.fixture(scope="session", autouse=True)
def sandbox_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    data = tmp_path_factory.mktemp("sandbox-data")
    old = settings.SANDBOX_DATA_DIR
    settings.SANDBOX_DATA_DIR = data
    settings.SANDBOX_VALIDATE_RESPONSES = True
    # Fast hashing in tests; Argon2 stays the production hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    os.environ["SOFTHSM2_CONF"] = str(data / "softhsm" / "softhsm2.conf")
    yield data
    settings.SANDBOX_DATA_DIR = old


@pytest.fixture(autouse=True)
def memo_forget() -> None:
    """A test's settings writes are rolled back, never committed: no memo may keep them."""
    Memo.clear_all()


@pytest.fixture
def seeded(db: Any) -> None:
    seed.seed_demo()


@pytest.fixture
def waf_der(seeded: None) -> bytes:
    """DER client certificate of the demo institution, as the TLS server would pass it."""
    issued = waf_certificate_issue(
        institution=Institution.objects.get(institution_id=seed.DEMO_INSTITUTION)
    )
    return testing.der_of(issued.certificate.pem)


@pytest.fixture
def other_waf_der(seeded: None) -> bytes:
    issued = waf_certificate_issue(
        institution=Institution.objects.get(institution_id=seed.OTHER_INSTITUTION)
    )
    return testing.der_of(issued.certificate.pem)


@pytest.fixture
def login() -> Callable[[str], bytes]:
    """user id -> a fresh signed assertion (as if the IDP logged the user in by card)."""

    def _login(user_id: str, method: str = "CARD") -> bytes:
        return session_issue(user=User.objects.get(user_id=user_id), method=method).assertion

    return _login


class Soap:
    """Calls a service in-process the way the practice system would over the wire."""

    def __init__(self, client: Client, login: Callable[[str], bytes], cert: bytes):
        self.client = client
        self.login = login
        self.cert = cert
        self._assertions: dict[str, bytes] = {}

    def assertion(self, user_id: str) -> bytes:
        if user_id not in self._assertions:
            self._assertions[user_id] = self.login(user_id)
        return self._assertions[user_id]

    def call(
        self,
        service: str,
        payload: etree._Element,
        *,
        user: str = seed.DEMO_DENTIST,
        role: str = "ORVOS",
        institution: str = seed.DEMO_INSTITUTION,
        org_unit: str = seed.DEMO_ORG_UNIT,
        request_id: str | None = None,
        cert: bytes | None = None,
        assertion: bytes | None = None,
    ) -> testing.Answer:
        ctx = testing.context_element(
            user_id=user,
            institution_id=institution,
            org_unit_id=org_unit,
            role=role,
            request_id=request_id,
        )
        sec = testing.security_element(assertion=assertion or self.assertion(user))
        body = testing.envelope(payload, sec, ctx)
        return testing.post(self.client, service, body, cert or self.cert)


@pytest.fixture
def soap(client: Client, login: Callable[[str], bytes], waf_der: bytes) -> Soap:
    return Soap(client, login, waf_der)
