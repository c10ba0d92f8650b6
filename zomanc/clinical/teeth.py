"""The tooth chart's rules, as pure functions: FDI numbers, surfaces, statuses and how a
sequence of findings folds into the chart (no database here, so it is cheap to test).

Surface letters (decided for Zománc, docs/decisions.md):
- M mesial, D distal on every tooth;
- O occlusal on premolars and molars (FDI position 4–8, primary 4–5), I incisal on incisors and
  canines (position 1–3) — O on an incisor or I on a molar is refused;
- V vestibular (lip/cheek side) on every tooth; B (buccal) is accepted as the same surface and
  stored as V, because Hungarian charts use both for the outer surface;
- P palatal on upper teeth (quadrants 1, 2, 5, 6), L lingual on lower teeth (3, 4, 7, 8); the
  other letter is refused (a lower tooth has no palatal side).
Surfaces are stored in the fixed order M, O/I, D, V, P/L ("MOD", "DV")."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

PERMANENT_TEETH = frozenset(q * 10 + n for q in (1, 2, 3, 4) for n in range(1, 9))
PRIMARY_TEETH = frozenset(q * 10 + n for q in (5, 6, 7, 8) for n in range(1, 6))
ALL_TEETH = PERMANENT_TEETH | PRIMARY_TEETH

# The Zsigmondy cross as seen from the front: patient's right on the viewer's left.
CROSS_PERMANENT = (
    ([18, 17, 16, 15, 14, 13, 12, 11], [21, 22, 23, 24, 25, 26, 27, 28]),
    ([48, 47, 46, 45, 44, 43, 42, 41], [31, 32, 33, 34, 35, 36, 37, 38]),
)
CROSS_PRIMARY = (
    ([55, 54, 53, 52, 51], [61, 62, 63, 64, 65]),
    ([85, 84, 83, 82, 81], [71, 72, 73, 74, 75]),
)

SURFACE_ORDER = "MOIDVPL"
SURFACE_NAMES = {
    "M": gettext_lazy("meziális"),
    "O": gettext_lazy("okkluzális"),
    "I": gettext_lazy("incizális"),
    "D": gettext_lazy("disztális"),
    "V": gettext_lazy("vesztibuláris"),
    "P": gettext_lazy("palatinális"),
    "L": gettext_lazy("linguális"),
}
SURFACE_INPUT_LETTERS = frozenset("MOIDVBPL")


class ToothStatus(models.TextChoices):
    """Status keys of a tooth or surface (TreatmentItem.resulting_status uses these keys)."""

    HEALTHY = "healthy", gettext_lazy("ép")
    CARIES = "caries", gettext_lazy("szuvas")
    FILLING = "filling", gettext_lazy("tömött")
    CROWN = "crown", gettext_lazy("korona")
    ROOT_CANAL = "root_canal", gettext_lazy("gyökértömött")
    MISSING = "missing", gettext_lazy("hiányzik")
    IMPLANT = "implant", gettext_lazy("implantátum")
    BRIDGE_PONTIC = "bridge_pontic", gettext_lazy("hídtag")
    EXTRACTION_PLANNED = "extraction_planned", gettext_lazy("eltávolítandó")
    FISSURE_SEALANT = "fissure_sealant", gettext_lazy("barázdazárás")
    TEMPORARY_FILLING = "temporary_filling", gettext_lazy("ideiglenes tömés")


# Statuses that may sit on single surfaces; the others describe the whole tooth.
SURFACE_STATUSES = frozenset(
    {
        ToothStatus.HEALTHY,
        ToothStatus.CARIES,
        ToothStatus.FILLING,
        ToothStatus.FISSURE_SEALANT,
        ToothStatus.TEMPORARY_FILLING,
    }
)
# Colour legend: fill colours of the chart (also printed in the legend).
STATUS_COLOURS = {
    ToothStatus.HEALTHY: "#ffffff",
    ToothStatus.CARIES: "#d62728",
    ToothStatus.FILLING: "#1f77b4",
    ToothStatus.CROWN: "#e6b800",
    ToothStatus.ROOT_CANAL: "#9467bd",
    ToothStatus.MISSING: "#c7c7c7",
    ToothStatus.IMPLANT: "#17becf",
    ToothStatus.BRIDGE_PONTIC: "#ff7f0e",
    ToothStatus.EXTRACTION_PLANNED: "#8c564b",
    ToothStatus.FISSURE_SEALANT: "#2ca02c",
    ToothStatus.TEMPORARY_FILLING: "#aec7e8",
}


class ToothRuleError(ValueError):
    """A tooth number or surface that does not exist; the message is the Hungarian refusal."""


def tooth_is_upper(tooth: int) -> bool:
    return tooth // 10 in (1, 2, 5, 6)


def tooth_is_anterior(tooth: int) -> bool:
    """Incisors and canines (position 1–3) have an incisal edge instead of an occlusal face."""
    return tooth % 10 <= 3


def tooth_validate(tooth: int) -> int:
    if tooth not in ALL_TEETH:
        raise ToothRuleError(
            _(
                "A(z) %(tooth)s nem FDI fogszám: maradó fogak 11–18, 21–28, 31–38, 41–48, "
                "tejfogak 51–55, 61–65, 71–75, 81–85."
            )
            % {"tooth": tooth}
        )
    return tooth


def tooth_surfaces(tooth: int) -> str:
    """The surface letters a tooth has, in canonical order."""
    tooth_validate(tooth)
    middle = "I" if tooth_is_anterior(tooth) else "O"
    inner = "P" if tooth_is_upper(tooth) else "L"
    return f"M{middle}DV{inner}"


def surfaces_normalize(tooth: int, raw: str) -> str:
    """User letters ("dom", "MOB") → canonical surfaces of `tooth` ("MOD", "MOV"), or a
    ToothRuleError naming the tooth and the surface."""
    allowed = tooth_surfaces(tooth)
    letters: list[str] = []
    for char in raw.strip().upper():
        if char not in SURFACE_INPUT_LETTERS:
            raise ToothRuleError(
                _("Ismeretlen felszínjelölés: „%(letter)s” (M, O, I, D, V/B, P, L).")
                % {"letter": char}
            )
        letter = "V" if char == "B" else char
        if letter not in allowed:
            raise ToothRuleError(_surface_refusal(tooth, letter))
        if letter in letters:
            raise ToothRuleError(
                _("A(z) %(letter)s felszín kétszer szerepel (%(tooth)s. fog).")
                % {"letter": letter, "tooth": tooth}
            )
        letters.append(letter)
    return "".join(sorted(letters, key=SURFACE_ORDER.index))


def _surface_refusal(tooth: int, letter: str) -> str:
    reasons = {
        "O": _("metszőfogon és szemfogon nincs okkluzális (O) felszín, az incizális él: I"),
        "I": _("őrlőfogon és kisőrlőn nincs incizális (I) felszín, a rágófelszín: O"),
        "P": _("alsó fognak nincs palatinális (P) felszíne, a belső felszín: L"),
        "L": _("felső fogon a belső felszín palatinális: P (nem L)"),
    }
    return _("A(z) %(tooth)s. fogon nincs %(letter)s felszín: %(reason)s.") % {
        "tooth": tooth,
        "letter": letter,
        "reason": reasons.get(letter, ""),
    }


def status_validate(status: str, surfaces: str) -> ToothStatus:
    try:
        value = ToothStatus(status)
    except ValueError:
        raise ToothRuleError(_("Ismeretlen fogstátusz: %(s)s.") % {"s": status}) from None
    if surfaces and value not in SURFACE_STATUSES:
        raise ToothRuleError(
            _("A(z) „%(status)s” státusz az egész fogra vonatkozik, felszín nem adható meg.")
            % {"status": value.label}
        )
    return value


@dataclass
class ToothState:
    """One tooth on the chart: a whole-tooth status and per-surface statuses."""

    status: str = ToothStatus.HEALTHY
    surfaces: dict[str, str] = field(default_factory=dict)

    @property
    def is_healthy(self) -> bool:
        return self.status == ToothStatus.HEALTHY and not self.surfaces


Chart = dict[int, ToothState]


def chart_apply(chart: Chart, tooth: int, surfaces: str, status: str) -> None:
    """Apply one finding. A surface status with surfaces marks those surfaces; without
    surfaces it marks the whole tooth. "healthy" without surfaces resets the tooth; a
    whole-tooth status replaces the tooth's status and keeps surface history underneath
    (a crowned tooth's fillings are still there), except missing/implant/pontic, which
    leave no natural surfaces."""
    state = chart.setdefault(tooth, ToothState())
    if surfaces:
        for letter in surfaces:
            if status == ToothStatus.HEALTHY:
                state.surfaces.pop(letter, None)
            else:
                state.surfaces[letter] = status
        return
    if status == ToothStatus.HEALTHY:
        chart[tooth] = ToothState()
        return
    state.status = status
    if status in (ToothStatus.MISSING, ToothStatus.IMPLANT, ToothStatus.BRIDGE_PONTIC):
        state.surfaces.clear()


def chart_build(findings: Iterable[tuple[int, str, str]]) -> Chart:
    """Fold (tooth, surfaces, status) findings, oldest first, into a chart."""
    chart: Chart = {}
    for tooth, surfaces, status in findings:
        chart_apply(chart, tooth, surfaces, status)
    return chart
