"""`manage.py demo_load`: the demo practices, their staff and patients.

Idempotent: when the demo practice already exists it does nothing (delete the data directory
for a fresh start: the audit trail is append-only, so there is no in-place reset). Everything
is created through the same services as the UI, so the demo data obeys the same rules and
leaves the same audit trail. Deterministic: one seeded RNG, so every demo looks the same.

Other areas add their demo data (treatment catalogue, calendar, visits) through DEMO_HOOKS:
each is called with the practice after its staff and patients exist."""

import datetime
import importlib
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from zomanc.codes.validators import passport_generate, taj_generate
from zomanc.patients.models import IdType, Patient, Sex
from zomanc.patients.services import PatientData, patient_create
from zomanc.practices.models import Practice, Role, StaffMember
from zomanc.practices.services import (
    company_create,
    org_unit_create,
    practice_create,
    staff_member_create,
)

DEMO_PRACTICE = "Mosoly Fogászat"
SECOND_PRACTICE = "Gyöngy Fogászat"
# Demo only: printed on the console and in the README, never used outside the demo.
DEMO_PASSWORD = "Zomanc-Demo-2026"  # noqa: S105
SEED = 20260517

# "module:function" called as function(practice) for each demo practice, in this order.
DEMO_HOOKS: tuple[str, ...] = (
    "zomanc.codes.catalogue_demo:demo_treatments_create",
    "zomanc.scheduling.demo:demo_appointments_create",
    "zomanc.clinical.demo:demo_visits_create",
    "zomanc.recall.demo:demo_recall_rules_create",
    "zomanc.billing.demo:demo_billing_setup",
    "zomanc.plans.demo:demo_plans_create",
    "zomanc.messaging.demo:demo_mail_settings_create",
    "zomanc.messaging.demo:demo_sms_settings_create",
    "zomanc.reminders.demo:demo_reminder_rule_create",
)


@dataclass(frozen=True)
class DemoStaff:
    email: str
    full_name: str
    role: Role
    stamp_number: str = ""


@dataclass(frozen=True)
class DemoPractice:
    name: str
    company_name: str
    institution_name: str
    institution_id: str
    org_unit_code: str
    org_unit_name: str
    staff: tuple[DemoStaff, ...]
    patients: int
    without_taj: int
    with_passport: int
    # True: the TAJ patients are the EESZT sandbox's test patients (EESZT knows only those,
    # so every visit of the demo practice can be reported); False: generated TAJ numbers.
    eeszt_test_patients: bool = False
    # Printed in recall messages as where to book (zomanc/recall/wording.py).
    phone: str = ""


@dataclass(frozen=True)
class Identity:
    taj: str
    family_name: str
    given_name: str
    birth_date: datetime.date
    sex: Sex


_F, _M = Sex.FEMALE, Sex.MALE
# The EESZT sandbox's 20 test patients (sandbox/registry/seed.py: demo_patients), as the
# practice registers them. A copy, because the product imports nothing from the sandbox; a
# test compares the two. 111111110 has referrals, 987654322 history at another provider.
EESZT_TEST_PATIENTS = (
    Identity("111111110", "Nagy", "Bence", datetime.date(1950, 1, 1), _M),
    Identity("123456788", "Szabó", "Zoé", datetime.date(1953, 2, 8), _F),
    Identity("987654322", "Kiss", "Máté", datetime.date(1956, 3, 15), _M),
    Identity("200000006", "Farkas", "Hanna", datetime.date(1959, 4, 22), _F),
    Identity("200079196", "Tóth", "Levente", datetime.date(1962, 5, 1), _M),
    Identity("200158389", "Varga", "Anna", datetime.date(1965, 6, 8), _F),
    Identity("200237572", "Németh", "Dominik", datetime.date(1968, 7, 15), _M),
    Identity("200316765", "Kovács", "Luca", datetime.date(1971, 8, 22), _F),
    Identity("200395951", "Horváth", "Ádám", datetime.date(1974, 9, 1), _M),
    Identity("200475141", "Molnár", "Emma", datetime.date(1977, 10, 8), _F),
    Identity("200554334", "Kovács", "Bence", datetime.date(1980, 11, 15), _M),
    Identity("200633527", "Horváth", "Zoé", datetime.date(1983, 12, 22), _F),
    Identity("200712710", "Molnár", "Máté", datetime.date(1986, 1, 1), _M),
    Identity("200791906", "Nagy", "Hanna", datetime.date(1989, 2, 8), _F),
    Identity("200871093", "Szabó", "Levente", datetime.date(1992, 3, 15), _M),
    Identity("200950286", "Kiss", "Anna", datetime.date(1995, 4, 22), _F),
    Identity("201029479", "Farkas", "Dominik", datetime.date(1998, 5, 1), _M),
    Identity("201108662", "Tóth", "Luca", datetime.date(2001, 6, 8), _F),
    Identity("201187858", "Varga", "Ádám", datetime.date(2004, 7, 15), _M),
    Identity("201267048", "Németh", "Emma", datetime.date(2007, 8, 22), _F),
)

PRACTICES = (
    DemoPractice(
        name=DEMO_PRACTICE,
        phone="+36 1 555 0100",
        company_name="Mosoly Fogászat Kft.",
        # Institution and org unit as the EESZT sandbox's reference data names them, so the
        # settings page's lookup agrees with what the demo practice has entered.
        institution_name="Mosoly Fogászat Kft.",
        institution_id="506097",
        org_unit_code="001044299",
        org_unit_name="Fogászati rendelés",
        staff=(
            # The dentist who owns the practice (docs/decisions.md, demo data): an owner with
            # a stamp number, the sandbox's eID-card user O58012.
            DemoStaff("kovacs.anna@mosoly.test", "Dr. Kovács Anna", Role.OWNER, "58012"),
            DemoStaff("nagy.gabor@mosoly.test", "Dr. Nagy Gábor", Role.DOCTOR, "61234"),
            # The sandbox's assistant ASSZ506097 (mobile token) is the same person.
            DemoStaff("asszisztens@mosoly.test", "Kiss Júlia", Role.ASSISTANT),
            DemoStaff("recepcio@mosoly.test", "Molnár Judit", Role.RECEPTIONIST),
        ),
        patients=len(EESZT_TEST_PATIENTS) + 5,
        without_taj=4,
        with_passport=1,
        eeszt_test_patients=True,
    ),
    DemoPractice(
        name=SECOND_PRACTICE,
        phone="+36 52 555 0200",
        company_name="Gyöngy Fogászat Bt.",
        institution_name="Gyöngy Fogászat",
        institution_id="619823",
        org_unit_code="002198765",
        org_unit_name="Fogászat",
        staff=(
            DemoStaff("horvath.bela@gyongy.test", "Dr. Horváth Béla", Role.OWNER, "70001"),
            DemoStaff("recepcio@gyongy.test", "Varga Zsófia", Role.RECEPTIONIST),
        ),
        patients=12,
        without_taj=1,
        with_passport=0,
    ),
)

FAMILY_NAMES = (
    "Nagy", "Kovács", "Tóth", "Szabó", "Horváth", "Varga", "Kiss", "Molnár", "Németh", "Farkas",
    "Balogh", "Papp", "Takács", "Juhász", "Mészáros", "Simon", "Rácz", "Fekete", "Szilágyi",
    "Török", "Fehér", "Balázs", "Gál", "Szűcs", "Kocsis", "Pintér", "Fodor", "Szalai", "Sipos",
    "Magyar", "Lukács", "Gulyás", "Bíró", "Király", "Katona", "Jakab", "Sándor", "Boros",
    "Fazekas", "Kelemen", "Antal", "Somogyi", "Orosz", "Fülöp", "Vincze", "Hegedűs", "Deák",
    "Bálint", "Illés", "Vörös", "Lengyel", "Bognár", "Szőke", "Fábián", "Hajdú", "Győri",
)  # fmt: skip
FEMALE_NAMES = (
    "Anna", "Mária", "Erzsébet", "Katalin", "Éva", "Ilona", "Zsófia", "Eszter", "Judit", "Ágnes",
    "Andrea", "Krisztina", "Hanna", "Réka", "Dóra", "Lilla", "Boglárka", "Noémi", "Emese",
    "Gabriella", "Orsolya", "Enikő", "Tünde", "Ildikó",
)  # fmt: skip
MALE_NAMES = (
    "László", "István", "József", "János", "Zoltán", "Sándor", "Gábor", "Ferenc", "Attila",
    "Péter", "Tamás", "Bence", "Máté", "Levente", "Dániel", "Ádám", "Balázs", "Dávid", "Gergő",
    "Márton", "Csaba", "Győző", "Ödön", "Imre", "Lajos",
)  # fmt: skip
TOWNS = (
    ("1117", "Budapest"), ("1052", "Budapest"), ("1134", "Budapest"), ("1191", "Budapest"),
    ("4025", "Debrecen"), ("6720", "Szeged"), ("7621", "Pécs"), ("9021", "Győr"),
    ("3525", "Miskolc"), ("8000", "Székesfehérvár"), ("2000", "Szentendre"), ("2040", "Budaörs"),
    ("6000", "Kecskemét"), ("8200", "Veszprém"),
)  # fmt: skip
STREETS = (
    "Petőfi Sándor utca", "Kossuth Lajos utca", "Rákóczi út", "Ady Endre utca",
    "Dózsa György út", "Béke utca", "Táncsics Mihály utca", "Bajcsy-Zsilinszky út",
    "Arany János utca", "Széchenyi tér", "Jókai Mór utca", "Váci út", "Fő utca", "Rózsa utca",
)  # fmt: skip
BIRTH_PLACES = (
    "Budapest", "Debrecen", "Szeged", "Pécs", "Győr", "Miskolc", "Kecskemét", "Eger", "Sopron",
    "Nyíregyháza", "Szolnok", "Kaposvár", "Vác", "Gödöllő", "Hatvan",
)  # fmt: skip
MOBILE_PREFIXES = ("20", "30", "70")
_ASCII = str.maketrans("áéíóöőúüűÁÉÍÓÖŐÚÜŰ", "aeiooouuuAEIOOOUUU")


def demo_patient_data(
    rng: random.Random, id_kind: str, identity: Identity | None = None
) -> PatientData:
    """One realistic Hungarian patient. `id_kind` is "taj", "none" or "passport"; with an
    `identity`, its TAJ, name, birth date and sex are used and the rest is generated."""
    if id_kind == "passport":
        return PatientData(
            family_name="Müller",
            given_name="Hans",
            sex=Sex.MALE,
            birth_date=datetime.date(1979, 8, 23),
            birth_place="München",
            country="DE",
            postal_code="80331",
            city="München",
            street_address="Marienplatz 8.",
            phone="+49 89 1234 5678",
            id_type=IdType.PASSPORT,
            id_value=passport_generate(rng),
        )
    sex = rng.choice((Sex.FEMALE, Sex.MALE))
    family = rng.choice(FAMILY_NAMES)
    given = rng.choice(FEMALE_NAMES if sex == Sex.FEMALE else MALE_NAMES)
    birth = datetime.date(1940, 1, 1) + datetime.timedelta(days=rng.randrange(365 * 78))
    taj = taj_generate(rng) if id_kind == "taj" else ""
    if identity is not None:
        sex, family, given = identity.sex, identity.family_name, identity.given_name
        birth, taj = identity.birth_date, identity.taj
    birth_family = ""
    if identity is None and sex == Sex.FEMALE and birth.year < 1995 and rng.random() < 0.3:
        # Married name: the birth name is kept as Hungarian records do.
        birth_family, family = family, rng.choice(FAMILY_NAMES)
    postal_code, city = rng.choice(TOWNS)
    email = ""
    if rng.random() < 0.6:
        email = f"{family}.{given}{birth.year % 100:02d}@posta.test".lower().translate(_ASCII)
    return PatientData(
        family_name=family,
        given_name=given,
        sex=sex,
        birth_date=birth,
        birth_family_name=birth_family,
        birth_given_name=given if birth_family else "",
        birth_place=rng.choice(BIRTH_PLACES),
        mother_name=f"{rng.choice(FAMILY_NAMES)} {rng.choice(FEMALE_NAMES)}",
        postal_code=postal_code,
        city=city,
        street_address=f"{rng.choice(STREETS)} {rng.randrange(1, 120)}.",
        phone=f"+36 {rng.choice(MOBILE_PREFIXES)} {rng.randrange(100, 1000)} "
        f"{rng.randrange(1000, 10000)}",
        email=email,
        id_type=IdType.TAJ if taj else IdType.UNKNOWN,
        id_value=taj,
    )


def demo_practice_create(spec: DemoPractice) -> tuple[Practice, list[StaffMember]]:
    practice = practice_create(name=spec.name, phone=spec.phone)
    company = company_create(
        practice=practice,
        actor=None,
        name=spec.company_name,
        institution_name=spec.institution_name,
        institution_id=spec.institution_id,
    )
    org_unit_create(company=company, actor=None, code=spec.org_unit_code, name=spec.org_unit_name)
    staff = [
        staff_member_create(
            practice=practice,
            actor=None,
            email=person.email,
            role=person.role,
            full_name=person.full_name,
            stamp_number=person.stamp_number,
            password=DEMO_PASSWORD,
        )
        for person in spec.staff
    ]
    return practice, staff


def demo_patients_create(
    spec: DemoPractice, practice: Practice, staff: list[StaffMember], rng: random.Random
) -> list[Patient]:
    """Registered by the front desk (the receptionist, or the first staff member)."""
    desk = next((m for m in staff if m.role == Role.RECEPTIONIST), staff[0])
    kinds = (
        ["passport"] * spec.with_passport
        + ["none"] * spec.without_taj
        + ["taj"] * (spec.patients - spec.with_passport - spec.without_taj)
    )
    rng.shuffle(kinds)
    identities = iter(EESZT_TEST_PATIENTS if spec.eeszt_test_patients else ())
    patients = []
    for kind in kinds:
        identity = next(identities, None) if kind == "taj" else None
        data = demo_patient_data(rng, kind, identity)
        patients.append(patient_create(practice=practice, actor=desk.user, data=data))
    return patients


def _hook(path: str) -> Callable[[Practice], Any]:
    module, _, name = path.partition(":")
    function: Callable[[Practice], Any] = getattr(importlib.import_module(module), name)
    return function


def demo_load() -> list[tuple[str, StaffMember]] | None:
    """Creates both demo practices; None when the demo is already loaded."""
    if Practice.objects.filter(name=DEMO_PRACTICE).exists():
        return None
    rng = random.Random(SEED)  # noqa: S311 - demo data, not security
    logins: list[tuple[str, StaffMember]] = []
    with transaction.atomic():
        for spec in PRACTICES:
            practice, staff = demo_practice_create(spec)
            demo_patients_create(spec, practice, staff, rng)
            for hook in DEMO_HOOKS:
                _hook(hook)(practice)
            logins += [(spec.name, member) for member in staff]
    return logins


class Command(BaseCommand):
    help = "Betölti a demó rendelőket, munkatársakat és pácienseket (ha még nincsenek meg)."

    def handle(self, *args: Any, **options: Any) -> None:
        logins = demo_load()
        if logins is None:
            self.stdout.write(f"A demó adatok már betöltve ({DEMO_PRACTICE}); nincs teendő.")
            logins = [
                (member.practice.name, member)
                for member in StaffMember.objects.select_related("practice", "user")
                .filter(practice__name__in=[p.name for p in PRACTICES])
                .order_by("practice_id", "id")
            ]
        self.stdout.write(self.login_table(logins))

    @staticmethod
    def login_table(logins: list[tuple[str, StaffMember]]) -> str:
        rows = [("Rendelő", "Név", "Szerepkör", "E-mail", "Jelszó")]
        rows += [
            (practice, m.display_name, str(m.get_role_display()), m.user.email, DEMO_PASSWORD)
            for practice, m in logins
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        lines = ["Demó belépések:"]
        for index, row in enumerate(rows):
            lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
            if index == 0:
                lines.append("  ".join("-" * w for w in widths))
        return "\n".join(lines)
