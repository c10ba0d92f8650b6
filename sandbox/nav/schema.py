"""The published NAV schemas, loaded once, and the safe XML parser of every request.

The XSDs import each other by namespace without a schemaLocation; a driver document that
imports all five with their file names lets libxml2 resolve them (it keeps one schema per
namespace). One compiled schema validates API requests and answers, invoice data and
annulments alike — the caller checks the root element it expects. lxml rather than
xmlschema: validating a request costs well under a millisecond (xmlschema: tens).
"""

from __future__ import annotations

import threading
from pathlib import Path

from lxml import etree

CONTRACT_DIR = Path(__file__).resolve().parent / "contract"
XSD_DIR = CONTRACT_DIR / "xsd"

NS_COMMON = "http://schemas.nav.gov.hu/NTCA/1.0/common"
NS_BASE = "http://schemas.nav.gov.hu/OSA/3.0/base"
NS_DATA = "http://schemas.nav.gov.hu/OSA/3.0/data"
NS_API = "http://schemas.nav.gov.hu/OSA/3.0/api"
NS_ANNUL = "http://schemas.nav.gov.hu/OSA/3.0/annul"

_DRIVER = f"""<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
 targetNamespace="urn:sandbox:nav:driver">
<xs:import namespace="{NS_COMMON}" schemaLocation="common.xsd"/>
<xs:import namespace="{NS_BASE}" schemaLocation="invoiceBase.xsd"/>
<xs:import namespace="{NS_DATA}" schemaLocation="invoiceData.xsd"/>
<xs:import namespace="{NS_API}" schemaLocation="invoiceApi.xsd"/>
<xs:import namespace="{NS_ANNUL}" schemaLocation="invoiceAnnulment.xsd"/>
</xs:schema>"""

_lock = threading.Lock()
_schema: etree.XMLSchema | None = None

# No entities, no network, no huge trees: requests come from outside.
PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=False
)


class XmlInvalid(Exception):
    """Not well-formed XML (message: the parser's)."""


def schema() -> etree.XMLSchema:
    global _schema
    if _schema is None:
        with _lock:
            if _schema is None:
                driver = etree.fromstring(_DRIVER.encode(), base_url=str(XSD_DIR / "driver.xsd"))
                _schema = etree.XMLSchema(driver)
    return _schema


def parse(data: bytes) -> etree._Element:
    try:
        root = etree.fromstring(data, parser=PARSER)
    except etree.XMLSyntaxError as exc:
        raise XmlInvalid(str(exc)) from exc
    if root is None:
        raise XmlInvalid("üres dokumentum")
    return root


def violations(root: etree._Element, *, limit: int = 20) -> list[str]:
    """Schema violations of a parsed document (empty: valid). An ``XMLSchema``'s error log
    belongs to the object and the server is threaded: validation holds a lock (it takes
    well under a millisecond)."""
    s = schema()
    with _lock:
        if s.validate(root):
            return []
        return [f"{e.line}:{e.column} {e.message}" for e in list(s.error_log)[:limit]]


def q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"
