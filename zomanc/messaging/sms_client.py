"""The one adapter that speaks the SMS gateway's wire (an HTTP JSON API; the sandbox's
stand-in in the demo, docs/messaging.md):

POST <url>            {"to", "text", "client_ref", "sender"} → 202/200 {"id", "status", …}
GET  <url>/<id>       → 200 {"id", "status": accepted|delivered|failed, "error", …}
``Authorization: Bearer <API key>``.

Failures are classified here once: connection trouble, time-outs, 429 and 5xx are worth
another try; 401/403 (the key), 400 (the message) and other 4xx are not. The API key is
never logged or put into a reason."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests
from django.utils.translation import gettext as _


class GatewayError(Exception):
    def __init__(self, *, retry: bool, why: str, code: int | None = None):
        super().__init__(why)
        self.retry, self.why, self.code = retry, why, code


@dataclass(frozen=True)
class GatewayMessage:
    id: str
    status: str  # accepted | delivered | failed
    error: str = ""


class SmsGateway:
    def __init__(self, *, url: str, api_key: str, timeout: float):
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        # No proxies or CA bundles from the environment (REQUESTS_CA_BUNDLE would silently
        # replace the system's CAs; an HTTP proxy would not reach 127.0.0.1).
        self.session.trust_env = False
        self.session.headers["Authorization"] = f"Bearer {api_key}"

    def _call(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        try:
            answer = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.Timeout:
            raise GatewayError(retry=True, why=_("az SMS-átjáró nem válaszolt időben")) from None
        except requests.RequestException:
            raise GatewayError(retry=True, why=_("az SMS-átjáró nem érhető el")) from None
        try:
            body = answer.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        reply = str(body.get("error") or answer.reason or "")[:300]
        status = answer.status_code
        if status in (200, 201, 202):
            return body
        if status in (401, 403):
            raise GatewayError(
                retry=False,
                why=_("az SMS-átjáró nem fogadta el az API-kulcsot (%(code)s)") % {"code": status},
                code=status,
            )
        if status == 429 or status >= 500:
            raise GatewayError(
                retry=True,
                why=_("átmeneti hiba az SMS-átjárón (%(code)s %(reply)s)")
                % {"code": status, "reply": reply},
                code=status,
            )
        raise GatewayError(
            retry=False,
            why=_("az SMS-átjáró elutasította az üzenetet (%(code)s %(reply)s)")
            % {"code": status, "reply": reply},
            code=status,
        )

    @staticmethod
    def _message(body: dict[str, Any]) -> GatewayMessage:
        if not body.get("id"):
            raise GatewayError(retry=True, why=_("az SMS-átjáró válaszából hiányzik az azonosító"))
        return GatewayMessage(
            id=str(body["id"]), status=str(body.get("status", "")), error=str(body.get("error", ""))
        )

    def submit(self, *, to: str, text: str, client_ref: str, sender: str = "") -> GatewayMessage:
        payload = {"to": to, "text": text, "client_ref": client_ref}
        if sender:
            payload["sender"] = sender
        return self._message(self._call("POST", self.url, json=payload))

    def status(self, gateway_id: str) -> GatewayMessage:
        return self._message(self._call("GET", f"{self.url}/{quote(gateway_id, safe='')}"))
