"""The Ambuláns lap as an HL7 CDA R2 document, in the sandbox contract's profile.

Which CDA element carries which envelope field, and under which OID, is part of the wire
contract (docs/sandbox-cda-profile.md), so it lives in the adapter: a real EESZT contract
swaps these OIDs and this builder, nothing else. The rest of the product hands over an
`AmbulatoryRecord` built from a visit revision."""

import datetime as dt
import re
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
    "ISMERETLEN": f"{OID_ROOT}.1.5",
}
OID_STAMP = f"{OID_ROOT}.2"
OID_INSTITUTION = f"{OID_ROOT}.3"
OID_ORG_UNIT = f"{OID_ROOT}.4"
OID_DOC_TYPE = f"{OID_ROOT}.5"
OID_EVENT = f"{OID_ROOT}.6"
OID_CLIENT_DOCUMENT = f"{OID_ROOT}.7"
OID_BNO = f"{OID_ROOT}.8"
# The national procedure code (OENO) of a catalogue item, as a translation of its code.
OID_OENO = f"{OID_ROOT}.9"
DOC_TYPE_AMBULATORY = "11"

# Zománc's own arc (uuid5(NAMESPACE_URL, "urn:zomanc:oid")) for codes only the product
# defines. `.1.<practice id>` is that practice's treatment catalogue: its item ids are codes
# only within the practice, so each practice is a code system of its own.
OID_ZOMANC_ROOT = "2.25.42225643526014359648222415389340182811"
LOINC = "2.16.840.1.113883.6.1"
XSI = "http://www.w3.org/2001/XMLSchema-instance"


def oid_catalogue(practice_id: int) -> str:
    """The code system of one practice's treatment catalogue (code = the item's id)."""
    return f"{OID_ZOMANC_ROOT}.1.{practice_id}"


@dataclass(frozen=True)
class Line:
    """A diagnosis: its BNO-10 code and name."""

    code: str
    text: str


@dataclass(frozen=True)
class Procedure:
    """A procedure done: narrative (tooth and surfaces, name) and its codes."""

    site: str  # "36 MOD", "" when it is not a tooth's
    text: str
    catalogue_code: str = ""  # the catalogue item's id, in `AmbulatoryRecord.catalogue_oid`
    national_code: str = ""  # OENO, when the catalogue item has one


@dataclass(frozen=True)
class VersionRef:
    """The document version a new one replaces (CDA relatedDocument RPLC)."""

    document_id: str  # that version's ClinicalDocument/id extension
    version: int


@dataclass(frozen=True)
class AmbulatoryRecord:
    """What an outpatient record says, independent of the wire format."""

    client_document_id: str
    title: str
    created_at: dt.datetime
    patient_id_type: str  # TAJ, UTLEVEL, EU_KARTYA (what EESZT knows), EGYEB, ISMERETLEN
    patient_id: str  # "" when unknown
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
    procedures: list[Procedure] = field(default_factory=list)
    referral: str = ""
    revision: int = 1  # the document's versionNumber
    confidentiality: str = "N"
    # Other identifiers of the patient (type, value) besides the one EESZT knows him by,
    # e.g. when his TAJ turned out wrong after the visit was reported.
    other_ids: list[tuple[str, str]] = field(default_factory=list)
    catalogue_oid: str = ""
    # The version this one replaces; None for the first version.
    replaces: VersionRef | None = None

    @property
    def document_id(self) -> str:
        """This version's own id: every version is a new document (CDA R2: same setId,
        versionNumber + 1), the client document id is the set's."""
        return version_document_id(self.client_document_id, self.revision)


def version_document_id(client_document_id: str, version: int) -> str:
    return f"{client_document_id}.{version}"


def ts(value: dt.datetime) -> str:
    """HL7 TS with seconds and zone offset, Budapest time (the profile's form)."""
    return value.astimezone(BUDAPEST).strftime("%Y%m%d%H%M%S%z")


class _Builder:
    def __init__(self) -> None:
        self.root = etree.Element(f"{{{CDA_NS}}}ClinicalDocument", nsmap={None: CDA_NS, "xsi": XSI})

    def add(
        self, parent: etree._Element, tag: str, text: str | None = None, **attrs: str
    ) -> etree._Element:
        el = etree.SubElement(parent, f"{{{CDA_NS}}}{tag}", {k: _xml(v) for k, v in attrs.items()})
        if text is not None:
            el.text = _xml(text)
        return el


# Characters XML 1.0 cannot carry (C0 controls but tab/newline/CR, surrogates, U+FFFE/F): a
# stray one pasted into a visit's text must not stop its Ambuláns lap.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _table(
    b: _Builder, parent: etree._Element, head: tuple[str, str], rows: list[tuple[str, str]]
) -> None:
    table = b.add(parent, "table")
    tr = b.add(b.add(table, "thead"), "tr")
    for title in head:
        b.add(tr, "th", title)
    body = b.add(table, "tbody")
    for code, text in rows:
        tr = b.add(body, "tr")
        b.add(tr, "td", code)
        b.add(tr, "td", text)


def _patient_id(b: _Builder, role: etree._Element, id_type: str, value: str) -> None:
    if value:
        b.add(role, "id", root=OID_PATIENT_ID[id_type], extension=value)
    else:  # "no identifier": the id is required, its value unknown
        b.add(role, "id", nullFlavor="UNK")


def _diagnosis_entry(b: _Builder, section: etree._Element, line: Line) -> None:
    obs = b.add(b.add(section, "entry", typeCode="DRIV"), "observation")
    obs.set("classCode", "OBS")
    obs.set("moodCode", "EVN")
    b.add(obs, "code", code="29308-4", codeSystem=LOINC, codeSystemName="LOINC")
    b.add(obs, "statusCode", code="completed")
    value = b.add(obs, "value", code=line.code, codeSystem=OID_BNO, codeSystemName="BNO-10")
    value.set(f"{{{XSI}}}type", "CD")
    if line.text:
        value.set("displayName", _xml(line.text))


def _procedure_entry(
    b: _Builder, section: etree._Element, proc: Procedure, catalogue_oid: str
) -> None:
    el = b.add(b.add(section, "entry", typeCode="DRIV"), "procedure")
    el.set("classCode", "PROC")
    el.set("moodCode", "EVN")
    if proc.catalogue_code and catalogue_oid:
        code = b.add(el, "code", code=proc.catalogue_code, codeSystem=catalogue_oid)
    else:
        code = b.add(el, "code", nullFlavor="OTH")
    if proc.text:
        code.set("displayName", _xml(proc.text))
    if proc.national_code:
        b.add(
            code,
            "translation",
            code=proc.national_code,
            codeSystem=OID_OENO,
            codeSystemName="OENO",
        )
    b.add(el, "statusCode", code="completed")


def cda_ambulatory_record(record: AmbulatoryRecord) -> bytes:
    """A CDA R2 document (valid against CDA_SDTC.xsd) whose header agrees with the
    DocumentSubmit envelope built from the same record."""
    b = _Builder()
    r = b.root
    created = ts(record.created_at)
    b.add(r, "typeId", root="2.16.840.1.113883.1.3", extension="POCD_HD000040")
    b.add(r, "id", root=OID_CLIENT_DOCUMENT, extension=record.document_id)
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
    _patient_id(b, role, record.patient_id_type, record.patient_id)
    for id_type, value in record.other_ids:
        if (id_type, value) != (record.patient_id_type, record.patient_id):
            _patient_id(b, role, id_type, value)
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

    if record.replaces is not None:
        parent = b.add(b.add(r, "relatedDocument", typeCode="RPLC"), "parentDocument")
        b.add(parent, "id", root=OID_CLIENT_DOCUMENT, extension=record.replaces.document_id)
        b.add(parent, "setId", root=OID_CLIENT_DOCUMENT, extension=record.client_document_id)
        b.add(parent, "versionNumber", value=str(record.replaces.version))

    encounter = b.add(b.add(r, "componentOf"), "encompassingEncounter")
    period = b.add(encounter, "effectiveTime")
    b.add(period, "low", value=ts(record.care_start))
    b.add(period, "high", value=ts(record.care_end))
    location = b.add(b.add(encounter, "location"), "healthCareFacility")
    b.add(location, "id", root=OID_ORG_UNIT, extension=record.org_unit_id)

    body = b.add(b.add(r, "component"), "structuredBody")

    def section(title: str) -> tuple[etree._Element, etree._Element]:
        sec = b.add(b.add(body, "component"), "section")
        b.add(sec, "title", title)
        return sec, b.add(sec, "text")

    # The narrative is what a reader sees; the entries after it carry the same content
    # coded, for machines (diagnoses in BNO-10, procedures in the practice's catalogue with
    # the national OENO code as a translation).
    if record.diagnoses:
        sec, text = section("Diagnózisok (BNO-10)")
        rows = [(d.code, d.text) for d in record.diagnoses]
        _table(b, text, ("BNO", "Megnevezés"), rows)
        for diagnosis in record.diagnoses:
            _diagnosis_entry(b, sec, diagnosis)
    if record.procedures:
        sec, text = section("Beavatkozások")
        _table(b, text, ("Fog", "Megnevezés"), [(p.site, p.text) for p in record.procedures])
        for proc in record.procedures:
            _procedure_entry(b, sec, proc, record.catalogue_oid)
    for title, content in record.sections:
        if content.strip():
            _, para = section(title)
            for line in content.strip().splitlines():
                b.add(para, "paragraph", line)
    if record.referral:
        b.add(section("Beutaló")[1], "paragraph", record.referral)
    b.add(section("Ellátó")[1], "paragraph", f"{record.org_unit_name} ({record.org_unit_id})")
    return etree.tostring(r, xml_declaration=True, encoding="UTF-8")
