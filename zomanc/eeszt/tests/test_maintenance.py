"""EESZT's planned maintenance: the machine-readable notice read over real HTTP, cached, and
announced as a banner before the window starts."""

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from zomanc.conftest import Personas
from zomanc.eeszt.maintenance import maintenance_parse, maintenance_upcoming


class Notice:
    """A real HTTP server on a free port serving `body` as the notice; counts the reads."""

    def __init__(self) -> None:
        self.body: Any = {"windows": []}
        self.status = 200
        self.reads = 0
        notice = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                notice.reads += 1
                data = json.dumps(notice.body).encode()
                self.send_response(notice.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/maintenance/notice.json"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def window(self, start: dt.datetime, hours: float = 2, message: str = "") -> None:
        self.body["windows"].append(
            {
                "start": start.isoformat(),
                "end": (start + dt.timedelta(hours=hours)).isoformat(),
                "services": [],
                "message": message,
            }
        )


@pytest.fixture
def notice(settings: Any) -> Iterator[Notice]:
    server = Notice()
    settings.EESZT_MAINTENANCE_URL = server.url
    cache.clear()
    yield server
    server.server.shutdown()
    server.server.server_close()
    cache.clear()


@pytest.mark.django_db
def test_a_planned_window_is_announced_before_it_starts(notice: Notice, personas: Personas) -> None:
    start = timezone.now() + dt.timedelta(hours=5)
    notice.window(start, message="Adatbázis-frissítés")
    html = personas.client_for(personas.doctor).get("/").content.decode()
    local = timezone.localtime(start)
    assert f"EESZT tervezett karbantartás: {local:%Y.%m.%d. %H:%M}" in html
    assert "Adatbázis-frissítés" in html


@pytest.mark.django_db
def test_the_notice_is_cached_not_read_on_every_page(notice: Notice, personas: Personas) -> None:
    notice.window(timezone.now() + dt.timedelta(hours=1))
    client = personas.client_for(personas.doctor)
    for _ in range(3):
        assert "EESZT tervezett karbantartás" in client.get("/").content.decode()
    assert notice.reads == 1


@pytest.mark.django_db
def test_no_banner_for_windows_far_ahead_or_over_or_when_the_notice_fails(
    notice: Notice, personas: Personas, settings: Any
) -> None:
    now = timezone.now()
    notice.window(now + dt.timedelta(days=10))  # beyond EESZT_MAINTENANCE_AHEAD_HOURS
    notice.window(now - dt.timedelta(hours=3), hours=1)  # over
    client = personas.client_for(personas.doctor)
    assert "karbantartás" not in client.get("/").content.decode()
    cache.clear()
    notice.status = 500
    notice.body = {"windows": [{"start": now.isoformat(), "end": now.isoformat()}]}
    response = client.get("/")
    assert response.status_code == 200 and "karbantartás" not in response.content.decode()


@pytest.mark.django_db
def test_a_running_window_says_so(notice: Notice, personas: Personas) -> None:
    notice.window(timezone.now() - dt.timedelta(minutes=10))
    html = personas.client_for(personas.doctor).get("/").content.decode()
    assert "EESZT karbantartás folyamatban" in html


@pytest.mark.django_db
def test_only_members_who_work_with_eeszt_see_it_and_ask_for_it(
    notice: Notice, personas: Personas, client: Any
) -> None:
    notice.window(timezone.now() + dt.timedelta(hours=1))
    assert (
        "karbantartás" not in personas.client_for(personas.receptionist).get("/").content.decode()
    )
    client.get("/accounts/login/")
    assert notice.reads == 0


def test_malformed_windows_are_left_out() -> None:
    windows = maintenance_parse(
        {
            "windows": [
                {"start": "2026-12-08T22:00:00", "end": "2026-12-09T02:00:00"},  # no zone
                {"start": "2026-12-09T02:00:00+01:00", "end": "2026-12-08T22:00:00+01:00"},
                "nonsense",
                {"start": "2026-12-08T22:00:00+01:00", "end": "2026-12-09T02:00:00+01:00"},
            ]
        }
    )
    assert [w.start.isoformat() for w in windows] == ["2026-12-08T22:00:00+01:00"]
    assert maintenance_parse("nonsense") == [] and maintenance_parse({"windows": 3}) == []


def test_upcoming_uses_the_cache_within_its_time(notice: Notice) -> None:
    notice.window(timezone.now() + dt.timedelta(hours=1))
    assert len(maintenance_upcoming()) == 1
    notice.body = {"windows": []}
    assert len(maintenance_upcoming()) == 1  # still the cached notice
    cache.clear()
    assert maintenance_upcoming() == []
