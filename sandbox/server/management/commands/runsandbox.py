"""python -m django runsandbox --settings=sandbox.settings [--https-port N] [--http-port N]
[--nav-port N] [--smtp-port N]

Prepares everything on first start (DB, PKI, demo data if the DB is empty, demo card) and
serves SOAP over mutual TLS and the portal/refdata/admin over HTTP, until interrupted.
Port 0 = any free port; the chosen ports are written to <data>/server.json.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from sandbox.mail.smtp import MailCatcher
from sandbox.nav.seed import nav_logins_text, nav_seed_demo
from sandbox.pki.ca import pki_ensure
from sandbox.server.serve import Listeners
from sandbox.server.startup import demo_logins_text, prepare
from sandbox.sms.services import sms_seed_demo


class Command(BaseCommand):
    help = "Az EESZT sandbox indítása (HTTPS kölcsönös TLS-sel + HTTP portál)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=settings.SANDBOX_HTTPS_HOST)
        parser.add_argument("--https-port", type=int, default=settings.SANDBOX_HTTPS_PORT)
        parser.add_argument("--http-port", type=int, default=settings.SANDBOX_HTTP_PORT)
        # Default: SANDBOX_NAV_HTTPS_PORT — but any free port when the EESZT port is 0, so
        # harnesses that start us on free ports (tests in parallel) never collide on it.
        parser.add_argument("--nav-port", type=int, default=None)
        # The mail catcher's SMTP port: the same rule (SANDBOX_SMTP_PORT, or any free one).
        parser.add_argument("--smtp-port", type=int, default=None)
        parser.add_argument("--no-seed", action="store_true")
        parser.add_argument("--no-card", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        from django.core.wsgi import get_wsgi_application

        call_command("migrate", interactive=False, verbosity=0)
        card = prepare(
            seed_always=False, seed_if_empty=not options["no_seed"], card=not options["no_card"]
        )
        if not options["no_seed"]:
            nav_seed_demo()
            sms_seed_demo()
        listeners = Listeners(
            host=options["host"],
            https_port=options["https_port"],
            http_port=options["http_port"],
            app=get_wsgi_application(),
            pki=pki_ensure(),
            nav_port=(
                options["nav_port"]
                if options["nav_port"] is not None
                else 0
                if options["https_port"] == 0
                else settings.SANDBOX_NAV_HTTPS_PORT
            ),
        )
        mail = MailCatcher(
            options["host"],
            options["smtp_port"]
            if options["smtp_port"] is not None
            else 0
            if options["https_port"] == 0
            else settings.SANDBOX_SMTP_PORT,
        )
        listeners.start()
        mail.start()
        listeners.write_state(Path(settings.SANDBOX_DATA_DIR) / "server.json", smtpPort=mail.port)
        host = options["host"]
        self.stdout.write(
            f"EESZT sandbox fut.\n"
            f"  SOAP (kölcsönös TLS): https://{host}:{listeners.https_port}/soap/<szolgáltatás>"
            f"  (WSDL: ?wsdl)\n"
            f"  Portál, törzsadatok:  http://{host}:{listeners.http_port}/\n"
            f"  NAV Online Számla:    https://{host}:{listeners.nav_port}/invoiceService/v3/"
            f"<operáció>  (szerver TLS; portál: http://{host}:{listeners.http_port}/nav/)\n"
            f"  Levélfogó (SMTP):     smtp://{host}:{mail.port}  "
            f"(levelek: http://{host}:{listeners.http_port}/levelek/)\n"
            f"  SMS-átjáró:           http://{host}:{listeners.http_port}/sms/api/messages  "
            f"(SMS-ek: http://{host}:{listeners.http_port}/sms-ek/)\n"
            f"  CA tanúsítvány:       {pki_ensure().root.cert_path}\n"
            f"  Adatmappa:            {settings.SANDBOX_DATA_DIR}\n"
        )
        self.stdout.write(demo_logins_text(card))
        self.stdout.write(nav_logins_text(listeners.nav_port))
        self.stdout.flush()
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
        mail.stop()
        listeners.stop()
