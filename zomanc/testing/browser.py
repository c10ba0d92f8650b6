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


# --- accessibility: axe-core --------------------------------------------------------------

# Pinned in scripts/bootstrap.sh (AXE_VERSION), which fetches it into var/vendor/.
AXE_VERSION = "4.10.3"
AXE_PATH = Path(__file__).resolve().parents[2] / "var" / "vendor" / f"axe-core-{AXE_VERSION}"
# Violations of these impacts fail a test (issue 19: "no serious or critical violations");
# minor and moderate ones are left to review.
AXE_FAILING_IMPACTS = ("serious", "critical")
# WCAG 2.1 A and AA, plus axe's best practices (landmarks, one h1, unique ids …).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@functools.cache
def axe_source() -> str:
    script = AXE_PATH / "axe.min.js"
    if not script.exists():
        raise FileNotFoundError(f"{script} is missing: run `make bootstrap` (it fetches axe-core)")
    return script.read_text(encoding="utf-8")


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now. The script is evaluated through the
    DevTools protocol (page.evaluate), not added as a <script>: the page's CSP, which this
    must not weaken, would refuse an inline one."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    result: dict[str, Any] = page.evaluate(
        """tags => axe.run(document, {
            runOnly: {type: "tag", values: tags},
            resultTypes: ["violations"],
        })""",
        AXE_TAGS,
    )
    return list(result["violations"])


def axe_report(violations: list[dict[str, Any]]) -> str:
    """A readable list: one block per rule, its impact, what it asks and the elements."""
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"][:8]:
            target = " ".join(str(t) for t in node["target"])
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    {target}: {summary[:300]}")
        if len(v["nodes"]) > 8:
            lines.append(f"    … and {len(v['nodes']) - 8} more")
    return "\n".join(lines)


def axe_check(page: Page, *, label: str = "") -> None:
    """Fails when axe-core finds a serious or critical violation on the page, listing them."""
    failing = [v for v in axe_violations(page) if v.get("impact") in AXE_FAILING_IMPACTS]
    if failing:
        where = f"{label} ({page.url})" if label else page.url
        raise AssertionError(f"accessibility violations on {where}:\n{axe_report(failing)}")


# --- keyboard ------------------------------------------------------------------------------

# What the focused element is and whether its focus can be seen: an outline or a box shadow
# drawn by :focus-visible (the design system's 3 px ring), measured from the computed style.
_FOCUSED_JS = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    // An SVG control (a tooth of the chart) shows its focus by the focus colour on its shapes.
    const hex = getComputedStyle(document.documentElement).getPropertyValue("--color-focus").trim();
    const rgb = /^#[0-9a-f]{6}$/i.test(hex) ? "rgb(" + [1, 3, 5].map(
        i => parseInt(hex.slice(i, i + 2), 16)).join(", ") + ")" : "";
    const shapes = el instanceof SVGElement
        ? [...el.querySelectorAll("polygon, path, rect, circle")] : [];
    const ring = (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2)
        || (style.boxShadow && style.boxShadow !== "none")
        || shapes.some(shape => getComputedStyle(shape).stroke === rgb);
    const name = (el.getAttribute("aria-label") || el.labels?.[0]?.innerText
        || el.innerText || el.getAttribute("name") || el.id || "").trim().split("\\n")[0];
    // Chromium's own part of a control (the date box's calendar button) has the focus inside
    // the control's closed shadow tree: the page cannot measure its ring (Chromium draws it).
    const native = el.tagName === "INPUT" && !el.matches(":focus");
    return {tag: el.tagName.toLowerCase(), name: name, visible: ring, native: native,
            focusVisible: el.matches(":focus-visible")};
}"""


def focused(page: Page) -> dict[str, Any] | None:
    """The focused element: tag, accessible-ish name, whether its focus ring is drawn."""
    result: dict[str, Any] | None = page.evaluate(_FOCUSED_JS)
    return result


def tab_to(page: Page, target: Any, *, max_presses: int = 80, key: str = "Tab") -> list[str]:
    """Presses Tab (or `key`, e.g. "Shift+Tab") until `target` (a locator) has the focus,
    asserting at every stop that the focus ring is visible; returns the names passed on the
    way (for order checks). Fails when the target is not reached: not keyboard reachable."""
    passed: list[str] = []
    for _ in range(max_presses):
        page.keyboard.press(key)
        now = focused(page)
        if now is None:
            continue
        assert now["visible"] or now["native"], f"focus not visible on {now}; passed: {passed}"
        passed.append(now["name"])
        if target.evaluate("el => el === document.activeElement"):
            return passed
    raise AssertionError(f"not reached with {max_presses}× {key}; passed: {passed}")
