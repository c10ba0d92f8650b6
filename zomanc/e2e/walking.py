"""What every walk through the demo needs: the browser page with its screenshots and
accessibility scans, the demo's addresses, logging in and out, and the failure report.

A walk is a user's flow in Debian's Chromium against `scripts/demo.sh` (zomanc/e2e/
conftest.py starts it once per session). `make guide` (ZOMANC_GUIDE_DIR=docs/guide) keeps
the screenshots in docs/guide/img/ and a video per walk in docs/guide/video/; without it
they go to a temporary folder, so `make test` leaves the tree clean."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zomanc.testing.demo_stack import DemoStack

DEMO_PASSWORD = "Zomanc-Demo-2026"  # noqa: S105 - the printed demo password
WAIT_MS = 30_000


@dataclass
class Walk:
    stack: DemoStack
    page: Any
    shots: Path
    work: Path
    # Serious or critical axe-core violations met on the way, one entry per step (issue 19):
    # collected so that one run reports every page, asserted at the end of the walk.
    violations: list[str] = field(default_factory=list)
    scanned: set[str] = field(default_factory=set)

    def shot(self, name: str, locator: Any = None) -> None:
        """A screenshot of the step, and the accessibility scan of the page as it is."""
        if locator is not None:
            locator.scroll_into_view_if_needed()
        self.page.screenshot(path=str(self.shots / f"{name}.png"))
        self.scan(name)

    def scan(self, label: str) -> None:
        from zomanc.testing.browser import axe_check

        self.scanned.add(label)
        try:
            axe_check(self.page, label=label)
        except AssertionError as found:
            self.violations.append(str(found))

    def z(self, path: str) -> str:
        return self.stack.base_url + path

    def p(self, path: str) -> str:
        return self.stack.portal_url + path

    def main(self) -> Any:
        return self.page.locator("main")

    def login(self, email: str) -> None:
        page = self.page
        page.goto(self.z("/accounts/login/"))
        if "login" not in self.scanned:  # the same page for every persona
            self.scan("login")
        page.get_by_label("E-mail cím").fill(email)
        page.get_by_label("Jelszó", exact=True).fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Belépés").click()
        page.wait_for_url(self.z("/"))

    def htmx_settled(self) -> None:
        """Waits until htmx has no request in flight and has settled its last swap. A user
        cannot type into a fragment within the few milliseconds htmx takes to wire it up; a
        walk can: a CI run filled the diagnosis box of a just-opened visit before htmx had
        processed it (no picker request followed the focus) and the form went out empty."""
        from playwright.sync_api import expect

        busy = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"
        expect(self.page.locator(busy)).to_have_count(0)

    def logout(self) -> None:
        from playwright.sync_api import expect

        self.page.goto(self.z("/"))
        self.page.get_by_role("button", name="Kijelentkezés").click()
        expect(self.page.get_by_role("button", name="Kijelentkezés")).to_have_count(0)


@contextmanager
def walk_browser(
    demo: DemoStack, tmp_path: Path, *, video: str, make: Callable[..., Walk] = Walk
) -> Iterator[Walk]:
    """A Hungarian Chromium page on the demo; with ZOMANC_GUIDE_DIR, screenshots into the
    guide and the walk's video as docs/guide/video/<video>.webm."""
    from playwright.sync_api import expect, sync_playwright

    from zomanc.testing.browser import VIEWPORT, chromium_launch

    guide = os.environ.get("ZOMANC_GUIDE_DIR")
    shots = (Path(guide) if guide else tmp_path) / "img"
    shots.mkdir(parents=True, exist_ok=True)
    video_dir = tmp_path / "video"
    if guide:
        from zomanc.testing.browser import debian_ffmpeg_for_video

        debian_ffmpeg_for_video(tmp_path / "playwright")
    with sync_playwright() as playwright:
        # Chromium's own UI in Hungarian too (the file input in the screenshots).
        browser = chromium_launch(playwright, lang="hu")
        options: dict[str, Any] = {
            "viewport": VIEWPORT,
            "locale": "hu-HU",
            "timezone_id": "Europe/Budapest",
            "accept_downloads": True,
        }
        if guide:
            # Scaled down: the committed video stays a few megabytes.
            options |= {
                "record_video_dir": str(video_dir),
                "record_video_size": {"width": 960, "height": 600},
            }
        context = browser.new_context(**options)
        context.set_default_timeout(WAIT_MS)
        expect.set_options(timeout=WAIT_MS)
        page = context.new_page()
        try:
            yield make(stack=demo, page=page, shots=shots, work=tmp_path)
        finally:
            recorded = page.video
            context.close()
            browser.close()
            if guide and recorded is not None:
                target = Path(guide) / "video" / f"{video}.webm"
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(recorded.path(), target)


def walk_run[W: Walk](walk: W, steps: list[Callable[[W], None]]) -> None:
    """Runs the steps; a failure says where it stopped (URL, full-page screenshot, the
    page's text and every demo part's log). Accessibility findings fail at the end, all of
    them together."""
    try:
        for step in steps:
            step(walk)
    except Exception as exc:
        failure = walk.work / "failure.png"
        walk.page.screenshot(path=str(failure), full_page=True)
        seen = walk.page.locator("body").inner_text()[:4000]
        raise AssertionError(
            f"{exc}\n\nURL: {walk.page.url} (screenshot: {failure})\n== page\n{seen}\n"
            f"{walk.stack.logs()}"
        ) from exc
    assert not walk.violations, "\n".join(walk.violations)
