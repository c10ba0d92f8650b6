"""Debian's Chromium for the browser tests and the setup walk, launched the one way the
project allows (docs 04-architecture): the system binary, never a downloaded browser, with
flags that keep it from phoning home or needing a GPU/sandbox in containers."""

from __future__ import annotations

import functools
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.test import Client
    from playwright.sync_api import Browser, Page, Playwright

CHROMIUM = os.environ.get("ZOMANC_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1280, "height": 800}


def debian_ffmpeg_for_video(browsers_dir: Path) -> None:
    """Playwright records video with an ffmpeg it would download; point it at Debian's
    (installed by the bootstrap) through a private PLAYWRIGHT_BROWSERS_PATH. Must run before
    Playwright starts (it reads the variable at start)."""
    import json

    import playwright

    package = Path(playwright.__file__).parent / "driver" / "package" / "browsers.json"
    entries = json.loads(package.read_text())["browsers"]
    revision = next(b["revision"] for b in entries if b["name"] == "ffmpeg")
    target = browsers_dir / f"ffmpeg-{revision}" / "ffmpeg-linux"
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        target.symlink_to(shutil.which("ffmpeg") or "/usr/bin/ffmpeg")
    os.environ["PLAYWRIGHT_BROWSERS_PATH"] = str(browsers_dir)


def chromium_launch(playwright: Playwright, *, lang: str = "", **options: Any) -> Browser:
    """Debian's Chromium; with `lang` (e.g. "hu") its own UI strings — a file input's
    "Fájl kiválasztása" — are in that language. On Linux Chromium takes its UI language
    from LANGUAGE, not from --lang (given too, for the other platforms), and needs Debian's
    chromium-l10n (bootstrap installs it)."""
    args = list(CHROMIUM_ARGS)
    if lang:
        args.append(f"--lang={lang}")
        options["env"] = {**os.environ, "LANGUAGE": lang, **options.get("env", {})}
    return playwright.chromium.launch(executable_path=CHROMIUM, args=args, **options)


@contextmanager
def member_page(live_server_url: str, client: Client) -> Iterator[Page]:
    """A Chromium page logged in as the Django test client's member (its session cookie),
    in Hungarian at the walk's viewport, with 15 s waits."""
    from django.conf import settings
    from playwright.sync_api import expect, sync_playwright

    cookie = {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server_url,
    }
    with sync_playwright() as playwright:
        browser = chromium_launch(playwright)
        try:
            context = browser.new_context(viewport=VIEWPORT, locale="hu-HU")  # type: ignore[arg-type]
            context.set_default_timeout(15_000)
            expect.set_options(timeout=15_000)
            context.add_cookies([cookie])  # type: ignore[list-item]
            yield context.new_page()
        finally:
            browser.close()


class QuietFiles(SimpleHTTPRequestHandler):
    """Serves a folder's files (a test page beside a static script) without logging."""

    def log_message(self, format: str, *args: object) -> None:
        pass


def files_serve(directory: Path) -> ThreadingHTTPServer:
    """A static file server for `directory` on a free port, running in a daemon thread."""
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietFiles, directory=str(directory))
    )
    thread_serve(server)
    return server


def thread_serve(server: ThreadingHTTPServer) -> None:
    threading.Thread(target=server.serve_forever, daemon=True).start()
