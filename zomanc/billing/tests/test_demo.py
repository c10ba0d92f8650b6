"""The demo companies get the NAV sandbox's demo taxpayers: their technical users pass the
connection test against the real sandbox."""

from __future__ import annotations

from typing import Any

from zomanc.billing.demo import demo_billing_setup
from zomanc.conftest import Personas
from zomanc.nav.services import nav_connection_test
from zomanc.nav.tests.fixtures import NavSandbox


def test_demo_company_connects_to_the_nav_sandbox(
    personas: Personas, nav_sandbox: NavSandbox, settings: Any, tmp_path: Any
) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_bytes(nav_sandbox.ca_pem)
    settings.NAV_ENDPOINT, settings.NAV_CA_BUNDLE = nav_sandbox.endpoint, str(ca)
    assert personas.company_a.name == "Mosoly Fogászat Kft."
    demo_billing_setup(personas.practice_a)
    personas.company_a.refresh_from_db()
    assert personas.company_a.tax_number == "24681353-2-41"
    assert personas.company_a.invoice_prefix == "MF"
    result = nav_connection_test(company=personas.company_a)
    assert result.ok, result.message
