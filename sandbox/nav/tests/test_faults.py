"""Fault injection and maintenance for the NAV API (the sandbox's fault rules, service
``nav``): unavailable (HTTP 503), OPERATION_FAILED, MAINTENANCE_MODE, latency. Dropped
connections and accept-then-time-out need the socket: test_https.py."""

from __future__ import annotations

import datetime as dt
import time

from sandbox.clock.services import now
from sandbox.faults.services import counters_snapshot, fault_rule_set
from sandbox.nav.models import Transaction
from sandbox.nav.tests import contract_client as cc
from sandbox.nav.tests.conftest import today


def test_operation_failed_saves_nothing(creds, post, token) -> None:
    value = token(creds)
    fault_rule_set(service="nav", share_unavailable_fault=1.0)
    data = cc.b2c_invoice(supplier=creds.tax_number, number="F-1", issue=today())
    answer = post(
        "manageInvoice",
        cc.request("manageInvoice", creds, cc.manage_invoice_body(value, [("CREATE", data)])),
    )
    assert (answer.status, answer.code) == (500, "OPERATION_FAILED")
    assert not Transaction.objects.exists()
    assert counters_snapshot()["faults.unavailable_fault"] == 1


def test_maintenance_is_maintenance_mode_with_retry_after(creds, post) -> None:
    at = now()
    fault_rule_set(
        service="nav",
        maintenance_from=at - dt.timedelta(minutes=1),
        maintenance_until=at + dt.timedelta(minutes=10),
    )
    answer = post("tokenExchange", cc.request("tokenExchange", creds))
    assert (answer.status, answer.code) == (503, "MAINTENANCE_MODE")
    assert 590 <= int(answer.headers["Retry-After"]) <= 600


def test_unavailable_is_a_plain_503(creds, post) -> None:
    fault_rule_set(service="nav", share_http_503=1.0, retry_after_seconds=7)
    answer = post("tokenExchange", cc.request("tokenExchange", creds))
    assert answer.status == 503 and answer.headers["Retry-After"] == "7"


def test_the_all_services_rule_applies_another_services_does_not(creds, post) -> None:
    fault_rule_set(service="ekat", share_unavailable_fault=1.0)
    assert post("tokenExchange", cc.request("tokenExchange", creds)).status == 200
    fault_rule_set(service="*", share_unavailable_fault=1.0)
    assert post("tokenExchange", cc.request("tokenExchange", creds)).code == "OPERATION_FAILED"


def test_slow(creds, post) -> None:
    fault_rule_set(service="nav", latency_ms=200)
    started = time.perf_counter()
    assert post("tokenExchange", cc.request("tokenExchange", creds)).status == 200
    assert time.perf_counter() - started >= 0.2


def test_calls_are_counted(creds, post) -> None:
    post("tokenExchange", cc.request("tokenExchange", creds))
    counters = counters_snapshot()
    assert counters["requests.nav"] == 1 and counters["requests.nav.tokenExchange"] == 1
