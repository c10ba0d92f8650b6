"""The fault-code catalogue in docs/sandbox-internals.md is the code's (issue 13)."""

from __future__ import annotations

import re
from pathlib import Path

from sandbox.soap.errors import FAULT_CODES, SoapFault

DOC = Path(__file__).resolve().parents[3] / "docs" / "sandbox-internals.md"
ROW = re.compile(r"^\| `([A-Z_]+)` \| (\w+) \| (\d{3}) \|")


def documented() -> dict[str, tuple[str, int]]:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("### Fault-code catalogue", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        m = ROW.match(line)
        if m:
            rows[m[1]] = (m[2], int(m[3]))
    return rows


def test_the_documented_catalogue_equals_the_codes_with_class_and_status() -> None:
    rows = documented()
    assert set(rows) == set(FAULT_CODES)
    for code, (soap_class, status) in rows.items():
        fault = SoapFault(code)
        assert (fault.soap_class, fault.http_status) == (soap_class, status), code
