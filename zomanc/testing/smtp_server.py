"""A real SMTP server for the tests and the reminders' reliability scenario (aiosmtpd on a
free port, on its own asyncio loop in a thread): the outbox — in the test's process or in
worker processes — talks to it over TCP exactly as to a practice's mail server, and the
test counts in memory what arrived. zomanc code imports nothing from sandbox/, so this is
not the sandbox's catcher (the browser walks use that one), but the same library.

Any login is accepted and recorded. Refusals by recipient: @perm.invalid gets 550, and
@temp.invalid 451. Failures on demand, for the scenario (its failures must pass):
`temp_fail_share` of the RCPT commands get 451 (the outbox must try again), and
`outage(seconds)` closes the listener — connections refused — then listens again on the
same port. Nothing is stored for a refused message."""

from __future__ import annotations

import asyncio
import logging
import random
import threading
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    login: str
    password: str

    @property
    def message_id(self) -> str:
        return str(self.message.get("Message-ID", "")).strip()

    @property
    def text(self) -> str:
        body = self.message.get_body(preferencelist=("plain",))
        return str(body.get_content()) if body is not None else ""


@dataclass
class SmtpServer:
    host: str = "127.0.0.1"
    port: int = 0
    temp_fail_share: float = 0.0
    seed: int = 17
    received: list[Received] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    temp_fails: int = 0
    outages: int = 0

    def start(self) -> None:
        # aiosmtpd logs every command at DEBUG ("mail.log"): thousands of lines a scenario.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self._rng = random.Random(self.seed)  # noqa: S311 - which refusals, repeatable
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._server = self._loop.run_until_complete(self._listen())
        self.port = int(self._server.sockets[0].getsockname()[1])
        self._thread = threading.Thread(target=self._loop.run_forever, name="smtp", daemon=True)
        self._thread.start()

    async def _listen(self) -> asyncio.Server:
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

        return await self._loop.create_server(protocol, self.host, self.port, reuse_address=True)

    def _call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=10)

    def outage(self, seconds: float, stop: threading.Event | None = None) -> None:
        """Nobody listens for `seconds` (connections refused), then the same port again."""

        async def close() -> None:
            self._server.close()
            await self._server.wait_closed()

        self._call(close())
        self.outages += 1
        (stop or threading.Event()).wait(seconds)
        self._server = self._call(self._listen())

    def roll_temp_fail(self) -> bool:
        with self._lock:
            if self.temp_fail_share and self._rng.random() < self.temp_fail_share:
                self.temp_fails += 1
                return True
        return False

    def store(self, received: Received) -> None:
        with self._lock:
            self.received.append(received)

    def snapshot(self) -> list[Received]:
        with self._lock:
            return list(self.received)

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
        if self.server.roll_temp_fail():
            return "451 4.3.0 Atmeneti hiba, probalja kesobb (szcenario)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        message = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(message, EmailMessage)
        login, password = ("", "")
        if session.authenticated and isinstance(session.auth_data, tuple):
            login, password = session.auth_data
        self.server.store(
            Received(str(envelope.mail_from), list(envelope.rcpt_tos), message, login, password)
        )
        return "250 OK"
