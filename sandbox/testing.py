"""Helpers for tests of the sandbox (and of services added on top of the framework):
build a SOAP 1.2 envelope with WS-Security + Context, call an endpoint in-process, read
the answer or the fault code."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from django.test import Client
from lxml import etree

from sandbox.soap.ns import COMMON, SOAP12, WSSE, WSU
from sandbox.soap.views import CLIENT_CERT_ENVIRON
from sandbox.soap.xmlutil import format_datetime


def context_element(
    *,
    user_id: str,
    institution_id: str,
    org_unit_id: str,
    role: str,
    request_id: str | None = None,
    software: tuple[str, str] = ("Zománc teszt", "0.1"),
    client_timestamp: dt.datetime | None = None,
) -> etree._Element:
    ctx = etree.Element(f"{{{COMMON}}}Context", nsmap={"c": COMMON})
    values = [
        ("userId", user_id),
        ("institutionId", institution_id),
        ("orgUnitId", org_unit_id),
        ("role", role),
        ("softwareName", software[0]),
        ("softwareVersion", software[1]),
        ("requestId", request_id or str(uuid.uuid4())),
        ("clientTimestamp", format_datetime(client_timestamp or dt.datetime.now(dt.UTC))),
    ]
    for name, value in values:
        etree.SubElement(ctx, f"{{{COMMON}}}{name}").text = value
    return ctx


def security_element(
    *, assertion: bytes | None, created: dt.datetime | None = None
) -> etree._Element:
    sec = etree.Element(f"{{{WSSE}}}Security", nsmap={"wsse": WSSE, "wsu": WSU})
    ts = etree.SubElement(sec, f"{{{WSU}}}Timestamp")
    created = created or dt.datetime.now(dt.UTC)
    etree.SubElement(ts, f"{{{WSU}}}Created").text = format_datetime(created)
    etree.SubElement(ts, f"{{{WSU}}}Expires").text = format_datetime(
        created + dt.timedelta(minutes=5)
    )
    if assertion is not None:
        sec.append(etree.fromstring(assertion))
    return sec


def envelope(payload: etree._Element | bytes, *headers: etree._Element) -> bytes:
    """Serialise an envelope; the payload may be bytes to send exactly what a test wrote."""
    env = etree.Element(f"{{{SOAP12}}}Envelope", nsmap={"env": SOAP12})
    if headers:
        header = etree.SubElement(env, f"{{{SOAP12}}}Header")
        for h in headers:
            header.append(h)
    body = etree.SubElement(env, f"{{{SOAP12}}}Body")
    body.append(etree.fromstring(payload) if isinstance(payload, bytes) else payload)
    return etree.tostring(env, xml_declaration=True, encoding="utf-8")


def payload(namespace: str, tag: str, **fields: Any) -> etree._Element:
    """``payload(ns, "EventQueryRequest", patient={"idType": "TAJ", "id": "…"})`` — nested
    dicts become child elements, lists repeat the element, None is left out."""
    el = etree.Element(f"{{{namespace}}}{tag}", nsmap={None: namespace})
    _fill(el, namespace, fields)
    return el


def _fill(el: etree._Element, ns: str, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        items = value if isinstance(value, list) else [value]
        for item in items:
            if item is None:
                continue
            child = etree.SubElement(el, f"{{{ns}}}{name}")
            if isinstance(item, dict):
                _fill(child, ns, item)
            elif isinstance(item, dt.datetime):
                child.text = format_datetime(item)
            elif isinstance(item, bool):
                child.text = "true" if item else "false"
            else:
                child.text = str(item)


@dataclass
class Answer:
    status: int
    root: etree._Element
    raw: bytes

    @property
    def fault_code(self) -> str | None:
        return self.root.findtext(f".//{{{COMMON}}}FaultDetail/{{{COMMON}}}code")

    @property
    def fault_message(self) -> str | None:
        return self.root.findtext(f".//{{{COMMON}}}FaultDetail/{{{COMMON}}}message")

    @property
    def fault_element(self) -> str | None:
        return self.root.findtext(f".//{{{COMMON}}}FaultDetail/{{{COMMON}}}element")

    @property
    def body(self) -> etree._Element:
        found = self.root.find(f"{{{SOAP12}}}Body")
        assert found is not None
        return found[0]

    def find(self, local: str) -> str | None:
        for el in self.body.iter():
            if isinstance(el.tag, str) and etree.QName(el).localname == local:
                return el.text
        return None


def post(client: Client, service: str, body: bytes, cert_der: bytes | None) -> Answer:
    extra: dict[str, Any] = {CLIENT_CERT_ENVIRON: cert_der} if cert_der is not None else {}
    response = client.generic(
        "POST",
        f"/soap/{service}",
        body,
        content_type="application/soap+xml; charset=utf-8",
        **extra,
    )
    raw = response.content
    root = (
        etree.fromstring(raw)
        if raw.startswith(b"<?xml") or raw.startswith(b"<")
        else etree.Element("empty")
    )
    return Answer(status=response.status_code, root=root, raw=raw)


def der_of(pem: str) -> bytes:
    from cryptography import x509

    return x509.load_pem_x509_certificate(pem.encode()).public_bytes(serialization.Encoding.DER)
