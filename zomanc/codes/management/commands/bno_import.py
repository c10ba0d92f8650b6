"""`manage.py bno_import [--path FILE]`: load/refresh the NEAK BNO-10 table (idempotent)."""

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from zomanc.codes.bno_services import BNO_CSV_PATH, bno_import


class Command(BaseCommand):
    help = "A NEAK BNO-10 törzs betöltése/frissítése a CSV-ből (többször futtatható)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--path", type=Path, default=BNO_CSV_PATH)

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        count = bno_import(path=options["path"])
        self.stdout.write(
            f"BNO: {count} sor betöltve ({time.monotonic() - started:.1f} s) — {options['path']}"
        )
