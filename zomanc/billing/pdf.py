# ruff: noqa: E501 -- the invoice's wording in three languages reads better unwrapped
"""The invoice as PDF (WeasyPrint, the bundled DejaVu Sans of zomanc/clinical/fonts: ő/ű on
any machine), with every element Áfa tv. 169. § requires — in Hungarian, or bilingual
(HU/EN, HU/DE) on request: each label then reads "Számla / Invoice".

The invoice's fixed wording is in LABELS, not in the gettext catalogue (as the quote's,
plans/pdf.py): the document's language is chosen per invoice, not the reader's interface
language, and the Hungarian text is always there (a Hungarian invoice must be readable in
Hungarian). A foreign-currency invoice prints its amounts in that currency, the exchange rate
with its date, and the VAT in forints on every line and in the summary (Áfa tv. 80. §)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string

from zomanc.billing.closing import DaySummary
from zomanc.billing.models import Invoice, InvoiceKind
from zomanc.clinical.pdf import FONTS_DIR, _fonts_only_fetcher

# Languages an invoice can be printed in beside Hungarian.
PDF_LANGUAGES = ("en", "de")

LABELS: dict[str, dict[str, str]] = {
    "hu": {
        "invoice": "Számla",
        "storno": "Sztornó számla",
        "modify": "Módosító számla",
        "advance": "Előlegszámla",
        "number": "Számlaszám",
        "original": "Az eredeti számla száma",
        "supplier": "Eladó",
        "customer": "Vevő",
        "tax_number": "Adószám",
        "bank": "Bankszámla",
        "small_business": "Alanyi adómentes",
        "fund_member": "Pénztártag",
        "member_number": "tagi azonosító",
        "issue_date": "Kiállítás dátuma",
        "delivery_date": "Teljesítés dátuma",
        "payment_method": "Fizetési mód",
        "payment_due": "Fizetési határidő",
        "description": "Megnevezés",
        "quantity": "Mennyiség",
        "unit": "db",
        "unit_price": "Nettó egységár",
        "net": "Nettó érték",
        "vat_rate": "Áfakulcs / mentesség",
        "vat": "Áfa összege",
        "vat_huf": "Áfa forintban",
        "gross": "Bruttó",
        "by_rate": "Áfa szerinti összesítés",
        "total": "Fizetendő összesen",
        "net_total": "Nettó összesen",
        "vat_total": "Áfa összesen",
        "vat_total_huf": "Áfa összesen forintban",
        "currency": "Pénznem",
        "rate": "Árfolyam",
        "rate_of": "napi árfolyam",
        "advance_line": "előleg",
        "advance_deducted": "levont előleg, előlegszámla",
        "nav": "A számla adatait a kiállító a NAV Online Számla rendszerébe jelenti.",
        "page": "Oldal",
        "CASH": "Készpénz",
        "CARD": "Bankkártya",
        "TRANSFER": "Átutalás",
        "FUND_CARD": "Egészségpénztári kártya",
    },
    "en": {
        "invoice": "Invoice",
        "storno": "Cancellation invoice",
        "modify": "Modifying invoice",
        "advance": "Advance invoice",
        "number": "Invoice number",
        "original": "Number of the original invoice",
        "supplier": "Supplier",
        "customer": "Customer",
        "tax_number": "Tax number",
        "bank": "Bank account",
        "small_business": "Exempt small business",
        "fund_member": "Fund member",
        "member_number": "membership number",
        "issue_date": "Date of issue",
        "delivery_date": "Date of supply",
        "payment_method": "Payment method",
        "payment_due": "Payment due",
        "description": "Description",
        "quantity": "Quantity",
        "unit": "pcs",
        "unit_price": "Net unit price",
        "net": "Net amount",
        "vat_rate": "VAT rate / exemption",
        "vat": "VAT amount",
        "vat_huf": "VAT in HUF",
        "gross": "Gross",
        "by_rate": "Summary by VAT rate",
        "total": "Total payable",
        "net_total": "Net total",
        "vat_total": "VAT total",
        "vat_total_huf": "VAT total in HUF",
        "currency": "Currency",
        "rate": "Exchange rate",
        "rate_of": "rate of",
        "advance_line": "advance",
        "advance_deducted": "advance deducted, advance invoice",
        "nav": "The invoice data are reported by the supplier to the NAV Online Invoice system.",
        "page": "Page",
        "CASH": "Cash",
        "CARD": "Bank card",
        "TRANSFER": "Bank transfer",
        "FUND_CARD": "Health fund card",
    },
    "de": {
        "invoice": "Rechnung",
        "storno": "Stornorechnung",
        "modify": "Korrekturrechnung",
        "advance": "Anzahlungsrechnung",
        "number": "Rechnungsnummer",
        "original": "Nummer der ursprünglichen Rechnung",
        "supplier": "Leistungserbringer",
        "customer": "Kunde",
        "tax_number": "Steuernummer",
        "bank": "Bankkonto",
        "small_business": "Steuerbefreiter Kleinunternehmer",
        "fund_member": "Kassenmitglied",
        "member_number": "Mitgliedsnummer",
        "issue_date": "Rechnungsdatum",
        "delivery_date": "Leistungsdatum",
        "payment_method": "Zahlungsart",
        "payment_due": "Zahlungsfrist",
        "description": "Bezeichnung",
        "quantity": "Menge",
        "unit": "Stk.",
        "unit_price": "Netto-Einzelpreis",
        "net": "Nettobetrag",
        "vat_rate": "MwSt.-Satz / Befreiung",
        "vat": "MwSt.-Betrag",
        "vat_huf": "MwSt. in HUF",
        "gross": "Brutto",
        "by_rate": "Zusammenfassung nach MwSt.-Satz",
        "total": "Zu zahlender Gesamtbetrag",
        "net_total": "Netto gesamt",
        "vat_total": "MwSt. gesamt",
        "vat_total_huf": "MwSt. gesamt in HUF",
        "currency": "Währung",
        "rate": "Wechselkurs",
        "rate_of": "Kurs vom",
        "advance_line": "Anzahlung",
        "advance_deducted": "abgezogene Anzahlung, Anzahlungsrechnung",
        "nav": "Die Rechnungsdaten werden vom Aussteller an das NAV-Online-Rechnungssystem gemeldet.",
        "page": "Seite",
        "CASH": "Bargeld",
        "CARD": "Bankkarte",
        "TRANSFER": "Überweisung",
        "FUND_CARD": "Gesundheitskassen-Karte",
    },
}

# The exemption's legal reference in the other language (the Hungarian is on the line).
REASONS: dict[str, dict[str, str]] = {
    "TAM": {
        "en": "exempt: human health care, Section 85 (1) c) of the Hungarian VAT Act",
        "de": "steuerbefreit: Humanmedizinische Versorgung, § 85 Abs. 1 c) ungar. MwSt.-Gesetz",
    },
    "AAM": {
        "en": "exempt small business, Chapter XIII of the Hungarian VAT Act",
        "de": "Kleinunternehmerregelung, Kapitel XIII ungar. MwSt.-Gesetz",
    },
}


def invoice_labels(language: str | None) -> dict[str, str]:
    """The labels in Hungarian, or "Hungarian / other" for a bilingual invoice."""
    hu = LABELS["hu"]
    if language not in PDF_LANGUAGES:
        return dict(hu)
    other = LABELS[language]
    return {key: f"{hu[key]} / {other[key]}" if hu[key] != other[key] else hu[key] for key in hu}


def money(value: Decimal | int | None, currency: str) -> str:
    """12000 → "12 000 Ft"; 157.5 EUR → "157.50 EUR" (a no-break space between thousands)."""
    if value is None:
        return ""
    if currency == "HUF":
        return f"{int(value):,} Ft".replace(",", "\u00a0")
    return f"{Decimal(value):,.2f} {currency}".replace(",", "\u00a0")


def _title_key(invoice: Invoice) -> str:
    if invoice.kind == InvoiceKind.STORNO:
        return "storno"
    if invoice.kind == InvoiceKind.MODIFY:
        return "modify"
    return "advance" if invoice.is_advance else "invoice"


def invoice_html(invoice: Invoice, language: str | None = None) -> str:
    L = invoice_labels(language)
    currency = invoice.currency
    foreign = currency != "HUF"
    lines = list(invoice.lines.select_related("advance_invoice"))
    groups: dict[str, dict[str, Any]] = {}
    rows = []
    for line in lines:
        net = line.net_cur if foreign else line.net
        vat = line.vat_cur if foreign else line.vat
        gross = line.gross_cur if foreign else line.gross
        reason = line.vat_reason
        if reason and language in PDF_LANGUAGES and line.vat_code in REASONS:
            reason = f"{reason} / {REASONS[line.vat_code][language]}"
        note = ""
        if line.advance_invoice is not None:
            note = f"{L['advance_deducted']} {line.advance_invoice.number}"
        elif line.advance:
            note = L["advance_line"]
        rows.append(
            {
                "line": line,
                "unit_price": money(line.unit_price_net, currency)
                if foreign
                else f"{line.unit_price_net:.2f}".rstrip("0").rstrip(".") + " Ft",
                "net": money(net, currency),
                "vat": money(vat, currency),
                "vat_huf": money(line.vat, "HUF"),
                "gross": money(gross, currency),
                "reason": reason,
                "note": note,
            }
        )
        group = groups.setdefault(
            line.vat_label,
            {"label": line.vat_label, "reason": reason, "net": 0, "vat": 0, "huf": 0},
        )
        group["net"] += net or 0
        group["vat"] += vat or 0
        group["huf"] += line.vat
    for group in groups.values():
        group["net"] = money(group["net"], currency)
        group["vat"] = money(group["vat"], currency)
        group["huf"] = money(group["huf"], "HUF")
    method = invoice.payment_method
    return render_to_string(
        "billing/invoice_pdf.html",
        {
            "invoice": invoice,
            "L": L,
            "lang": "hu" if language not in PDF_LANGUAGES else f"hu-{language}",
            "title": L[_title_key(invoice)],
            "payment_method": L.get(method, method),
            "rows": rows,
            "vat_groups": list(groups.values()),
            "foreign": foreign,
            "total": money(invoice.gross_total_cur if foreign else invoice.gross_total, currency),
            "net_total": money(invoice.net_total_cur if foreign else invoice.net_total, currency),
            "vat_total": money(invoice.vat_total_cur if foreign else invoice.vat_total, currency),
            "vat_total_huf": money(invoice.vat_total, "HUF"),
            "gross_huf": money(invoice.gross_total, "HUF"),
            "rate": f"{invoice.exchange_rate.normalize():f}",
        },
    )


def invoice_pdf(invoice: Invoice, language: str | None = None) -> bytes:
    from weasyprint import HTML

    document = HTML(
        string=invoice_html(invoice, language),
        base_url=FONTS_DIR.as_uri() + "/",
        url_fetcher=_fonts_only_fetcher()(fail_on_errors=True),
    )
    pdf = document.write_pdf()
    assert pdf is not None
    return pdf


def closing_html(summary: DaySummary) -> str:
    return render_to_string("billing/closing_pdf.html", {"summary": summary})


def closing_pdf(summary: DaySummary) -> bytes:
    """The daily closing as PDF (the same figures as the printable page)."""
    from weasyprint import HTML

    document = HTML(
        string=closing_html(summary),
        base_url=FONTS_DIR.as_uri() + "/",
        url_fetcher=_fonts_only_fetcher()(fail_on_errors=True),
    )
    pdf = document.write_pdf()
    assert pdf is not None
    return pdf
