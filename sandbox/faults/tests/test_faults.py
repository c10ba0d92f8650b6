"""Fault injection decided in the pipeline, counters, the admin endpoint, the clock."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from sandbox import testing
from sandbox.clock.services import now as sandbox_now
from sandbox.conftest import Soap
from sandbox.faults.services import counters_snapshot, fault_rule_set
from sandbox.soap.ns import service_ns

pytestmark = pytest.mark.django_db
EKAT = service_ns("ekat")
AUTH = {"HTTP_AUTHORIZATION": "Bearer sandbox-admin"}


def query() -> object:
    return testing.payload(EKAT, "EventQueryRequest", patient={"idType": "TAJ", "id": "123456788"})


def test_service_unavailable_fault_is_injected_and_counted(soap: Soap) -> None:
    fault_rule_set(service="ekat", share_unavailable_fault=1.0)
    answer = soap.call("ekat", query())  # type: ignore[arg-type]
    assert answer.fault_code == "SERVICE_UNAVAILABLE"
    assert answer.status == 500
    counters = counters_snapshot()
    assert counters["faults_injected"] == 1 and counters["faults.unavailable_fault"] == 1
    assert counters["requests"] == 1 and counters["requests.ekat"] == 1


def test_rule_for_another_service_does_not_apply(soap: Soap) -> None:
    fault_rule_set(service="idp", share_unavailable_fault=1.0)
    assert soap.call("ekat", query()).fault_code == "NO_TREATMENT_RELATIONSHIP"  # type: ignore[arg-type]


def test_maintenance_window_is_503_with_retry_after(soap: Soap) -> None:
    at = sandbox_now()
    fault_rule_set(
        service="*",
        maintenance_from=at - dt.timedelta(minutes=1),
        maintenance_until=at + dt.timedelta(minutes=10),
    )
    answer = soap.call("ekat", query())  # type: ignore[arg-type]
    assert answer.status == 503
    response = soap.client.generic(
        "POST", "/soap/ekat", b"", **{"sandbox.client_cert_der": soap.cert}
    )
    assert 590 <= int(response.headers["Retry-After"]) <= 600
    assert counters_snapshot()["faults.maintenance"] == 2


def test_latency_is_added(soap: Soap) -> None:
    import time

    fault_rule_set(service="ekat", latency_ms=150)
    started = time.perf_counter()
    soap.call("ekat", query())  # type: ignore[arg-type]
    assert time.perf_counter() - started >= 0.15


def test_drop_and_hang_are_handed_to_the_server(soap: Soap) -> None:
    fault_rule_set(service="ekat", share_drop=1.0)
    response = soap.client.generic(
        "POST", "/soap/ekat", b"x", **{"sandbox.client_cert_der": soap.cert}
    )
    assert response.wsgi_request.META["sandbox.drop"] is True
    fault_rule_set(service="idp", share_hang=1.0, hang_seconds=9)
    body = testing.envelope(
        testing.payload(service_ns("idp"), "ChallengeRequestRequest", userId="O58012")
    )
    response = soap.client.generic(
        "POST",
        "/soap/idp",
        body,
        content_type="application/soap+xml; charset=utf-8",
        **{"sandbox.client_cert_der": soap.cert},
    )
    # Processed and committed (a challenge exists), but the server is told to withhold it.
    assert response.status_code == 200
    assert response.wsgi_request.META["sandbox.hang_seconds"] == 9
    from sandbox.idp.models import Challenge

    assert Challenge.objects.count() == 1


def test_admin_endpoint_requires_its_token(client: Client) -> None:
    assert client.get("/sandbox-admin/state").status_code == 401
    assert client.get("/sandbox-admin/state", HTTP_AUTHORIZATION="Bearer rossz").status_code == 401


def test_admin_endpoint_sets_faults_clock_and_reads_counters(client: Client, soap: Soap) -> None:
    r = client.post(
        "/sandbox-admin/faults",
        json.dumps({"service": "ekat", "share_http_503": 1.0, "retry_after_seconds": 11}),
        content_type="application/json",
        **AUTH,
    )
    assert r.status_code == 200
    answer = soap.call("ekat", query())  # type: ignore[arg-type]
    assert answer.status == 503
    r = client.post(
        "/sandbox-admin/faults",
        json.dumps({"service": "ekat", "bogus": 1}),
        content_type="application/json",
        **AUTH,
    )
    assert r.status_code == 400
    client.post("/sandbox-admin/faults/clear", **AUTH)
    r = client.post(
        "/sandbox-admin/clock",
        json.dumps({"offsetSeconds": 3600}),
        content_type="application/json",
        **AUTH,
    )
    assert r.json() == {"clockOffsetSeconds": 3600}
    assert abs((sandbox_now() - dt.datetime.now(dt.UTC)).total_seconds() - 3600) < 5
    state = client.get("/sandbox-admin/state", **AUTH).json()
    assert state["clockOffsetSeconds"] == 3600
    assert state["counters"]["faults.http_503"] == 1 and state["faults"] == []
    client.post("/sandbox-admin/counters/reset", **AUTH)
    assert client.get("/sandbox-admin/state", **AUTH).json()["counters"] == {}
