"""The catcher's SMTP listener: aiosmtpd's protocol on an asyncio loop in a daemon thread,
next to the sandbox's HTTP listeners in the same process.

Why aiosmtpd: a correct SMTP server (pipelining, dot-stuffing, SMTPUTF8, size limit, AUTH
PLAIN/LOGIN) in a maintained package; smtpd left the standard library in Python 3.12.
Why our own loop instead of aiosmtpd's Controller: the Controller cannot listen on port 0
(its start-up check connects to the port it was given), and tests run on free ports.

AUTH is offered without TLS and accepts any login (the practice system's sealed password
goes over the wire and is checked by nobody): the user name is kept with the message, the
password never. Failures on demand, for trying the practice system's retries: a recipient
at ``@elutasit.invalid`` is refused for good (550), one at ``@kesobb.invalid`` for now
(451); a message with a recipient at either is not stored."""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from django.db import close_old_connections

from sandbox.mail.services import Envelope as StoredEnvelope
from sandbox.mail.services import message_store

log = logging.getLogger("sandbox.mail")

HOSTNAME = "levelfogo.sandbox.local"
REFUSE_DOMAIN = "@elutasit.invalid"
LATER_DOMAIN = "@kesobb.invalid"
MAX_MESSAGE_BYTES = 25 * 1024 * 1024


def _accept_any(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    login = ""
    if isinstance(auth_data, LoginPassword):
        login = auth_data.login.decode("utf-8", "replace")
    return AuthResult(success=True, handled=False, auth_data=login)


class _Handler:
    def __init__(self, executor: ThreadPoolExecutor):
        self.executor = executor

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        lowered = address.lower()
        if lowered.endswith(REFUSE_DOMAIN):
            return "550 5.1.1 Nincs ilyen postafiok (sandbox: elutasit.invalid)"
        if lowered.endswith(LATER_DOMAIN):
            return "451 4.3.0 Atmeneti hiba, probalja kesobb (sandbox: kesobb.invalid)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        peer = session.peer
        stored = StoredEnvelope(
            mail_from=str(envelope.mail_from or ""),
            rcpt_tos=[str(r) for r in envelope.rcpt_tos],
            peer=f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer or ""),
            helo=str(session.host_name or ""),
            auth_user=str(session.auth_data or "") if session.authenticated else "",
            tls=session.ssl is not None,
        )
        loop = asyncio.get_running_loop()
        try:
            message = await loop.run_in_executor(self.executor, _store, raw, stored)
        except Exception:
            log.exception("a levél tárolása nem sikerült")
            return "451 4.3.0 A level tarolasa nem sikerult"
        log.info("levél %s: %s -> %s", message, stored.mail_from, ", ".join(stored.rcpt_tos))
        return f"250 OK, tarolva #{message}"


def _store(raw: bytes, envelope: StoredEnvelope) -> int:
    # A worker thread of the catcher's own: its database connection is closed when broken
    # or too old, like a request's.
    close_old_connections()
    try:
        return message_store(raw=raw, envelope=envelope).pk
    finally:
        close_old_connections()


class MailCatcher:
    """``MailCatcher(host, port).start()``; ``port`` is the one listened on (0 = any free)."""

    def __init__(self, host: str, port: int):
        self.host = host
        self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sandbox-mail")
        self._loop = asyncio.new_event_loop()
        handler = _Handler(self._executor)

        def protocol() -> SMTP:
            return SMTP(
                handler,
                hostname=HOSTNAME,
                data_size_limit=MAX_MESSAGE_BYTES,
                enable_SMTPUTF8=True,
                authenticator=_accept_any,
                auth_require_tls=False,
                loop=self._loop,
            )

        self._server = self._loop.run_until_complete(
            self._loop.create_server(protocol, host, port, reuse_address=True)
        )
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="sandbox-smtp", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.sockets[0].getsockname()[1])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        def _close() -> None:
            self._server.close()
            self._loop.stop()

        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(_close)
            self._thread.join(timeout=5)
        else:
            self._server.close()
        self._executor.shutdown(wait=True)
