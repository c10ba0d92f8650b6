"""The gateway's HTTP JSON API (on the HTTP listener, like any SMS provider's REST API):

POST /sms/api/messages        {"to", "text", "client_ref"} → 202 {"id", "status": "accepted", …}
                              the same client_ref again → 200, the same id, nothing sent again
GET  /sms/api/messages        → 200 {"messages": [...]} the account's messages, oldest first
                              (?after=<id> pages on, 500 a page; "more"), reports settled
GET  /sms/api/messages/<id>   → 200 {"id", "status": accepted|delivered|failed, …}

Authenticated by the account's API key: ``Authorization: Bearer <key>``. Delivery reports
are polled (GET), not pushed to a callback: polling works from a practice behind NAT with no
public URL, needs no callback authentication, and a missed report is simply asked again.
Failures on demand (the page's switch): 503 with Retry-After before anything is done, or
"accept, then lose the answer" — stored, but 504 instead of 202."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from sandbox.sms import services
from sandbox.sms.models import SmsAccount, SmsMessage


def _account(request: HttpRequest) -> SmsAccount | None:
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return services.account_by_key(key.strip())


def _unauthorized() -> JsonResponse:
    response = JsonResponse({"error": "Érvénytelen vagy hiányzó API-kulcs."}, status=401)
    response["WWW-Authenticate"] = "Bearer"
    return response


def message_json(message: SmsMessage) -> dict[str, Any]:
    return {
        "id": message.public_id,
        "client_ref": message.client_ref,
        "to": message.to,
        "status": message.status,
        "segments": message.segments,
        "encoding": message.encoding,
        "accepted_at": message.accepted_at.isoformat(),
        "final_at": message.final_at.isoformat() if message.final_at else None,
        "error": message.error,
        "submissions": message.submissions,
    }


LIST_PAGE = 500


@csrf_exempt
@require_http_methods(["GET", "POST"])
def messages_create(request: HttpRequest) -> HttpResponse:
    account = _account(request)
    if account is None:
        return _unauthorized()
    if request.method == "GET":
        return _messages_list(request, account)
    fault = services.fault_for_request()
    if fault == "fail":
        response = JsonResponse({"error": "Az átjáró átmenetileg nem érhető el."}, status=503)
        response["Retry-After"] = "1"
        return response
    try:
        data = json.loads(request.body or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return JsonResponse({"error": "A kérés törzse nem JSON."}, status=400)
    if not isinstance(data, dict):
        return JsonResponse({"error": "A kérés törzse JSON objektum."}, status=400)
    try:
        result = services.message_submit(
            account=account,
            to=str(data.get("to") or ""),
            text=str(data.get("text") or ""),
            client_ref=str(data.get("client_ref") or ""),
        )
    except services.SubmitError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    if fault == "lose":
        return JsonResponse({"error": "Átjáró-időtúllépés (a válasz elveszett)."}, status=504)
    return JsonResponse(message_json(result.message), status=202 if result.created else 200)


def _messages_list(request: HttpRequest, account: SmsAccount) -> HttpResponse:
    """What a provider's message log gives: every message of the account, so a client (or a
    test counting what reached the phones) sees also those it never heard back about."""
    services.messages_settle()
    rows = SmsMessage.objects.filter(account=account).order_by("pk")
    after = request.GET.get("after", "")
    if after:
        anchor = SmsMessage.objects.filter(account=account, public_id=after).first()
        if anchor is None:
            return JsonResponse({"error": "Nincs ilyen üzenet (after)."}, status=400)
        rows = rows.filter(pk__gt=anchor.pk)
    # The log carries each message's text, as a provider's message log does: whoever audits
    # the sends (the reminders' reliability scenario) reads what the patient received.
    page = [{**message_json(m), "text": m.text} for m in rows[: LIST_PAGE + 1]]
    return JsonResponse({"messages": page[:LIST_PAGE], "more": len(page) > LIST_PAGE})


@require_GET
def message_status(request: HttpRequest, public_id: str) -> HttpResponse:
    account = _account(request)
    if account is None:
        return _unauthorized()
    services.messages_settle()
    message = SmsMessage.objects.filter(account=account, public_id=public_id).first()
    if message is None:
        return JsonResponse({"error": "Nincs ilyen üzenet."}, status=404)
    return JsonResponse(message_json(message))
