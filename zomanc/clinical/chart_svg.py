"""Draws the tooth chart as inline SVG in the Hungarian "Zsigmondy-kereszt" layout: the
patient's upper right quadrant (18→11) top left, upper left (21→28) top right, lower right
(48→41) bottom left, lower left (31→38) bottom right; primary teeth in the inner rows.

Each tooth is a square split into five surfaces. The middle is O/I; the side towards the
cross's vertical line is mesial (M), the other distal (D); for upper teeth the top is
vestibular (V) and the bottom palatal (P), for lower teeth the top (towards the occlusal
line) is lingual (L) and the bottom vestibular. Colours come only from SVG attributes, so the
Content Security Policy (no inline styles) is kept.

Planned treatments (the open items of the patient's accepted plans, plans/clinical_selectors.py)
are drawn over the status in a style of their own, so that colour is not the only cue: a
dashed outline around the tooth, its planned surfaces hatched, and "Tervezett: …" in the
tooth's title (its accessible name).

The patient page draws the chart on every load (≈ 1 ms with 200 findings to fold);
chart_svg_cached serves it from the `fragments` cache, keyed by a digest of everything the
drawing depends on: the findings (tooth, surfaces, status, in order), the primary rows, the
caption, the language (labels, surface names) and the practice (tenants never share an
entry). Nothing is invalidated: a changed input is a new key."""

import hashlib
import zlib
from collections.abc import Sequence

from django.core.cache import caches
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from zomanc.clinical.teeth import (
    CROSS_PERMANENT,
    CROSS_PRIMARY,
    STATUS_COLOURS,
    SURFACE_NAMES,
    Chart,
    ToothState,
    ToothStatus,
    chart_build,
    tooth_is_upper,
    tooth_surfaces,
)

SIZE = 34
GAP = 6
INNER = 10  # inset of the middle (occlusal/incisal) square
LABEL = 14
MIDLINE_GAP = 14
PLANNED_COLOUR = "#5b2a86"  # violet: apart from every status colour (teeth.STATUS_COLOURS)
PLANNED_HATCH_ID = "odontogram-planned-hatch"
# The hatching of planned surfaces, once per drawing (SVG attributes only: CSP).
_PLANNED_DEFS = (
    f'<defs><pattern id="{PLANNED_HATCH_ID}" width="5" height="5" '
    f'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
    f'<line x1="0" y1="0" x2="0" y2="5" stroke="{PLANNED_COLOUR}" stroke-width="2"/>'
    f"</pattern></defs>"
)
Planned = tuple[int, str, str]  # (tooth, surfaces, name) of a planned treatment
_REGIONS = {
    "top": f"0,0 {SIZE},0 {SIZE - INNER},{INNER} {INNER},{INNER}",
    "bottom": f"0,{SIZE} {SIZE},{SIZE} {SIZE - INNER},{SIZE - INNER} {INNER},{SIZE - INNER}",
    "left": f"0,0 {INNER},{INNER} {INNER},{SIZE - INNER} 0,{SIZE}",
    "right": f"{SIZE},0 {SIZE - INNER},{INNER} {SIZE - INNER},{SIZE - INNER} {SIZE},{SIZE}",
    "middle": f"{INNER},{INNER} {SIZE - INNER},{INNER} {SIZE - INNER},{SIZE - INNER} "
    f"{INNER},{SIZE - INNER}",
}


def _surface_regions(tooth: int) -> dict[str, str]:
    """Surface letter → region of the tooth's square, as the chart shows it."""
    letters = tooth_surfaces(tooth)  # M, O/I, D, V, P/L
    middle, inner = letters[1], letters[4]
    viewer_left_side = tooth // 10 in (1, 4, 5, 8)  # patient's right: midline on the right
    mesial, distal = ("right", "left") if viewer_left_side else ("left", "right")
    top, bottom = ("V", inner) if tooth_is_upper(tooth) else (inner, "V")
    return {"M": mesial, "D": distal, middle: "middle", top: "top", bottom: "bottom"}


def _tooth_title(tooth: int, state: ToothState, planned: Sequence[tuple[str, str]] = ()) -> str:
    parts = [str(tooth), str(ToothStatus(state.status).label)]
    for letter, status in sorted(state.surfaces.items()):
        parts.append(f"{letter} ({SURFACE_NAMES[letter]}): {ToothStatus(status).label}")
    for surfaces, name in planned:
        what = f"{name} ({surfaces})" if surfaces else name
        parts.append(_("Tervezett: %(what)s") % {"what": what})
    return " – ".join(parts)


def _planned_svg(tooth: int, planned: Sequence[tuple[str, str]]) -> list[str]:
    """The planned style: each planned surface hatched, a dashed outline around the tooth."""
    regions = _surface_regions(tooth)
    letters = sorted({letter for surfaces, _name in planned for letter in surfaces})
    shapes = [
        f'<polygon points="{_REGIONS[regions[letter]]}" fill="url(#{PLANNED_HATCH_ID})" '
        f'stroke="none" data-planned-surface="{letter}"/>'
        for letter in letters
        if letter in regions
    ]
    shapes.append(
        f'<rect class="planned-outline" x="-2.5" y="-2.5" width="{SIZE + 5}" '
        f'height="{SIZE + 5}" fill="none" stroke="{PLANNED_COLOUR}" stroke-width="1.8" '
        f'stroke-dasharray="4 2.5"/>'
    )
    return shapes


def _tooth_svg(
    tooth: int,
    state: ToothState,
    x: int,
    y: int,
    label_above: bool,
    planned: Sequence[tuple[str, str]] = (),
) -> str:
    base = STATUS_COLOURS[ToothStatus(state.status)]
    regions = _surface_regions(tooth)
    shapes = []
    for letter, region in regions.items():
        status = state.surfaces.get(letter)
        fill = STATUS_COLOURS[ToothStatus(status)] if status else base
        shapes.append(
            f'<polygon points="{_REGIONS[region]}" fill="{fill}" stroke="#555" '
            f'stroke-width="0.8" data-surface="{letter}"/>'
        )
    if state.status == ToothStatus.MISSING:
        shapes.append(
            f'<path d="M2,2 L{SIZE - 2},{SIZE - 2} M{SIZE - 2},2 L2,{SIZE - 2}" '
            f'stroke="#333" stroke-width="2"/>'
        )
    elif state.status == ToothStatus.EXTRACTION_PLANNED:
        shapes.append(f'<path d="M2,{SIZE - 2} L{SIZE - 2},2" stroke="#fff" stroke-width="2"/>')
    elif state.status == ToothStatus.CROWN:
        shapes.append(
            f'<rect x="1" y="1" width="{SIZE - 2}" height="{SIZE - 2}" fill="none" '
            f'stroke="#8a6d00" stroke-width="2.5"/>'
        )
    if planned:
        shapes += _planned_svg(tooth, planned)
    label_y = -4 if label_above else SIZE + 11
    classes = "tooth" if state.is_healthy else "tooth tooth-marked"
    if planned:
        classes += " tooth-planned"
    # Focusable buttons: a click or Enter shows the tooth's history and picks it for the
    # procedure row (static/clinical/visit.js); the title is their accessible name.
    return (
        f'<g class="{classes}" data-tooth="{tooth}" data-status="{escape(state.status)}" '
        + ('data-planned="1" ' if planned else "")
        + f'tabindex="0" role="button" aria-pressed="false" '
        f'transform="translate({x},{y})"><title>{escape(_tooth_title(tooth, state, planned))}'
        "</title>"
        + "".join(shapes)
        + f'<text x="{SIZE // 2}" y="{label_y}" text-anchor="middle" font-size="10" '
        f'fill="#333">{tooth}</text></g>'
    )


def _row(
    teeth: list[int],
    chart: Chart,
    x0: int,
    y: int,
    label_above: bool,
    planned: dict[int, list[tuple[str, str]]],
) -> list[str]:
    return [
        _tooth_svg(
            tooth,
            chart.get(tooth, ToothState()),
            x0 + i * (SIZE + GAP),
            y,
            label_above,
            planned.get(tooth, ()),
        )
        for i, tooth in enumerate(teeth)
    ]


def chart_svg(
    chart: Chart, *, show_primary: bool, caption: str = "", planned: Sequence[Planned] = ()
) -> SafeString:
    """The whole chart; primary teeth rows are drawn when `show_primary`, the `planned`
    treatments in the planned style."""
    by_tooth: dict[int, list[tuple[str, str]]] = {}
    for tooth, surfaces, name in planned:
        by_tooth.setdefault(int(tooth), []).append((str(surfaces), str(name)))
    step = SIZE + GAP
    half = 8 * step
    width = 2 * half + MIDLINE_GAP
    row_h = SIZE + LABEL + GAP
    layout = (
        [
            (CROSS_PERMANENT[0], True, 8),
            (CROSS_PRIMARY[0], True, 5),
            (CROSS_PRIMARY[1], False, 5),
            (CROSS_PERMANENT[1], False, 8),
        ]
        if show_primary
        else [(CROSS_PERMANENT[0], True, 8), (CROSS_PERMANENT[1], False, 8)]
    )
    parts: list[str] = []
    y = LABEL
    upper_rows = len(layout) // 2
    upper_bottom = lower_top = 0
    for index, (pair, label_above, count) in enumerate(layout):
        if index == upper_rows:
            upper_bottom = y - row_h + SIZE
            y += MIDLINE_GAP  # the occlusal line of the cross
            lower_top = y
        right_half, left_half = pair
        offset = (8 - count) * step
        parts += _row(right_half, chart, offset, y, label_above, by_tooth)
        parts += _row(left_half, chart, half + MIDLINE_GAP, y, label_above, by_tooth)
        y += row_h
    height = y
    # The cross's lines run through the middle of the gaps between the halves and the jaws.
    mid_x = half + (MIDLINE_GAP - GAP) // 2
    mid_y = (upper_bottom + lower_top) // 2
    cross = (
        f'<line x1="{mid_x}" y1="0" x2="{mid_x}" y2="{height}" stroke="#222" stroke-width="1.5"/>'
        f'<line x1="0" y1="{mid_y}" x2="{width}" y2="{mid_y}" stroke="#222" stroke-width="1.5"/>'
    )
    title = f"<title>{escape(caption)}</title>" if caption else ""
    if by_tooth:
        title += _PLANNED_DEFS
    return mark_safe(
        # A group, not an image: its teeth are buttons, and an image's children are hidden
        # from assistive technology (axe: nested-interactive).
        f'<svg class="odontogram" xmlns="http://www.w3.org/2000/svg" role="group" '
        f'viewBox="-2 -2 {width + 4} {height + 4}" width="{width + 4}" '
        f'aria-label="{escape(caption)}">{title}{cross}{"".join(parts)}</svg>'
    )


# Bump when the drawing or the folding of findings (teeth.chart_build) changes: entries made
# by the previous code then miss.
CHART_MARKUP_VERSION = 4  # 2: teeth are focusable buttons; 3: planned treatments; 4: role=group
CHART_CACHE_ALIAS = "fragments"

Finding = tuple[int, str, str]  # (tooth, surfaces, status), oldest first


def chart_cache_key(
    findings: Sequence[Finding],
    *,
    show_primary: bool,
    caption: str,
    practice_id: int,
    planned: Sequence[Planned] = (),
) -> str:
    inputs = repr(
        (
            CHART_MARKUP_VERSION,
            practice_id,
            translation.get_language(),
            show_primary,
            caption,
            [(int(tooth), str(surfaces), str(status)) for tooth, surfaces, status in findings],
            [(int(tooth), str(surfaces), str(name)) for tooth, surfaces, name in planned],
        )
    )
    digest = hashlib.blake2b(inputs.encode(), digest_size=20).hexdigest()
    return f"clinical:chart-svg:{digest}"


def chart_svg_cached(
    findings: Sequence[Finding],
    *,
    show_primary: bool,
    caption: str,
    practice_id: int,
    planned: Sequence[Planned] = (),
) -> SafeString:
    """chart_svg of the chart the findings fold into (with the `planned` treatments), from
    the fragment cache: on a hit neither the folding (a step per finding: 200 visits, 200
    steps) nor the drawing runs."""
    key = chart_cache_key(
        findings,
        show_primary=show_primary,
        caption=caption,
        practice_id=practice_id,
        planned=planned,
    )
    cache = caches[CHART_CACHE_ALIAS]
    # Stored compressed: a drawing is 25–40 KB of repetitive SVG (≈ 2 KB compressed), as much
    # as twenty visit items, and the alias bounds entries, not bytes (2,000 drawings would be
    # 50–80 MB per process). Decompressing one costs ≈ 0.03 ms.
    stored: bytes | None = cache.get(key)
    if stored is not None:
        return mark_safe(zlib.decompress(stored).decode())  # drawn here, every text escaped
    svg = chart_svg(
        chart_build(findings), show_primary=show_primary, caption=caption, planned=planned
    )
    cache.set(key, zlib.compress(svg.encode()))
    return svg


def legend_items(*, planned: bool = False) -> list[tuple[str, str, SafeString]]:
    """(key, Hungarian label, swatch SVG) for the colour legend; with `planned`, also the
    planned treatments' style (a chart that draws some)."""
    items = []
    for status in ToothStatus:
        swatch = mark_safe(
            f'<svg width="14" height="14" aria-hidden="true"><rect x="0.5" y="0.5" '
            f'width="13" height="13" fill="{STATUS_COLOURS[status]}" stroke="#555"/></svg>'
        )
        items.append((status.value, str(status.label), swatch))
    if planned:
        swatch = mark_safe(
            f'<svg width="14" height="14" aria-hidden="true"><rect x="1" y="1" width="12" '
            f'height="12" fill="#fff" stroke="{PLANNED_COLOUR}" stroke-width="1.5" '
            f'stroke-dasharray="3 2"/><path d="M3,11 L11,3 M3,7 L7,3 M7,11 L11,7" '
            f'stroke="{PLANNED_COLOUR}" stroke-width="1.2"/></svg>'
        )
        items.append(("planned", _("Tervezett kezelés (elfogadott terv)"), swatch))
    return items
