"""HL7 CDA R2 bodies of EHR documents: schema validation and our envelope profile.

The profile (which CDA element carries which envelope field, under which OID) is
documented in docs/sandbox-cda-profile.md; the practice system's CDA generator follows it.
The CDA schema (sandbox/data/cda-r2, HL7 CDA-core-2.0 with SDTC extensions) is compiled
once at import, offline.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from lxml import etree

from sandbox.soap.errors import SoapFault

CDA_NS = "urn:hl7-org:v3"
CDA_DIR = Path(__file__).resolve().parent.parent / "data" / "cda-r2"
CDA_ENTRY = CDA_DIR / "sdtc" / "infrastructure" / "cda" / "CDA_SDTC.xsd"
BUDAPEST = ZoneInfo("Europe/Budapest")

# Our OID arc: a UUID-derived OID (ITU-T X.667, "2.25.<uuid as integer>"), free to use without
# registration. uuid5(NAMESPACE_URL, "urn:zomanc:eeszt-sandbox:oid"). EESZT's own OIDs are
# not public; the adapter swaps these for them.
OID_ROOT = "2.25.247719825146452341225168399054199571041"
OID_PATIENT_ID = {
    "TAJ": f"{OID_ROOT}.1.1",
    "UTLEVEL": f"{OID_ROOT}.1.2",
    "EU_KARTYA": f"{OID_ROOT}.1.3",
    "EGYEB": f"{OID_ROOT}.1.4",
    "ISMERETLEN": f"{OID_ROOT}.1.5",
}
OID_STAMP = f"{OID_ROOT}.2"  # orvosi pecsétszám
OID_INSTITUTION = f"{OID_ROOT}.3"  # intézményazonosító (6 characters)
OID_ORG_UNIT = f"{OID_ROOT}.4"  # szervezeti egység (9 characters)
OID_DOC_TYPE = f"{OID_ROOT}.5"  # codeSystem of the EESZT document type ("11" Ambuláns lap)
OID_EVENT = f"{OID_ROOT}.6"  # eKAT event id (18 digits)
OID_CLIENT_DOCUMENT = f"{OID_ROOT}.7"  # recommended root of ClinicalDocument/id
OID_BNO = f"{OID_ROOT}.8"  # codeSystem of BNO-10 codes in entries (checked: CODE_UNKNOWN)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _load_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(CDA_ENTRY), _parser()))


CDA_SCHEMA = _load_schema()


@dataclass(frozen=True)
class Envelope:
    """What the DocumentSubmit envelope says; the CDA body must agree."""

    patient_id_type: str
    patient_id: str
    author_stamp: str
    institution_id: str
    created_at: dt.datetime
    doc_type: str
    confidentiality: str
    event_id: str


def ts_format(value: dt.datetime) -> str:
    """HL7 TS with seconds and zone offset, in Budapest time: 20260115103000+0100."""
    return value.astimezone(BUDAPEST).strftime("%Y%m%d%H%M%S%z")


_TS_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?([+-])(\d{2})(\d{2})$")


def ts_parse(value: str) -> tuple[dt.datetime, bool] | None:
    """(instant, has_seconds) for our profile's TS form, else None."""
    m = _TS_RE.match(value or "")
    if not m:
        return None
    y, mo, d, h, mi, s, sign, zh, zm = m.groups()
    offset = dt.timedelta(hours=int(zh), minutes=int(zm)) * (1 if sign == "+" else -1)
    try:
        instant = dt.datetime(
            int(y), int(mo), int(d), int(h), int(mi), int(s or 0), tzinfo=dt.timezone(offset)
        )
    except ValueError:
        return None
    return instant, s is not None


def _q(path: str) -> str:
    return "/".join(f"{{{CDA_NS}}}{p}" for p in path.split("/"))


def _ids(el: etree._Element, path: str, root: str) -> list[str]:
    return [i.get("extension") or "" for i in el.iterfind(_q(path)) if i.get("root") == root]


def _mismatch(element: str, message: str) -> SoapFault:
    return SoapFault("BODY_MISMATCH", message, element=element)


def cda_parse_and_validate(body: bytes) -> etree._Element:
    """Well-formed, no DTD, root ClinicalDocument, valid against CDA R2 → else
    SCHEMA_INVALID naming the first error (line: message)."""
    try:
        root = etree.fromstring(body, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise SoapFault(
            "SCHEMA_INVALID", f"A dokumentum nem jól formált XML: {exc}", element="body"
        ) from exc
    if root.getroottree().docinfo.doctype:
        raise SoapFault(
            "SCHEMA_INVALID", "A dokumentum nem tartalmazhat DTD-t (DOCTYPE).", element="body"
        )
    if root.tag != f"{{{CDA_NS}}}ClinicalDocument":
        raise SoapFault(
            "SCHEMA_INVALID",
            "A text/xml törzs gyökéreleme {urn:hl7-org:v3}ClinicalDocument kell legyen.",
            element="body",
        )
    if not CDA_SCHEMA.validate(root):
        err = CDA_SCHEMA.error_log[0]
        raise SoapFault(
            "SCHEMA_INVALID",
            f"A dokumentum nem érvényes HL7 CDA R2 (sor {err.line}): {err.message}",
            element="body",
        )
    return root


def cda_bno_codes(root: etree._Element) -> list[str]:
    """The coded BNO-10 diagnoses: every entry value / code in our BNO code system."""
    return [
        el.get("code") or ""
        for el in root.iter(f"{{{CDA_NS}}}value", f"{{{CDA_NS}}}code")
        if el.get("codeSystem") == OID_BNO
    ]


@dataclass(frozen=True)
class CdaVersion:
    """The versioning of a CDA document (R2: every version a new id in one setId)."""

    id: tuple[str, str]  # (root, extension) of ClinicalDocument/id
    set_id: tuple[str, str] | None
    version_number: int | None
    replaces: list[tuple[str, str]]  # parentDocument/id of relatedDocument typeCode="RPLC"


def _ii(el: etree._Element | None) -> tuple[str, str] | None:
    return None if el is None else (el.get("root") or "", el.get("extension") or "")


def cda_version(root: etree._Element) -> CdaVersion:
    number = root.find(_q("versionNumber"))
    try:
        version_number = int(number.get("value") or "") if number is not None else None
    except ValueError:
        version_number = None
    replaces = [
        ii
        for rel in root.iterfind(_q("relatedDocument"))
        if rel.get("typeCode") == "RPLC"
        for ii in [_ii(rel.find(_q("parentDocument/id")))]
        if ii is not None
    ]
    return CdaVersion(
        id=_ii(root.find(_q("id"))) or ("", ""),
        set_id=_ii(root.find(_q("setId"))),
        version_number=version_number,
        replaces=replaces,
    )


def cda_version_check(new: CdaVersion, earlier: list[CdaVersion], version_no: int) -> None:
    """A new version (≥ 2) is a NEW document id in the same setId, versionNumber + 1, and
    relatedDocument typeCode="RPLC" pointing to the version it replaces → else
    BODY_MISMATCH naming the element."""
    previous = earlier[-1]
    used = {v.id for v in earlier}
    if new.id in used:
        raise _mismatch(
            "id",
            f"A {version_no}. verzió ClinicalDocument/id-je ({new.id[1]}) egy korábbi verzióé: "
            "minden verzió új dokumentumazonosítót kap (CDA R2).",
        )
    if previous.set_id is not None and new.set_id != previous.set_id:
        raise _mismatch(
            "setId",
            f"Az új verzió setId-je nem azonos az előző verzióéval ({previous.set_id[1]}).",
        )
    expected = (previous.version_number or version_no - 1) + 1
    if new.version_number != expected:
        raise _mismatch(
            "versionNumber",
            f"Az új verzió versionNumber értéke {expected} kell legyen "
            f"(kapott: {new.version_number}).",
        )
    if previous.id not in new.replaces:
        raise _mismatch(
            "relatedDocument",
            'Az új verzióban hiányzik a relatedDocument typeCode="RPLC", amely az előző '
            f"verzió azonosítójára ({previous.id[1]}) mutat.",
        )


def cda_identity(body: bytes) -> tuple[str, dt.date, str] | None:
    """(name, birth date, sex "1"/"2") of the recordTarget patient, if the body carries a
    well-formed one; None otherwise (the register then generates an identity)."""
    try:
        root = etree.fromstring(body, parser=_parser())
    except etree.XMLSyntaxError:
        return None
    patient = root.find(_q("recordTarget/patientRole/patient"))
    if patient is None:
        return None
    name_el = patient.find(_q("name"))
    if name_el is None:
        return None
    family = " ".join((f.text or "").strip() for f in name_el.iterfind(_q("family")))
    given = " ".join((g.text or "").strip() for g in name_el.iterfind(_q("given")))
    name = f"{family} {given}".strip()
    birth_el = patient.find(_q("birthTime"))
    gender_el = patient.find(_q("administrativeGenderCode"))
    birth = (birth_el.get("value") or "")[:8] if birth_el is not None else ""
    sex = {"M": "1", "F": "2"}.get(gender_el.get("code") or "" if gender_el is not None else "")
    try:
        born = dt.date(int(birth[:4]), int(birth[4:6]), int(birth[6:8]))
    except ValueError:
        return None
    if not name or sex is None:
        return None
    return name[:200], born, sex


def cda_check(root: etree._Element, env: Envelope) -> None:
    """The body agrees with the envelope (docs/sandbox-cda-profile.md) → else BODY_MISMATCH."""
    patient_oid = OID_PATIENT_ID[env.patient_id_type]
    targets = root.findall(_q("recordTarget"))
    if len(targets) != 1:
        raise _mismatch("recordTarget", "A dokumentumnak pontosan egy betegre kell szólnia.")
    if env.patient_id not in _ids(targets[0], "patientRole/id", patient_oid):
        raise _mismatch(
            "recordTarget",
            f"A recordTarget/patientRole/id (root={patient_oid}) nem a kísérő adatok betege "
            f"({env.patient_id_type} {env.patient_id}).",
        )
    authors = [
        a
        for a in root.iterfind(_q("author/assignedAuthor"))
        if env.author_stamp in _ids(a, "id", OID_STAMP)
    ]
    if not authors:
        raise _mismatch(
            "author",
            f"Nincs author/assignedAuthor/id (root={OID_STAMP}) a(z) {env.author_stamp} "
            "pecsétszámmal.",
        )
    if env.institution_id not in _ids(authors[0], "representedOrganization/id", OID_INSTITUTION):
        raise _mismatch(
            "representedOrganization",
            "A szerző author/assignedAuthor/representedOrganization/id eleme "
            f"(root={OID_INSTITUTION}) nem a beküldő intézmény ({env.institution_id}).",
        )
    custodian = _ids(
        root, "custodian/assignedCustodian/representedCustodianOrganization/id", OID_INSTITUTION
    )
    if env.institution_id not in custodian:
        raise _mismatch(
            "custodian",
            f"A custodian szervezete (root={OID_INSTITUTION}) nem a beküldő intézmény "
            f"({env.institution_id}).",
        )
    effective = root.find(_q("effectiveTime"))
    parsed = ts_parse(effective.get("value", "") if effective is not None else "")
    if parsed is None:
        raise _mismatch(
            "effectiveTime",
            "Az effectiveTime formája ÉÉÉÉHHNNóópp[mm]±ZZZZ kell legyen (időzónával).",
        )
    instant, has_seconds = parsed
    expected = env.created_at if has_seconds else env.created_at.replace(second=0)
    if instant != expected.replace(microsecond=0):
        raise _mismatch(
            "effectiveTime",
            f"Az effectiveTime ({effective.get('value') if effective is not None else ''}) "
            f"nem egyezik a createdAt értékével ({ts_format(env.created_at)}).",
        )
    code = root.find(_q("code"))
    if code is None or code.get("codeSystem") != OID_DOC_TYPE or code.get("code") != env.doc_type:
        raise _mismatch(
            "code",
            f"A dokumentum code eleme (codeSystem={OID_DOC_TYPE}) nem a(z) {env.doc_type} "
            "dokumentumtípus.",
        )
    conf = root.find(_q("confidentialityCode"))
    if conf is None or conf.get("code") != env.confidentiality:
        raise _mismatch(
            "confidentialityCode",
            f"A confidentialityCode nem egyezik a kísérő adatokkal ({env.confidentiality}).",
        )
    encounter_ids = _ids(root, "componentOf/encompassingEncounter/id", OID_EVENT)
    if encounter_ids and env.event_id not in encounter_ids:
        raise _mismatch(
            "encompassingEncounter",
            f"A componentOf/encompassingEncounter/id (root={OID_EVENT}) nem a(z) "
            f"{env.event_id} esemény.",
        )


@dataclass
class CdaContent:
    """Input of ``cda_build`` — what a minimal document of our profile needs."""

    patient_id_type: str
    patient_id: str
    patient_family: str
    patient_given: str
    patient_sex: str  # "1" férfi, "2" nő
    patient_birth: dt.date
    author_stamp: str
    author_name: str
    institution_id: str
    institution_name: str
    created_at: dt.datetime
    doc_type: str
    title: str
    confidentiality: str = "N"
    event_id: str = ""
    client_document_id: str = ""
    version: int = 1  # id = <clientDocumentId>.<version>; ≥ 2 writes the RPLC relation
    diagnoses: list[str] = field(default_factory=list)  # coded BNO entries
    sections: list[tuple[str, str]] = field(default_factory=list)  # (title, text)


def cda_build(c: CdaContent) -> bytes:
    """A CDA R2 document that passes ``cda_parse_and_validate`` and ``cda_check`` — the
    reference for generators (seed data, portal test data, tests)."""
    e = escape
    ts = ts_format(c.created_at)
    sex = {"1": "M", "2": "F"}.get(c.patient_sex, "UN")
    sections = c.sections or [("Ellátás", c.title)]
    encounter = (
        f"""  <componentOf><encompassingEncounter>
    <id root="{OID_EVENT}" extension="{e(c.event_id)}"/>
    <effectiveTime value="{ts}"/>
  </encompassingEncounter></componentOf>
"""
        if c.event_id
        else ""
    )
    body = "".join(
        f"""      <component><section>
        <title>{e(t)}</title>
        <text><paragraph>{e(x)}</paragraph></text>
      </section></component>
"""
        for t, x in sections
    )
    if c.diagnoses:
        entries = "".join(
            f"""        <entry typeCode="DRIV"><observation classCode="OBS" moodCode="EVN">
          <code code="29308-4" codeSystem="2.16.840.1.113883.6.1"/>
          <statusCode code="completed"/>
          <value xsi:type="CD" code="{e(d)}" codeSystem="{OID_BNO}" codeSystemName="BNO-10"/>
        </observation></entry>
"""
            for d in c.diagnoses
        )
        body += f"""      <component><section>
        <title>Diagnózisok (BNO-10)</title>
        <text><paragraph>{e(", ".join(c.diagnoses))}</paragraph></text>
{entries}      </section></component>
"""
    set_ext = e(c.client_document_id or "-")
    related = (
        f"""  <relatedDocument typeCode="RPLC"><parentDocument>
    <id root="{OID_CLIENT_DOCUMENT}" extension="{set_ext}.{c.version - 1}"/>
    <setId root="{OID_CLIENT_DOCUMENT}" extension="{set_ext}"/>
    <versionNumber value="{c.version - 1}"/>
  </parentDocument></relatedDocument>
"""
        if c.version > 1
        else ""
    )
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>
  <id root="{OID_CLIENT_DOCUMENT}" extension="{set_ext}.{c.version}"/>
  <code code="{e(c.doc_type)}" codeSystem="{OID_DOC_TYPE}"/>
  <title>{e(c.title)}</title>
  <effectiveTime value="{ts}"/>
  <confidentialityCode code="{e(c.confidentiality)}" codeSystem="2.16.840.1.113883.5.25"/>
  <languageCode code="hu-HU"/>
  <setId root="{OID_CLIENT_DOCUMENT}" extension="{set_ext}"/>
  <versionNumber value="{c.version}"/>
  <recordTarget><patientRole>
    <id root="{OID_PATIENT_ID[c.patient_id_type]}" extension="{e(c.patient_id)}"/>
    <patient>
      <name><given>{e(c.patient_given)}</given><family>{e(c.patient_family)}</family></name>
      <administrativeGenderCode code="{sex}" codeSystem="2.16.840.1.113883.5.1"/>
      <birthTime value="{c.patient_birth:%Y%m%d}"/>
    </patient>
  </patientRole></recordTarget>
  <author>
    <time value="{ts}"/>
    <assignedAuthor>
      <id root="{OID_STAMP}" extension="{e(c.author_stamp)}"/>
      <assignedPerson><name>{e(c.author_name)}</name></assignedPerson>
      <representedOrganization>
        <id root="{OID_INSTITUTION}" extension="{e(c.institution_id)}"/>
        <name>{e(c.institution_name)}</name>
      </representedOrganization>
    </assignedAuthor>
  </author>
  <custodian><assignedCustodian><representedCustodianOrganization>
    <id root="{OID_INSTITUTION}" extension="{e(c.institution_id)}"/>
    <name>{e(c.institution_name)}</name>
  </representedCustodianOrganization></assignedCustodian></custodian>
{related}{encounter}  <component><structuredBody>
{body}  </structuredBody></component>
</ClinicalDocument>
"""
    return xml.encode("utf-8")
