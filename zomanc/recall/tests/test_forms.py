"""The month filter's choices kept per (day, language) (forms._month_choices): each input of
the key changes the answer, so a cache that left one out would answer with another's."""

import datetime as dt

from django.utils import translation

from zomanc.recall.forms import month_choices


def test_the_months_follow_the_day() -> None:
    with translation.override("hu"):
        december = month_choices(dt.date(2026, 12, 8))
        january = month_choices(dt.date(2027, 1, 31))
        assert december[1] == ("2026-12", "2026. december")
        assert december[2] == ("2027-01", "2027. január")
        assert january[1] == ("2027-01", "2027. január")
        assert january[-1] == ("2028-01", "2028. január")
        assert month_choices(dt.date(2026, 12, 8)) == december  # the same day: the same


def test_the_months_follow_the_language() -> None:
    day = dt.date(2026, 12, 8)
    with translation.override("hu"):
        hungarian = month_choices(day)
    with translation.override("en"):
        english = month_choices(day)
    with translation.override("hu"):
        again = month_choices(day)
    assert hungarian[0][1] == "Lejárt és e havi" and hungarian[1][1] == "2026. december"
    assert english[1][1] == "December 2026" and english[0][1] != hungarian[0][1]
    assert again == hungarian


def test_a_caller_cannot_change_the_kept_choices() -> None:
    day = dt.date(2026, 12, 8)
    with translation.override("hu"):
        choices = month_choices(day)
        choices.clear()
        assert len(month_choices(day)) == 14
