"""Forint amounts on billing pages are grouped by thousands like the plan pages ("38 000 Ft");
the NAV state is a design-system badge."""

from decimal import Decimal

import pytest
from django.template.loader import render_to_string

from zomanc.billing.formatting import huf_format, thousands_format
from zomanc.nav.models import NavSubmission


def test_huf_groups_thousands_with_no_break_spaces() -> None:
    assert huf_format(Decimal("38000")) == "38\xa0000\xa0Ft"
    assert huf_format(12345) == "12\xa0345\xa0Ft"
    assert huf_format(Decimal("-12343")) == "-12\xa0343\xa0Ft"
    assert huf_format(0) == "0\xa0Ft"


def test_missing_amount_prints_nothing() -> None:
    assert huf_format(None) == "" and huf_format("") == ""
    assert thousands_format(None) == ""


def test_thousands_is_the_figure_alone() -> None:
    assert thousands_format(Decimal("1234567")) == "1\xa0234\xa0567"


@pytest.mark.parametrize(
    ("state", "badge"),
    [
        ("done", "ok"),
        ("pending", "pending"),
        ("sending", "pending"),
        ("processing", "pending"),
        ("retrying", "late"),
        ("waiting_settings", "late"),
        ("aborted", "refused"),
    ],
)
def test_nav_badge_has_the_state_colour_icon_and_word(state: str, badge: str) -> None:
    submission = NavSubmission(state=state)
    html = render_to_string("billing/_nav_badge.html", {"submission": submission})
    assert f'class="badge state-{badge} nav-{state}"' in html
    assert '<span class="state-icon" aria-hidden="true"></span>' in html
    assert f"NAV: {submission.get_state_display()}" in html
