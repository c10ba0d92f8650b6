"""The calendar in Hungarian dates (issue 12 item 9): the day columns said "hétfő, Dec 7."."""

from django.urls import reverse

from zomanc.scheduling.tests.conftest import Cal


def test_calendar_week_headers_are_hungarian(cal: Cal) -> None:
    client = cal.p.client_for(cal.p.owner)
    html = client.get(reverse("scheduling:week") + "?date=2026-12-07").content.decode()
    assert "hétfő, dec. 7." in html and "péntek, dec. 11." in html
    assert "Dec 7" not in html and "Dec 11" not in html
    assert "Naptár:\n    2026. december 7. – december 11." in html
    day = client.get(reverse("scheduling:day") + "?date=2026-12-07").content.decode()
    assert "2026. december 7., hétfő" in day
