"""The Ambuláns lap as an HL7 CDA R2 document, in the sandbox contract's profile.

Which CDA element carries which envelope field, and under which OID, is part of the wire
contract (docs/sandbox-cda-profile.md), so it lives in the adapter: a real EESZT contract
swaps these OIDs and this builder, nothing else. The rest of the product hands over an
`AmbulatoryRecord` built from a visit revision."""

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from lxml import etree

CDA_NS = "urn:hl7-org:v3"
BUDAPEST = ZoneInfo("Europe/Budapest")

# The sandbox's own OID arc (2.25 = UUID-derived, needs no registration).
OID_ROOT = "2.25.247719825146452341225168399054199571041"
OID_PATIENT_ID = {
    "TAJ": f"{OID_ROOT}.1.1",
    "UTLEVEL": f"{OID_ROOT}.1.2",
    "EU_KARTYA": f"{OID_ROOT}.1.3",
    "EGYEB": f"{OID_ROOT}.1.4",
}
OID_STAMP = f"{OID_ROOT}.2"
OID_INSTITUTION = f"{OID_ROOT}.3"
OID_ORG_UNIT = f"{OID_ROOT}.4"
OID_DOC_TYPE = f"{OID_ROOT}.5"
OID_EVENT = f"{OID_ROOT}.6"
OID_CLIENT_DOCUMENT = f"{OID_ROOT}.7"
OID_BNO = f"{OID_ROOT}.8"
DOC_TYPE_AMBULATORY = "11"


@dataclass(frozen=True)
class Line:
    code: str
    text: str


@dataclass(frozen=True)
class AmbulatoryRecord:
    """What an outpatient record says, independent of the wire format."""

    client_document_id: str
    title: str
    created_at: dt.datetime
    patient_id_type: str  # TAJ, UTLEVEL, EU_KARTYA
    patient_id: str
    patient_family: str
    patient_given: str
    patient_sex: str  # M, F, U
    patient_birth: dt.date
    author_stamp: str
    author_name: str
    institution_id: str
    institution_name: str
    org_unit_id: str
    org_unit_name: str
    care_start: dt.datetime
    care_end: dt.datetime
    sections: list[tuple[str, str]] = field(default_factory=list)  # (title, text)
    diagnoses: list[Line] = field(default_factory=list)
    procedures: list[Line] = field(default_factory=list)
    referral: str = ""
    revision: int = 1
    confidentiality: str = "N"


def ts(value: dt.datetime) -> str:
    """HL7 TS with seconds and zone offset, Budapest time (the profile's form)."""
    return value.astimezone(BUDAPEST).strftime("%Y%m%d%H%M%S%z")


class _Builder:
    def __init__(self) -> None:
        self.root = etree.Element(f"{{{CDA_NS}}}ClinicalDocument", nsmap={None: CDA_NS})

    def add(
        self, parent: etree._Element, tag: str, text: str | None = None, **attrs: str
    ) -> etree._Element:
        el = etree.SubElement(parent, f"{{{CDA_NS}}}{tag}", attrs)
        if text is not None:
            el.text = text
        return el


def _table(b: _Builder, parent: etree._Element, head: tuple[str, str], rows: list[Line]) -> None:
    table = b.add(parent, "table")
    tr = b.add(b.add(table, "thead"), "tr")
    for title in head:
        b.add(tr, "th", title)
    body = b.add(table, "tbody")
    for row in rows:
        tr = b.add(body, "tr")
        b.add(tr, "td", row.code)
        b.add(tr, "td", row.text)


def cda_ambulatory_record(record: AmbulatoryRecord) -> bytes:
    """A CDA R2 document (valid against CDA_SDTC.xsd) whose header agrees with the
    DocumentSubmit envelope built from the same record."""
    b = _Builder()
    r = b.root
    created = ts(record.created_at)
    b.add(r, "typeId", root="2.16.840.1.113883.1.3", extension="POCD_HD000040")
    b.add(r, "id", root=OID_CLIENT_DOCUMENT, extension=f"{record.client_document_id}")
    b.add(r, "code", code=DOC_TYPE_AMBULATORY, codeSystem=OID_DOC_TYPE, displayName="Ambuláns lap")
    b.add(r, "title", record.title)
    b.add(r, "effectiveTime", value=created)
    b.add(
        r, "confidentialityCode", code=record.confidentiality, codeSystem="2.16.840.1.113883.5.25"
    )
    b.add(r, "languageCode", code="hu-HU")
    b.add(r, "setId", root=OID_CLIENT_DOCUMENT, extension=record.client_document_id)
    b.add(r, "versionNumber", value=str(record.revision))

    role = b.add(b.add(r, "recordTarget"), "patientRole")
    b.add(role, "id", root=OID_PATIENT_ID[record.patient_id_type], extension=record.patient_id)
    patient = b.add(role, "patient")
    name = b.add(patient, "name")
    b.add(name, "given", record.patient_given)
    b.add(name, "family", record.patient_family)
    gender = {"M": "M", "F": "F"}.get(record.patient_sex, "UN")
    b.add(patient, "administrativeGenderCode", code=gender, codeSystem="2.16.840.1.113883.5.1")
    b.add(patient, "birthTime", value=record.patient_birth.strftime("%Y%m%d"))

    author = b.add(r, "author")
    b.add(author, "time", value=created)
    assigned = b.add(author, "assignedAuthor")
    b.add(assigned, "id", root=OID_STAMP, extension=record.author_stamp)
    b.add(b.add(assigned, "assignedPerson"), "name", record.author_name)
    org = b.add(assigned, "representedOrganization")
    b.add(org, "id", root=OID_INSTITUTION, extension=record.institution_id)
    b.add(org, "name", record.institution_name)

    custodian = b.add(
        b.add(b.add(r, "custodian"), "assignedCustodian"), "representedCustodianOrganization"
    )
    b.add(custodian, "id", root=OID_INSTITUTION, extension=record.institution_id)
    b.add(custodian, "name", record.institution_name)

    encounter = b.add(b.add(r, "componentOf"), "encompassingEncounter")
    period = b.add(encounter, "effectiveTime")
    b.add(period, "low", value=ts(record.care_start))
    b.add(period, "high", value=ts(record.care_end))
    location = b.add(b.add(encounter, "location"), "healthCareFacility")
    b.add(location, "id", root=OID_ORG_UNIT, extension=record.org_unit_id)

    body = b.add(b.add(r, "component"), "structuredBody")

    def section(title: str) -> etree._Element:
        sec = b.add(b.add(body, "component"), "section")
        b.add(sec, "title", title)
        return b.add(sec, "text")

    if record.diagnoses:
        _table(b, section("Diagnózisok (BNO-10)"), ("BNO", "Megnevezés"), record.diagnoses)
    if record.procedures:
        _table(b, section("Beavatkozások"), ("Fog", "Megnevezés"), record.procedures)
    for title, text in record.sections:
        if text.strip():
            para = section(title)
            for line in text.strip().splitlines():
                b.add(para, "paragraph", line)
    if record.referral:
        b.add(section("Beutaló"), "paragraph", record.referral)
    b.add(section("Ellátó"), "paragraph", f"{record.org_unit_name} ({record.org_unit_id})")
    return etree.tostring(r, xml_declaration=True, encoding="UTF-8")
