"""Against the real sandbox process on free ports: the NAV API on its own listener with
server-authenticated TLS (no client certificate), the contract-only client's whole way
(token, manageInvoice of a B2C invoice, status until DONE, queryInvoiceData returns the
same invoice) with the default processing delays, listener separation, and the faults
that need a socket (accept-then-time-out, dropped connection)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from lxml import etree

from sandbox.nav.seed import DEMO_TAXPAYERS
from sandbox.nav.tests import contract_client as cc

REPO = Path(__file__).resolve().parents[3]
ADMIN = "nav-tls-admin"


@dataclass
class Running:
    nav: str
    https: str
    http: str
    ca: Path

    def session(self) -> requests.Session:
        s = requests.Session()
        s.trust_env = False  # REQUESTS_CA_BUNDLE would override verify otherwise
        s.verify = str(self.ca)
        return s


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    data = tmp_path_factory.mktemp("nav-server")
    env = {
        k: v for k, v in os.environ.items() if k not in ("SANDBOX_DATABASE_URL", "SOFTHSM2_CONF")
    }
    env.update(SANDBOX_DATA_DIR=str(data), SANDBOX_ADMIN_TOKEN=ADMIN, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "django",
            "runsandbox",
            "--settings=sandbox.settings",
            "--https-port",
            "0",
            "--http-port",
            "0",
            "--no-card",
        ],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    state = data / "server.json"
    deadline = time.monotonic() + 90
    while not state.exists():
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else b""
        assert time.monotonic() < deadline, "sandbox did not start"
        time.sleep(0.1)
    ports = json.loads(state.read_text())
    assert ports["navPort"] not in (0, 9444)  # a free port when the others are free ones
    yield Running(
        nav=f"https://127.0.0.1:{ports['navPort']}",
        https=f"https://127.0.0.1:{ports['httpsPort']}",
        http=f"http://127.0.0.1:{ports['httpPort']}",
        ca=data / "pki" / "root-ca.crt.pem",
    )
    proc.terminate()
    proc.wait(timeout=10)


def creds() -> cc.Credentials:
    d = DEMO_TAXPAYERS[0]
    return cc.Credentials(d.login, d.password, d.tax_number[:8], d.signature_key, d.exchange_key)


def call(
    server: Running, operation: str, root: etree._Element, **kw: object
) -> tuple[int, etree._Element]:
    response = server.session().post(
        f"{server.nav}/invoiceService/v3/{operation}",
        data=cc.to_bytes(root),
        headers={"Content-Type": "application/xml", "Accept": "application/xml"},
        timeout=kw.get("timeout", 10),
    )
    return response.status_code, etree.fromstring(response.content)


def test_contract_client_reports_a_b2c_invoice_over_tls(server: Running) -> None:
    who = creds()
    status, answer = call(server, "tokenExchange", cc.request("tokenExchange", who))
    assert status == 200, etree.tostring(answer)
    token = cc.decode_token(cc.text(answer, "encodedExchangeToken"), who.exchange_key)
    number = f"TLS-{cc.new_request_id()[:12]}"
    data = cc.b2c_invoice(supplier=who.tax_number, number=number, issue=cc.utc_now().date())
    status, answer = call(
        server,
        "manageInvoice",
        cc.request("manageInvoice", who, cc.manage_invoice_body(token, [("CREATE", data)])),
    )
    assert status == 200, etree.tostring(answer)
    transaction_id = cc.text(answer, "transactionId")
    seen = []
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        body = f"<transactionId>{transaction_id}</transactionId>"
        _, answer = call(
            server, "queryTransactionStatus", cc.request("queryTransactionStatus", who, body)
        )
        state = cc.text(answer, "processingResults/processingResult/invoiceStatus")
        if not seen or seen[-1] != state:
            seen.append(state)
        if state in ("DONE", "ABORTED"):
            break
        time.sleep(0.3)
    assert seen[0] in ("RECEIVED", "PROCESSING") and seen[-1] == "DONE", seen
    query = (
        f"<invoiceNumberQuery><invoiceNumber>{number}</invoiceNumber>"
        "<invoiceDirection>OUTBOUND</invoiceDirection></invoiceNumberQuery>"
    )
    status, answer = call(server, "queryInvoiceData", cc.request("queryInvoiceData", who, query))
    assert status == 200
    assert base64.b64decode(cc.text(answer, "invoiceDataResult/invoiceData")) == data


def test_nav_api_only_on_its_own_listener(server: Running) -> None:
    s = server.session()
    assert s.get(f"{server.nav}/soap/idp", timeout=5).status_code == 404
    assert s.get(f"{server.nav}/nav/", timeout=5).status_code == 404
    assert (
        requests.post(f"{server.http}/invoiceService/v3/tokenExchange", timeout=5).status_code
        == 404
    )


def _fault(server: Running, **rule: object) -> None:
    response = requests.post(
        f"{server.http}/sandbox-admin/faults",
        json={"service": "nav", **rule},
        headers={"Authorization": f"Bearer {ADMIN}"},
        timeout=5,
    )
    assert response.status_code == 200, response.text


def test_accept_then_time_out_keeps_the_token_spent(server: Running) -> None:
    """The answer never arrives, but the request was processed: the token is used."""
    who = creds()
    _, answer = call(server, "tokenExchange", cc.request("tokenExchange", who))
    token = cc.decode_token(cc.text(answer, "encodedExchangeToken"), who.exchange_key)
    data = cc.b2c_invoice(
        supplier=who.tax_number,
        number=f"HANG-{cc.new_request_id()[:10]}",
        issue=cc.utc_now().date(),
    )
    request = cc.request("manageInvoice", who, cc.manage_invoice_body(token, [("CREATE", data)]))
    _fault(server, share_hang=1.0, hang_seconds=2)
    try:
        with pytest.raises(requests.exceptions.RequestException):
            call(server, "manageInvoice", request, timeout=1)
    finally:
        _fault(server, share_hang=0.0)
    again = cc.request("manageInvoice", who, cc.manage_invoice_body(token, [("CREATE", data)]))
    status, answer = call(server, "manageInvoice", again)
    assert (status, cc.text(answer, "result/errorCode")) == (400, "INVALID_EXCHANGE_TOKEN")


def test_dropped_connection(server: Running) -> None:
    _fault(server, share_drop=1.0)
    try:
        with pytest.raises(requests.exceptions.ConnectionError):
            call(server, "tokenExchange", cc.request("tokenExchange", creds()))
    finally:
        _fault(server, share_drop=0.0)
    assert call(server, "tokenExchange", cc.request("tokenExchange", creds()))[0] == 200
