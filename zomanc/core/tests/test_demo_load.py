import json
import os
import random
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command

from zomanc.codes.validators import taj_is_valid
from zomanc.core.management.commands.demo_load import (
    DEMO_PASSWORD,
    DEMO_PRACTICE,
    EESZT_TEST_PATIENTS,
    SECOND_PRACTICE,
    demo_patient_data,
)
from zomanc.patients.models import IdType, Patient, Sex
from zomanc.practices.models import Company, OrgUnit, Practice, Role, StaffMember
from zomanc.practices.permissions import Perm, member_can


@pytest.mark.django_db
def test_demo_load_creates_the_demo_and_is_idempotent(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("demo_load")
    out = capsys.readouterr().out
    practice = Practice.objects.get(name=DEMO_PRACTICE)
    other = Practice.objects.get(name=SECOND_PRACTICE)

    company = Company.objects.get(practice=practice)
    assert (company.name, company.institution_id, company.institution_name) == (
        "Mosoly Fogászat Kft.",
        "506097",
        "Mosoly Fogászat Kft.",
    )
    assert OrgUnit.objects.get(practice=practice).code == "001044299"
    # The recall messages tell patients where to book: each demo practice has a phone.
    assert (practice.phone, other.phone) == ("+36 1 555 0100", "+36 52 555 0200")
    staff = StaffMember.objects.filter(practice=practice)
    assert {m.role for m in staff} == set(Role)
    # The owner is the dentist with the eID card (sandbox user O58012): she can run every
    # stage of the connection test herself. No owner without an EESZT identity.
    owner = staff.get(role=Role.OWNER)
    assert (owner.display_name, owner.stamp_number, owner.user.email) == (
        "Dr. Kovács Anna",
        "58012",
        "kovacs.anna@mosoly.test",
    )
    assert member_can(owner, Perm.EESZT_BREAKGLASS)
    assert list(staff.filter(role=Role.DOCTOR).values_list("stamp_number", flat=True)) == ["61234"]
    assert not staff.filter(user__email="tulajdonos@mosoly.test").exists()
    assert all(m.user.email.endswith(".test") for m in staff)
    assert all(m.user.check_password(DEMO_PASSWORD) for m in staff)

    patients = Patient.objects.filter(practice=practice)
    assert patients.count() == len(EESZT_TEST_PATIENTS) + 5
    tajs = [p.id_value for p in patients.filter(id_type=IdType.TAJ)]
    assert tajs and all(taj_is_valid(t) for t in tajs)
    assert patients.filter(id_type=IdType.UNKNOWN, id_value="").count() >= 2
    assert patients.filter(id_type=IdType.PASSPORT).count() == 1
    assert Patient.objects.filter(practice=other).exists()
    assert not StaffMember.objects.filter(practice=other, user__in=staff.values("user")).exists()

    for member in staff:
        assert member.user.email in out
    assert DEMO_PASSWORD in out

    counts = (Practice.objects.count(), Patient.objects.count(), StaffMember.objects.count())
    call_command("demo_load")
    assert "már betöltve" in capsys.readouterr().out
    assert counts == (
        Practice.objects.count(),
        Patient.objects.count(),
        StaffMember.objects.count(),
    )


def test_demo_patients_are_deterministic() -> None:
    first = [demo_patient_data(random.Random(5), "taj") for _ in range(3)]
    again = [demo_patient_data(random.Random(5), "taj") for _ in range(3)]
    assert first == again
    assert demo_patient_data(random.Random(5), "none").id_value == ""


SANDBOX_PATIENTS = """
import json, django
django.setup()
from sandbox.registry.seed import demo_patients
print(json.dumps([[p.taj, p.name, p.birth_date.isoformat(), p.sex] for p in demo_patients()]))
"""


def test_demo_practice_patients_are_the_sandbox_test_patients() -> None:
    """The demo practice's TAJ patients must be people the EESZT sandbox knows (same TAJ,
    name, birth date and sex), or every visit of the demo is refused with PATIENT_NOT_FOUND.
    The sandbox's list is read in its own interpreter: the two projects share no code."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sandbox.settings"}
    out = subprocess.run(
        [sys.executable, "-c", SANDBOX_PATIENTS],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    sandbox = json.loads(out)
    sex_code = {Sex.MALE: "1", Sex.FEMALE: "2"}
    ours = [
        [p.taj, f"{p.family_name} {p.given_name}", p.birth_date.isoformat(), sex_code[p.sex]]
        for p in EESZT_TEST_PATIENTS
    ]
    assert ours == sandbox


@pytest.mark.django_db
def test_demo_practice_registers_exactly_the_sandbox_test_patients_with_taj() -> None:
    call_command("demo_load")
    practice = Practice.objects.get(name=DEMO_PRACTICE)
    registered = set(
        Patient.objects.filter(practice=practice, id_type=IdType.TAJ).values_list(
            "id_value", "family_name", "given_name", "birth_date", "sex"
        )
    )
    expected = {
        (p.taj, p.family_name, p.given_name, p.birth_date, p.sex) for p in EESZT_TEST_PATIENTS
    }
    assert registered == expected
