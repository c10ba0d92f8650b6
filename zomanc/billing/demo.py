"""Demo data hook (zomanc/core demo_load): the demo companies' billing data and their NAV
technical users — the NAV sandbox's published demo users (docs/nav-sandbox.md; the sandbox
prints them at start). Written here as values, never imported from sandbox/: the product
reaches the sandbox only over the wire, through NAV_ENDPOINT and NAV_CA_BUNDLE."""

from __future__ import annotations

from dataclasses import dataclass

from zomanc.nav.services import nav_settings_save
from zomanc.practices.models import Company, Practice


@dataclass(frozen=True)
class DemoBilling:
    tax_number: str
    postal_code: str
    city: str
    street: str
    bank_account: str
    prefix: str
    login: str
    password: str
    signature_key: str
    exchange_key: str


DEMO_BILLING = {
    "Mosoly Fogászat Kft.": DemoBilling(
        tax_number="24681353-2-41",
        postal_code="1051",
        city="Budapest",
        street="Nádor utca 12.",
        bank_account="11773016-11111111-00000000",
        prefix="MF",
        login="mosolynavdemo01",
        password="MosolyNav2026",  # noqa: S106 - the sandbox's published demo user
        signature_key="a1-b2c3-d4e5f6a7b8c9MOSOLYDEMO01",
        exchange_key="a1b2MOSOLYDEMO01",
    ),
    "Gyöngy Fogászat Bt.": DemoBilling(
        tax_number="13579241-1-13",
        postal_code="2000",
        city="Szentendre",
        street="Duna korzó 3.",
        bank_account="11600006-00000000-12345678",
        prefix="GY",
        login="gyongynavdemo01",
        password="GyongyNav2026",  # noqa: S106 - the sandbox's published demo user
        signature_key="c3-d4e5-f6a7b8c9d0e1GYONGYDEMO01",
        exchange_key="c3d4GYONGYDEMO01",
    ),
}


def demo_billing_setup(practice: Practice) -> None:
    for company in Company.objects.filter(practice=practice):
        demo = DEMO_BILLING.get(company.name)
        if demo is None:
            continue
        company.tax_number = demo.tax_number
        company.postal_code = demo.postal_code
        company.city = demo.city
        company.street_address = demo.street
        company.bank_account = demo.bank_account
        company.invoice_prefix = demo.prefix
        company.save(
            update_fields=[
                "tax_number",
                "postal_code",
                "city",
                "street_address",
                "bank_account",
                "invoice_prefix",
            ]
        )
        nav_settings_save(
            company=company,
            login=demo.login,
            password=demo.password,
            signature_key=demo.signature_key,
            exchange_key=demo.exchange_key,
            actor=None,
        )
