from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from zomanc.conftest import Personas
from zomanc.messaging.models import MailSettings
from zomanc.messaging.services import mail_settings_save
from zomanc.testing.smtp_server import SmtpServer

PASSWORD = "Tit0k-jelszo!"


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def closed_port() -> int:
    """A port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def configure(personas: Personas, port: int, *, practice: str = "a") -> MailSettings:
    owner = personas.owner if practice == "a" else personas.outsider
    return mail_settings_save(
        practice=owner.practice,
        host="127.0.0.1",
        port=port,
        security="none",
        username="rendelo",
        password=PASSWORD,
        from_email="rendelo@mosoly.example",
        from_name="Mosoly Fogászat",
        reply_to="recepcio@mosoly.example",
        actor=owner,
    )
