"""The quote PDF in Hungarian, English and German: the extracted text holds the patient,
items, totals, VAT note and validity; only the bundled fonts are embedded."""

import datetime as dt
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from pypdf import PdfReader

from zomanc.codes.models import TreatmentItem
from zomanc.conftest import Personas
from zomanc.patients.models import Patient
from zomanc.plans.models import Currency, PriceList, TreatmentPlan
from zomanc.plans.pdf import quote_html, quote_pdf
from zomanc.plans.selectors import plan_quote
from zomanc.plans.services import plan_create, plan_item_add, plan_option_add, plan_phase_add

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _plan(
    personas: Personas,
    patient: Patient,
    catalogue: dict[str, TreatmentItem],
    language: str,
    price_list: PriceList | None,
) -> TreatmentPlan:
    eur = price_list is not None
    plan = plan_create(
        patient=patient,
        actor=personas.doctor,
        title="Rehab <b>2026</b>",
        language=language,
        currency=Currency.EUR if eur else Currency.HUF,
        price_list=price_list,
        valid_until=dt.date(2027, 1, 15),
        advance_percent=Decimal(30),
        exchange_rate=Decimal("391.25") if eur else None,
        exchange_rate_date=dt.date(2026, 12, 4) if eur else None,
    )
    phase = plan_phase_add(plan=plan, actor=personas.doctor, title="Fogpótlás")
    plan_item_add(
        plan=plan, phase=phase, actor=personas.doctor, treatment=catalogue["héj"], tooth=11
    )
    a = plan_option_add(phase=phase, actor=personas.doctor, title="Implantátum")
    plan_item_add(
        plan=plan,
        phase=phase,
        option=a,
        actor=personas.doctor,
        treatment=catalogue["impl"],
        tooth=36,
    )
    return plan


@pytest.mark.parametrize(
    ("language", "eur", "expected"),
    [
        (
            "hu",
            False,
            [
                "Árajánlat",
                "Esztétikai héj",
                "Implantátum",
                "445 000 Ft",
                "2027.01.15.",
                "Áfa tv. 85. § (1) c)",
                "27 % áfa",
                "20 197 Ft",
                "133 500 Ft",
            ],
        ),
        (
            "en",
            True,
            [
                "Quote",
                "Aesthetic veneer",
                "Implant",
                "€1,145.55",
                "15/01/2027",
                "s. 85 (1) c)",
                "€54.33",
                "448 196 Ft",
                "391.25",
                "04/12/2026",
            ],
        ),
        (
            "de",
            True,
            [
                "Kostenvoranschlag",
                "Ästhetisches Veneer",
                "Implantat",
                "1.145,55 €",
                "15.01.2027",
                "§ 85 Abs. 1",
                "Unterschrift des Patienten",
            ],
        ),
    ],
)
def test_quote_pdf_in_three_languages(
    personas: Personas,
    patient: Patient,
    catalogue: dict[str, TreatmentItem],
    eur_list: PriceList,
    language: str,
    eur: bool,
    expected: list[str],
) -> None:
    plan = _plan(personas, patient, catalogue, language, eur_list if eur else None)
    text = " ".join(_text(quote_pdf(plan_quote(plan))).split())
    assert patient.full_name in text
    assert "Rehab <b>2026</b>" in text  # user text escaped, printed as typed
    for snippet in expected:
        assert snippet in text, snippet


def test_quote_pdf_embeds_only_the_bundled_font(
    personas: Personas, patient: Patient, catalogue: dict[str, TreatmentItem]
) -> None:
    reader = PdfReader(
        io.BytesIO(quote_pdf(plan_quote(_plan(personas, patient, catalogue, "hu", None))))
    )
    fonts = set()
    for page in reader.pages:
        resources: Any = page["/Resources"]
        for font in resources["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    # Named after the @font-face family: the bundled files, not a system font.
    assert fonts == {"ZomancSans", "ZomancSans-Bold"}, fonts


def test_quote_draws_the_counted_items_on_the_tooth_chart(
    personas: Personas, patient: Patient, catalogue: dict[str, TreatmentItem]
) -> None:
    """The plan drawing: the items the totals count (common + the first option before the
    choice) in the chart's planned style; an alternative option's teeth are not drawn."""
    plan = _plan(personas, patient, catalogue, "en", None)
    phase = plan.phases.get()
    b = plan_option_add(phase=phase, actor=personas.doctor, title="Híd")
    plan_item_add(
        plan=plan,
        phase=phase,
        option=b,
        actor=personas.doctor,
        treatment=catalogue["héj"],
        tooth=46,
    )
    html = quote_html(plan_quote(plan))
    drawing = html[html.index('<div class="drawing">') :]
    assert "The planned treatments on the dental chart" in html
    planned = re.findall(r'data-tooth="(\d+)"[^>]*data-planned="1"', drawing)
    assert sorted(planned) == ["11", "36"]
    pdf = quote_pdf(plan_quote(plan))
    assert "The planned treatments on the dental chart" in " ".join(_text(pdf).split())


def test_quote_without_teeth_has_no_drawing(
    personas: Personas, patient: Patient, catalogue: dict[str, TreatmentItem]
) -> None:
    plan = plan_create(
        patient=patient,
        actor=personas.doctor,
        title="Higiénia",
        valid_until=dt.date(2027, 1, 15),
    )
    phase = plan_phase_add(plan=plan, actor=personas.doctor, title="Higiénés kezelés")
    plan_item_add(plan=plan, phase=phase, actor=personas.doctor, treatment=catalogue["fk"])
    assert 'class="drawing"' not in quote_html(plan_quote(plan))
