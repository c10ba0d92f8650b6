"""The admin JSON endpoint (own bearer token): counters, fault rules, clock offset.

GET  /sandbox-admin/state  -> {"counters": {...}, "faults": [...], "clockOffsetSeconds": n}
POST /sandbox-admin/faults   {"service": "ekat"|"*", "latency_ms": .., "share_http_503": .., ...}
POST /sandbox-admin/faults/clear
POST /sandbox-admin/clock    {"offsetSeconds": n}
POST /sandbox-admin/counters/reset

And the public, machine-readable maintenance notice (no token; docs/sandbox.md):
GET  /maintenance/notice.json -> {"windows": [{"start", "end", "services", "message"}]}
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from sandbox.clock.services import clock_offset_set, offset_seconds
from sandbox.clock.services import now as sandbox_now
from sandbox.faults import services
from sandbox.faults.models import FaultRule

View = Callable[[HttpRequest], HttpResponse]


def _token_required(view: View) -> View:
    def wrapped(request: HttpRequest) -> HttpResponse:
        header = request.headers.get("Authorization", "")
        expected = f"Bearer {settings.SANDBOX_ADMIN_TOKEN}"
        if not secrets.compare_digest(header.encode(), expected.encode()):
            return JsonResponse({"error": "Érvénytelen admin token."}, status=401)
        return view(request)

    wrapped.__name__ = view.__name__
    return csrf_exempt(wrapped)


def _rule(rule: FaultRule) -> dict[str, Any]:
    data: dict[str, Any] = {"service": rule.service}
    for name in services.FAULT_FIELDS:
        value = getattr(rule, name)
        data[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return data


def _body(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


@_token_required
@require_GET
def state(request: HttpRequest) -> HttpResponse:
    return JsonResponse(
        {
            "counters": services.counters_snapshot(),
            "faults": [_rule(r) for r in FaultRule.objects.order_by("service")],
            "clockOffsetSeconds": offset_seconds(),
        }
    )


@_token_required
@require_POST
def faults_set(request: HttpRequest) -> HttpResponse:
    data = _body(request)
    service = str(data.pop("service", "*"))
    for key in ("maintenance_from", "maintenance_until"):
        if isinstance(data.get(key), str):
            data[key] = parse_datetime(data[key])
    try:
        rule = services.fault_rule_set(service=service, **data)
    except (ValueError, TypeError) as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse(_rule(rule))


@_token_required
@require_POST
def faults_clear(request: HttpRequest) -> HttpResponse:
    services.fault_rules_clear()
    return JsonResponse({"ok": True})


@_token_required
@require_POST
def clock_set(request: HttpRequest) -> HttpResponse:
    try:
        seconds = int(_body(request)["offsetSeconds"])
    except (KeyError, TypeError, ValueError):
        return JsonResponse({"error": "offsetSeconds (egész szám) szükséges."}, status=400)
    clock_offset_set(seconds=seconds)
    return JsonResponse({"clockOffsetSeconds": seconds})


@_token_required
@require_POST
def counters_reset(request: HttpRequest) -> HttpResponse:
    services.counters_reset()
    return JsonResponse({"ok": True})


@require_GET
def maintenance_notice(request: HttpRequest) -> HttpResponse:
    """Planned maintenance windows not over yet, announced ahead (law: ≥ 7 days; the
    operator plans them on the portal). Times are ISO 8601 with offset, in wall-clock time
    (the sandbox clock offset taken out, so a client compares them with its own clock);
    ``services`` empty = every service."""
    shift = dt.timedelta(seconds=offset_seconds())
    windows = [
        {
            "start": (n.start - shift).isoformat(),
            "end": (n.end - shift).isoformat(),
            "services": list(n.services),
            "message": n.message,
        }
        for n in services.maintenance_notices(at=sandbox_now())
    ]
    response = JsonResponse({"windows": windows})
    response["Cache-Control"] = "max-age=60"
    return response
