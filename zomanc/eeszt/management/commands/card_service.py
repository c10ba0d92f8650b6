"""`python manage.py card_service`: the same as `python -m zomanc.cardservice` (the card
service itself needs no Django; this entry point is for people used to manage.py). Without
--origin it allows the product (ZOMANC_BASE_URL) and the Ágazati portál (EESZT_PORTAL_URL),
which in the demo is the sandbox's and logs in with the card as well."""

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from zomanc.cardservice.server import DEFAULT_PORT, main


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def settings_origins() -> list[str]:
    origins = [_origin(settings.ZOMANC_BASE_URL), _origin(settings.EESZT_PORTAL_URL)]
    return [o for i, o in enumerate(origins) if o and o not in origins[:i]]


class Command(BaseCommand):
    help = "Zománc kártyaszolgáltatás a munkaállomáson (127.0.0.1, PKCS#11)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=DEFAULT_PORT)
        parser.add_argument("--origin", action="append", default=None)
        parser.add_argument("--module", default=None)
        parser.add_argument("--token-label", default=None)
        parser.add_argument("--state-dir", type=Path, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        argv = ["--port", str(options["port"])]
        for origin in options["origin"] or settings_origins():
            argv += ["--origin", origin]
        if options["module"]:
            argv += ["--module", options["module"]]
        if options["token_label"]:
            argv += ["--token-label", options["token_label"]]
        if options["state_dir"]:
            argv += ["--state-dir", str(options["state_dir"])]
        raise SystemExit(main(argv))
