"""A real HTTP SMS gateway for the tests (http.server on a free port, in a thread) speaking
the sandbox gateway's contract: the outbox talks to it over TCP exactly as to a practice's
gateway. Not the sandbox's — zomanc code imports nothing from sandbox/. It keeps one message
per (API key, client_ref), and fails on demand: 503 for the next N posts, "accept, then
lose the answer" (504) or "accept, then hang past the client's time-out" for the next N."""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

API_KEY = "teszt-sms-kulcs"


@dataclass
class Sms:
    id: str
    key: str
    to: str
    text: str
    client_ref: str
    sender: str
    status: str = "accepted"
    error: str = ""
    posts: int = 1


@dataclass
class SmsGatewayServer:
    messages: list[Sms] = field(default_factory=list)
    fail_next: int = 0
    lose_next: int = 0
    hang_next: int = 0
    hang_seconds: float = 2.0
    posts: int = 0
    polls: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _key(self) -> str | None:
                scheme, _, key = self.headers.get("Authorization", "").partition(" ")
                return key if scheme == "Bearer" and key == API_KEY else None

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                key = self._key()
                if key is None:
                    return self._send(401, {"error": "Érvénytelen API-kulcs."})
                status, answer, hang = gateway._post(key, body)
                if hang:
                    time.sleep(gateway.hang_seconds)
                return self._send(status, answer)

            def do_GET(self) -> None:
                if self._key() is None:
                    return self._send(401, {"error": "Érvénytelen API-kulcs."})
                gateway.polls += 1
                found = gateway.by_id(self.path.rsplit("/", 1)[-1])
                if found is None:
                    return self._send(404, {"error": "Nincs ilyen."})
                return self._send(200, gateway._json(found))

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/sms/api/messages"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def by_id(self, sms_id: str) -> Sms | None:
        return next((m for m in self.messages if m.id == sms_id), None)

    @staticmethod
    def _json(m: Sms) -> dict[str, Any]:
        return {"id": m.id, "status": m.status, "client_ref": m.client_ref, "error": m.error}

    def _post(self, key: str, body: dict[str, Any]) -> tuple[int, dict[str, Any], bool]:
        with self._lock:
            self.posts += 1
            if self.fail_next:
                self.fail_next -= 1
                return 503, {"error": "Átmenetileg nem érhető el."}, False
            ref = str(body.get("client_ref", ""))
            existing = next(
                (m for m in self.messages if m.key == key and m.client_ref == ref), None
            )
            if existing is not None:
                existing.posts += 1
                return 200, self._json(existing), False
            if not str(body.get("to", "")).startswith("+"):
                return 400, {"error": "A címzett nem telefonszám."}, False
            sms = Sms(
                id=f"sms_{next(self._ids)}",
                key=key,
                to=str(body["to"]),
                text=str(body.get("text", "")),
                client_ref=ref,
                sender=str(body.get("sender", "")),
            )
            self.messages.append(sms)
            if self.lose_next:
                self.lose_next -= 1
                return 504, {"error": "A válasz elveszett."}, False
            if self.hang_next:
                self.hang_next -= 1
                return 202, self._json(sms), True
            return 202, self._json(sms), False
