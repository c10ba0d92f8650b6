"""The printable outpatient record ("Ambuláns lap") as PDF, rendered by WeasyPrint from a
visit snapshot (a VisitRevision's content), with the bundled DejaVu Sans (fonts/) so the
output has the Hungarian ő/ű glyphs on any machine. WeasyPrint may load only the files of the
fonts directory: nothing from the network, nothing else from the disk.

WeasyPrint is imported when the first PDF is made, not with this module: the URLconf imports
it through the views, and WeasyPrint's import alone is ≈ 25 MB of resident memory in every
web process that may never print (docs/benchmarks.md)."""

import datetime as dt
import functools
import logging
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from zomanc.clinical.teeth import SURFACE_NAMES, ToothStatus

# WeasyPrint logs every rendering step at INFO; the server log needs none of it.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONTS_DIR = Path(__file__).resolve().parent / "fonts"


@functools.cache
def _fonts_only_fetcher() -> type:
    from weasyprint.urls import URLFetcher

    class FontsOnlyFetcher(URLFetcher):
        """Refuses every URL outside the fonts directory (the template's text is user
        input)."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            if not url.startswith("file://"):
                raise ValueError(f"refused: {url}")
            path = Path(url.removeprefix("file://").split("?")[0]).resolve()
            if path.parent != FONTS_DIR:
                raise ValueError(f"refused: {url}")
            return super().fetch(url, headers)

    return FontsOnlyFetcher


def _when(value: str | None) -> str:
    if not value:
        return ""
    return timezone.localtime(dt.datetime.fromisoformat(value)).strftime("%Y.%m.%d. %H:%M")


def ambulans_lap_html(snapshot: dict[str, Any], *, revision_number: int, reason: str = "") -> str:
    patient = snapshot["patient"]
    birth = dt.date.fromisoformat(patient["birth_date"])
    address = ", ".join(
        part
        for part in (
            f"{patient['postal_code']} {patient['city']}".strip(),
            patient["street_address"],
        )
        if part
    )
    findings = [
        {
            **finding,
            "label": ToothStatus(finding["status"]).label,
            "surface_names": ", ".join(str(SURFACE_NAMES[s]) for s in finding["surfaces"]),
        }
        for finding in snapshot["findings"]
        if finding["procedure_id"] is None
    ]
    return render_to_string(
        "clinical/ambulans_lap.html",
        {
            "s": snapshot,
            "patient": patient,
            "birth_date": birth.strftime("%Y.%m.%d."),
            "address": address,
            "started": _when(snapshot["started_at"]),
            "closed": _when(snapshot["closed_at"]),
            "findings": findings,
            "revision_number": revision_number,
            "reason": reason,
            "printed": timezone.localtime().strftime("%Y.%m.%d. %H:%M"),
        },
    )


def ambulans_lap_pdf(snapshot: dict[str, Any], *, revision_number: int, reason: str = "") -> bytes:
    from weasyprint import HTML

    html = ambulans_lap_html(snapshot, revision_number=revision_number, reason=reason)
    document = HTML(
        string=html,
        base_url=FONTS_DIR.as_uri() + "/",
        url_fetcher=_fonts_only_fetcher()(fail_on_errors=True),
    )
    pdf = document.write_pdf()
    assert pdf is not None
    return pdf
