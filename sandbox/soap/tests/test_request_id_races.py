"""A request id under concurrency: a client's retry that arrives while the first call is
still being processed, and a write's count committed with the write.

Both came from a failed CI run of the EESZT reliability scenario on PostgreSQL: a close
taking longer than the client's timeout was retried; the retry ran the operation itself and
was refused EVENT_NOT_OPEN (the first had just closed the event), and the scenario read
writes.EventClose 199 of 200 with every row sent (the count came after the answer)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from sandbox import testing
from sandbox.conftest import Soap
from sandbox.ekat.tests.test_ekat import close, count, now, start
from sandbox.registry import seed
from sandbox.soap import pipeline


@pytest.mark.django_db(transaction=True)
def test_a_retry_during_the_first_call_gets_the_first_answer(
    soap: Soap, monkeypatch: pytest.MonkeyPatch
) -> None:
    event_id = start(soap).find("eventId") or ""
    assert event_id
    rid = str(uuid.uuid4())
    end = now()
    inside, release = threading.Event(), threading.Event()
    real_execute = pipeline._execute

    def held_execute(ctx: Any, op: Any, payload: Any) -> bytes:
        # The first close does its work, then stays in its transaction until released:
        # a slow EESZT whose client has already given up waiting.
        answer = real_execute(ctx, op, payload)
        if op.name == "EventClose" and not inside.is_set():
            inside.set()
            release.wait(20)
        return answer

    monkeypatch.setattr(pipeline, "_execute", held_execute)
    answers: dict[str, testing.Answer] = {}
    errors: list[BaseException] = []
    # Assertions fetched here: the threads only post.
    soap.assertion(seed.DEMO_DENTIST)

    def call(name: str) -> None:
        try:
            own = Soap(Client(), soap.login, soap.cert)
            own._assertions = soap._assertions
            answers[name] = close(own, event_id, end=end, request_id=rid)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    first = threading.Thread(target=call, args=("first",))
    first.start()
    try:
        assert inside.wait(20), "the first close never reached its operation"
        retry = threading.Thread(target=call, args=("retry",))
        retry.start()
        retry.join(0.5)
        # The retry waits for the first call's end instead of running the close itself.
        assert retry.is_alive()
    finally:
        release.set()
        first.join(20)
    retry.join(20)
    assert not errors, errors
    assert answers["first"].status == 200, answers["first"].raw
    assert answers["retry"].raw == answers["first"].raw
    assert count("writes.EventClose") == 1
    assert count("duplicates") == 1
    assert count("faults.code.EVENT_NOT_OPEN") == 0


@pytest.mark.django_db
def test_a_write_is_counted_in_its_own_transaction(
    soap: Soap, monkeypatch: pytest.MonkeyPatch
) -> None:
    depths: dict[str, int] = {}
    real_add = pipeline.counters_add

    def watched_add(*, names: Iterable[str], amount: int = 1) -> None:
        names = list(names)
        for name in names:
            depths[name] = len(connection.atomic_blocks)
        real_add(names=names, amount=amount)

    monkeypatch.setattr(pipeline, "counters_add", watched_add)
    assert start(soap, request_id=str(uuid.uuid4())).status == 200
    assert start(soap, visit="V2").status == 200  # without a request id too
    # Deeper than the call's other counters (written after the answer): inside the write's
    # transaction, so the count commits with the write or not at all.
    assert depths["writes.EventStart"] > depths["requests"]
    assert count("writes.EventStart") == 2
