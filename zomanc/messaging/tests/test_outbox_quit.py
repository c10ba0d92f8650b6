"""The row records "sent" as soon as the server has taken the message (250 after DATA), before
the QUIT. Found by the reminders' reliability scenario (docs/reminders.md): SMTP has no
idempotency key, so a worker killed after the 250 and before the record sends the message
again. The QUIT (a round trip to a server that may be busy) was inside that window, and the
scenario's first PostgreSQL run had two copies for three kills. Now the window is the
record alone, and a QUIT that fails or hangs changes nothing."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from zomanc.conftest import Personas
from zomanc.messaging import services
from zomanc.messaging.models import MessageStatus
from zomanc.messaging.services import mail_settings_save, message_deliver, message_email_queue


@dataclass
class QuitLateServer:
    """A minimal SMTP server (raw sockets, a thread per connection) that takes every message
    with 250, notes each step in `events`, and answers QUIT only after `quit_delay` (never,
    within a short client time-out)."""

    events: list[str] = field(default_factory=list)
    quit_delay: float = 0.0
    port: int = 0

    def start(self) -> None:
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen()
        self._stop = threading.Event()
        self.port = int(self._sock.getsockname()[1])
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        file = conn.makefile("rb")

        def say(line: str) -> None:
            conn.sendall(line.encode() + b"\r\n")

        say("220 lassu.local ESMTP")
        while line := file.readline():
            command = line.strip().upper()
            if command.startswith((b"EHLO", b"HELO")):
                say("250 lassu.local")
            elif command.startswith((b"MAIL", b"RCPT", b"RSET", b"NOOP")):
                say("250 OK")
            elif command == b"DATA":
                say("354 Go ahead")
                while (chunk := file.readline()) and chunk != b".\r\n":
                    pass
                self.events.append("taken")
                say("250 OK, taken")
            elif command == b"QUIT":
                self.events.append("quit")
                if not self._stop.wait(self.quit_delay):
                    say("221 Bye")
                break
        conn.close()

    def stop(self) -> None:
        self._stop.set()
        self._sock.close()


@pytest.fixture
def server() -> Iterator[QuitLateServer]:
    server = QuitLateServer()
    server.start()
    yield server
    server.stop()


def _queue(personas: Personas, port: int) -> Any:
    mail_settings_save(
        practice=personas.practice_a,
        host="127.0.0.1",
        port=port,
        security="none",
        username="",
        password="",
        from_email="rendelo@mosoly.example",
        from_name="Mosoly Fogászat",
        reply_to="",
        actor=personas.owner,
    )
    return message_email_queue(
        practice=personas.practice_a,
        recipient="eva@example.hu",
        subject="Emlékeztető",
        text="Holnap 9:00-kor várjuk.",
    )


def test_sent_is_recorded_before_the_quit(
    personas: Personas, server: QuitLateServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = services._record

    def noted(row: Any, **changes: Any) -> bool:
        server.events.append(f"record {changes.get('status')}")
        return record(row, **changes)

    monkeypatch.setattr(services, "_record", noted)
    message = _queue(personas, server.port)

    message_deliver(message_id=message.pk)

    # A worker killed at the QUIT finds its row recorded: nothing is sent again.
    assert server.events == ["taken", "record sent", "quit"]
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT


def test_a_quit_that_times_out_changes_nothing(
    personas: Personas, server: QuitLateServer, settings: Any
) -> None:
    settings.MESSAGING_SMTP_TIMEOUT_SECONDS = 0.5
    server.quit_delay = 5
    message = _queue(personas, server.port)

    message_deliver(message_id=message.pk)

    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 1
    assert message.last_error == "" and message.smtp_code == 250
    assert message_deliver(message_id=message.pk) is None  # a late wake-up sends no copy
    assert server.events == ["taken", "quit"]
