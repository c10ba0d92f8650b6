# ruff: noqa: E501  (XML templates read best one element per line)
"""A minimal NAV Online Számla 3.0 client written only from the shared public contract
(../shared/contracts/nav-online-invoice-3.0: the interface specification §1.3–1.5 and
§1.8, the XSD namespaces, the request samples) — it imports nothing of the sandbox or the
product, so a request it builds is what any client written from the specification sends.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from lxml import etree

CONTRACT = Path(__file__).resolve().parents[4] / "shared" / "contracts" / "nav-online-invoice-3.0"
if not CONTRACT.is_dir():  # the repository's own copy (same files, sandbox/nav/contract)
    CONTRACT = Path(__file__).resolve().parents[1] / "contract"
API = "http://schemas.nav.gov.hu/OSA/3.0/api"
COMMON = "http://schemas.nav.gov.hu/NTCA/1.0/common"
DATA = "http://schemas.nav.gov.hu/OSA/3.0/data"
MANAGE_LISTS = {
    "ManageInvoiceRequest": (
        "invoiceOperations",
        "invoiceOperation",
        "invoiceOperation",
        "invoiceData",
    ),
    "ManageAnnulmentRequest": (
        "annulmentOperations",
        "annulmentOperation",
        "annulmentOperation",
        "invoiceAnnulment",
    ),
}


@dataclass(frozen=True)
class Credentials:
    login: str
    password: str
    tax_number: str
    signature_key: str
    exchange_key: str


def sha512_upper(text: str) -> str:
    return hashlib.sha512(text.encode()).hexdigest().upper()


def sha3_upper(text: str) -> str:
    return hashlib.sha3_512(text.encode()).hexdigest().upper()


def new_request_id() -> str:
    return "RID" + secrets.token_hex(10).upper()


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def stamp(at: dt.datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def sign(root: etree._Element, creds: Credentials, *, signature_key: str | None = None) -> None:
    """Fills requestSignature: SHA3-512 (upper case) of requestId + yyyyMMddHHmmss (UTC)
    + signature key [+ SHA3-512(operation + base64 data) per index for manage calls]."""
    request_id = root.findtext(f"{{{COMMON}}}header/{{{COMMON}}}requestId")
    ts_text = root.findtext(f"{{{COMMON}}}header/{{{COMMON}}}timestamp")
    assert request_id and ts_text
    ts = dt.datetime.fromisoformat(ts_text.replace("Z", "+00:00"))
    base = request_id + ts.strftime("%Y%m%d%H%M%S") + (signature_key or creds.signature_key)
    local = etree.QName(root).localname
    if local in MANAGE_LISTS:
        list_name, item, op, data = MANAGE_LISTS[local]
        for el in root.find(f"{{{API}}}{list_name}").findall(f"{{{API}}}{item}"):  # type: ignore[union-attr]
            base += sha3_upper(
                el.findtext(f"{{{API}}}{op}", "").strip()
                + el.findtext(f"{{{API}}}{data}", "").strip()
            )
    sig = root.find(f"{{{COMMON}}}user/{{{COMMON}}}requestSignature")
    assert sig is not None
    sig.text = sha3_upper(base)


def refresh(
    root: etree._Element,
    creds: Credentials,
    *,
    request_id: str | None = None,
    at: dt.datetime | None = None,
) -> etree._Element:
    """A sample (or any request) with fresh id, timestamp, this user, and its signature."""
    header = root.find(f"{{{COMMON}}}header")
    user = root.find(f"{{{COMMON}}}user")
    assert header is not None and user is not None
    header.find(f"{{{COMMON}}}requestId").text = request_id or new_request_id()  # type: ignore[union-attr]
    header.find(f"{{{COMMON}}}timestamp").text = stamp(at or utc_now())  # type: ignore[union-attr]
    user.find(f"{{{COMMON}}}login").text = creds.login  # type: ignore[union-attr]
    user.find(f"{{{COMMON}}}passwordHash").text = sha512_upper(creds.password)  # type: ignore[union-attr]
    user.find(f"{{{COMMON}}}taxNumber").text = creds.tax_number  # type: ignore[union-attr]
    sign(root, creds)
    return root


def sample(name: str) -> etree._Element:
    parser = etree.XMLParser(remove_comments=True, resolve_entities=False, no_network=True)
    return etree.parse(str(CONTRACT / "samples" / "api" / f"{name}.xml"), parser).getroot()


SOFTWARE = """<software>
  <softwareId>HU24681353ZOMANC01</softwareId>
  <softwareName>contract client</softwareName>
  <softwareOperation>LOCAL_SOFTWARE</softwareOperation>
  <softwareMainVersion>1.0</softwareMainVersion>
  <softwareDevName>Zomanc tests</softwareDevName>
  <softwareDevContact>tests@example.invalid</softwareDevContact>
  <softwareDevCountryCode>HU</softwareDevCountryCode>
</software>"""


def request(operation: str, creds: Credentials, body: str = "", **kw: object) -> etree._Element:
    """``<Operation>Request`` with header, user, software and ``body`` (API namespace)."""
    name = operation[0].upper() + operation[1:] + "Request"
    xml = f"""<{name} xmlns="{API}" xmlns:common="{COMMON}">
  <common:header><common:requestId>X</common:requestId><common:timestamp>2020-01-01T00:00:00.000Z</common:timestamp>
    <common:requestVersion>3.0</common:requestVersion><common:headerVersion>1.0</common:headerVersion></common:header>
  <common:user><common:login>x</common:login><common:passwordHash cryptoType="SHA-512">x</common:passwordHash>
    <common:taxNumber>00000000</common:taxNumber><common:requestSignature cryptoType="SHA3-512">x</common:requestSignature></common:user>
  {SOFTWARE}
  {body}
</{name}>"""
    return refresh(etree.fromstring(xml.encode()), creds, **kw)  # type: ignore[arg-type]


def manage_invoice_body(
    token: str, operations: list[tuple[str, bytes]], *, compressed: bool = False
) -> str:
    items = "".join(
        f"<invoiceOperation><index>{i}</index><invoiceOperation>{op}</invoiceOperation>"
        f"<invoiceData>{base64.b64encode(data).decode()}</invoiceData></invoiceOperation>"
        for i, (op, data) in enumerate(operations, start=1)
    )
    return (
        f"<exchangeToken>{token}</exchangeToken><invoiceOperations>"
        f"<compressedContent>{'true' if compressed else 'false'}</compressedContent>{items}</invoiceOperations>"
    )


def manage_annulment_body(token: str, annulments: list[bytes]) -> str:
    items = "".join(
        f"<annulmentOperation><index>{i}</index><annulmentOperation>ANNUL</annulmentOperation>"
        f"<invoiceAnnulment>{base64.b64encode(data).decode()}</invoiceAnnulment></annulmentOperation>"
        for i, data in enumerate(annulments, start=1)
    )
    return (
        f"<exchangeToken>{token}</exchangeToken><annulmentOperations>{items}</annulmentOperations>"
    )


def decode_token(encoded: str, exchange_key: str) -> str:
    """AES-128-ECB with the exchange key, PKCS#5 padding (§1.8, self-check hint)."""
    decryptor = Cipher(algorithms.AES(exchange_key.encode()), modes.ECB()).decryptor()  # noqa: S305
    data = decryptor.update(base64.b64decode(encoded)) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return (unpadder.update(data) + unpadder.finalize()).decode()


def text(root: etree._Element, path: str) -> str:
    """``path``: local names separated by '/', any namespace."""
    el: etree._Element | None = root
    for part in path.split("/"):
        if el is None:
            return ""
        el = next(
            (c for c in el if isinstance(c.tag, str) and etree.QName(c).localname == part), None
        )
    return (el.text or "").strip() if el is not None else ""


def to_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def b2c_invoice(
    *, supplier: str, number: str, issue: dt.date, net: int = 10000, rate: str = "0.27"
) -> bytes:
    """A domestic B2C invoice (customer: private person, no customer data), one line."""
    vat = round(net * float(rate))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<InvoiceData xmlns="{DATA}" xmlns:base="http://schemas.nav.gov.hu/OSA/3.0/base">
  <invoiceNumber>{number}</invoiceNumber>
  <invoiceIssueDate>{issue.isoformat()}</invoiceIssueDate>
  <completenessIndicator>false</completenessIndicator>
  <invoiceMain><invoice>
    <invoiceHead>
      <supplierInfo>
        <supplierTaxNumber><base:taxpayerId>{supplier}</base:taxpayerId><base:vatCode>2</base:vatCode><base:countyCode>41</base:countyCode></supplierTaxNumber>
        <supplierName>Mosoly Fogászat Kft.</supplierName>
        <supplierAddress><base:simpleAddress><base:countryCode>HU</base:countryCode><base:postalCode>1051</base:postalCode>
          <base:city>Budapest</base:city><base:additionalAddressDetail>Nádor utca 12.</base:additionalAddressDetail></base:simpleAddress></supplierAddress>
      </supplierInfo>
      <customerInfo><customerVatStatus>PRIVATE_PERSON</customerVatStatus></customerInfo>
      <invoiceDetail>
        <invoiceCategory>NORMAL</invoiceCategory>
        <invoiceDeliveryDate>{issue.isoformat()}</invoiceDeliveryDate>
        <currencyCode>HUF</currencyCode><exchangeRate>1</exchangeRate>
        <paymentMethod>CARD</paymentMethod><paymentDate>{issue.isoformat()}</paymentDate>
        <invoiceAppearance>PAPER</invoiceAppearance>
      </invoiceDetail>
    </invoiceHead>
    <invoiceLines><mergedItemIndicator>false</mergedItemIndicator>
      <line><lineNumber>1</lineNumber><lineExpressionIndicator>true</lineExpressionIndicator>
        <lineNatureIndicator>SERVICE</lineNatureIndicator><lineDescription>Fogkő-eltávolítás</lineDescription>
        <quantity>1</quantity><unitOfMeasure>PIECE</unitOfMeasure><unitPrice>{net}</unitPrice><unitPriceHUF>{net}</unitPriceHUF>
        <lineAmountsNormal>
          <lineNetAmountData><lineNetAmount>{net}</lineNetAmount><lineNetAmountHUF>{net}</lineNetAmountHUF></lineNetAmountData>
          <lineVatRate><vatPercentage>{rate}</vatPercentage></lineVatRate>
          <lineVatData><lineVatAmount>{vat}</lineVatAmount><lineVatAmountHUF>{vat}</lineVatAmountHUF></lineVatData>
          <lineGrossAmountData><lineGrossAmountNormal>{net + vat}</lineGrossAmountNormal><lineGrossAmountNormalHUF>{net + vat}</lineGrossAmountNormalHUF></lineGrossAmountData>
        </lineAmountsNormal>
      </line>
    </invoiceLines>
    <invoiceSummary>
      <summaryNormal>
        <summaryByVatRate><vatRate><vatPercentage>{rate}</vatPercentage></vatRate>
          <vatRateNetData><vatRateNetAmount>{net}</vatRateNetAmount><vatRateNetAmountHUF>{net}</vatRateNetAmountHUF></vatRateNetData>
          <vatRateVatData><vatRateVatAmount>{vat}</vatRateVatAmount><vatRateVatAmountHUF>{vat}</vatRateVatAmountHUF></vatRateVatData>
          <vatRateGrossData><vatRateGrossAmount>{net + vat}</vatRateGrossAmount><vatRateGrossAmountHUF>{net + vat}</vatRateGrossAmountHUF></vatRateGrossData>
        </summaryByVatRate>
        <invoiceNetAmount>{net}</invoiceNetAmount><invoiceNetAmountHUF>{net}</invoiceNetAmountHUF>
        <invoiceVatAmount>{vat}</invoiceVatAmount><invoiceVatAmountHUF>{vat}</invoiceVatAmountHUF>
      </summaryNormal>
      <summaryGrossData><invoiceGrossAmount>{net + vat}</invoiceGrossAmount><invoiceGrossAmountHUF>{net + vat}</invoiceGrossAmountHUF></summaryGrossData>
    </invoiceSummary>
  </invoice></invoiceMain>
</InvoiceData>""".encode()
