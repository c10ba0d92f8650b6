"""The whole demo (`scripts/demo.sh`: sandbox, worker, card service, web) on free ports in a
fresh data folder, for the setup-guide walk. One start logic: this only sets demo.sh's
environment variables and waits for what it prints; on PostgreSQL it creates a fresh
database for the practice system and one for the sandbox, and drops them afterwards."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT = 420  # sandbox PKI, migrations and demo data on a slow shared machine
READY_LINE = "Zománc fut:"  # demo.sh prints it once every part answers


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class DemoStack:
    data_dir: Path
    log_path: Path
    process: subprocess.Popen[bytes]
    base_url: str
    portal_url: str
    card_service_url: str

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def pairing_token(self) -> str:
        return (self.data_dir / "cardservice" / "pairing-token").read_text().strip()

    def card_pin(self, user_id: str = "O58012") -> str:
        match = re.search(rf"{re.escape(user_id)} .*?PIN: (\d{{6}})", self.output())
        if match is None:
            raise LookupError(f"demo.sh printed no card PIN for {user_id}")
        return match.group(1)

    def logs(self) -> str:
        """demo.sh's output and the tail of every part's log, for a readable failure."""
        parts = [f"== demo.sh\n{self.output()[-3000:]}"]
        for part in sorted(self.data_dir.glob("*.log")):
            parts.append(f"== {part.name}\n{part.read_text(errors='replace')[-3000:]}")
        return "\n".join(parts)

    def stop(self) -> None:
        for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.process.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue


def demo_stack_start(
    data_dir: Path,
    *,
    database_url: str = "",
    sandbox_database_url: str = "",
    timeout: float = START_TIMEOUT,
) -> DemoStack:
    data_dir.mkdir(parents=True, exist_ok=True)
    port, http_port, card_port = free_port(), free_port(), free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "SANDBOX_DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env |= {
        "ZOMANC_DATA_DIR": str(data_dir),
        "ZOMANC_PORT": str(port),
        "SANDBOX_HTTPS_PORT": str(free_port()),
        "SANDBOX_HTTP_PORT": str(http_port),
        "ZOMANC_CARDSERVICE_PORT": str(card_port),
        "DEMO_DATABASE_URL": database_url,
        "DEMO_SANDBOX_DATABASE_URL": sandbox_database_url,
        "PYTHONUNBUFFERED": "1",
    }
    log_path = data_dir / "demo.out"
    with log_path.open("wb") as out:
        # Own process group: demo.sh and everything it starts stop together.
        process = subprocess.Popen(
            ["bash", "scripts/demo.sh"],  # noqa: S607 - the repository's own script
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    stack = DemoStack(
        data_dir=data_dir,
        log_path=log_path,
        process=process,
        base_url=f"http://127.0.0.1:{port}",
        portal_url=f"http://127.0.0.1:{http_port}",
        card_service_url=f"http://127.0.0.1:{card_port}",
    )
    deadline = time.monotonic() + timeout
    while READY_LINE not in stack.output():
        if process.poll() is not None or time.monotonic() > deadline:
            logs = stack.logs()
            stack.stop()
            raise RuntimeError("the demo did not start:\n" + logs)
        time.sleep(0.5)
    return stack


@contextmanager
def fresh_postgres_database(server_url: str, name: str) -> Iterator[str]:
    """A new empty database `name` on the server of `server_url`; its URL; dropped after."""
    import psycopg

    parts = urlsplit(server_url)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
