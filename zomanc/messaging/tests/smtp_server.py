"""A real SMTP server for the tests (aiosmtpd on a free port, in a thread): the outbox talks
to it over TCP exactly as to a practice's mail server. Not the sandbox's catcher — zomanc
code imports nothing from sandbox/ — but the same library; the browser walk uses the
sandbox's. Recipients at @perm.invalid get 550, at @temp.invalid 451."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    login: str
    password: str


@dataclass
class SmtpServer:
    host: str = "127.0.0.1"
    port: int = 0
    received: list[Received] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)

    def start(self) -> None:
        self._loop = asyncio.new_event_loop()
        handler = _Handler(self)

        def auth(
            server: SMTP, session: Session, envelope: Envelope, mech: str, data: Any
        ) -> AuthResult:
            if isinstance(data, LoginPassword):
                pair = (data.login.decode(), data.password.decode())
                self.logins.append(pair)
                return AuthResult(success=True, handled=False, auth_data=pair)
            return AuthResult(success=False, handled=False)

        def protocol() -> SMTP:
            return SMTP(
                handler,
                hostname="teszt.local",
                authenticator=auth,
                auth_require_tls=False,
                loop=self._loop,
            )

        self._server = self._loop.run_until_complete(
            self._loop.create_server(protocol, self.host, self.port)
        )
        self.port = int(self._server.sockets[0].getsockname()[1])
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        def close() -> None:
            self._server.close()
            self._loop.stop()

        self._loop.call_soon_threadsafe(close)
        self._thread.join(timeout=5)


class _Handler:
    def __init__(self, server: SmtpServer):
        self.server = server

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address.endswith("@perm.invalid"):
            return "550 5.1.1 Nincs ilyen postafiok"
        if address.endswith("@temp.invalid"):
            return "451 4.3.0 Probalja kesobb"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        message = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(message, EmailMessage)
        login, password = ("", "")
        if session.authenticated and isinstance(session.auth_data, tuple):
            login, password = session.auth_data
        self.server.received.append(
            Received(str(envelope.mail_from), list(envelope.rcpt_tos), message, login, password)
        )
        return "250 OK"
