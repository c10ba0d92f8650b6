"""The demo practice's treatment catalogue: common Hungarian dental treatments with
Budapest private-practice prices as of 2026 (typical mid-range list prices of private
clinics, rounded; not any one clinic's list).

OENO codes are left empty on purpose: a wrong code on an EESZT report is worse than none,
and the practice fills them in from NEAK's table when it needs them.

Composite fillings and root canal treatments are families (DEMO_FAMILIES): "36 MOD töm" records
the three-surface filling, "46 gyök 3c" the three-canal treatment. No amalgam: the EU has
banned it for dental use since 1 January 2025 (Regulation (EU) 2024/1849)."""

from decimal import Decimal
from typing import Any

from django.db import transaction

from zomanc.clinical.teeth import ToothStatus as S
from zomanc.codes.catalogue_services import treatment_item_create, treatment_item_update
from zomanc.codes.models import TreatmentItem, VariantBasis, VatRate
from zomanc.practices.models import Practice

EX, V27 = VatRate.EXEMPT, VatRate.STANDARD_27

# name, shortcut, price (Ft), VAT, minutes, needs tooth, needs surfaces, resulting status
DEMO_TREATMENTS: list[tuple[str, str, int, str, int, bool, bool, str]] = [
    ("Konzultáció, állapotfelmérés, kezelési terv", "konz", 15000, EX, 30, False, False, ""),
    ("Kontrollvizsgálat", "kontr", 8000, EX, 15, False, False, ""),
    ("Panoráma röntgen (OPG)", "pan", 12000, EX, 10, False, False, ""),
    ("Intraorális (kis) röntgenfelvétel", "rtg", 5000, EX, 10, False, False, ""),
    ("CBCT (3D röntgen), egy állcsont", "cbct", 28000, EX, 15, False, False, ""),
    ("Fogkő-eltávolítás és polírozás (teljes száj)", "fk", 20000, EX, 45, False, False, ""),
    ("Airflow fogtisztítás (homokfúvás)", "air", 15000, EX, 30, False, False, ""),
    ("Helyi érzéstelenítés", "érz", 3000, EX, 5, False, False, ""),
    ("Ideiglenes tömés", "ideig", 8000, EX, 20, True, False, S.TEMPORARY_FILLING),
    ("Kompozit tömés, 1 felszín", "töm", 25000, EX, 30, True, True, S.FILLING),
    ("Kompozit tömés, 2 felszín", "töm2", 32000, EX, 45, True, True, S.FILLING),
    ("Kompozit tömés, 3 felszín", "töm3", 38000, EX, 60, True, True, S.FILLING),
    ("Kompozit tömés, 4 vagy több felszín", "töm4", 45000, EX, 75, True, True, S.FILLING),
    ("Kerámia inlay", "inlay", 120000, EX, 60, True, True, S.FILLING),
    ("Barázdazárás", "bz", 10000, EX, 20, True, False, S.FISSURE_SEALANT),
    ("Gyökérkezelés, 1 csatorna", "gyök", 48000, EX, 60, True, False, S.ROOT_CANAL),
    ("Gyökérkezelés, 2 csatorna", "gyök2", 62000, EX, 75, True, False, S.ROOT_CANAL),
    ("Gyökérkezelés, 3 csatorna", "gyök3", 78000, EX, 90, True, False, S.ROOT_CANAL),
    ("Gyökérkezelés, 4 vagy több csatorna", "gyök4", 92000, EX, 105, True, False, S.ROOT_CANAL),
    ("Gyökértömés revíziója (csatornánként)", "rev", 30000, EX, 60, True, False, S.ROOT_CANAL),
    ("Üvegszálas csapos felépítés", "csap", 28000, EX, 45, True, False, ""),
    ("Foghúzás (egyszerű)", "ext", 20000, EX, 30, True, False, S.MISSING),
    ("Foghúzás (nehezített, több gyökerű)", "ext2", 30000, EX, 45, True, False, S.MISSING),
    ("Bölcsességfog műtéti eltávolítása", "bölcs", 60000, EX, 60, True, False, S.MISSING),
    ("Tejfog eltávolítása", "tejext", 10000, EX, 15, True, False, S.MISSING),
    ("Fémkerámia korona", "kor", 98000, EX, 60, True, False, S.CROWN),
    ("Cirkónium korona", "cirk", 155000, EX, 60, True, False, S.CROWN),
    ("Préskerámia (E.max) korona", "emax", 165000, EX, 60, True, False, S.CROWN),
    ("Ideiglenes korona", "ikor", 15000, EX, 30, True, False, ""),
    ("Hídtag (fémkerámia)", "híd", 98000, EX, 30, True, False, S.BRIDGE_PONTIC),
    ("Implantátum beültetése", "imp", 290000, EX, 90, True, False, S.IMPLANT),
    ("Implantációs felépítmény (abutment)", "abut", 95000, EX, 30, True, False, ""),
    ("Csontpótlás (csontpótló anyag, membrán)", "csp", 120000, EX, 60, False, False, ""),
    ("Parodontális kezelés (kvadránsonként)", "paro", 25000, EX, 45, False, False, ""),
    ("Éjszakai fogvédő / harapásemelő sín", "sín", 70000, EX, 30, False, False, ""),
    ("Kivehető teljes fogsor (állcsontonként)", "fsor", 190000, EX, 45, False, False, ""),
    # Cosmetic work is not health care for VAT purposes: 27 %.
    ("Rendelői fogfehérítés", "feh", 85000, V27, 90, False, False, ""),
    ("Otthoni fogfehérítés (egyéni sín, gél)", "ofeh", 60000, V27, 30, False, False, ""),
]

SURF, CAN = VariantBasis.SURFACES, VariantBasis.CANALS
# shortcut → (family, what tells the variants apart, count; 4 = 4 or more)
DEMO_FAMILIES: dict[str, tuple[str, str, int]] = {
    "töm": ("Kompozit tömés", SURF, 1),
    "töm2": ("Kompozit tömés", SURF, 2),
    "töm3": ("Kompozit tömés", SURF, 3),
    "töm4": ("Kompozit tömés", SURF, 4),
    "gyök": ("Gyökérkezelés", CAN, 1),
    "gyök2": ("Gyökérkezelés", CAN, 2),
    "gyök3": ("Gyökérkezelés", CAN, 3),
    "gyök4": ("Gyökérkezelés", CAN, 4),
}


def _family_fields(shortcut: str) -> dict[str, Any]:
    if shortcut not in DEMO_FAMILIES:
        return {"family": "", "variant_basis": "", "variant_count": None}
    family, basis, count = DEMO_FAMILIES[shortcut]
    return {"family": family, "variant_basis": str(basis), "variant_count": count}


@transaction.atomic
def demo_treatments_create(practice: Practice) -> list[TreatmentItem]:
    """Adds the demo catalogue; items whose shortcut already exists are left alone, so
    running the demo loader twice changes nothing. The one exception: a demo item loaded
    before families existed (same shortcut and name, no family) joins its family."""
    existing = {
        item.shortcut: item
        for item in TreatmentItem.objects.filter(practice=practice).exclude(shortcut="")
    }
    created = []
    for name, shortcut, price, vat, minutes, tooth, surfaces, status in DEMO_TREATMENTS:
        if shortcut in existing:
            old = existing[shortcut]
            if shortcut in DEMO_FAMILIES and not old.family and old.name == name:
                treatment_item_update(item=old, actor=None, **_family_fields(shortcut))
            continue
        created.append(
            treatment_item_create(
                practice=practice,
                actor=None,
                name=name,
                shortcut=shortcut,
                price=Decimal(price),
                vat_rate=vat,
                duration_minutes=minutes,
                oeno_code="",
                needs_tooth=tooth,
                needs_surfaces=surfaces,
                resulting_status=str(status),
                **_family_fields(shortcut),
            )
        )
    return created
