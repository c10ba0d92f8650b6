"""Server time of the NAV API's manageInvoice and queryTransactionStatus (issue 15,
"Speed": under 20 ms at p95 on an idle machine — reported here, not asserted anywhere).

    python -m django nav_bench --settings=sandbox.settings [--calls N]

Runs in a throw-away database (never the sandbox's own data; on SQLite a temporary file
with the server's pragmas). Each round: a manageInvoice of one domestic B2C invoice (the
token exchange and the request building are the client's work, outside the timing), then
a queryTransactionStatus of that transaction — the first status read is the one that
processes it (schema + business validation), so it is the expensive case; then a second
status read (the steady state). Through Django's whole stack (middleware, view, DB).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client
from django.test.utils import setup_test_environment

from sandbox.nav.seed import DEMO_TAXPAYERS, nav_seed_demo
from sandbox.nav.tests import contract_client as cc

WARMUP = 5


class Command(BaseCommand):
    help = "A NAV manageInvoice és queryTransactionStatus szerveridejének mérése (p50/p95)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--calls", type=int, default=200)

    def handle(self, *args: Any, **options: Any) -> None:
        data = Path(tempfile.mkdtemp(prefix="nav-bench-"))
        settings.SANDBOX_DATA_DIR = data
        settings.SANDBOX_NAV_RECEIVED_SECONDS = 0
        settings.SANDBOX_NAV_PROCESSING_SECONDS = 0
        if connection.vendor == "sqlite":
            connection.settings_dict["TEST"]["NAME"] = str(data / "bench.sqlite3")
        setup_test_environment()
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            nav_seed_demo()
            self._measure(options["calls"])
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)

    def _measure(self, calls: int) -> None:
        d = DEMO_TAXPAYERS[0]
        who = cc.Credentials(d.login, d.password, d.tax_number[:8], d.signature_key, d.exchange_key)
        client = Client()

        def post(operation: str, body: bytes) -> tuple[float, bytes]:
            started = time.perf_counter()
            response = client.post(
                f"/invoiceService/v3/{operation}", data=body, content_type="application/xml"
            )
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, response.content[:500]
            return elapsed, response.content

        times: dict[str, list[float]] = {
            "manageInvoice": [],
            "queryTransactionStatus (feldolgoz)": [],
            "queryTransactionStatus (kész)": [],
        }
        load_start = os.getloadavg()
        for i in range(WARMUP + calls):
            _, answer = post("tokenExchange", cc.to_bytes(cc.request("tokenExchange", who)))
            token = cc.decode_token(
                cc.text(cc.etree.fromstring(answer), "encodedExchangeToken"), who.exchange_key
            )
            invoice = cc.b2c_invoice(
                supplier=who.tax_number, number=f"BENCH-{i}", issue=cc.utc_now().date()
            )
            body = cc.manage_invoice_body(token, [("CREATE", invoice)])
            manage = cc.to_bytes(cc.request("manageInvoice", who, body))
            took, answer = post("manageInvoice", manage)
            tx = cc.text(cc.etree.fromstring(answer), "transactionId")
            query = f"<transactionId>{tx}</transactionId>"
            first = cc.to_bytes(cc.request("queryTransactionStatus", who, query))
            second = cc.to_bytes(cc.request("queryTransactionStatus", who, query))
            took_first, answer = post("queryTransactionStatus", first)
            assert b"<invoiceStatus>DONE</invoiceStatus>" in answer, answer[:800]
            took_second, _ = post("queryTransactionStatus", second)
            if i >= WARMUP:
                times["manageInvoice"].append(took)
                times["queryTransactionStatus (feldolgoz)"].append(took_first)
                times["queryTransactionStatus (kész)"].append(took_second)
        load_end = os.getloadavg()
        self.stdout.write(
            f"NAV sandbox szerveridő ({calls} hívás/művelet, {connection.vendor}, "
            f"terhelés {load_start[0]:.2f} → {load_end[0]:.2f}); cél: p95 < 20 ms\n"
        )
        self.stdout.write(f"{'művelet':40} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}\n")
        for name, values in times.items():
            values.sort()
            p95 = values[max(0, int(len(values) * 0.95) - 1)]
            self.stdout.write(
                f"{name:40} {statistics.median(values):8.2f} {p95:8.2f} {values[-1]:8.2f}\n"
            )
