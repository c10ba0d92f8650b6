"""Hungarian dates everywhere (issue 12 item 9): the calendar said "Dec 7."."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from zomanc.core.templatetags.core_tags import short_day


@pytest.mark.parametrize(
    "language,day,expected",
    [
        ("hu", dt.date(2026, 12, 7), "dec. 7."),
        ("hu", dt.date(2026, 2, 1), "febr. 1."),
        ("hu", dt.date(2026, 9, 30), "szept. 30."),
        ("en", dt.date(2026, 12, 7), "Dec 7"),
    ],
)
def test_short_day(language: str, day: dt.date, expected: str) -> None:
    with translation.override(language):
        assert short_day(day) == expected


def test_short_day_of_a_moment_is_the_practice_s_day() -> None:
    # 23:30 UTC on 31 December is 1 January in Budapest.
    moment = dt.datetime(2026, 12, 31, 23, 30, tzinfo=ZoneInfo("UTC"))
    with translation.override("hu"):
        assert short_day(moment) == "jan. 1."
