"""Counters and fault decisions."""

from __future__ import annotations

import collections
import datetime as dt
import random
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection

from sandbox.faults.models import Counter, FaultRule
from sandbox.memo import Memo

FAULT_FIELDS = (
    "latency_ms",
    "share_http_503",
    "share_unavailable_fault",
    "share_drop",
    "share_hang",
    "hang_seconds",
    "maintenance_from",
    "maintenance_until",
    "retry_after_seconds",
)

# Every call plans its faults from these: loaded once, cleared by the rule writes below.
_rules: Memo[list[FaultRule]] = Memo(lambda: list(FaultRule.objects.all()))


def counters_add(*, names: Iterable[str], amount: int = 1) -> None:
    """``amount`` added to each named counter in ONE statement (a SOAP call touches 2–4
    counters): an upsert creates a missing row and is atomic and race-free on SQLite and
    PostgreSQL alike. The ORM has no increment-on-conflict, hence the SQL."""
    counts = collections.Counter(names)
    if not counts:
        return
    table = connection.ops.quote_name(Counter._meta.db_table)
    rows = ", ".join(["(%s, %s)"] * len(counts))
    params: list[str | int] = []
    for name, times in counts.items():
        params += [name, amount * times]
    with connection.cursor() as cursor:
        cursor.execute(
            # Only our table name and placeholders are formatted in; values are parameters.
            f"INSERT INTO {table} AS c (name, value) VALUES {rows} "  # noqa: S608
            "ON CONFLICT (name) DO UPDATE SET value = c.value + excluded.value",
            params,
        )


def counter_add(*, name: str, amount: int = 1) -> None:
    counters_add(names=[name], amount=amount)


def counters_reset() -> None:
    Counter.objects.all().delete()


def fault_rule_set(*, service: str, **values: object) -> FaultRule:
    unknown = set(values) - set(FAULT_FIELDS)
    if unknown:
        raise ValueError(f"unknown fault settings: {sorted(unknown)}")
    rule, _ = FaultRule.objects.update_or_create(service=service, defaults=values)
    _rules.clear()
    return rule


def fault_rules_clear() -> None:
    FaultRule.objects.all().delete()
    _rules.clear()


def fault_rule_delete(*, service: str) -> bool:
    """Remove the rule of one service (or of ``*``); True when there was one."""
    deleted, _ = FaultRule.objects.filter(service=service).delete()
    _rules.clear()
    return bool(deleted)


@dataclass(frozen=True)
class FaultPlan:
    """What to inject for one request, decided before it is processed."""

    latency_ms: int = 0
    http_503_retry_after: int | None = None  # maintenance or random 503
    maintenance: bool = False
    unavailable_fault: bool = False
    drop: bool = False
    hang_seconds: int | None = None

    @property
    def injects(self) -> bool:
        return bool(
            self.http_503_retry_after is not None
            or self.unavailable_fault
            or self.drop
            or self.hang_seconds is not None
        )


def fault_plan(*, service: str, at: dt.datetime, rng: random.Random | None = None) -> FaultPlan:
    rules = [r for r in _rules.get() if r.service in (service, "*")]
    if not rules:
        return FaultPlan()
    roll = (rng or random).random
    latency = max(r.latency_ms for r in rules)
    for r in rules:
        if (
            r.maintenance_from
            and r.maintenance_until
            and r.maintenance_from <= at < r.maintenance_until
        ):
            retry = max(1, int((r.maintenance_until - at).total_seconds()))
            return FaultPlan(latency_ms=latency, http_503_retry_after=retry, maintenance=True)

    def share(field: str) -> float:
        return max(float(getattr(r, field)) for r in rules)

    retry_after = max(r.retry_after_seconds for r in rules)
    if roll() < share("share_http_503"):
        return FaultPlan(latency_ms=latency, http_503_retry_after=retry_after)
    if roll() < share("share_drop"):
        return FaultPlan(latency_ms=latency, drop=True)
    if roll() < share("share_unavailable_fault"):
        return FaultPlan(latency_ms=latency, unavailable_fault=True)
    if roll() < share("share_hang"):
        return FaultPlan(latency_ms=latency, hang_seconds=max(r.hang_seconds for r in rules))
    return FaultPlan(latency_ms=latency)


def counters_snapshot() -> dict[str, int]:
    return dict(Counter.objects.order_by("name").values_list("name", "value"))


@dataclass(frozen=True)
class MaintenanceNotice:
    start: dt.datetime
    end: dt.datetime
    services: tuple[str, ...]  # empty: every service
    message: str


def maintenance_notices(*, at: dt.datetime) -> list[MaintenanceNotice]:
    """Planned maintenance windows not over yet (the operator's fault rules with a
    window), by start: what the portal and the machine-readable notice announce."""
    rules = FaultRule.objects.filter(
        maintenance_from__isnull=False, maintenance_until__gt=at
    ).order_by("maintenance_from", "service")
    return [
        MaintenanceNotice(
            start=r.maintenance_from,
            end=r.maintenance_until,
            services=() if r.service == "*" else (r.service,),
            message="Tervezett karbantartás"
            + ("" if r.service == "*" else f" ({r.service} szolgáltatás)"),
        )
        for r in rules
        if r.maintenance_from is not None and r.maintenance_until is not None
    ]
