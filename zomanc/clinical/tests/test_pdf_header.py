"""The Ambuláns lap's header keeps each line whole (issue 12 item 9: "Szervezeti / egység"
wrapped because the header's flex row shrank its left column)."""

import io

from pypdf import PdfReader

from zomanc.clinical.models import Visit
from zomanc.clinical.pdf import ambulans_lap_pdf
from zomanc.clinical.selectors import visit_snapshot
from zomanc.clinical.tests.test_pdf import closed  # noqa: F401 - the fixture
from zomanc.conftest import Personas


def test_header_lines_do_not_wrap(personas: Personas, closed: Visit) -> None:  # noqa: F811
    pdf = ambulans_lap_pdf(visit_snapshot(closed), revision_number=2, reason="Elírás")
    lines = [
        line.strip() for line in PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split("\n")
    ]
    assert "Intézményazonosító: 506097" in lines
    assert any(line.startswith("Szervezeti egység: ") for line in lines), lines[:6]
    assert "Szervezeti" not in lines
