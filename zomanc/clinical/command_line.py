"""The assistants' keyboard command line, as a pure parser (applied by
services.visit_command_apply).

Grammar (tokens separated by spaces or commas, case-insensitive):

    [tooth ...] [surfaces] keyword [canals] [quantity]

- tooth: FDI numbers (11–48, 51–85), any number of them, first on the line: `18 48 ext`;
- surfaces: one token of surface letters (M O I D V/B P L) valid for every tooth given:
  `36 MOD töm`, `11 I töm`;
- keyword: a shortcut of the practice's treatment catalogue (TreatmentItem.shortcut) — a
  procedure —, or one of the status keywords below — a finding; the catalogue wins when both
  match. Accents may be left out when that stays unambiguous (`tom` = `töm`, `hiany`);
- canals: the number of root canals treated, `3c` (or `3cs`) after the keyword (procedures
  only, with teeth): `46 gyök 3c`;
- quantity: `x2`, `2x` or `×2` after the keyword (procedures only): `rtg x2`. Canals and
  quantity may come in either order.

A shortcut of a catalogue family's variant names the whole family (TreatmentItem.family):
the surfaces typed — or the canals, for a family by canals — choose the variant
(codes.catalogue_selectors.treatment_variant_for): `36 MOD töm` records the three-surface
filling whichever filling variant "töm" is. Without a canal count (`46 gyök`) the variant
named stays.

A keyword written with a leading "=" is always a status keyword, even when the catalogue has
the same shortcut: `16 =kor` records an existing crown, `16 kor` (with a "kor" item in the
catalogue) records the crown procedure.

A BNO-10 diagnosis is a code in the keyword's place — a letter, two digits and up to two more
characters, with or without the dot: `K0210`, `k02.1`, `C61H0`, optionally after teeth:
`36 K0210`. It is added to
the visit's diagnoses exactly as the diagnosis box adds it (codes.bno_services.bno_validate:
known code, valid on the visit's date, the patient's sex and age); the teeth say where it was
found and go into the audit entry (a diagnosis belongs to the visit, as on the Ambuláns lap).
No surfaces and no quantity with a diagnosis. A catalogue shortcut that looks like a BNO code
wins, as it does over a status keyword.
"""

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from django.utils.translation import gettext as _

from zomanc.clinical.teeth import (
    ToothRuleError,
    ToothStatus,
    status_validate,
    surfaces_normalize,
    tooth_validate,
)
from zomanc.codes.bno_services import text_fold

STATUS_KEYWORDS: dict[str, ToothStatus] = {
    "ép": ToothStatus.HEALTHY,
    "car": ToothStatus.CARIES,
    "szuv": ToothStatus.CARIES,
    "tt": ToothStatus.FILLING,
    "kor": ToothStatus.CROWN,
    "gyt": ToothStatus.ROOT_CANAL,
    "hiány": ToothStatus.MISSING,
    "imp": ToothStatus.IMPLANT,
    "híd": ToothStatus.BRIDGE_PONTIC,
    "hx": ToothStatus.EXTRACTION_PLANNED,
    "bz": ToothStatus.FISSURE_SEALANT,
    "it": ToothStatus.TEMPORARY_FILLING,
}
MAX_QUANTITY = 99
MAX_CANALS = 6
_CANALS = re.compile(r"^(\d{1,2})(?:c|cs|csat)$", re.IGNORECASE)
_QUANTITY = re.compile(r"^(?:[x×*](\d{1,3})|(\d{1,3})[x×*])$", re.IGNORECASE)
_SURFACES = re.compile(r"^[MOIDVBPL]{1,5}$", re.IGNORECASE)
# NEAK's BNO-10: a letter, two digits, then up to two characters ("H" fills an undivided
# category: C61H0).
_BNO = re.compile(r"^[A-Z]\d{2}(?:\.?[0-9A-Z]{1,2})?$", re.IGNORECASE)


@dataclass(frozen=True)
class Command:
    kind: Literal["procedure", "status", "diagnosis"]
    teeth: tuple[int, ...]
    surfaces: str  # canonical letters, "" when none
    shortcut: str = ""  # the catalogue shortcut as stored (procedures)
    status: str = ""  # ToothStatus key (findings)
    quantity: int = 1
    code: str = ""  # the BNO code as typed, upper case (diagnoses; validated by the service)
    canals: int | None = None  # root canals typed ("3c"; procedures), None when not given


@dataclass(frozen=True)
class CommandError:
    message: str


def _keyword_resolve(word: str, shortcuts: Collection[str]) -> tuple[str, str] | None:
    """("procedure", shortcut) or ("status", key) for a typed keyword, or None."""
    if word.startswith("=") and len(word) > 1:
        return _keyword_resolve(word[1:], ())
    lowered = word.casefold()
    exact = [s for s in shortcuts if s.casefold() == lowered]
    if len(exact) == 1:
        return ("procedure", exact[0])
    for key, status in STATUS_KEYWORDS.items():
        if key == lowered:
            return ("status", status.value)
    folded = text_fold(word)
    loose = [s for s in shortcuts if text_fold(s) == folded]
    if len(loose) == 1:
        return ("procedure", loose[0])
    loose_status = {s for k, s in STATUS_KEYWORDS.items() if text_fold(k) == folded}
    if not loose and len(loose_status) == 1:
        return ("status", loose_status.pop().value)
    return None


def command_parse(line: str, catalogue_shortcuts: Collection[str]) -> Command | CommandError:
    """Parse one command line; a CommandError carries the Hungarian reason."""
    tokens = [t for t in re.split(r"[\s,;]+", line.strip()) if t]
    if not tokens:
        return CommandError(_("Üres parancs. Példa: „36 MOD töm”, „46 ext”, „18 car”."))
    if len(tokens) > 40 or len(line) > 200:
        return CommandError(_("Túl hosszú parancs: soronként egy bejegyzést adjon meg."))

    quantity = 1
    quantity_given = False
    canals: int | None = None
    # Up to two modifiers after the keyword, in either order: a quantity and a canal count.
    while len(tokens) > 1:
        match = _QUANTITY.match(tokens[-1])
        canal_match = _CANALS.match(tokens[-1])
        # A quantity follows a keyword: after teeth (or alone) "x12" is the BNO code X12.
        if match and not quantity_given and not tokens[-2].isdigit():
            quantity = int(match.group(1) or match.group(2))
            quantity_given = True
            tokens.pop()
            if not 1 <= quantity <= MAX_QUANTITY:
                return CommandError(
                    _("A mennyiség 1 és %(max)s között lehet.") % {"max": MAX_QUANTITY}
                )
        elif canal_match and canals is not None:
            return CommandError(_("A csatornák számát egyszer adja meg (pl. „46 gyök 3c”)."))
        elif canal_match:
            canals = int(canal_match.group(1))
            tokens.pop()
            if not 1 <= canals <= MAX_CANALS:
                return CommandError(
                    _("A csatornák száma 1 és %(max)s között lehet (pl. „46 gyök 3c”).")
                    % {"max": MAX_CANALS}
                )
        else:
            break

    keyword = tokens.pop()
    if keyword.isdigit():
        return CommandError(
            _(
                "Hiányzik a kezelés rövidítése vagy a státusz kulcsszava a sor végéről "
                "(pl. „36 MOD töm”, „46 ext”, „18 car”)."
            )
        )

    teeth: list[int] = []
    while tokens and tokens[0].isdigit():
        token = tokens.pop(0)
        if len(token) != 2:
            return CommandError(
                _("A(z) „%(t)s” nem FDI fogszám (két számjegy, pl. 36).") % {"t": token}
            )
        try:
            tooth = tooth_validate(int(token))
        except ToothRuleError as error:
            return CommandError(str(error))
        if tooth in teeth:
            return CommandError(_("A(z) %(t)s. fog kétszer szerepel.") % {"t": tooth})
        teeth.append(tooth)

    surfaces_raw = ""
    if tokens:
        if len(tokens) > 1 or any(ch.isdigit() for ch in tokens[0]):
            return CommandError(
                _(
                    "Értelmezhetetlen rész: „%(part)s”. Sorrend: fogszámok, felszínek, "
                    "rövidítés (pl. „36 MOD töm”)."
                )
                % {"part": " ".join(tokens)}
            )
        if not _SURFACES.match(tokens[0]):
            return CommandError(
                _("Ismeretlen felszínjelölés: „%(part)s” (M, O, I, D, V/B, P, L).")
                % {"part": tokens[0]}
            )
        surfaces_raw = tokens[0]
        if not teeth:
            return CommandError(_("Felszín csak fogszámmal együtt adható meg (pl. „36 MOD töm”)."))

    surfaces = ""
    try:
        for tooth in teeth:
            surfaces = surfaces_normalize(tooth, surfaces_raw)
    except ToothRuleError as error:
        return CommandError(str(error))

    resolved = _keyword_resolve(keyword, catalogue_shortcuts)
    if resolved is None and _BNO.match(keyword):
        if surfaces_raw:
            return CommandError(_("BNO-diagnózishoz nem adható meg felszín (pl. „36 K0210”)."))
        if quantity_given:
            return CommandError(_("Mennyiség csak kezelésnél adható meg, diagnózisnál nem."))
        if canals is not None:
            return CommandError(_("Csatornaszám csak kezelésnél adható meg, diagnózisnál nem."))
        return Command(kind="diagnosis", teeth=tuple(teeth), surfaces="", code=keyword.upper())
    if resolved is None and teeth and not surfaces_raw and _SURFACES.match(keyword):
        return CommandError(
            _(
                "Hiányzik a kezelés rövidítése vagy a státusz kulcsszava a felszín („%(part)s”) "
                "után (pl. „36 MOD töm”, „16 MO car”)."
            )
            % {"part": keyword.upper()}
        )
    if resolved is None:
        known = ", ".join(sorted(catalogue_shortcuts)[:12]) or "—"
        return CommandError(
            _(
                "Ismeretlen rövidítés: „%(word)s”. Kezelések: %(known)s; státuszok: "
                "%(statuses)s (ütközéskor „=” előtaggal, pl. „16 =kor”); diagnózis: BNO-kód "
                "(pl. „36 K0210”)."
            )
            % {"word": keyword, "known": known, "statuses": ", ".join(STATUS_KEYWORDS)}
        )
    kind, value = resolved
    if kind == "procedure":
        if canals is not None and not teeth:
            return CommandError(
                _("Csatornaszám csak fogszámmal együtt adható meg (pl. „46 gyök 3c”).")
            )
        return Command(
            kind="procedure",
            teeth=tuple(teeth),
            surfaces=surfaces,
            shortcut=value,
            quantity=quantity,
            canals=canals,
        )
    if not teeth:
        return CommandError(_("A fogstátuszhoz fogszám kell (pl. „18 car”)."))
    if quantity_given:
        return CommandError(_("Mennyiség csak kezelésnél adható meg, státusznál nem."))
    if canals is not None:
        return CommandError(_("Csatornaszám csak kezelésnél adható meg, státusznál nem."))
    try:
        status_validate(value, surfaces)
    except ToothRuleError as error:
        return CommandError(str(error))
    return Command(kind="status", teeth=tuple(teeth), surfaces=surfaces, status=value)
