"""Runs the real EESZT sandbox as a separate process for integration tests, the browser walk
and benchmarks. The practice system never imports sandbox code: it starts the process, reads
what the process prints and writes into its data folder (ports, CA, demo card), and talks
to it over the wire like to the real EESZT."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]
ADMIN_TOKEN = "zomanc-test-admin-token"  # noqa: S105 - the sandbox's test admin token
NAV_USER_LINE = re.compile(
    r"\((\d{8}-\d-\d{2})\): login (\S+), jelszó (\S+), aláírókulcs (\S+), cserekulcs (\S+)"
)


@dataclass
class SandboxProcess:
    data_dir: Path
    process: subprocess.Popen[bytes]
    https_url: str
    http_url: str
    output_path: Path
    admin_token: str = ADMIN_TOKEN
    # The mail catcher's SMTP port (its pages: http_url + "/levelek/").
    smtp_port: int = 0
    _certs: dict[str, tuple[bytes, str]] = field(default_factory=dict)

    @property
    def ca_pem(self) -> bytes:
        return (self.data_dir / "pki" / "root-ca.crt.pem").read_bytes()

    @property
    def soap_url(self) -> str:
        return self.https_url

    def django(self, *args: str) -> str:
        out = subprocess.run(  # noqa: S603 - our own interpreter and command
            [sys.executable, "-m", "django", *args, "--settings=sandbox.settings"],
            env=_env(self.data_dir),
            cwd=REPO,
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return out.stdout

    def certificate(self, institution_id: str) -> tuple[bytes, str]:
        """A WAF-SSL PKCS#12 for the institution and its password (the 'SMS code')."""
        if institution_id not in self._certs:
            out = self.data_dir / f"{institution_id}.p12"
            password = self.django(
                "sandbox_issue_cert", "--institution", institution_id, "--out", str(out)
            ).strip()
            self._certs[institution_id] = (out.read_bytes(), password)
        return self._certs[institution_id]

    def demo_logins(self) -> str:
        return self.output_path.read_text(encoding="utf-8", errors="replace")

    @property
    def nav_url(self) -> str:
        """The NAV Online Számla listener (its own TLS port, server-authenticated)."""
        ports = json.loads((self.data_dir / "server.json").read_text())
        return f"https://127.0.0.1:{ports['navPort']}"

    def nav_technical_users(self) -> dict[str, tuple[str, str, str, str]]:
        """The demo NAV technical users as the sandbox prints them: full tax number →
        (login, password, signature key, exchange key)."""
        return {
            tax: (login, password, sign, exchange)
            for tax, login, password, sign, exchange in NAV_USER_LINE.findall(self.demo_logins())
        }

    def mobile_secret(self, user_id: str) -> str:
        """The TOTP secret of a user's mobile token, as the sandbox prints it at start."""
        pattern = rf"{re.escape(user_id)} .*?mobiltoken TOTP titok ([A-Z2-7]+)"
        match = re.search(pattern, self.demo_logins())
        if match is None:
            raise LookupError(f"no mobile token secret printed for {user_id}")
        return match.group(1)

    def card(self, user_id: str = "O58012") -> tuple[Path, str, str]:
        """(softhsm2.conf, token label, PIN) of the user's demo eID card."""
        match = re.search(
            rf"{re.escape(user_id)} .*?SoftHSM token '([^']+)'\), PIN: (\d{{6}})",
            self.demo_logins(),
        )
        if match is None:
            raise LookupError("the sandbox printed no demo card")
        confs = sorted(self.data_dir.rglob("softhsm2.conf"))
        return confs[0], match.group(1), match.group(2)

    def admin(self, path: str, payload: dict[str, object] | None = None) -> dict[str, object]:
        session = requests.Session()
        session.trust_env = False
        headers = {"Authorization": f"Bearer {self.admin_token}"}
        url = f"{self.http_url}/sandbox-admin/{path}"
        if payload is not None:
            response = session.post(url, json=payload, headers=headers, timeout=10)
        else:
            # A read is repeated when the sandbox fails it (a busy SQLite under a fault storm
            # once answered 500); a write is not, so a counter reset never happens twice.
            for attempt in range(3):
                response = session.get(url, headers=headers, timeout=10)
                if response.status_code < 500:
                    break
                time.sleep(0.5 * (attempt + 1))
        if response.status_code >= 400:
            raise requests.HTTPError(
                f"sandbox admin {path}: HTTP {response.status_code}\n"
                f"{response.text[:500]}\n--- sandbox log ---\n{self.log_tail()}",
                response=response,
            )
        result: dict[str, object] = response.json()
        return result

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.output_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)


def _env(data_dir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SANDBOX_DATABASE_URL", "SOFTHSM2_CONF", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        SANDBOX_DATA_DIR=str(data_dir),
        SANDBOX_ADMIN_TOKEN=ADMIN_TOKEN,
        PYTHONPATH=str(REPO),
        PYTHONUNBUFFERED="1",
    )
    return env


def sandbox_start(data_dir: Path, *, card: bool = True, timeout: float = 120) -> SandboxProcess:
    """Starts `runsandbox` on free ports with its own SQLite database in `data_dir`."""
    data_dir.mkdir(parents=True, exist_ok=True)
    output_path = data_dir / "sandbox.out"
    args = [sys.executable, "-m", "django", "runsandbox", "--settings=sandbox.settings"]
    args += ["--https-port", "0", "--http-port", "0"]
    if not card:
        args.append("--no-card")
    with output_path.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and command
            args,
            env=_env(data_dir),
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    state = data_dir / "server.json"
    deadline = time.monotonic() + timeout
    while not state.exists() or ("PIN" not in output_path.read_text(errors="replace") and card):
        if process.poll() is not None:
            raise RuntimeError("the sandbox stopped:\n" + output_path.read_text(errors="replace"))
        if time.monotonic() > deadline:
            os.killpg(process.pid, signal.SIGKILL)
            raise RuntimeError("the sandbox did not start in time")
        time.sleep(0.1)
    ports = json.loads(state.read_text())
    return SandboxProcess(
        data_dir=data_dir,
        process=process,
        https_url=f"https://127.0.0.1:{ports['httpsPort']}",
        http_url=f"http://127.0.0.1:{ports['httpPort']}",
        output_path=output_path,
        smtp_port=int(ports.get("smtpPort", 0)),
    )
