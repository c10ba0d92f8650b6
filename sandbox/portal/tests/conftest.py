"""Portal test helpers: log a user in the way the portal does (an IDP session whose
assertion id the Django session remembers) and choose a context."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from sandbox.idp.services import session_issue
from sandbox.portal.session import KEY_ASSERTION, KEY_CONTEXT, KEY_OPERATOR
from sandbox.registry import seed
from sandbox.registry.models import User

DEMO_INST_ONLY = f"I:{seed.DEMO_INSTITUTION}"
DEMO_UNIT = f"U:{seed.DEMO_ORG_UNIT}"

PortalLogin = Callable[..., Client]


def query_count(client: Client, url: str) -> int:
    """Queries one GET of a page takes (list pages must not grow with their rows), from cold
    operator settings: the memoised clock offset and fault rules (sandbox/memo.py) live
    for a second, so a warm count would depend on how fast the test runs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sandbox.memo import Memo

    Memo.clear_all()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(ctx.captured_queries)


@pytest.fixture
def portal_login(client: Client, seeded: None) -> PortalLogin:
    def _login(user_id: str, context: str | None = None, method: str = "TOKEN") -> Client:
        result = session_issue(user=User.objects.get(user_id=user_id), method=method)
        session = client.session
        session[KEY_ASSERTION] = result.session.assertion_id
        if context:
            session[KEY_CONTEXT] = context
        session.save()
        return client

    return _login


@pytest.fixture
def operator_client(client: Client, seeded: None) -> Client:
    session = client.session
    session[KEY_OPERATOR] = True
    session.save()
    return client
