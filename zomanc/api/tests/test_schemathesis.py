"""schemathesis over /api/openapi.json, in-process against the WSGI app with a real token:
no 500, no undeclared status code, every response conforms to its declared schema.

Fixed seed and bounded examples keep it reproducible and under a minute; the database is the
test's own transaction, so the generated patients vanish afterwards."""

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance

from zomanc.api.models import ApiToken
from zomanc.api.services import TOKEN_SCHEME
from zomanc.conftest import Personas
from zomanc.patients.tests.factories import make_patient

SEED = 20260517
# A fixed token known to the schema loader, so schemathesis itself sends it and can also
# leave it out on purpose (then a 401 is the expected answer). The fixture stores its hash.
TOKEN_PREFIX = "5c4e3a11"
TOKEN = f"{TOKEN_SCHEME}{TOKEN_PREFIX}_schemathesis-fixed-test-token"
CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": SEED,
        "generation": {"max-examples": 30, "deterministic": True},
        "auth": {"openapi": {"TokenAuth": {"bearer": TOKEN}}},
    }
)


# Fetching the schema touches no database, so it can load at import time.
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application(), config=CONFIG)


@pytest.fixture
def keep_test_connection() -> Iterator[None]:
    """Django's WSGI handler closes "old" connections at the end of each request, which on
    PostgreSQL closes the test's transaction-wrapped connection; Django's own test client
    switches this off the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_data(personas: Personas, keep_test_connection: None) -> None:
    # A few patients so reads and updates can hit existing ids as well as 404s.
    for _ in range(3):
        make_patient(personas.receptionist)
    make_patient(personas.outsider)  # another practice's id must be a 404
    ApiToken.objects.create(
        practice=personas.practice_a,
        member=personas.receptionist,
        name="schemathesis",
        prefix=TOKEN_PREFIX,
        token_hash=hashlib.sha256(TOKEN.encode()).hexdigest(),
    )


# positive_data_acceptance is left out on purpose: a schema-valid body can still break a rule
# no JSON schema expresses (the TAJ check digit, a birth date not in the future, an existing
# identifier), and the right answer to those is our declared 422/409, not a 2xx. All other
# checks run: no 5xx, only declared status codes, bodies and content types as declared,
# schema-invalid input refused.
@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_conforms_to_its_schema(case: Any, api_data: None) -> None:
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
