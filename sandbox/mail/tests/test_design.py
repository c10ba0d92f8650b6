"""The catcher's own accent (sandbox/mail/static/mail/mail.css) holds the portals' WCAG 2.1 AA
contrast for every pair the frame uses, and differs from the EESZT and NAV portals'."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sandbox.portal.tests.test_design import NAV, NON_TEXT_PAIRS, PORTAL, TEXT_PAIRS, contrast

CSS = (Path(__file__).resolve().parents[1] / "static" / "mail" / "mail.css").read_text()
_block = re.search(r"body\.mail-site\s*\{(.*?)\n\}", CSS, re.S)
assert _block
MAIL = {
    **PORTAL,
    **{
        k: v.lower() for k, v in re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})\s*;", _block.group(1))
    },
}


@pytest.mark.parametrize("fg,bg", TEXT_PAIRS)
def test_text_pairs_meet_aa(fg: str, bg: str) -> None:
    assert contrast(MAIL[fg], MAIL[bg]) >= 4.5


@pytest.mark.parametrize("fg,bg", NON_TEXT_PAIRS)
def test_non_text_pairs_meet_3_to_1(fg: str, bg: str) -> None:
    assert contrast(MAIL[fg], MAIL[bg]) >= 3


def test_its_own_accent() -> None:
    assert MAIL["gov-header"] not in (PORTAL["gov-header"], NAV["gov-header"])
