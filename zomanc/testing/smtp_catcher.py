"""A real SMTP server for the reliability scenarios, in the scenario's own process (aiosmtpd
on a free port, on its own asyncio loop in a thread): the workers are other processes and
talk to it over TCP like to a practice's mail server, and the scenario counts what arrived
in memory. Why not the sandbox's catcher: it fails only by recipient (a @kesobb.invalid
address is refused for ever), and a scenario needs failures that pass — a share of
temporary refusals and a window in which nobody answers at all.

Failures on demand: `temp_fail_share` of the RCPT commands get 451 (a temporary refusal: the
outbox must try again), and `outage(seconds)` closes the listener, so connections are
refused, then listens again on the same port. Nothing is stored for a refused message."""

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

from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass(frozen=True)
class Caught:
    message_id: str
    rcpt_tos: tuple[str, ...]
    subject: str
    text: str


@dataclass
class SmtpCatcher:
    host: str = "127.0.0.1"
    port: int = 0
    temp_fail_share: float = 0.0
    seed: int = 17
    caught: list[Caught] = field(default_factory=list)
    temp_fails: int = 0
    outages: int = 0

    def start(self) -> None:
        # aiosmtpd logs every command at DEBUG ("mail.log"): thousands of lines a run.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self._rng = random.Random(self.seed)  # noqa: S311 - which refusals, repeatable
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._server = self._loop.run_until_complete(self._listen())
        self.port = int(self._server.sockets[0].getsockname()[1])
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="scenario-smtp", daemon=True
        )
        self._thread.start()

    async def _listen(self) -> asyncio.Server:
        handler = _Handler(self)

        def protocol() -> SMTP:
            return SMTP(handler, hostname="szcenario.local", loop=self._loop)

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

    def store(self, caught: Caught) -> None:
        with self._lock:
            self.caught.append(caught)

    def snapshot(self) -> list[Caught]:
        with self._lock:
            return list(self.caught)

    def stop(self) -> None:
        def close() -> None:
            self._server.close()
            self._loop.stop()

        self._loop.call_soon_threadsafe(close)
        self._thread.join(timeout=5)


class _Handler:
    def __init__(self, catcher: SmtpCatcher):
        self.catcher = catcher

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if self.catcher.roll_temp_fail():
            return "451 4.3.0 Atmeneti hiba, probalja kesobb (szcenario)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        message = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(message, EmailMessage)
        body = message.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        self.catcher.store(
            Caught(
                message_id=str(message.get("Message-ID", "")).strip(),
                rcpt_tos=tuple(str(r) for r in envelope.rcpt_tos),
                subject=str(message.get("Subject", "")),
                text=str(text),
            )
        )
        return "250 OK"
