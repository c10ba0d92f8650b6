"""The generated Ambuláns lap is valid HL7 CDA R2 and carries the envelope's data where the
sandbox contract's profile puts them."""

import datetime as dt
from functools import cache
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from zomanc.eeszt.client.cda import (
    OID_BNO,
    OID_CLIENT_DOCUMENT,
    OID_INSTITUTION,
    OID_OENO,
    OID_PATIENT_ID,
    OID_STAMP,
    AmbulatoryRecord,
    Line,
    Procedure,
    VersionRef,
    cda_ambulatory_record,
    oid_catalogue,
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
        procedures=[Procedure("36 MOD", "Tömés (kompozit, 3 felszín)", "17", "56010")],
        catalogue_oid=oid_catalogue(3),
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


def valid(content: bytes) -> etree._Element:
    doc = etree.fromstring(content)
    assert schema().validate(doc), schema().error_log
    return doc


def test_diagnoses_are_coded_bno_entries_besides_the_narrative() -> None:
    doc = valid(
        cda_ambulatory_record(
            record(diagnoses=[Line("K0210", "A dentin caries"), Line("K0500", "Gingivitis")])
        )
    )
    values = doc.xpath("//h:entry/h:observation/h:value", namespaces=NS)
    assert [(v.get("code"), v.get("codeSystem")) for v in values] == [
        ("K0210", OID_BNO),
        ("K0500", OID_BNO),
    ]
    assert {v.get("{http://www.w3.org/2001/XMLSchema-instance}type") for v in values} == {"CD"}
    # The narrative table stays: a reader sees the same codes.
    assert doc.xpath("//h:section/h:text//h:td/text()", namespaces=NS)[:2] == [
        "K0210",
        "A dentin caries",
    ]


def test_procedures_are_coded_in_the_catalogue_with_the_national_code() -> None:
    doc = valid(
        cda_ambulatory_record(
            record(
                procedures=[
                    Procedure("36 MOD", "Tömés", "17", "56010"),
                    Procedure("", "Konzultáció", "4", ""),
                ]
            )
        )
    )
    codes = doc.xpath("//h:entry/h:procedure/h:code", namespaces=NS)
    assert [(c.get("code"), c.get("codeSystem")) for c in codes] == [
        ("17", oid_catalogue(3)),
        ("4", oid_catalogue(3)),
    ]
    first, second = (c.xpath("h:translation", namespaces=NS) for c in codes)
    assert [(t.get("code"), t.get("codeSystem")) for t in first] == [("56010", OID_OENO)]
    assert second == []
    assert oid_catalogue(3) != oid_catalogue(4)


def test_a_version_has_its_own_id_in_the_same_set_and_replaces_the_previous() -> None:
    first = valid(cda_ambulatory_record(record()))
    second = valid(cda_ambulatory_record(record(revision=2, replaces=VersionRef("AL-1-42.1", 1))))

    def ids(doc: etree._Element) -> tuple[str, str, str]:
        return (
            doc.xpath("h:id/@extension", namespaces=NS)[0],
            doc.xpath("h:setId/@extension", namespaces=NS)[0],
            doc.xpath("h:versionNumber/@value", namespaces=NS)[0],
        )

    assert ids(first) == ("AL-1-42.1", "AL-1-42", "1")
    assert ids(second) == ("AL-1-42.2", "AL-1-42", "2")
    assert first.xpath("h:relatedDocument", namespaces=NS) == []
    related = second.xpath("h:relatedDocument", namespaces=NS)
    assert [r.get("typeCode") for r in related] == ["RPLC"]
    parent = related[0].xpath("h:parentDocument", namespaces=NS)[0]
    assert parent.xpath("h:id/@root", namespaces=NS) == [OID_CLIENT_DOCUMENT]
    assert parent.xpath("h:id/@extension", namespaces=NS) == ["AL-1-42.1"]
    assert parent.xpath("h:setId/@extension", namespaces=NS) == ["AL-1-42"]
    assert parent.xpath("h:versionNumber/@value", namespaces=NS) == ["1"]


def test_unknown_and_other_identifiers_make_valid_documents() -> None:
    doc = valid(cda_ambulatory_record(record(patient_id_type="ISMERETLEN", patient_id="")))
    ids = doc.xpath("h:recordTarget/h:patientRole/h:id", namespaces=NS)
    assert [(i.get("nullFlavor"), i.get("root")) for i in ids] == [("UNK", None)]
    doc = valid(cda_ambulatory_record(record(other_ids=[("EGYEB", "X-1"), ("ISMERETLEN", "")])))
    ids = doc.xpath("h:recordTarget/h:patientRole/h:id", namespaces=NS)
    assert [(i.get("root"), i.get("extension")) for i in ids] == [
        (OID_PATIENT_ID["TAJ"], "111111110"),
        (OID_PATIENT_ID["EGYEB"], "X-1"),
        (None, None),
    ]


# --- every identifier type and visit shape makes a schema-valid document ----------------

_text = st.text(max_size=40)
_line = st.builds(Line, st.from_regex(r"[A-Z][0-9]{2,4}", fullmatch=True), _text)
_procedure = st.builds(
    Procedure,
    st.sampled_from(["", "36", "36 MOD", "11 B"]),
    _text,
    st.sampled_from(["", "1", "2345"]),
    st.sampled_from(["", "56010"]),
)
_id_value = st.text(alphabet="ABC0123456789-", max_size=12)
_aware = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2099, 1, 1)).map(
    lambda d: d.replace(tzinfo=dt.UTC)
)


@settings(max_examples=60, deadline=None)
@given(
    id_type=st.sampled_from(sorted(OID_PATIENT_ID)),
    id_value=_id_value,
    others=st.lists(st.tuples(st.sampled_from(sorted(OID_PATIENT_ID)), _id_value), max_size=2),
    sex=st.sampled_from(["M", "F", "U", ""]),
    diagnoses=st.lists(_line, max_size=4),
    procedures=st.lists(_procedure, max_size=4),
    sections=st.lists(st.tuples(_text, _text), max_size=4),
    referral=_text,
    revision=st.integers(1, 50),
    confidentiality=st.sampled_from(["N", "R", "V"]),
    created=_aware,
    title=_text.filter(str.strip),
)
def test_every_identifier_type_and_visit_shape_is_schema_valid(
    id_type: str,
    id_value: str,
    others: list[tuple[str, str]],
    sex: str,
    diagnoses: list[Line],
    procedures: list[Procedure],
    sections: list[tuple[str, str]],
    referral: str,
    revision: int,
    confidentiality: str,
    created: dt.datetime,
    title: str,
) -> None:
    content = cda_ambulatory_record(
        record(
            patient_id_type=id_type,
            patient_id=id_value,
            other_ids=others,
            patient_sex=sex,
            diagnoses=diagnoses,
            procedures=procedures,
            sections=sections,
            referral=referral,
            revision=revision,
            replaces=VersionRef(f"AL-1-42.{revision - 1}", revision - 1) if revision > 1 else None,
            confidentiality=confidentiality,
            created_at=created,
            care_start=created,
            care_end=created,
            title=title,
        )
    )
    doc = valid(content)
    assert len(doc.xpath("//h:entry/h:observation", namespaces=NS)) == len(diagnoses)
    assert len(doc.xpath("//h:entry/h:procedure", namespaces=NS)) == len(procedures)
