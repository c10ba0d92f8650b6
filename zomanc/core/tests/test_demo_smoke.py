"""`make demo` smoke test: the real scripts/demo.sh on a fresh data directory and free ports
must start (sandbox, worker, card service, web), load the demo data and serve /healthz and
the Hungarian login page; then its whole process group is stopped.

The demo is SQLite by definition, so DATABASE_URL is removed from the child's environment
(on the PostgreSQL CI run it would otherwise load the demo into the shared database)."""

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
START_TIMEOUT = 420  # sandbox PKI, migrate and demo data on a slow CI machine


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def _logs(log: Path) -> str:
    """demo.sh's own output and the tail of each part's log, for a readable failure."""
    parts = [f"== {log.name}\n{log.read_text()[-3000:]}"]
    for part in sorted((log.parent / "data").glob("*.log")):
        parts.append(f"== {part.name}\n{part.read_text(errors='replace')[-2000:]}")
    return "\n".join(parts)


@pytest.fixture
def demo_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    port = _free_port()
    log = tmp_path / "demo.log"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    # Every part of the demo on its own free port, so a running demo or a parallel test
    # cannot collide with this one.
    env |= {
        "ZOMANC_DATA_DIR": str(tmp_path / "data"),
        "ZOMANC_PORT": str(port),
        "SANDBOX_HTTPS_PORT": str(_free_port()),
        "SANDBOX_HTTP_PORT": str(_free_port()),
        "ZOMANC_CARDSERVICE_PORT": str(_free_port()),
    }
    with log.open("w") as out:
        # Own process group, so the server and anything demo.sh starts stop together.
        process = subprocess.Popen(
            ["bash", "scripts/demo.sh"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        yield f"http://127.0.0.1:{port}", log
    finally:
        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 10)):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                break
            try:
                process.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue


@pytest.mark.e2e
def test_make_demo_serves_healthz_and_login(demo_server: tuple[str, Path]) -> None:
    base, log = demo_server
    deadline = time.monotonic() + START_TIMEOUT
    health: dict[str, str] = {}
    while time.monotonic() < deadline:
        try:
            status, body = _get(f"{base}/healthz")
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(1)
            continue
        if status == 200:
            health = json.loads(body)
            break
        time.sleep(1)
    output = log.read_text()
    assert health == {"status": "ok", "database": "ok"}, _logs(log)
    assert "Demó belépések" in output and "kovacs.anna@mosoly.test" in output

    status, page = _get(f"{base}/accounts/login/")
    assert status == 200
    assert 'lang="hu"' in page and "Bejelentkezés" in page
