"""InvoiceData documents (invoiceData.xsd) from plain values: the product's invoice, as the
billing app hands it over, becomes the XML NAV receives. Amounts are in the invoice's
currency; a foreign-currency invoice also carries every amount in HUF (the *_huf values: NAV's
…HUF elements, the VAT in forints the contract requires) and its exchangeRate."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
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
    net: Decimal | int
    vat: Decimal | int
    # Either a rate (0.27) or an exemption (case, reason).
    vat_rate: Decimal | None = None
    exemption_case: str = ""
    exemption_reason: str = ""
    # Foreign currency: the HUF amounts (None: a HUF invoice, the same as above).
    unit_price_huf: Decimal | int | None = None
    net_huf: int | None = None
    vat_huf: int | None = None
    # An advance line (advanceIndicator), and on the final invoice the advance deducted:
    # (the advance invoice's number, the advance's payment date, its exchange rate).
    advance: bool = False
    advance_payment: tuple[str, dt.date, Decimal] | None = None

    @property
    def gross(self) -> Decimal | int:
        return self.net + self.vat

    @property
    def huf(self) -> tuple[Decimal | int, int, int]:
        """(unit price, net, VAT) in HUF."""
        if self.net_huf is None or self.vat_huf is None:
            return self.unit_price, int(self.net), int(self.vat)
        unit = self.unit_price_huf if self.unit_price_huf is not None else self.unit_price
        return unit, self.net_huf, self.vat_huf

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
    currency: str = "HUF"
    exchange_rate: Decimal = Decimal(1)


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
    groups: dict[str, list[Any]] = {}
    for line in lines:
        key = line.vat_xml()
        _unit, net_huf, vat_huf = line.huf
        group = groups.setdefault(key, [0, 0, 0, 0])
        group[0] += line.net
        group[1] += line.vat
        group[2] += net_huf
        group[3] += vat_huf
    rates = "".join(
        f"<summaryByVatRate><vatRate>{key}</vatRate>"
        f"<vatRateNetData><vatRateNetAmount>{net}</vatRateNetAmount>"
        f"<vatRateNetAmountHUF>{net_huf}</vatRateNetAmountHUF></vatRateNetData>"
        f"<vatRateVatData><vatRateVatAmount>{vat}</vatRateVatAmount>"
        f"<vatRateVatAmountHUF>{vat_huf}</vatRateVatAmountHUF></vatRateVatData>"
        f"<vatRateGrossData><vatRateGrossAmount>{net + vat}</vatRateGrossAmount>"
        f"<vatRateGrossAmountHUF>{net_huf + vat_huf}</vatRateGrossAmountHUF></vatRateGrossData>"
        f"</summaryByVatRate>"
        for key, (net, vat, net_huf, vat_huf) in groups.items()
    )
    net = sum((g[0] for g in groups.values()), 0)
    vat = sum((g[1] for g in groups.values()), 0)
    net_huf = sum(g[2] for g in groups.values())
    vat_huf = sum(g[3] for g in groups.values())
    return (
        f"<invoiceSummary><summaryNormal>{rates}"
        f"<invoiceNetAmount>{net}</invoiceNetAmount>"
        f"<invoiceNetAmountHUF>{net_huf}</invoiceNetAmountHUF>"
        f"<invoiceVatAmount>{vat}</invoiceVatAmount>"
        f"<invoiceVatAmountHUF>{vat_huf}</invoiceVatAmountHUF>"
        f"</summaryNormal><summaryGrossData><invoiceGrossAmount>{net + vat}</invoiceGrossAmount>"
        f"<invoiceGrossAmountHUF>{net_huf + vat_huf}</invoiceGrossAmountHUF></summaryGrossData>"
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
    advance = ""
    if line.advance or line.advance_payment is not None:
        payment = ""
        if line.advance_payment is not None:
            original, paid_on, rate = line.advance_payment
            payment = (
                f"<advancePaymentData><advanceOriginalInvoice>{escape(original)}"
                f"</advanceOriginalInvoice><advancePaymentDate>{paid_on.isoformat()}"
                f"</advancePaymentDate><advanceExchangeRate>{rate.normalize():f}"
                f"</advanceExchangeRate></advancePaymentData>"
            )
        advance = f"<advanceData><advanceIndicator>true</advanceIndicator>{payment}</advanceData>"
    unit_huf, net_huf, vat_huf = line.huf
    return (
        f"<line><lineNumber>{number}</lineNumber>{reference}{advance}"
        f"<lineExpressionIndicator>true</lineExpressionIndicator>"
        f"<lineNatureIndicator>SERVICE</lineNatureIndicator>"
        f"<lineDescription>{escape(line.description)}</lineDescription>"
        f"<quantity>{line.quantity}</quantity><unitOfMeasure>PIECE</unitOfMeasure>"
        f"<unitPrice>{line.unit_price}</unitPrice><unitPriceHUF>{unit_huf}</unitPriceHUF>"
        f"<lineAmountsNormal><lineNetAmountData><lineNetAmount>{line.net}</lineNetAmount>"
        f"<lineNetAmountHUF>{net_huf}</lineNetAmountHUF></lineNetAmountData>"
        f"<lineVatRate>{line.vat_xml()}</lineVatRate>"
        f"<lineVatData><lineVatAmount>{line.vat}</lineVatAmount>"
        f"<lineVatAmountHUF>{vat_huf}</lineVatAmountHUF></lineVatData>"
        f"<lineGrossAmountData><lineGrossAmountNormal>{line.gross}</lineGrossAmountNormal>"
        f"<lineGrossAmountNormalHUF>{net_huf + vat_huf}</lineGrossAmountNormalHUF>"
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
        f"<currencyCode>{doc.currency}</currencyCode>"
        f"<exchangeRate>{doc.exchange_rate.normalize():f}</exchangeRate>"
        f"<paymentMethod>{doc.payment_method}</paymentMethod>"
        f"<paymentDate>{doc.payment_date.isoformat()}</paymentDate>"
        f"<invoiceAppearance>PAPER</invoiceAppearance>{additional}"
        f"</invoiceDetail></invoiceHead>"
        f"<invoiceLines><mergedItemIndicator>false</mergedItemIndicator>{lines}</invoiceLines>"
        f"{_summary(doc.lines)}</invoice></invoiceMain></InvoiceData>"
    )
    return xml.encode()
