"""The real NAV sandbox for the product's tests: the same `runsandbox` process the EESZT
tests start (zomanc/conftest.py `sandbox_server`), reached over its own TLS port like NAV.
The demo technical users are read from what the process prints, never imported."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from zomanc.nav.client.wire import Credentials, NavConnection
from zomanc.testing.sandbox import SandboxProcess


@dataclass(frozen=True)
class NavSandbox:
    server: SandboxProcess
    endpoint: str
    users: dict[str, tuple[str, Credentials]]  # tax number → (full tax number, credentials)

    @property
    def ca_pem(self) -> bytes:
        return self.server.ca_pem

    def connection(self, tax_number: str = "24681353-2-41", **kwargs: object) -> NavConnection:
        return NavConnection(
            endpoint=self.endpoint,
            ca_pem=self.ca_pem,
            credentials=self.users[tax_number][1],
            **kwargs,  # type: ignore[arg-type]
        )

    def faults(self, **rule: object) -> None:
        self.server.admin("faults", {"service": "nav", **rule})


@pytest.fixture(scope="session")
def nav_sandbox(sandbox_server: SandboxProcess) -> NavSandbox:
    users = {
        tax: (
            tax,
            Credentials(
                tax_number=tax[:8],
                login=login,
                password=password,
                signature_key=sign,
                exchange_key=exchange,
            ),
        )
        for tax, (login, password, sign, exchange) in sandbox_server.nav_technical_users().items()
    }
    assert users, sandbox_server.demo_logins()
    return NavSandbox(server=sandbox_server, endpoint=sandbox_server.nav_url, users=users)


@pytest.fixture
def nav_clean(nav_sandbox: NavSandbox) -> NavSandbox:
    """No faults left over from an earlier test."""
    nav_sandbox.server.admin("faults/clear", {})
    return nav_sandbox
