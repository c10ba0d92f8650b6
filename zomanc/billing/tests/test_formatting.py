"""Forint amounts on billing pages are grouped by thousands like the plan pages ("38 000 Ft")."""

from decimal import Decimal

from zomanc.billing.formatting import huf_format, thousands_format


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
