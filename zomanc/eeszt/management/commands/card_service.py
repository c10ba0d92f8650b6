"""`python manage.py card_service`: the same as `python -m zomanc.cardservice` (the card
service itself needs no Django; this entry point is for people used to manage.py)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from zomanc.cardservice.server import DEFAULT_ORIGIN, DEFAULT_PORT, main


class Command(BaseCommand):
    help = "Zománc kártyaszolgáltatás a munkaállomáson (127.0.0.1, PKCS#11)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=DEFAULT_PORT)
        parser.add_argument("--origin", default=DEFAULT_ORIGIN)
        parser.add_argument("--module", default=None)
        parser.add_argument("--token-label", default=None)
        parser.add_argument("--state-dir", type=Path, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        argv = ["--port", str(options["port"]), "--origin", options["origin"]]
        if options["module"]:
            argv += ["--module", options["module"]]
        if options["token_label"]:
            argv += ["--token-label", options["token_label"]]
        if options["state_dir"]:
            argv += ["--state-dir", str(options["state_dir"])]
        raise SystemExit(main(argv))
