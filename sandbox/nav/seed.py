"""Deterministic demo data of the NAV sandbox: the demo practice's two companies as
registered taxpayers, each with one technical user whose secrets are fixed (printed at
start, like the EESZT demo logins).

The tax numbers are constants of the sandbox, not imported from the product (the two
share no code): the practice system's demo data (zomanc/core/management/commands/
demo_load.py: "Mosoly Fogászat Kft.", "Gyöngy Fogászat Bt.") has no tax numbers yet;
the invoicing work should give its demo companies these.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from sandbox.nav import services
from sandbox.nav.models import Taxpayer, TechnicalUser


@dataclass(frozen=True)
class DemoTaxpayer:
    tax_number: str  # 12345678-1-42
    name: str
    short_name: str
    postal_code: str
    city: str
    street_name: str
    number: str
    login: str
    password: str
    signature_key: str
    exchange_key: str


DEMO_TAXPAYERS = (
    DemoTaxpayer(
        tax_number="24681353-2-41",
        name="Mosoly Fogászat Kft.",
        short_name="Mosoly Fogászat",
        postal_code="1051",
        city="Budapest",
        street_name="Nádor",
        number="12",
        login="mosolynavdemo01",
        password="MosolyNav2026",  # noqa: S106  # a published demo login
        signature_key="a1-b2c3-d4e5f6a7b8c9MOSOLYDEMO01",
        exchange_key="a1b2MOSOLYDEMO01",
    ),
    DemoTaxpayer(
        tax_number="13579241-1-13",
        name="Gyöngy Fogászat Bt.",
        short_name="Gyöngy Fogászat",
        postal_code="2000",
        city="Szentendre",
        street_name="Duna",
        number="3",
        login="gyongynavdemo01",
        password="GyongyNav2026",  # noqa: S106  # a published demo login
        signature_key="c3-d4e5-f6a7b8c9d0e1GYONGYDEMO01",
        exchange_key="c3d4GYONGYDEMO01",
    ),
)


@transaction.atomic
def nav_seed_demo() -> None:
    """Idempotent: creates what is missing, leaves the rest."""
    for demo in DEMO_TAXPAYERS:
        core = demo.tax_number[:8]
        taxpayer = Taxpayer.objects.filter(tax_number=core).first()
        if taxpayer is None:
            taxpayer = services.taxpayer_register(
                tax_number=demo.tax_number,
                name=demo.name,
                short_name=demo.short_name,
                postal_code=demo.postal_code,
                city=demo.city,
                street_name=demo.street_name,
                number=demo.number,
            )
        if not TechnicalUser.objects.filter(login=demo.login).exists():
            services.technical_user_create(
                taxpayer=taxpayer,
                login=demo.login,
                password=demo.password,
                signature_key=demo.signature_key,
                exchange_key=demo.exchange_key,
            )


def nav_logins_text(port: int | None = None) -> str:
    host = settings.SANDBOX_HTTPS_HOST
    port = port if port is not None else settings.SANDBOX_NAV_HTTPS_PORT
    lines = [
        f"NAV Online Számla demó technikai felhasználók (sandbox, https://{host}:{port}/invoiceService/v3/):"
    ]
    for d in DEMO_TAXPAYERS:
        lines.append(
            f"  {d.name} ({d.tax_number}): login {d.login}, jelszó {d.password}, "
            f"aláírókulcs {d.signature_key}, cserekulcs {d.exchange_key}"
        )
    lines += ["  NAV portál: http://<portál>/nav/ (admin token); leírás: docs/nav-sandbox.md", ""]
    return "\n".join(lines)
