"""The demo practices send to the sandbox's mail catcher (its port from demo.sh)."""

from __future__ import annotations

import pytest

from zomanc.conftest import Personas
from zomanc.messaging.demo import demo_mail_settings_create
from zomanc.messaging.services import mail_connection


def test_demo_settings_point_at_the_catcher(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZOMANC_DEMO_SMTP_PORT", "34567")
    row = demo_mail_settings_create(personas.practice_a)
    assert row is not None and (row.host, row.port, row.security) == ("127.0.0.1", 34567, "none")
    backend = mail_connection(row)
    assert backend.password == "demo-smtp-jelszo" and backend.username == row.username
    assert demo_mail_settings_create(personas.practice_a) == row  # idempotent
