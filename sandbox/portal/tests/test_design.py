"""The sandbox portals' design tokens (sandbox/portal/static/portal/portal.css, docs/sandbox.md
"Megjelenés") hold what they promise: WCAG 2.1 AA contrast for every text/background pair the
components use (4.5:1 for text, 3:1 for focus ring, control edges and the error edge), in the
Ágazati portál's navy and in the NAV portal's green; each state badge has its colour, icon and
rule; and the national look is visibly not Zománc's (different header and accent colours).
Written without importing anything from zomanc/ (the sandbox shares no code with it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

BASE = Path(__file__).resolve().parents[3]
CSS = (BASE / "sandbox" / "portal" / "static" / "portal" / "portal.css").read_text()
HEX = r"(#[0-9a-fA-F]{6})"


def _block(selector: str) -> str:
    found = re.search(re.escape(selector) + r"\s*\{(.*?)\n\}", CSS, re.S)
    assert found, f"no {selector} block"
    return found.group(1)


def _tokens(block: str) -> dict[str, str]:
    return {k: v.lower() for k, v in re.findall(r"--([\w-]+):\s*" + HEX + r"\s*;", block)}


PORTAL = _tokens(_block(":root"))
NAV = {**PORTAL, **_tokens(_block("body.nav-site"))}


def _luminance(hex_colour: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_contrast_formula() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


STATES = ("ok", "pending", "refused", "neutral", "info")
TEXT_PAIRS = [
    ("gov-text", "gov-bg"),
    ("gov-text", "gov-surface"),
    ("gov-text", "gov-surface-alt"),
    ("gov-text-muted", "gov-bg"),
    ("gov-text-muted", "gov-surface"),
    ("gov-text-muted", "gov-surface-alt"),  # the footer
    ("gov-accent", "gov-surface"),  # links, outline buttons
    ("gov-accent", "gov-bg"),
    ("gov-accent", "gov-accent-tint"),  # a hovered outline button
    ("gov-accent-strong", "gov-bg"),  # headings
    ("gov-accent-strong", "gov-surface-alt"),  # table row headers
    ("gov-on-accent", "gov-accent"),  # primary buttons
    ("gov-on-accent", "gov-accent-strong"),
    ("gov-on-header", "gov-header"),  # header, table heads
    ("gov-header-muted", "gov-header"),  # the tagline
    ("band-text", "band-bg"),  # the OKTATÓ KÖRNYEZET band
    *[(f"state-{s}-fg", f"state-{s}-bg") for s in STATES],
    *[(f"state-{s}-fg", "gov-surface") for s in STATES],
    *[("gov-text", f"state-{s}-bg") for s in STATES],  # alert bodies
]
NON_TEXT_PAIRS = [
    ("gov-focus", "gov-bg"),
    ("gov-focus", "gov-surface"),
    ("gov-border-strong", "gov-surface"),  # form controls' edges
    ("state-refused-fg", "state-refused-bg"),  # an invalid input's edge on its tint
    ("gov-on-header", "gov-header"),  # the crest
]


@pytest.mark.parametrize("tokens", [PORTAL, NAV], ids=["agazati", "nav"])
@pytest.mark.parametrize("fg,bg", TEXT_PAIRS)
def test_text_pairs_meet_aa(tokens: dict[str, str], fg: str, bg: str) -> None:
    ratio = contrast(tokens[fg], tokens[bg])
    assert ratio >= 4.5, f"{fg} {tokens[fg]} on {bg} {tokens[bg]}: {ratio:.2f}:1"


@pytest.mark.parametrize("tokens", [PORTAL, NAV], ids=["agazati", "nav"])
@pytest.mark.parametrize("fg,bg", NON_TEXT_PAIRS)
def test_non_text_pairs_meet_3_to_1(tokens: dict[str, str], fg: str, bg: str) -> None:
    ratio = contrast(tokens[fg], tokens[bg])
    assert ratio >= 3, f"{fg} on {bg}: {ratio:.2f}:1"


@pytest.mark.parametrize("lamp", ["zold", "piros", "kek", "barna", "sarga"])
def test_tb_lamp_badges_are_legible(lamp: str) -> None:
    found = re.search(r"\.lamp-" + lamp + r"\s*\{([^}]*)\}", CSS)
    assert found, f"no rule for the {lamp} lamp"
    rule = found.group(1)

    def colour(prop: str) -> str:
        m = re.search(r"(?<![\w-])" + prop + r":\s*(?:var\(--([\w-]+)\)|" + HEX + ")", rule)
        assert m, f"{lamp}: no {prop}"
        return PORTAL[m.group(1)] if m.group(1) else m.group(2).lower()

    assert contrast(colour("color"), colour("background")) >= 4.5


@pytest.mark.parametrize("state", ["ok", "warn", "bad"])
def test_each_badge_state_has_colour_and_icon(state: str) -> None:
    rule = re.search(r"\.badge-" + state + r"\s*\{([^}]*)\}", CSS)
    icon = re.search(r"\.badge-" + state + r'::before\s*\{\s*content:\s*"(.+?)"', CSS)
    assert rule and "background" in rule.group(1) and "color" in rule.group(1)
    assert icon and icon.group(1).strip(), f"badge-{state} has no icon"


def test_the_errors_and_alerts_carry_an_icon() -> None:
    for selector in (".error::before", ".form-errors p::before", ".notice-error::before"):
        assert re.search(re.escape(selector) + r'[^{]*\{\s*content:\s*"[^"]+"', CSS), selector


def test_nav_has_its_own_accent_and_the_portals_are_not_zomanc() -> None:
    assert NAV["gov-header"] != PORTAL["gov-header"]
    assert NAV["gov-accent"] != PORTAL["gov-accent"]
    # Zománc's palette, read as text (no import): the training portal must not look like it.
    app_css = (BASE / "zomanc" / "static" / "zomanc" / "app.css").read_text().lower()
    zomanc_colours = set(re.findall(r"--color-[\w-]+:\s*" + HEX.lower(), app_css))
    assert zomanc_colours, "Zománc's tokens not found"
    for tokens in (PORTAL, NAV):
        for name in ("gov-header", "gov-accent", "gov-accent-strong", "gov-bg", "band-bg"):
            assert tokens[name] not in zomanc_colours, name
