"""The design tokens (app.css, docs/design.md) hold what they promise: WCAG 2.1 AA contrast for
every text/background pair the components use (4.5:1 for text, 3:1 for the focus ring and
state edges against the page), and each state — ok, pending, refused, late, sensitive — has
its colour, its icon and a badge; the TB-lámpa has a rule for every colour EESZT answers."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from zomanc.eeszt.client.eligibility import Colour

CSS = (Path(settings.BASE_DIR) / "zomanc" / "static" / "zomanc" / "app.css").read_text()
STATES = ("ok", "pending", "refused", "late", "sensitive", "info")


def _tokens() -> dict[str, str]:
    root = re.search(r":root\s*\{(.*?)\n\}", CSS, re.S)
    assert root, "no :root block"
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})\s*;", root.group(1)))


TOKENS = _tokens()


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


TEXT_PAIRS = [
    ("color-text", "color-bg"),
    ("color-text", "color-surface"),
    ("color-text", "color-surface-alt"),
    ("color-text-muted", "color-bg"),
    ("color-text-muted", "color-surface"),
    ("color-text-muted", "color-surface-alt"),
    ("color-accent", "color-surface"),
    ("color-accent", "color-bg"),
    ("color-accent-strong", "color-accent-tint"),
    ("color-on-accent", "color-accent"),
    ("color-on-accent", "color-accent-strong"),
    *[(f"state-{s}-fg", f"state-{s}-bg") for s in STATES],
    *[(f"state-{s}-fg", "color-surface") for s in STATES],
]


@pytest.mark.parametrize("fg,bg", TEXT_PAIRS)
def test_text_pairs_meet_aa(fg: str, bg: str) -> None:
    ratio = contrast(TOKENS[fg], TOKENS[bg])
    assert ratio >= 4.5, f"{fg} on {bg}: {ratio:.2f}:1"


def _high_contrast_tokens() -> dict[str, str]:
    block = re.search(r':root\[data-contrast="high"\]\s*\{(.*?)\n\}', CSS, re.S)
    assert block, "no high-contrast block"
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})\s*;", block.group(1)))


HIGH_CONTRAST = _high_contrast_tokens()


def test_high_contrast_sets_every_colour_token() -> None:
    colours = {name for name in TOKENS if name.startswith(("color-", "state-"))}
    assert colours <= set(HIGH_CONTRAST), colours - set(HIGH_CONTRAST)


@pytest.mark.parametrize("fg,bg", TEXT_PAIRS)
def test_high_contrast_text_pairs_meet_7_to_1(fg: str, bg: str) -> None:
    """The high-contrast look (the header's switch) meets WCAG AAA for text: 7:1."""
    ratio = contrast(HIGH_CONTRAST[fg], HIGH_CONTRAST[bg])
    assert ratio >= 7, f"{fg} on {bg}: {ratio:.2f}:1"


@pytest.mark.parametrize(
    "fg,bg",
    [
        ("color-focus", "color-bg"),
        ("color-border-strong", "color-surface"),
        ("color-border", "color-surface"),
    ],
)
def test_high_contrast_non_text_pairs_meet_3_to_1(fg: str, bg: str) -> None:
    ratio = contrast(HIGH_CONTRAST[fg], HIGH_CONTRAST[bg])
    assert ratio >= 3, f"{fg} on {bg}: {ratio:.2f}:1"


@pytest.mark.parametrize(
    "fg,bg",
    [
        ("color-focus", "color-bg"),
        ("color-focus", "color-surface"),
        ("color-border-strong", "color-surface"),  # form controls' edges (non-text, 3:1)
        ("state-refused-fg", "state-refused-bg"),  # an invalid input's edge on its tint
    ],
)
def test_non_text_pairs_meet_3_to_1(fg: str, bg: str) -> None:
    ratio = contrast(TOKENS[fg], TOKENS[bg])
    assert ratio >= 3, f"{fg} on {bg}: {ratio:.2f}:1"


@pytest.mark.parametrize("state", ["ok", "pending", "refused", "late", "sensitive"])
def test_each_state_has_colour_icon_and_badge(state: str) -> None:
    for part in ("fg", "bg", "edge"):
        assert f"state-{state}-{part}" in TOKENS
    icon = re.search(rf"\.state-{state} \.state-icon::before[^{{]*\{{\s*content:\s*\"(.+?)\"", CSS)
    assert icon and icon.group(1).strip(), f"no icon for {state}"
    assert re.search(rf"\.badge\.state-{state}\b[^{{]*\{{[^}}]*var\(--state-{state}-fg\)", CSS)


@pytest.mark.parametrize("colour", list(Colour))
def test_tb_lampa_colour_has_its_rule(colour: Colour) -> None:
    assert re.search(rf"\.tb-{colour.value.lower()}\s*[,{{]", CSS), colour


def test_no_colour_only_states_in_the_checklist_markup() -> None:
    template = (
        Path(settings.BASE_DIR) / "zomanc" / "eeszt" / "templates" / "eeszt" / "_checklist.html"
    ).read_text()
    assert '<span class="state-icon" aria-hidden="true"></span>' in template


def test_ambulans_lap_uses_the_design_tokens() -> None:
    """The printed Ambuláns lap (a WeasyPrint PDF, no app.css) repeats the tokens it uses: they
    must be app.css's values."""
    template = (
        Path(settings.BASE_DIR)
        / "zomanc"
        / "clinical"
        / "templates"
        / "clinical"
        / "ambulans_lap.html"
    ).read_text()
    root = re.search(r":root\s*\{(.*?)\}", template, re.S)
    assert root, "no tokens in ambulans_lap.html"
    tokens = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})\s*;", root.group(1)))
    assert len(tokens) >= 6
    for name, value in tokens.items():
        assert TOKENS[name] == value, name
    assert "#333" not in template and "#444" not in template
