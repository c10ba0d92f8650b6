"""docs/permissions.md and MATRIX must say the same thing; personas get what the table says."""

import re
from pathlib import Path

import pytest

from zomanc.conftest import Personas
from zomanc.practices.models import Role, StaffMember
from zomanc.practices.permissions import MATRIX, Perm, member_can, member_roles

DOC = Path(__file__).resolve().parents[3] / "docs" / "permissions.md"
ROLE_COLUMNS = {
    "Tulajdonos (owner)": Role.OWNER,
    "Orvos (doctor)": Role.DOCTOR,
    "Asszisztens (assistant)": Role.ASSISTANT,
    "Recepciós (receptionist)": Role.RECEPTIONIST,
}


def parse_doc_matrix() -> dict[str, frozenset[Role]]:
    lines = DOC.read_text(encoding="utf-8").splitlines()
    header_index = next(i for i, line in enumerate(lines) if line.startswith("| Permission |"))
    header = [cell.strip() for cell in lines[header_index].strip("|").split("|")]
    roles = [ROLE_COLUMNS[name] for name in header[1:]]
    table: dict[str, frozenset[Role]] = {}
    for line in lines[header_index + 2 :]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        perm = re.fullmatch(r"`([a-z_]+)`", cells[0])
        assert perm, line
        marks = cells[1:]
        assert len(marks) == len(roles), line
        assert set(marks) <= {"✓", "–"}, line
        table[perm.group(1)] = frozenset(r for r, m in zip(roles, marks, strict=True) if m == "✓")
    return table


def test_doc_table_matches_matrix() -> None:
    documented = parse_doc_matrix()
    in_code = {perm.value: roles for perm, roles in MATRIX.items()}
    assert documented == in_code


def test_every_permission_is_in_the_matrix() -> None:
    assert set(MATRIX) == set(Perm)


def test_owner_with_stamp_acts_as_doctor(personas: Personas) -> None:
    assert not member_can(personas.owner, Perm.EESZT_BREAKGLASS)
    personas.owner.stamp_number = "12345"
    assert member_roles(personas.owner) == {Role.OWNER, Role.DOCTOR}
    assert member_can(personas.owner, Perm.EESZT_BREAKGLASS)
    assert member_can(personas.owner, Perm.SETTINGS_EDIT)


EXPECTED = {
    # persona: permissions that must be allowed (every other one refused)
    "owner": {p for p in Perm if p != Perm.EESZT_BREAKGLASS},
    "doctor": {
        Perm.PATIENT_VIEW,
        Perm.PATIENT_EDIT,
        Perm.APPOINTMENT_EDIT,
        Perm.CLINICAL_VIEW,
        Perm.CLINICAL_EDIT,
        Perm.VISIT_CLOSE,
        Perm.EESZT_USE,
        Perm.EESZT_BREAKGLASS,
        Perm.API_TOKEN_OWN,
        Perm.PLAN_VIEW,
        Perm.PLAN_DRAFT,
        Perm.PLAN_PRESENT,
        Perm.PLAN_DECIDE,
        Perm.PLAN_PRINT,
        Perm.PLAN_SEND,
        Perm.INVOICE_VIEW,
        Perm.CONSENT_VIEW,
    },
    "assistant": {
        Perm.PATIENT_VIEW,
        Perm.PATIENT_EDIT,
        Perm.APPOINTMENT_EDIT,
        Perm.CLINICAL_VIEW,
        Perm.CLINICAL_EDIT,
        Perm.VISIT_CLOSE,
        Perm.EESZT_USE,
        Perm.API_TOKEN_OWN,
        Perm.PLAN_VIEW,
        Perm.PLAN_DRAFT,
        Perm.PLAN_PRINT,
        Perm.CONSENT_VIEW,
    },
    "receptionist": {
        Perm.PATIENT_VIEW,
        Perm.PATIENT_EDIT,
        Perm.APPOINTMENT_EDIT,
        Perm.API_TOKEN_OWN,
        Perm.PLAN_VIEW,
        Perm.PLAN_DECIDE,
        Perm.PLAN_PRINT,
        Perm.PLAN_SEND,
        Perm.INVOICE_VIEW,
        Perm.INVOICE_ISSUE,
        Perm.DAY_CLOSE,
        Perm.CONSENT_VIEW,
        Perm.CONSENT_EDIT,
        Perm.RECALL_RUN,
    },
}


@pytest.mark.parametrize("persona", sorted(EXPECTED))
def test_persona_permissions(personas: Personas, persona: str) -> None:
    member: StaffMember = getattr(personas, persona)
    allowed = {perm for perm in Perm if member_can(member, perm)}
    assert allowed == EXPECTED[persona]


def test_receptionist_has_no_clinical_notes(personas: Personas) -> None:
    assert not member_can(personas.receptionist, Perm.CLINICAL_VIEW)
    assert not member_can(personas.receptionist, Perm.CLINICAL_EDIT)


def test_assistant_has_no_breakglass(personas: Personas) -> None:
    assert member_can(personas.assistant, Perm.CLINICAL_EDIT)
    assert not member_can(personas.assistant, Perm.EESZT_BREAKGLASS)


def test_inactive_or_missing_member_may_do_nothing(personas: Personas) -> None:
    personas.owner.is_active = False
    assert not any(member_can(personas.owner, perm) for perm in Perm)
    assert not any(member_can(None, perm) for perm in Perm)
