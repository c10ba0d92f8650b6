"""The practice's logo in the quote PDF's header: the stored image is embedded (fetched by
the quote's own fetcher, nothing else opened), a quote without a logo still renders, and a
practice's quote never carries another practice's logo."""

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from zomanc.codes.models import TreatmentItem
from zomanc.conftest import Personas
from zomanc.patients.models import Patient
from zomanc.plans.pdf import LOGO_URL, _quote_fetcher, quote_pdf
from zomanc.plans.selectors import plan_quote
from zomanc.plans.services import plan_create, plan_item_add, plan_phase_add
from zomanc.practices.logo import practice_logo, practice_logo_set
from zomanc.practices.tests.test_logo import JPEG, PNG, image

pytestmark = pytest.mark.django_db


def _images(pdf: bytes) -> list[tuple[int, int]]:
    reader = PdfReader(io.BytesIO(pdf))
    return [
        (img.image.width, img.image.height)
        for page in reader.pages
        for img in page.images
        if img.image is not None
    ]


def _pdf(personas: Personas, patient: Patient, catalogue: dict[str, TreatmentItem]) -> bytes:
    plan = plan_create(
        patient=patient,
        actor=personas.doctor,
        title="Rehab",
        valid_until=dt.date.today() + dt.timedelta(days=30),
    )
    phase = plan_phase_add(plan=plan, actor=personas.doctor, title="Konzerváló kezelés")
    plan_item_add(plan=plan, phase=phase, actor=personas.doctor, treatment=catalogue["fk"])
    return quote_pdf(plan_quote(plan))


def test_quote_without_a_logo_renders_without_images(
    personas: Personas, patient: Patient, catalogue: dict[str, TreatmentItem]
) -> None:
    pdf = _pdf(personas, patient, catalogue)
    assert pdf.startswith(b"%PDF-") and _images(pdf) == []
    assert "Fogkő-eltávolítás" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


@pytest.mark.parametrize("data", [PNG, JPEG])
def test_quote_carries_the_practice_logo(
    personas: Personas, patient: Patient, catalogue: dict[str, TreatmentItem], data: bytes
) -> None:
    practice_logo_set(practice=personas.practice_a, actor=personas.owner.user, image=data)
    pdf = _pdf(personas, patient, catalogue)
    assert _images(pdf) == [(120, 40)]
    assert "Fogkő-eltávolítás" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_another_practices_logo_is_not_on_the_quote(
    personas: Personas, patient: Patient, catalogue: dict[str, TreatmentItem]
) -> None:
    practice_logo_set(
        practice=personas.practice_b, actor=personas.outsider.user, image=image("PNG", (77, 33))
    )
    assert _images(_pdf(personas, patient, catalogue)) == []


def test_the_quote_fetcher_answers_only_the_logo_and_the_fonts(personas: Personas) -> None:
    practice_logo_set(practice=personas.practice_a, actor=personas.owner.user, image=PNG)
    fetcher = _quote_fetcher(practice_logo(personas.practice_a.pk))
    assert fetcher.fetch(LOGO_URL).read() == PNG
    for url in (
        "data:image/png;base64,iVBORw0KGgo=",
        "zomanc-logo:other",
        "file:///etc/passwd",
        "http://127.0.0.1/x.png",
    ):
        with pytest.raises(ValueError, match="refused"):
            fetcher.fetch(url)
    without = _quote_fetcher(None)
    with pytest.raises(ValueError, match="refused"):
        without.fetch(LOGO_URL)


def test_the_quote_fetcher_loads_no_certificates() -> None:
    """urllib's default HTTPS context loads the system's CA certificates for every PDF (≈ 0.1 s
    each, profiled) for a fetcher that never opens the network: one bare context is shared."""
    from urllib.request import HTTPSHandler

    from zomanc.plans.pdf import _no_network_ssl_context

    contexts = {
        id(handler._context)  # type: ignore[attr-defined]
        for fetcher in (_quote_fetcher(None), _quote_fetcher(None))
        for handler in fetcher.handlers
        if isinstance(handler, HTTPSHandler)
    }
    assert contexts == {id(_no_network_ssl_context())}
    assert _no_network_ssl_context().cert_store_stats()["x509_ca"] == 0
