"""Reference-data lookups against a small HTTP server speaking the getEntity shape (the
sandbox's, sandbox/refdata/views.py), run in a thread."""

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from zomanc.eeszt.models import EesztSettings
from zomanc.eeszt.setup.refdata import RefdataUnavailable, refdata_index
from zomanc.eeszt.setup.selectors import eeszt_checklist, eeszt_refdata_warnings
from zomanc.eeszt.setup.services import eeszt_refdata_check
from zomanc.practices.services import org_unit_deactivate

ENTITIES = {
    "DOCTORS": (["stamp", "name"], [["58012", "Dr. Fog Ferenc"]]),
    "INSTITUTIONS": (["institutionId", "name"], [["506097", "Mosoly"], ["01060J", "Másik"]]),
    "ORG_UNITS": (
        ["orgUnitId", "name", "institutionId", "specialty"],
        [["001044299", "Fogászat", "506097", "FOG"], ["0108R2272", "Fogászat", "01060J", "FOG"]],
    ),
}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        query = parse_qs(urlsplit(self.path).query)
        fields, rows = ENTITIES[query["entityId"][0]]
        page, size = int(query["page"][0]), int(query["size"][0])
        body = json.dumps(
            {
                "fieldNames": [{"fieldName": f, "fieldId": f} for f in fields],
                "entityRows": [{"fields": r} for r in rows[page * size : (page + 1) * size]],
                "totalRowCount": len(rows),
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def refdata_server(settings, monkeypatch) -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    settings.EESZT_REFDATA_URL = f"http://127.0.0.1:{httpd.server_address[1]}/refdata/getEntity"
    # A proxy in the environment must not be used (trust_env=False).
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    yield settings.EESZT_REFDATA_URL
    httpd.shutdown()
    httpd.server_close()


def test_index_pages_through_rows(refdata_server, monkeypatch):
    monkeypatch.setattr("zomanc.eeszt.setup.refdata.PAGE_SIZE", 1)
    index = refdata_index("institution")
    assert set(index.rows) == {"506097", "01060J"}
    assert index.get("01060j") is not None


def test_known_data_gives_no_warning(personas, refdata_server):
    personas.doctor2.is_active = False
    personas.doctor2.save()
    assert eeszt_refdata_check(company=personas.company_a) == []
    row = EesztSettings.objects.get(company=personas.company_a)
    assert row.refdata_checked_at is not None


def test_unknown_items_are_named(personas, refdata_server):
    company = personas.company_a
    company.institution_id = "999999"
    company.save()
    company.org_units.create(practice=company.practice, code="0108R2272", name="Idegen")
    company.org_units.create(practice=company.practice, code="123456789", name="Ismeretlen")
    warnings = eeszt_refdata_check(company=company)
    text = " ".join(warnings)
    assert "999999" in text
    assert "123456789" in text and "Ismeretlen" in text
    assert "0108R2272" in text and "01060J" in text  # belongs to another institution
    assert "61234" in text and "Dr. Második Mária" in text  # doctor2's stamp unknown
    assert "58012" not in text
    row = EesztSettings.objects.get(company=company)
    assert eeszt_refdata_warnings(settings_row=row, company=company) == warnings


def test_a_deactivated_org_unit_is_no_longer_warned_about(personas, refdata_server):
    """Issue 12 item 8: the checklist kept warning about a unit after it was deactivated."""
    company = personas.company_a
    unknown = company.org_units.create(
        practice=company.practice, code="123456789", name="Ismeretlen"
    )
    warnings = eeszt_refdata_check(company=company)
    assert any("123456789" in w for w in warnings)
    org_unit_deactivate(org_unit=unknown, actor=personas.owner.user)
    row = EesztSettings.objects.get(company=company)
    still = eeszt_refdata_warnings(settings_row=row, company=company)
    assert still == [w for w in warnings if "123456789" not in w]
    checklist = {item.step: item for item in eeszt_checklist(company=company)}
    assert not any("123456789" in line for line in checklist["8"].details)


def test_unreachable_service_is_a_warning_not_an_error(personas, settings):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.EESZT_REFDATA_URL = f"http://127.0.0.1:{port}/refdata/getEntity"
    with pytest.raises(RefdataUnavailable):
        refdata_index("doctor")
    warnings = eeszt_refdata_check(company=personas.company_a)
    assert len(warnings) == 1 and "nem érhető el" in warnings[0]
