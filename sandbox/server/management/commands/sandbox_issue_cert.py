"""Issue a WAF-SSL PKCS#12 for an institution to a file (what the portal's
"EESZT SSL tanúsítvány letöltése" does); the password goes to the SMS outbox and stdout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sandbox.pki.services import waf_certificate_issue
from sandbox.registry.models import Institution


class Command(BaseCommand):
    help = "Intézményi WAF-SSL tanúsítvány kiadása PKCS#12 fájlba."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--institution", required=True)
        parser.add_argument("--out", required=True)
        parser.add_argument("--valid-days", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        inst = Institution.objects.filter(institution_id=options["institution"]).first()
        if inst is None:
            raise CommandError("Ismeretlen intézmény.")
        issued = waf_certificate_issue(institution=inst, valid_days=options["valid_days"])
        Path(options["out"]).write_bytes(issued.pkcs12)
        self.stdout.write(issued.password)
