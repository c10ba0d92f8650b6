# ruff: noqa: E501 -- the quote's wording in three languages reads better unwrapped
"""The quote (árajánlat) as PDF in the plan's language — Hungarian, English or German —
rendered by WeasyPrint with the bundled DejaVu fonts (clinical/fonts, the Ambuláns lap's
fetcher: nothing from the network or elsewhere on the disk).

The quote's fixed wording is in LABELS below, not in the gettext catalogue: the language is
the document's (chosen per quote, for a patient from abroad), not the reader's interface
language, and the product has no German interface catalogue. WeasyPrint is imported when the
first PDF is made (see clinical/pdf.py for why)."""

import datetime as dt
import functools
import ssl
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from zomanc.clinical.chart_svg import chart_svg
from zomanc.clinical.pdf import FONTS_DIR, _fonts_only_fetcher
from zomanc.clinical.selectors import patient_chart
from zomanc.plans.selectors import Quote
from zomanc.plans.templatetags.plans_tags import money_format
from zomanc.practices.logo import practice_logo
from zomanc.practices.models import Company, PracticeLogo

LABELS: dict[str, dict[str, str]] = {
    "hu": {
        "title": "Árajánlat – kezelési terv",
        "version": "verzió",
        "patient": "Páciens",
        "birth": "Születési dátum",
        "doctor": "Kezelőorvos",
        "issued": "Kiállítva",
        "valid_until": "Az ajánlat érvényes",
        "treatment": "Kezelés",
        "tooth": "Fog",
        "qty": "Menny.",
        "unit_price": "Egységár",
        "discount": "Kedvezmény",
        "amount": "Összeg",
        "option": "Lehetőség",
        "chosen": "választott",
        "option_total": "A lehetőség összesen",
        "phase_total": "Szakasz összesen",
        "options_note": "A szakasz lehetőségei közül egyet kell választani; az összesítés a választottat (választás előtt az elsőt) tartalmazza.",
        "summary": "Összesítés",
        "gross": "Ár kedvezmény nélkül",
        "total": "Fizetendő összesen",
        "exempt": "Áfamentes egészségügyi szolgáltatás (Áfa tv. 85. § (1) c))",
        "vat": "Ebből {rate} % áfa (esztétikai kezelés)",
        "huf": "Forintban ({rate} Ft/EUR, {date} árfolyamon)",
        "advance": "Előleg az ajánlat elfogadásakor",
        "terms": "Fizetési feltételek",
        "drawing": "A tervezett kezelések a fogtérképen",
        "drawing_note": "Szaggatott keret, sraffozott felszín: tervezett kezelés. Lehetőségek közül a választott, választás előtt az első.",
        "terms_text": "Az előleg az ajánlat elfogadásakor, a fennmaradó összeg a kezelések elvégzésekor fizetendő.",
        "no_advance": "Az egyes kezelések díja azok elvégzésekor fizetendő.",
        "sign_patient": "Páciens aláírása",
        "sign_doctor": "Orvos aláírása",
        "place_date": "Kelt",
        "accept": "Az árajánlatot megismertem és elfogadom.",
        "page": "Oldal",
    },
    "en": {
        "title": "Quote – treatment plan",
        "version": "version",
        "patient": "Patient",
        "birth": "Date of birth",
        "doctor": "Dentist",
        "issued": "Issued",
        "valid_until": "Valid until",
        "treatment": "Treatment",
        "tooth": "Tooth",
        "qty": "Qty",
        "unit_price": "Unit price",
        "discount": "Discount",
        "amount": "Amount",
        "option": "Option",
        "chosen": "chosen",
        "option_total": "Option total",
        "phase_total": "Phase total",
        "options_note": "One of the phase's options is to be chosen; the summary includes the chosen one (before a choice, the first).",
        "summary": "Summary",
        "gross": "Price before discounts",
        "total": "Total payable",
        "exempt": "VAT-exempt health care (Hungarian VAT Act, s. 85 (1) c))",
        "vat": "Including {rate} % VAT (aesthetic treatment)",
        "huf": "In HUF (at {rate} HUF/EUR, rate of {date})",
        "advance": "Advance payable on acceptance",
        "terms": "Payment terms",
        "drawing": "The planned treatments on the dental chart",
        "drawing_note": "Dashed outline, hatched surface: planned treatment. Of the options, the chosen one; before the choice, the first.",
        "terms_text": "The advance is payable on acceptance of the quote, the balance as the treatments are carried out.",
        "no_advance": "Each treatment is payable when it is carried out.",
        "sign_patient": "Patient's signature",
        "sign_doctor": "Dentist's signature",
        "place_date": "Place and date",
        "accept": "I have read and accept this quote.",
        "page": "Page",
    },
    "de": {
        "title": "Kostenvoranschlag – Behandlungsplan",
        "version": "Version",
        "patient": "Patient",
        "birth": "Geburtsdatum",
        "doctor": "Behandelnder Zahnarzt",
        "issued": "Ausgestellt",
        "valid_until": "Gültig bis",
        "treatment": "Behandlung",
        "tooth": "Zahn",
        "qty": "Menge",
        "unit_price": "Einzelpreis",
        "discount": "Rabatt",
        "amount": "Betrag",
        "option": "Option",
        "chosen": "gewählt",
        "option_total": "Summe der Option",
        "phase_total": "Summe der Phase",
        "options_note": "Von den Optionen einer Phase ist eine zu wählen; die Zusammenfassung enthält die gewählte (vor der Wahl die erste).",
        "summary": "Zusammenfassung",
        "gross": "Preis vor Rabatt",
        "total": "Zu zahlender Gesamtbetrag",
        "exempt": "Umsatzsteuerfreie Heilbehandlung (ungarisches USt-Gesetz, § 85 Abs. 1 Buchst. c)",
        "vat": "Darin {rate} % USt. (ästhetische Behandlung)",
        "huf": "In HUF (Kurs {rate} HUF/EUR vom {date})",
        "advance": "Anzahlung bei Annahme",
        "terms": "Zahlungsbedingungen",
        "drawing": "Die geplanten Behandlungen im Zahnschema",
        "drawing_note": "Gestrichelter Rahmen, schraffierte Fläche: geplante Behandlung. Bei Alternativen die gewählte, vor der Wahl die erste.",
        "terms_text": "Die Anzahlung ist bei Annahme des Kostenvoranschlags fällig, der Rest bei Durchführung der Behandlungen.",
        "no_advance": "Jede Behandlung ist bei ihrer Durchführung zu bezahlen.",
        "sign_patient": "Unterschrift des Patienten",
        "sign_doctor": "Unterschrift des Zahnarztes",
        "place_date": "Ort, Datum",
        "accept": "Ich habe den Kostenvoranschlag gelesen und nehme ihn an.",
        "page": "Seite",
    },
}
PRIMARY_QUADRANTS = (5, 6, 7, 8)  # FDI: the primary teeth
DATE_FORMATS = {"hu": "%Y.%m.%d.", "en": "%d/%m/%Y", "de": "%d.%m.%Y"}


def _date(value: dt.date | None, language: str) -> str:
    return value.strftime(DATE_FORMATS[language]) if value else ""


def _drawing(quote: Quote, caption: str) -> SafeString:
    """The patient's current tooth chart with the quote's planned items on their teeth, in
    the chart's planned style — the items the totals count (the chosen option, before the
    choice the first). Empty when no item is on a tooth."""
    planned = [
        (item.tooth, item.surfaces, item.name)
        for phase in quote.phases
        for item in phase.effective_items
        if item.tooth
    ]
    if not planned:
        return SafeString("")
    primary = any(tooth // 10 in PRIMARY_QUADRANTS for tooth, _s, _n in planned)
    drawing = chart_svg(
        patient_chart(quote.plan.patient), show_primary=primary, caption=caption, planned=planned
    )
    # The tooth numbers in the quote's bundled font (an inherited SVG presentation attribute),
    # not a system font.
    # mark_safe again: str.replace returns a plain string (our own escaped SVG, S308).
    return mark_safe(
        drawing.replace(
            '<svg class="odontogram" ', '<svg class="odontogram" font-family="ZomancSans" ', 1
        )
    )


def quote_html(quote: Quote, *, logo: bool = False) -> str:
    plan = quote.plan
    language = plan.language
    labels = LABELS[language]
    currency = plan.currency

    def m(amount: object) -> str:
        return money_format(amount, currency, language)  # type: ignore[arg-type]

    phases = [
        {
            "title": p.phase.title,
            "common": [
                (q, m(q.item.unit_price), m(q.amounts.discount), m(q.amounts.total))
                for q in p.common
            ],
            "options": [
                {
                    "o": o.option,
                    "rows": [
                        (q, m(q.item.unit_price), m(q.amounts.discount), m(q.amounts.total))
                        for q in o.items
                    ],
                    "total": m(o.totals.total),
                }
                for o in p.options
            ],
            "total": m(p.totals.total),
        }
        for p in quote.phases
    ]
    vat_rows = []
    for rate, vat in quote.vat_content.items():
        if rate == "AAM":
            vat_rows.append((labels["exempt"], m(quote.totals.by_rate[rate])))
        else:
            vat_rows.append((labels["vat"].format(rate=rate), m(vat)))
    company = Company.objects.filter(practice_id=plan.practice_id).order_by("id").first()
    return render_to_string(
        "plans/quote_pdf.html",
        {
            "t": labels,
            "lang": language,
            "plan": plan,
            "patient": plan.patient,
            "practice": plan.practice,
            "company": company,
            "logo_url": LOGO_URL if logo else "",
            "birth": _date(plan.patient.birth_date, language),
            "issued": _date(
                timezone.localdate(plan.presented_at)
                if plan.presented_at
                else timezone.localdate(),
                language,
            ),
            "valid_until": _date(plan.valid_until, language),
            "phases": phases,
            "drawing": _drawing(quote, labels["drawing"]),
            "gross": m(quote.totals.gross),
            "discount": m(quote.totals.discount),
            "total": m(quote.totals.total),
            "vat_rows": vat_rows,
            "huf_label": labels["huf"].format(
                rate=plan.exchange_rate, date=_date(plan.exchange_rate_date, language)
            )
            if quote.total_huf is not None
            else "",
            "huf": money_format(quote.total_huf, "HUF", language)
            if quote.total_huf is not None
            else "",
            "advance": m(quote.advance) if quote.advance else "",
        },
    )


# The practice's logo in the quote's HTML: a name the fetcher below answers from the logo
# read from the database — not a data: URI the fonts-only fetcher would have to learn to
# parse, and nothing else of that scheme is answered.
LOGO_URL = "zomanc-logo:practice"


def _quote_fetcher(logo: PracticeLogo | None) -> Any:
    """The Ambuláns lap's fonts-only fetcher, answering also LOGO_URL with the practice's
    logo (the stored PNG/JPEG, its type sniffed at upload)."""
    from weasyprint.urls import URLFetcherResponse

    fonts_only = _fonts_only_fetcher()

    class QuoteFetcher(fonts_only):  # type: ignore[misc,valid-type]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if logo is not None and url == LOGO_URL:
                return URLFetcherResponse(
                    url, bytes(logo.image), headers={"Content-Type": logo.content_type}
                )
            return super().fetch(url, headers)

    return QuoteFetcher(fail_on_errors=True, ssl_context=_no_network_ssl_context())


@functools.cache
def _no_network_ssl_context() -> ssl.SSLContext:
    """WeasyPrint's fetcher builds an HTTPS handler; given no context, urllib makes a default
    one and loads the system's CA certificates — ≈ 0.1 s of every quote PDF (profiled) for a
    fetcher that never opens the network. One bare client context, made once, instead."""
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def quote_pdf(quote: Quote) -> bytes:
    from weasyprint import HTML

    logo = practice_logo(quote.plan.practice_id)
    document = HTML(
        string=quote_html(quote, logo=logo is not None),
        base_url=FONTS_DIR.as_uri() + "/",
        url_fetcher=_quote_fetcher(logo),
    )
    pdf = document.write_pdf()
    assert pdf is not None
    return pdf
