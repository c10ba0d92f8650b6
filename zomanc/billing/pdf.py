"""The invoice as PDF (WeasyPrint, the bundled DejaVu Sans of zomanc/clinical/fonts: ő/ű on
any machine), with every element Áfa tv. 169. § requires, in Hungarian."""

from __future__ import annotations

from django.template.loader import render_to_string

from zomanc.billing.closing import DaySummary
from zomanc.billing.models import Invoice
from zomanc.clinical.pdf import FONTS_DIR, _fonts_only_fetcher


def invoice_html(invoice: Invoice) -> str:
    lines = list(invoice.lines.all())
    groups: dict[str, dict[str, object]] = {}
    for line in lines:
        group = groups.setdefault(
            line.vat_label, {"label": line.vat_label, "reason": line.vat_reason, "net": 0, "vat": 0}
        )
        group["net"] = int(group["net"]) + int(line.net)  # type: ignore[call-overload]
        group["vat"] = int(group["vat"]) + int(line.vat)  # type: ignore[call-overload]
    return render_to_string(
        "billing/invoice_pdf.html",
        {"invoice": invoice, "lines": lines, "vat_groups": list(groups.values())},
    )


def invoice_pdf(invoice: Invoice) -> bytes:
    from weasyprint import HTML

    document = HTML(
        string=invoice_html(invoice),
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
