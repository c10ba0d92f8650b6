"""InvoiceData documents (invoiceData.xsd) from plain values: the product's invoice, as the
billing app hands it over, becomes the XML NAV receives. Amounts are HUF integers; foreign
currency invoices are not built yet (docs/invoicing.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from xml.sax.saxutils import escape

from zomanc.nav.client.schema import NS_BASE, NS_DATA

# vatExemption cases (interface specification, "vatExemption/case"):
EXEMPT_ACTIVITY = "TAM"  # tárgyi adómentes (Áfa tv. 85–86. §), e.g. human health care
EXEMPT_SMALL_BUSINESS = "AAM"  # alanyi adómentes (Áfa tv. XIII. fejezet)


@dataclass(frozen=True)
class Address:
    postal_code: str
    city: str
    street: str  # additionalAddressDetail: street, number, floor …
    country: str = "HU"

    def xml(self) -> str:
        return (
            f"<base:simpleAddress><base:countryCode>{self.country}</base:countryCode>"
            f"<base:postalCode>{escape(self.postal_code)}</base:postalCode>"
            f"<base:city>{escape(self.city)}</base:city>"
            f"<base:additionalAddressDetail>{escape(self.street)}</base:additionalAddressDetail>"
            f"</base:simpleAddress>"
        )


@dataclass(frozen=True)
class TaxNumber:
    core: str
    vat_code: str
    county_code: str

    def xml(self) -> str:
        extra = ""
        if self.vat_code:
            extra += f"<base:vatCode>{self.vat_code}</base:vatCode>"
        if self.county_code:
            extra += f"<base:countyCode>{self.county_code}</base:countyCode>"
        return f"<base:taxpayerId>{self.core}</base:taxpayerId>{extra}"


@dataclass(frozen=True)
class Line:
    description: str
    quantity: Decimal
    unit_price: Decimal | int
    net: int
    vat: int
    # Either a rate (0.27) or an exemption (case, reason).
    vat_rate: Decimal | None = None
    exemption_case: str = ""
    exemption_reason: str = ""

    @property
    def gross(self) -> int:
        return self.net + self.vat

    def vat_xml(self) -> str:
        if self.vat_rate is not None:
            return f"<vatPercentage>{self.vat_rate}</vatPercentage>"
        return (
            f"<vatExemption><case>{self.exemption_case}</case>"
            f"<reason>{escape(self.exemption_reason)}</reason></vatExemption>"
        )


@dataclass(frozen=True)
class Reference:
    """The invoice a storno or modification refers to (the chain NAV checks)."""

    original_number: str
    modification_index: int
    original_line_count: int
    # True when NAV never accepted the original (it was ABORTED): the chain then starts
    # with this document (modifyWithoutMaster, interface specification).
    without_master: bool = False


@dataclass(frozen=True)
class InvoiceDoc:
    number: str
    issue_date: dt.date
    delivery_date: dt.date
    payment_method: str  # TRANSFER | CASH | CARD | VOUCHER | OTHER
    payment_date: dt.date
    supplier_tax: TaxNumber
    supplier_name: str
    supplier_address: Address
    supplier_bank_account: str
    supplier_individual_exemption: bool
    customer_status: str  # PRIVATE_PERSON | DOMESTIC | OTHER
    lines: list[Line]
    customer_name: str = ""
    customer_address: Address | None = None
    customer_tax: TaxNumber | None = None
    reference: Reference | None = None
    # (dataName, description, value): e.g. the health fund member on a fund's invoice.
    additional: list[tuple[str, str, str]] = field(default_factory=list)


def _customer(doc: InvoiceDoc) -> str:
    inner = f"<customerVatStatus>{doc.customer_status}</customerVatStatus>"
    # A private person's data is not reported (CUSTOMER_DATA_NOT_EXPECTED).
    if doc.customer_status != "PRIVATE_PERSON":
        if doc.customer_tax is not None:
            inner += (
                f"<customerVatData><customerTaxNumber>{doc.customer_tax.xml()}"
                f"</customerTaxNumber></customerVatData>"
            )
        inner += f"<customerName>{escape(doc.customer_name)}</customerName>"
        if doc.customer_address is not None:
            inner += f"<customerAddress>{doc.customer_address.xml()}</customerAddress>"
    return f"<customerInfo>{inner}</customerInfo>"


def _summary(lines: list[Line]) -> str:
    groups: dict[str, tuple[Line, int, int]] = {}
    for line in lines:
        key = line.vat_xml()
        first, net, vat = groups.get(key, (line, 0, 0))
        groups[key] = (first, net + line.net, vat + line.vat)
    rates = "".join(
        f"<summaryByVatRate><vatRate>{key}</vatRate>"
        f"<vatRateNetData><vatRateNetAmount>{net}</vatRateNetAmount>"
        f"<vatRateNetAmountHUF>{net}</vatRateNetAmountHUF></vatRateNetData>"
        f"<vatRateVatData><vatRateVatAmount>{vat}</vatRateVatAmount>"
        f"<vatRateVatAmountHUF>{vat}</vatRateVatAmountHUF></vatRateVatData>"
        f"<vatRateGrossData><vatRateGrossAmount>{net + vat}</vatRateGrossAmount>"
        f"<vatRateGrossAmountHUF>{net + vat}</vatRateGrossAmountHUF></vatRateGrossData>"
        f"</summaryByVatRate>"
        for key, (_, net, vat) in groups.items()
    )
    net = sum(line.net for line in lines)
    vat = sum(line.vat for line in lines)
    return (
        f"<invoiceSummary><summaryNormal>{rates}"
        f"<invoiceNetAmount>{net}</invoiceNetAmount><invoiceNetAmountHUF>{net}</invoiceNetAmountHUF>"
        f"<invoiceVatAmount>{vat}</invoiceVatAmount><invoiceVatAmountHUF>{vat}</invoiceVatAmountHUF>"
        f"</summaryNormal><summaryGrossData><invoiceGrossAmount>{net + vat}</invoiceGrossAmount>"
        f"<invoiceGrossAmountHUF>{net + vat}</invoiceGrossAmountHUF></summaryGrossData>"
        f"</invoiceSummary>"
    )


def _line(doc: InvoiceDoc, number: int, line: Line) -> str:
    reference = ""
    if doc.reference is not None:
        # A modifying document's lines are new lines after the original's (CREATE).
        reference = (
            f"<lineModificationReference><lineNumberReference>"
            f"{doc.reference.original_line_count + number}</lineNumberReference>"
            f"<lineOperation>CREATE</lineOperation></lineModificationReference>"
        )
    return (
        f"<line><lineNumber>{number}</lineNumber>{reference}"
        f"<lineExpressionIndicator>true</lineExpressionIndicator>"
        f"<lineNatureIndicator>SERVICE</lineNatureIndicator>"
        f"<lineDescription>{escape(line.description)}</lineDescription>"
        f"<quantity>{line.quantity}</quantity><unitOfMeasure>PIECE</unitOfMeasure>"
        f"<unitPrice>{line.unit_price}</unitPrice><unitPriceHUF>{line.unit_price}</unitPriceHUF>"
        f"<lineAmountsNormal><lineNetAmountData><lineNetAmount>{line.net}</lineNetAmount>"
        f"<lineNetAmountHUF>{line.net}</lineNetAmountHUF></lineNetAmountData>"
        f"<lineVatRate>{line.vat_xml()}</lineVatRate>"
        f"<lineVatData><lineVatAmount>{line.vat}</lineVatAmount>"
        f"<lineVatAmountHUF>{line.vat}</lineVatAmountHUF></lineVatData>"
        f"<lineGrossAmountData><lineGrossAmountNormal>{line.gross}</lineGrossAmountNormal>"
        f"<lineGrossAmountNormalHUF>{line.gross}</lineGrossAmountNormalHUF>"
        f"</lineGrossAmountData></lineAmountsNormal></line>"
    )


def invoice_data_xml(doc: InvoiceDoc) -> bytes:
    """The InvoiceData document of `doc` (validated by the caller, NavConnection)."""
    reference = ""
    if doc.reference is not None:
        reference = (
            f"<invoiceReference><originalInvoiceNumber>{escape(doc.reference.original_number)}"
            f"</originalInvoiceNumber><modifyWithoutMaster>"
            f"{'true' if doc.reference.without_master else 'false'}</modifyWithoutMaster>"
            f"<modificationIndex>{doc.reference.modification_index}</modificationIndex>"
            f"</invoiceReference>"
        )
    bank = (
        f"<supplierBankAccountNumber>{escape(doc.supplier_bank_account)}"
        f"</supplierBankAccountNumber>"
        if doc.supplier_bank_account
        else ""
    )
    exemption = (
        "<individualExemption>true</individualExemption>"
        if doc.supplier_individual_exemption
        else ""
    )
    additional = "".join(
        f"<additionalInvoiceData><dataName>{name}</dataName>"
        f"<dataDescription>{escape(description)}</dataDescription>"
        f"<dataValue>{escape(value)}</dataValue></additionalInvoiceData>"
        for name, description, value in doc.additional
    )
    lines = "".join(_line(doc, i, line) for i, line in enumerate(doc.lines, start=1))
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?>'
        f'<InvoiceData xmlns="{NS_DATA}" xmlns:base="{NS_BASE}">'
        f"<invoiceNumber>{escape(doc.number)}</invoiceNumber>"
        f"<invoiceIssueDate>{doc.issue_date.isoformat()}</invoiceIssueDate>"
        f"<completenessIndicator>false</completenessIndicator>"
        f"<invoiceMain><invoice>{reference}<invoiceHead><supplierInfo>"
        f"<supplierTaxNumber>{doc.supplier_tax.xml()}</supplierTaxNumber>"
        f"<supplierName>{escape(doc.supplier_name)}</supplierName>"
        f"<supplierAddress>{doc.supplier_address.xml()}</supplierAddress>{bank}{exemption}"
        f"</supplierInfo>{_customer(doc)}<invoiceDetail>"
        f"<invoiceCategory>NORMAL</invoiceCategory>"
        f"<invoiceDeliveryDate>{doc.delivery_date.isoformat()}</invoiceDeliveryDate>"
        f"<currencyCode>HUF</currencyCode><exchangeRate>1</exchangeRate>"
        f"<paymentMethod>{doc.payment_method}</paymentMethod>"
        f"<paymentDate>{doc.payment_date.isoformat()}</paymentDate>"
        f"<invoiceAppearance>PAPER</invoiceAppearance>{additional}"
        f"</invoiceDetail></invoiceHead>"
        f"<invoiceLines><mergedItemIndicator>false</mergedItemIndicator>{lines}</invoiceLines>"
        f"{_summary(doc.lines)}</invoice></invoiceMain></InvoiceData>"
    )
    return xml.encode()
