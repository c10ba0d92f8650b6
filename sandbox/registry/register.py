"""The insured-persons register: every check-digit-valid TAJ is an insured person.

The real EESZT knows every insured person, so the sandbox does too: a valid TAJ it has not
seen becomes a person (colour ZOLD) on the first well-formed request that names it. Only a
DocumentSubmit's CDA ``recordTarget`` carries an identity (name, birth date, sex); until
one arrives the identity is generated deterministically from the TAJ (same TAJ → same
name, birth date and sex on every sandbox), and the first accepted request that carries
one replaces it (later ones do not: the register's identity is then settled).

A reserved, documented set of TAJ numbers (``RESERVED``, all starting ``9990000``) plays
the negative cases; the seeded demo persons keep their fixed states.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from sandbox.registry.models import IdType, Patient, PatientOrigin
from sandbox.registry.validators import taj_is_valid


@dataclass(frozen=True)
class Identity:
    name: str
    birth_date: dt.date
    sex: str  # "1" férfi, "2" nő


@dataclass(frozen=True)
class ReservedTaj:
    taj: str
    case: str  # what it plays, Hungarian (the portal's test-data page lists it)
    name: str = ""
    sex: str = "1"
    eligibility: str = "ZOLD"
    deceased_on: dt.date | None = None
    sensitive: bool = False


# Never created on first sight: the register does not know this person.
TAJ_NOT_FOUND = "999000014"
RESERVED: tuple[ReservedTaj, ...] = (
    ReservedTaj(TAJ_NOT_FOUND, "Nincs ilyen biztosított (PATIENT_NOT_FOUND; TB-lámpa: BARNA)"),
    ReservedTaj(
        "999000021", "Rendezetlen jogviszony (TB-lámpa: PIROS)", "Piros Péter", "1", "PIROS"
    ),
    ReservedTaj(
        "999000038", "Más EGT-államban biztosított (TB-lámpa: KÉK)", "Kék Klára", "2", "KEK"
    ),
    ReservedTaj(
        "999000045", "Nem biztosított, térítésköteles (TB-lámpa: BARNA)", "Barna Béla", "1", "BARNA"
    ),
    ReservedTaj(
        "999000052",
        "Korlátozott, csak sürgősségi ellátás (TB-lámpa: SÁRGA)",
        "Sárga Sára",
        "2",
        "SARGA",
    ),
    ReservedTaj(
        "999000069",
        "Elhunyt (2024-01-15): új ellátási esemény nem indítható (PATIENT_DECEASED)",
        "Néhai Nagy Ernő",
        "1",
        "BARNA",
        deceased_on=dt.date(2024, 1, 15),
    ),
    ReservedTaj(
        "999000076",
        "Különösen érzékeny dokumentuma van más intézményben (SENSITIVE_CATEGORY)",
        "Titkos Tímea",
        "2",
        sensitive=True,
    ),
)
RESERVED_BY_TAJ = {r.taj: r for r in RESERVED}

_FAMILY = ["Balogh", "Papp", "Takács", "Juhász", "Lakatos", "Mészáros", "Oláh", "Simon"]
_MALE = ["Áron", "Botond", "Csaba", "Dániel", "Gergő", "Kristóf", "Márk", "Zsolt"]
_FEMALE = ["Boglárka", "Dóra", "Eszter", "Fanni", "Kata", "Lili", "Nóra", "Réka"]


def generated_identity(taj: str) -> Identity:
    """A deterministic made-up identity for a TAJ (documented in docs/sandbox.md)."""
    h = hashlib.sha256(f"sandbox-register:{taj}".encode()).digest()
    sex = "2" if h[0] % 2 else "1"
    given = (_FEMALE if sex == "2" else _MALE)[h[1] % 8]
    birth = dt.date(1940, 1, 1) + dt.timedelta(days=int.from_bytes(h[2:4]) % (70 * 365))
    return Identity(name=f"{_FAMILY[h[4] % 8]} {given}", birth_date=birth, sex=sex)


def patient_register(*, taj: str, identity: Identity | None = None) -> Patient | None:
    """The insured person with this TAJ, created on first sight; None for an invalid TAJ
    or the reserved "not found" one."""
    if not taj_is_valid(taj) or taj == TAJ_NOT_FOUND:
        return None
    existing = Patient.objects.filter(id_type=IdType.TAJ, id_value=taj).first()
    if existing is not None:
        if identity is not None and existing.origin == PatientOrigin.GENERATED:
            # The first request that carries an identity names the person.
            existing.name, existing.birth_date, existing.sex = (
                identity.name,
                identity.birth_date,
                identity.sex,
            )
            existing.origin = PatientOrigin.REQUEST
            existing.save(update_fields=["name", "birth_date", "sex", "origin"])
        return existing
    who = identity or generated_identity(taj)
    try:
        with transaction.atomic():
            return Patient.objects.create(
                id_type=IdType.TAJ,
                id_value=taj,
                name=who.name,
                birth_date=who.birth_date,
                sex=who.sex,
                eligibility="ZOLD",
                origin=PatientOrigin.REQUEST if identity else PatientOrigin.GENERATED,
            )
    except IntegrityError:
        # Another request named the same new TAJ at the same moment.
        return Patient.objects.get(id_type=IdType.TAJ, id_value=taj)


def reserved_seed() -> None:
    """The reserved persons with their fixed states (run by seed_demo)."""
    for r in RESERVED:
        if r.taj == TAJ_NOT_FOUND:
            continue
        who = generated_identity(r.taj)
        Patient.objects.update_or_create(
            id_type=IdType.TAJ,
            id_value=r.taj,
            defaults={
                "name": r.name,
                "birth_date": who.birth_date,
                "sex": r.sex,
                "eligibility": r.eligibility,
                "deceased_on": r.deceased_on,
                "origin": PatientOrigin.SEED,
            },
        )
