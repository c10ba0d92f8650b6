"""The generated Ambuláns lap is valid HL7 CDA R2 and carries the envelope's data where the
sandbox contract's profile puts them."""

import datetime as dt
from functools import cache
from pathlib import Path

from lxml import etree

from zomanc.eeszt.client.cda import (
    OID_INSTITUTION,
    OID_PATIENT_ID,
    OID_STAMP,
    AmbulatoryRecord,
    Line,
    cda_ambulatory_record,
    ts,
)

SCHEMA = Path(__file__).resolve().parents[1] / "schemas" / "cda-r2" / "sdtc" / "infrastructure"
NS = {"h": "urn:hl7-org:v3"}


@cache
def schema() -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.parse(str(SCHEMA / "cda" / "CDA_SDTC.xsd"), parser))


def record(**changes: object) -> AmbulatoryRecord:
    base: dict[str, object] = dict(
        client_document_id="AL-1-42",
        title="Ambuláns lap – fogászati ellátás",
        created_at=dt.datetime(2026, 11, 25, 10, 30, 5, tzinfo=dt.UTC),
        patient_id_type="TAJ",
        patient_id="111111110",
        patient_family="Kovács",
        patient_given="Őszike",
        patient_sex="F",
        patient_birth=dt.date(1980, 5, 17),
        author_stamp="58012",
        author_name="Dr. Kovács Anna",
        institution_id="506097",
        institution_name="Mosoly Fogászat",
        org_unit_id="001044299",
        org_unit_name="Fogászati rendelés",
        care_start=dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC),
        care_end=dt.datetime(2026, 11, 25, 10, 30, tzinfo=dt.UTC),
        sections=[("Státusz", "36 MOD szuvas"), ("Javaslat", "Kontroll fél év múlva")],
        diagnoses=[Line("K0210", "A dentin caries")],
        procedures=[Line("36 MOD", "Tömés (kompozit, 3 felszín)")],
        referral="",
    )
    base.update(changes)
    return AmbulatoryRecord(**base)  # type: ignore[arg-type]


def test_the_ambulans_lap_is_valid_cda_r2() -> None:
    doc = etree.fromstring(cda_ambulatory_record(record()))
    assert schema().validate(doc), schema().error_log


def test_header_carries_patient_author_institution_and_time() -> None:
    doc = etree.fromstring(cda_ambulatory_record(record()))
    patient = doc.xpath("h:recordTarget/h:patientRole/h:id", namespaces=NS)[0]
    assert (patient.get("root"), patient.get("extension")) == (OID_PATIENT_ID["TAJ"], "111111110")
    stamp = doc.xpath("h:author/h:assignedAuthor/h:id", namespaces=NS)[0]
    assert (stamp.get("root"), stamp.get("extension")) == (OID_STAMP, "58012")
    custodian = doc.xpath("//h:representedCustodianOrganization/h:id", namespaces=NS)[0]
    assert (custodian.get("root"), custodian.get("extension")) == (OID_INSTITUTION, "506097")
    effective = doc.xpath("h:effectiveTime", namespaces=NS)[0].get("value")
    assert (
        effective
        == ts(dt.datetime(2026, 11, 25, 10, 30, 5, tzinfo=dt.UTC))
        == ("20261125113005+0100")
    )


def test_narrative_keeps_hungarian_text_and_codes() -> None:
    text = cda_ambulatory_record(record(referral="Beutaló: 123")).decode("utf-8")
    assert "Őszike" in text and "K0210" in text and "36 MOD" in text and "Beutaló: 123" in text


def test_other_identifier_types_and_escaping_stay_valid() -> None:
    doc = etree.fromstring(
        cda_ambulatory_record(
            record(patient_id_type="UTLEVEL", patient_id="AB1234567", title="<b>&amp;</b>")
        )
    )
    assert schema().validate(doc), schema().error_log
    assert doc.xpath("h:title", namespaces=NS)[0].text == "<b>&amp;</b>"
