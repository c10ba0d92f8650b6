"""The printed Ambuláns lap: text extracted from the PDF, the bundled font."""

import datetime as dt
import io
from typing import Any

import pytest
from django.urls import reverse
from pypdf import PdfReader

from zomanc.clinical.models import Visit
from zomanc.clinical.pdf import FONTS_DIR, ambulans_lap_pdf
from zomanc.clinical.selectors import visit_snapshot
from zomanc.clinical.services import (
    diagnosis_add,
    visit_close,
    visit_command_apply,
    visit_correct,
    visit_notes_update,
)
from zomanc.conftest import Personas


@pytest.fixture
def closed(personas: Personas, visit: Visit) -> Visit:
    visit_command_apply(visit=visit, line="36 MOD töm", entered_by=personas.assistant.user)
    diagnosis_add(visit=visit, code="K0210", added_by=personas.doctor.user)
    diagnosis_add(visit=visit, code="K0400", added_by=personas.doctor.user)
    visit_notes_update(
        visit=visit,
        updated_by=personas.doctor.user,
        anamnesis="Fájdalom a bal alsó őrlőfogon.",
        advice="Kontroll egy hónap múlva, fogkefe cseréje; gyűrűs fogselyem.",
    )
    visit.referral_id = "BEUT-2026-000123"
    visit.referral_summary = "Fogászati szakvizsgálat"
    visit.save()
    return visit_close(
        visit=visit,
        closed_by=personas.doctor.user,
        closed_at=visit.started_at + dt.timedelta(hours=1),
    )


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def _fonts(pdf: bytes) -> set[str]:
    reader = PdfReader(io.BytesIO(pdf))
    names: set[str] = set()
    for page in reader.pages:
        resources: Any = page["/Resources"]
        for font in resources["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def test_pdf_contains_the_record(personas: Personas, closed: Visit) -> None:
    response = personas.client_for(personas.doctor).get(
        reverse("clinical:visit_pdf", args=[closed.pk])
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _text(response.content)
    for expected in (
        "Ambuláns lap",
        "Kovács Anna",
        "123 456 788",
        "1980.05.17.",
        "1117 Budapest",
        "Mosoly Fogászat",
        "506097",
        "Fogászati rendelés (001044299)",
        "Dr. Fog Ferenc",
        "58012",
        "K0210",
        "A dentin szuvasodása",
        "K0400",
        "Fogbélgyulladás",
        "Kompozit tömés",
        "36",
        "MOD",
        "őrlőfogon",
        "gyűrűs",
        "BEUT-2026-000123",
        "2026.03.10. 09:30",
    ):
        assert expected in text, expected
    assert "revízió" not in text


def test_pdf_uses_only_the_bundled_font(personas: Personas, closed: Visit) -> None:
    pdf = ambulans_lap_pdf(visit_snapshot(closed), revision_number=1)
    fonts = _fonts(pdf)
    # Named after the @font-face family: the bundled files, not a system font.
    assert fonts and all("ZomancSans" in name for name in fonts), fonts
    assert (FONTS_DIR / "DejaVuSans.ttf").exists() and (FONTS_DIR / "LICENSE").exists()


def test_corrected_pdf_names_the_revision(personas: Personas, closed: Visit) -> None:
    visit_correct(
        visit=closed,
        reason="Javaslat pontosítása",
        corrected_by=personas.doctor.user,
        sections={"advice": "Kontroll két hét múlva."},
    )
    client = personas.client_for(personas.doctor)
    text = _text(client.get(reverse("clinical:visit_pdf", args=[closed.pk])).content)
    assert "2. revízió" in text and "Javaslat pontosítása" in text and "két hét" in text
    first = _text(
        client.get(reverse("clinical:visit_pdf", args=[closed.pk]), {"revizio": 1}).content
    )
    assert "egy hónap múlva" in first and "revízió" not in first


def test_pdf_escapes_user_text(personas: Personas, visit: Visit) -> None:
    """Markup in notes is printed as text and never fetched (no remote resources)."""
    diagnosis_add(visit=visit, code="K0210", added_by=personas.doctor.user)
    visit_notes_update(
        visit=visit,
        updated_by=personas.doctor.user,
        anamnesis='<img src="http://example.invalid/x.png"> <b>félkövér</b>',
    )
    closed = visit_close(visit=visit, closed_by=personas.doctor.user)
    text = _text(ambulans_lap_pdf(visit_snapshot(closed), revision_number=1))
    assert '<img src="http://example.invalid/x.png">' in text.replace("\n", " ")
