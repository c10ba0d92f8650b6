"""The published NAV schemas (contract/xsd, PROVENANCE.md), compiled once. Every request the
client sends and every invoice data document inside one is validated before it leaves."""

from __future__ import annotations

import threading
from pathlib import Path

from lxml import etree

XSD_DIR = Path(__file__).resolve().parent / "contract" / "xsd"
NS_COMMON = "http://schemas.nav.gov.hu/NTCA/1.0/common"
NS_BASE = "http://schemas.nav.gov.hu/OSA/3.0/base"
NS_DATA = "http://schemas.nav.gov.hu/OSA/3.0/data"
NS_API = "http://schemas.nav.gov.hu/OSA/3.0/api"
NS_ANNUL = "http://schemas.nav.gov.hu/OSA/3.0/annul"

# The XSDs import each other by namespace only; this driver names their files.
_DRIVER = f"""<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
 targetNamespace="urn:zomanc:nav:driver">
<xs:import namespace="{NS_COMMON}" schemaLocation="common.xsd"/>
<xs:import namespace="{NS_BASE}" schemaLocation="invoiceBase.xsd"/>
<xs:import namespace="{NS_DATA}" schemaLocation="invoiceData.xsd"/>
<xs:import namespace="{NS_API}" schemaLocation="invoiceApi.xsd"/>
<xs:import namespace="{NS_ANNUL}" schemaLocation="invoiceAnnulment.xsd"/>
</xs:schema>"""

# Answers come from outside: no entities, no network.
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)

_lock = threading.Lock()
_schema: etree.XMLSchema | None = None


class SchemaViolation(ValueError):
    """A message we built does not match NAV's schema: a bug on our side, never sent."""


def schema() -> etree.XMLSchema:
    global _schema
    if _schema is None:
        with _lock:
            if _schema is None:
                driver = etree.fromstring(_DRIVER.encode(), base_url=str(XSD_DIR / "driver.xsd"))
                _schema = etree.XMLSchema(driver)
    return _schema


def validate(root: etree._Element) -> None:
    xsd = schema()
    with _lock:  # an XMLSchema's error log is per object: one validation at a time
        if not xsd.validate(root):
            errors = "; ".join(f"{e.line}: {e.message}" for e in list(xsd.error_log)[:5])
            raise SchemaViolation(f"{etree.QName(root).localname}: {errors}")


def parse(data: bytes) -> etree._Element:
    return etree.fromstring(data, parser=PARSER)
