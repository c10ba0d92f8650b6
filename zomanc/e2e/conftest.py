"""The demo stack the walks share: one `scripts/demo.sh` per test session (starting it costs
minutes on a busy machine), used by the setup-guide walk and the plans walk. Each walk
creates its own patients and appointments, so their order does not matter."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from zomanc.testing.demo_stack import DemoStack, demo_stack_start, fresh_postgres_database


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoStack]:
    data = tmp_path_factory.mktemp("walk-demo")
    server = os.environ.get("DATABASE_URL", "")
    if not server.startswith("postgres"):
        stack = demo_stack_start(data)
        try:
            yield stack
        finally:
            stack.stop()
        return
    # PostgreSQL: a fresh database for each side, named per process like the test databases
    # (zomanc/settings.py), so parallel runs on one server never share one.
    pid = os.getpid()
    with (
        fresh_postgres_database(server, f"walk_zomanc_{pid}") as zomanc_url,
        fresh_postgres_database(server, f"walk_sandbox_{pid}") as sandbox_url,
    ):
        stack = demo_stack_start(data, database_url=zomanc_url, sandbox_database_url=sandbox_url)
        try:
            yield stack
        finally:
            stack.stop()
