"""EESZT's planned maintenance windows, read from its machine-readable notice (a JSON
document on the sandbox's HTTP port, EESZT_MAINTENANCE_URL; format in
docs/eeszt-module.md) and kept in the cache for a few minutes, so pages can warn before a
window starts without asking EESZT on every request.

The notice is advisory: when it cannot be read the product shows no banner and works on
(the outbox retries through a window anyway). requests runs with `trust_env=False`, as for
the reference data (proxy and CA variables on these machines must not redirect the call)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

CACHE_KEY = "eeszt:maintenance-notice"
TIMEOUT_SECONDS = 2.0
# A failed read is not retried on every page: once a minute is enough for a notice.
FAILURE_CACHE_SECONDS = 60


@dataclass(frozen=True)
class MaintenanceWindow:
    start: dt.datetime
    end: dt.datetime
    message: str = ""
    services: tuple[str, ...] = ()  # empty: every service


def _time(value: Any) -> dt.datetime | None:
    """An ISO 8601 time with its zone offset; anything else (a time without a zone is not
    guessed) is None."""
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def maintenance_parse(data: Any) -> list[MaintenanceWindow]:
    """The notice's windows, sorted by start; malformed windows are left out, not fatal."""
    raw = data.get("windows") if isinstance(data, dict) else None
    windows: list[MaintenanceWindow] = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict):
            continue
        start, end = _time(item.get("start")), _time(item.get("end"))
        if start is None or end is None or end <= start:
            continue
        services = item.get("services")
        windows.append(
            MaintenanceWindow(
                start=start,
                end=end,
                message=str(item.get("message") or "")[:300],
                services=tuple(str(s) for s in services) if isinstance(services, list) else (),
            )
        )
    return sorted(windows, key=lambda w: w.start)


def maintenance_fetch(*, url: str) -> list[MaintenanceWindow]:
    """Reads the notice now. Raises requests.RequestException or ValueError."""
    with requests.Session() as http:
        http.trust_env = False
        response = http.get(url, timeout=TIMEOUT_SECONDS, headers={"Accept": "application/json"})
        response.raise_for_status()
        return maintenance_parse(response.json())


def _cached_windows() -> list[MaintenanceWindow]:
    hit = cache.get(CACHE_KEY)
    if hit is None:
        url = getattr(settings, "EESZT_MAINTENANCE_URL", "")
        timeout = int(getattr(settings, "EESZT_MAINTENANCE_CACHE_SECONDS", 300))
        try:
            windows = maintenance_fetch(url=url) if url else []
        except (requests.RequestException, ValueError):
            windows, timeout = [], FAILURE_CACHE_SECONDS
        hit = [
            {
                "start": w.start.isoformat(),
                "end": w.end.isoformat(),
                "message": w.message,
                "services": list(w.services),
            }
            for w in windows
        ]
        cache.set(CACHE_KEY, hit, timeout=timeout)
    return maintenance_parse({"windows": hit})


def maintenance_upcoming(*, now: dt.datetime | None = None) -> list[MaintenanceWindow]:
    """Windows to announce now: not over yet and starting within
    EESZT_MAINTENANCE_AHEAD_HOURS (default 72)."""
    now = now or timezone.now()
    ahead = dt.timedelta(hours=float(getattr(settings, "EESZT_MAINTENANCE_AHEAD_HOURS", 72)))
    return [w for w in _cached_windows() if w.end > now and w.start - now <= ahead]
