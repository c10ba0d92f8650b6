"""python -m django sandbox_seed --settings=sandbox.settings — migrate, PKI, demo data,
demo eID card (SoftHSM). Idempotent; prints the demo logins."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from sandbox.nav.seed import nav_logins_text, nav_seed_demo
from sandbox.server.startup import demo_logins_text, prepare


class Command(BaseCommand):
    help = "A sandbox előkészítése: adatbázis, PKI, demó adatok, demó eSzemélyi kártya."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-card", action="store_true", help="SoftHSM kártya nélkül")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        card = prepare(seed_always=True, card=not options["no_card"])
        nav_seed_demo()
        self.stdout.write(demo_logins_text(card))
        self.stdout.write(nav_logins_text())
