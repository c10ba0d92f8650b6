"""Fixed personas across two practices (house style §4): every view and endpoint is tested
with them for login required, role required and other practice hidden.

Practice A "Mosoly Fogászat": owner, doctor, doctor2, assistant, receptionist.
Practice B "Másik Rendelő": outsider (owner of B) and doctor_b."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from zomanc.accounts.models import User
from zomanc.practices.models import Company, OrgUnit, Practice, Role, StaffMember
from zomanc.testing.sandbox import SandboxProcess

PASSWORD = "Helyes-Jelszo-2026"


@dataclass
class Personas:
    practice_a: Practice
    practice_b: Practice
    company_a: Company
    org_unit_a: OrgUnit
    company_b: Company
    org_unit_b: OrgUnit
    owner: StaffMember
    doctor: StaffMember
    doctor2: StaffMember
    assistant: StaffMember
    receptionist: StaffMember
    outsider: StaffMember
    doctor_b: StaffMember

    def client_for(self, member: StaffMember) -> Client:
        client = Client()
        client.force_login(member.user)
        return client


def make_member(
    practice: Practice, email: str, name: str, role: Role, stamp: str = ""
) -> StaffMember:
    user = User.objects.create_user(email, PASSWORD, full_name=name)
    return StaffMember.objects.create(
        practice=practice, user=user, role=role, display_name=name, stamp_number=stamp
    )


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Argon2 is deliberately slow (~0.3 s a hash); the personas alone would cost seconds per
    test. Production keeps Argon2 (asserted in zomanc/core/tests/test_security.py)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_maintenance_notice(settings: Any) -> None:
    """Pages read EESZT's maintenance notice (zomanc/eeszt/maintenance.py); a test must not
    depend on whatever listens on the default port (a demo sandbox left running would put
    its banner on every page). The tests of the notice set their own URL."""
    settings.EESZT_MAINTENANCE_URL = ""


@pytest.fixture
def personas(db: None) -> Personas:
    a = Practice.objects.create(name="Mosoly Fogászat")
    b = Practice.objects.create(name="Másik Rendelő")
    company_a = Company.objects.create(
        practice=a,
        name="Mosoly Fogászat Kft.",
        institution_name="Mosoly Fogászat",
        institution_id="506097",
    )
    unit_a = OrgUnit.objects.create(
        practice=a, company=company_a, code="001044299", name="Fogászati rendelés"
    )
    company_b = Company.objects.create(
        practice=b,
        name="Másik Rendelő Bt.",
        institution_name="Másik Rendelő",
        institution_id="01060J",
    )
    unit_b = OrgUnit.objects.create(
        practice=b, company=company_b, code="0108R2272", name="Fogászat"
    )
    return Personas(
        practice_a=a,
        practice_b=b,
        company_a=company_a,
        org_unit_a=unit_a,
        company_b=company_b,
        org_unit_b=unit_b,
        owner=make_member(a, "tulaj@mosoly.test", "Dr. Tulaj Tamás", Role.OWNER),
        doctor=make_member(a, "fogorvos@mosoly.test", "Dr. Fog Ferenc", Role.DOCTOR, "58012"),
        doctor2=make_member(a, "orvos2@mosoly.test", "Dr. Második Mária", Role.DOCTOR, "61234"),
        assistant=make_member(a, "asszisztens@mosoly.test", "Segítő Sára", Role.ASSISTANT),
        receptionist=make_member(a, "recepcio@mosoly.test", "Recepciós Réka", Role.RECEPTIONIST),
        outsider=make_member(b, "kulso@masik.test", "Dr. Külső Károly", Role.OWNER),
        doctor_b=make_member(b, "orvos@masik.test", "Dr. Bé Béla", Role.DOCTOR, "70001"),
    )


@pytest.fixture(scope="session")
def sandbox_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator["SandboxProcess"]:
    """The real EESZT sandbox in its own process (mutual TLS on a free port), one per run."""
    from zomanc.testing.sandbox import sandbox_start

    server = sandbox_start(tmp_path_factory.mktemp("sandbox"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def bno_codes() -> None:
    """The BNO table, which an earlier transactional test's flush removed (the migration
    loaded it once)."""
    from zomanc.codes.bno_services import bno_import
    from zomanc.codes.models import BnoCode

    if not BnoCode.objects.filter(code="K0210").exists():
        bno_import()
