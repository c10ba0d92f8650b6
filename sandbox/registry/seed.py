"""Deterministic demo data (contract §3). Safe to run again: rows are matched by their
natural keys and brought back to the values below.

Hooks for more seed data (history at other providers, referrals, documents, eProfil,
DÖR): append a callable to ``EXTRA_SEEDERS``; ``seed_demo`` runs them in order after the
registry rows exist.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction

from sandbox.registry.models import (
    Doctor,
    Grant,
    IdType,
    Institution,
    OrgUnit,
    Patient,
    Role,
    User,
)
from sandbox.registry.register import reserved_seed
from sandbox.registry.validators import taj_is_valid, taj_with_check_digit

DEMO_INSTITUTION = "506097"
DEMO_ORG_UNIT = "001044299"
DEMO_DENTIST = "O58012"
SECOND_DOCTOR = "O61234"
ASSISTANT = "ASSZ506097"
RIGHTS_ADMIN = "JOGADMIN506097"
OTHER_INSTITUTION = "01060J"
OTHER_ORG_UNIT = "0108R2272"
OTHER_DOCTOR = "O70001"

# Fixed so the printed demo logins stay the same across reseeds (it is a sandbox).
DEMO_PASSWORD = "Sandbox-Demo-1"  # noqa: S105 - the printed demo password of a sandbox
TOKEN_SECRETS = {
    SECOND_DOCTOR: "KRSXG5CTMVRXEZLUKN2XAZLSKNSWG4TF",
    RIGHTS_ADMIN: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
}
MOBILE_SECRETS = {
    SECOND_DOCTOR: "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U",
    ASSISTANT: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
}

INSTITUTIONS = [
    (DEMO_INSTITUTION, "Mosoly Fogászat Kft.", "+36301234567"),
    (OTHER_INSTITUTION, "Példa Városi Kórház", "+36309876543"),
]
ORG_UNITS = [
    (DEMO_ORG_UNIT, DEMO_INSTITUTION, "Fogászati rendelés", "FOG"),
    ("001044300", DEMO_INSTITUTION, "Szájsebészeti rendelés", "SZAJSEB"),
    (OTHER_ORG_UNIT, OTHER_INSTITUTION, "Pszichiátriai gondozó", "PSZICH"),
    ("010600001", OTHER_INSTITUTION, "Belgyógyászati szakrendelés", "BEL"),
]
DOCTORS = [
    ("58012", "Dr. Kovács Anna", ["FOG"]),
    ("61234", "Dr. Nagy Gábor", ["FOG", "SZAJSEB"]),
    ("70001", "Dr. Tóth Gábor", ["PSZICH"]),
    ("70002", "Dr. Nagy Eszter", ["BEL"]),
    ("45678", "Dr. Horváth László", ["HAZIORVOS"]),
    ("52001", "Dr. Fekete Zsófia", ["FOG"]),
]
USERS = [
    # user_id, name, stamp, phone
    (DEMO_DENTIST, "Dr. Kovács Anna", "58012", "+36301111111"),
    (SECOND_DOCTOR, "Dr. Nagy Gábor", "61234", "+36302222222"),
    (ASSISTANT, "Kiss Júlia", None, "+36303333333"),
    (RIGHTS_ADMIN, "Varga Béla", None, "+36301234567"),
    (OTHER_DOCTOR, "Dr. Tóth Gábor", "70001", "+36304444444"),
    ("O70002", "Dr. Nagy Eszter", "70002", "+36305555555"),
]
GRANTS = [
    (DEMO_DENTIST, DEMO_ORG_UNIT, Role.ORVOS),
    (DEMO_DENTIST, DEMO_ORG_UNIT, Role.FELHASZNALO),
    (SECOND_DOCTOR, DEMO_ORG_UNIT, Role.ORVOS),
    (SECOND_DOCTOR, "001044300", Role.ORVOS),
    (ASSISTANT, DEMO_ORG_UNIT, Role.FELHASZNALO),
    (RIGHTS_ADMIN, DEMO_ORG_UNIT, Role.INTJOGADIN),
    (RIGHTS_ADMIN, DEMO_ORG_UNIT, Role.FELHASZNALO),
    (OTHER_DOCTOR, OTHER_ORG_UNIT, Role.ORVOS),
    ("O70002", "010600001", Role.ORVOS),
]

_FIRST = ["Bence", "Zoé", "Máté", "Hanna", "Levente", "Anna", "Dominik", "Luca", "Ádám", "Emma"]
_LAST = [
    "Nagy",
    "Kovács",
    "Tóth",
    "Szabó",
    "Horváth",
    "Varga",
    "Kiss",
    "Molnár",
    "Németh",
    "Farkas",
]
_FEMALE = {"Zoé", "Hanna", "Anna", "Luca", "Emma"}
# The three documented demo TAJ numbers first, then generated ones (check digit computed).
FIXED_TAJ = ["111111110", "123456788", "987654322"]
# Never a real person's number: generated fakes must never reach a real service.
PATIENT_COUNT = 20


@dataclass(frozen=True)
class SeedPatient:
    taj: str
    name: str
    birth_date: dt.date
    sex: str
    eligibility: str


def demo_patients() -> list[SeedPatient]:
    tajs = list(FIXED_TAJ)
    n = 0
    while len(tajs) < PATIENT_COUNT:
        candidate = taj_with_check_digit(f"{20000000 + n * 7919:08d}")
        n += 1
        if candidate not in tajs and taj_is_valid(candidate):
            tajs.append(candidate)
    colours = {5: "PIROS", 6: "KEK", 7: "BARNA", 8: "SARGA"}
    patients = []
    for i, taj in enumerate(tajs):
        first = _FIRST[i % len(_FIRST)]
        last = _LAST[(i * 3 + i // len(_FIRST)) % len(_LAST)]
        patients.append(
            SeedPatient(
                taj=taj,
                name=f"{last} {first}",
                birth_date=dt.date(1950 + (i * 3) % 60, 1 + i % 12, 1 + (i * 7) % 28),
                sex="2" if first in _FEMALE else "1",
                eligibility=colours.get(i, "ZOLD"),
            )
        )
    return patients


EXTRA_SEEDERS: list[Callable[[], None]] = []


@transaction.atomic
def seed_demo() -> None:
    institutions = {}
    for inst_id, name, phone in INSTITUTIONS:
        institutions[inst_id], _ = Institution.objects.update_or_create(
            institution_id=inst_id, defaults={"name": name, "admin_phone": phone}
        )
    org_units = {}
    for code, inst_id, name, specialty in ORG_UNITS:
        org_units[code], _ = OrgUnit.objects.update_or_create(
            code=code,
            defaults={"institution": institutions[inst_id], "name": name, "specialty": specialty},
        )
    doctors = {}
    for stamp, name, specialties in DOCTORS:
        doctors[stamp], _ = Doctor.objects.update_or_create(
            stamp=stamp, defaults={"name": name, "specialties": specialties}
        )
    users = {}
    for user_id, name, user_stamp, phone in USERS:
        user, _ = User.objects.update_or_create(
            user_id=user_id,
            defaults={
                "name": name,
                "doctor": doctors[user_stamp] if user_stamp else None,
                "phone": phone,
                "token_secret": TOKEN_SECRETS.get(user_id, ""),
                "mobile_secret": MOBILE_SECRETS.get(user_id, ""),
            },
        )
        if user_id in TOKEN_SECRETS and not user.password_hash:
            user.password_hash = make_password(DEMO_PASSWORD)
            user.save(update_fields=["password_hash"])
        users[user_id] = user
    for user_id, code, role in GRANTS:
        Grant.objects.get_or_create(
            user=users[user_id],
            institution=org_units[code].institution,
            org_unit=org_units[code],
            role=role,
        )
    for p in demo_patients():
        Patient.objects.update_or_create(
            id_type=IdType.TAJ,
            id_value=p.taj,
            defaults={
                "name": p.name,
                "birth_date": p.birth_date,
                "sex": p.sex,
                "eligibility": p.eligibility,
            },
        )
    # The reserved TAJ numbers that play the negative cases (sandbox.registry.register).
    reserved_seed()
    # History at other providers, eProfil, referrals, DÖR (local imports: those apps
    # import the registry).
    from sandbox.access.seed import seed_access
    from sandbox.documents.seed import seed_documents
    from sandbox.profile.seed import seed_profile
    from sandbox.referral.seed import seed_referrals

    for business_seeder in (seed_documents, seed_profile, seed_referrals, seed_access):
        business_seeder()
    for seeder in EXTRA_SEEDERS:
        seeder()
