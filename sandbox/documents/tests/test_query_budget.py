"""Queries per SOAP call are a fixed number: they do not grow with the patient's
documents, nor with the number of categories the access rules group them by (issue 4,
"Speed"; the calls are those ``sandbox_bench`` times). No timing here: machines differ."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sandbox import memo
from sandbox.documents.bench import LIST_TAJ, Bench, bench_prepare
from sandbox.documents.services import document_add_from_provider
from sandbox.registry import seed
from sandbox.registry.models import IdType, OrgUnit, Patient, User

# Every call: client certificate, session, org unit, VMátrix roles, idempotency look-up,
# BEGIN/COMMIT (savepoints here), the request record, one counter upsert. A list read adds
# its one SELECT, the patient-side facts (breakglass, waiver, DÖR, treating relationship)
# and one INSERT of its access log rows. A write claims its request id before the work and
# stores the answer after it (one UPDATE more) and counts itself in its own transaction (one
# upsert more): a retry arriving meanwhile waits for the first's answer (soap/pipeline.py).
BUDGET = {
    "EligibilityCheck": 10,
    "DocumentList": 16,
    "DocumentGet": 15,
    "EventQuery": 16,
    "DocumentSubmit": 20,
}


@pytest.fixture(autouse=True)
def settings_stay_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    """The clock offset and fault rules are re-read once a second (other processes' writes);
    a slow machine must not see that as a query of the call."""
    monkeypatch.setattr(memo, "MAX_AGE_SECONDS", 3600.0)


def _queries(bench: Bench) -> dict[str, int]:
    for name in bench.cases:  # warm-up: the clock offset and fault rules are loaded once
        assert bench.call(name).status == 200
    counts = {}
    for name in bench.cases:
        with CaptureQueriesContext(connection) as captured:
            outcome = bench.call(name)
        assert outcome.status == 200, outcome.body[:300]
        counts[name] = len(captured)
    return counts


@pytest.mark.parametrize("n_docs", [10, 100])
def test_queries_per_call_do_not_grow_with_documents(seeded: None, n_docs: int) -> None:
    assert _queries(bench_prepare(n_docs=n_docs)) == BUDGET


def test_queries_per_call_do_not_grow_with_categories(seeded: None) -> None:
    """Documents of other providers in three more categories (one sensitive, one
    confidential "V"): more access decisions and log rows, the same queries."""
    bench = bench_prepare(n_docs=10)
    patient = Patient.objects.get(id_type=IdType.TAJ, id_value=LIST_TAJ)
    at = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=3)
    for code, author, confidentiality in (
        ("010600001", "O70002", "N"),
        ("010600001", "O70002", "V"),
        (seed.OTHER_ORG_UNIT, seed.OTHER_DOCTOR, "N"),
    ):
        document_add_from_provider(
            patient=patient,
            org_unit=OrgUnit.objects.get(code=code),
            author=User.objects.select_related("doctor").get(user_id=author),
            title="Lelet máshonnan",
            text="Szöveg.",
            confidentiality=confidentiality,
            at=at,
        )
    assert _queries(bench) == BUDGET
