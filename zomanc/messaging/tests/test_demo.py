"""The demo practices send to the sandbox's mail catcher (its port from demo.sh) and to its
SMS gateway (its URL from demo.sh, the keys the sandbox seeds)."""

from __future__ import annotations

import pytest

from zomanc.conftest import Personas
from zomanc.messaging.demo import DEMO_SMS_KEYS, demo_mail_settings_create, demo_sms_settings_create
from zomanc.messaging.services import mail_connection
from zomanc.messaging.sms_outbox import sms_gateway


def test_demo_settings_point_at_the_catcher(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZOMANC_DEMO_SMTP_PORT", "34567")
    row = demo_mail_settings_create(personas.practice_a)
    assert row is not None and (row.host, row.port, row.security) == ("127.0.0.1", 34567, "none")
    backend = mail_connection(row)
    assert backend.password == "demo-smtp-jelszo" and backend.username == row.username
    assert demo_mail_settings_create(personas.practice_a) == row  # idempotent


def test_demo_sms_settings_point_at_the_gateway(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZOMANC_DEMO_SMS_URL", "http://127.0.0.1:34568/sms/api/messages")
    row = demo_sms_settings_create(personas.practice_a)
    assert row is not None and row.url == "http://127.0.0.1:34568/sms/api/messages"
    gateway = sms_gateway(row)
    assert gateway.session.headers["Authorization"] in {
        f"Bearer {key}" for key in DEMO_SMS_KEYS.values()
    }
    assert demo_sms_settings_create(personas.practice_a) == row  # idempotent


def test_demo_sms_keys_are_the_sandbox_accounts() -> None:
    """A copy (the product imports nothing from the sandbox): the two must agree."""
    from pathlib import Path

    source = (Path(__file__).resolve().parents[3] / "sandbox" / "sms" / "services.py").read_text()
    for key in DEMO_SMS_KEYS.values():
        assert f'"{key}"' in source
