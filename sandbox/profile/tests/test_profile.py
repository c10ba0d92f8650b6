"""eProfil (contract §7) through the SOAP endpoint."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox import testing
from sandbox.access.models import AccessLogEntry
from sandbox.conftest import Soap
from sandbox.documents.tests.helpers import (
    FORBIDDEN_TAJ,
    HISTORY_TAJ,
    PROFILE,
    TAJ,
    other,
    patient,
    start_event,
)
from sandbox.profile.models import ProfileEntry, ProfileEntryVersion
from sandbox.profile.services import profile_forbid
from sandbox.registry import seed
from sandbox.registry.models import IdType, Patient

pytestmark = pytest.mark.django_db
PENICILLIN = "202500000000000301"  # created by 01060J (seed)


def create(soap: Soap, taj: str = TAJ, **fields: Any) -> testing.Answer:
    kw = {
        k: fields.pop(k)
        for k in list(fields)
        if k in ("user", "role", "cert", "institution", "org_unit")
    }
    body = {
        "patient": patient(taj),
        "category": fields.pop("category", "ALLERGIA"),
        "code": fields.pop("code", None),
        "text": fields.pop("text", "Latexallergia"),
        "note": fields.pop("note", None),
        "basis": fields.pop("basis", None),
    }
    return soap.call("profile", testing.payload(PROFILE, "ProfileEntryCreateRequest", **body), **kw)


def update(
    soap: Soap, entry_id: str, expected: int, text: str = "Módosított", **kw: Any
) -> testing.Answer:
    return soap.call(
        "profile",
        testing.payload(
            PROFILE,
            "ProfileEntryUpdateRequest",
            entryId=entry_id,
            expectedVersion=expected,
            text=text,
            reason="Pontosítás",
        ),
        **kw,
    )


def delete(soap: Soap, entry_id: str, **kw: Any) -> testing.Answer:
    return soap.call(
        "profile",
        testing.payload(PROFILE, "ProfileEntryDeleteRequest", entryId=entry_id, reason="Téves"),
        **kw,
    )


def query(soap: Soap, taj: str, **kw: Any) -> testing.Answer:
    return soap.call(
        "profile", testing.payload(PROFILE, "ProfileQueryRequest", patient=patient(taj)), **kw
    )


def history(soap: Soap, entry_id: str, **kw: Any) -> testing.Answer:
    return soap.call(
        "profile", testing.payload(PROFILE, "ProfileHistoryRequest", entryId=entry_id), **kw
    )


def test_create_needs_a_treating_relationship_and_gives_version_1(soap: Soap) -> None:
    assert create(soap).fault_code == "NO_TREATMENT_RELATIONSHIP"
    event_id = start_event(soap)
    answer = create(soap, basis={"type": "ESEMENY", "id": event_id}, note="Kesztyű")
    assert answer.status == 200, answer.fault_message
    assert answer.find("version") == "1" and len(answer.find("entryId") or "") == 18
    version = ProfileEntryVersion.objects.get(entry__entry_id=answer.find("entryId"))
    assert (version.basis_type, version.basis_id) == ("ESEMENY", event_id)
    assert (
        version.user.user_id == seed.DEMO_DENTIST
        and version.institution.institution_id == seed.DEMO_INSTITUTION
    )


def test_writes_need_role_orvos(soap: Soap) -> None:
    start_event(soap)
    answer = create(soap, user=seed.ASSISTANT, role="EESZT_FELHASZNALO")
    assert answer.fault_code == "ROLE_MISSING"


def test_query_shows_entries_of_another_institution(soap: Soap) -> None:
    assert query(soap, HISTORY_TAJ).fault_code == "NO_TREATMENT_RELATIONSHIP"
    start_event(soap, HISTORY_TAJ)
    answer = query(soap, HISTORY_TAJ)
    entries = answer.body.findall(f"{{{PROFILE}}}entry")
    texts = {e.findtext(f"{{{PROFILE}}}text") for e in entries}
    assert "Penicillin-allergia (csalánkiütés)" in texts
    penicillin = next(e for e in entries if e.findtext(f"{{{PROFILE}}}entryId") == PENICILLIN)
    assert penicillin.findtext(f"{{{PROFILE}}}institutionId") == seed.OTHER_INSTITUTION
    assert penicillin.findtext(f"{{{PROFILE}}}categoryLabel") == "Allergia"
    assert penicillin.findtext(f"{{{PROFILE}}}basis/{{{PROFILE}}}type") == "DOKUMENTUM"


def test_update_makes_a_new_version_and_keeps_the_old(soap: Soap) -> None:
    start_event(soap, HISTORY_TAJ)
    assert update(soap, PENICILLIN, 1).find("version") == "2"
    assert update(soap, PENICILLIN, 1, text="Elavult").fault_code == "VERSION_CONFLICT"
    versions = history(soap, PENICILLIN).body.findall(f"{{{PROFILE}}}version")
    assert [v.findtext(f"{{{PROFILE}}}action") for v in versions] == ["LETREHOZAS", "MODOSITAS"]
    assert versions[0].findtext(f"{{{PROFILE}}}text") == "Penicillin-allergia (csalánkiütés)"
    assert versions[1].findtext(f"{{{PROFILE}}}reason") == "Pontosítás"
    assert versions[1].findtext(f"{{{PROFILE}}}institutionId") == seed.DEMO_INSTITUTION


def test_only_the_creating_institution_deletes(soap: Soap, other_waf_der: bytes) -> None:
    start_event(soap, HISTORY_TAJ)
    assert delete(soap, PENICILLIN).fault_code == "NOT_OWNER"
    mine = create(soap, HISTORY_TAJ).find("entryId") or ""
    deleted = delete(soap, mine)
    assert deleted.find("version") == "2"
    assert ProfileEntry.objects.get(entry_id=mine).deleted
    listed = {e.findtext(f"{{{PROFILE}}}entryId") for e in query(soap, HISTORY_TAJ).body}
    assert mine not in listed and PENICILLIN in listed
    actions = [
        v.findtext(f"{{{PROFILE}}}action")
        for v in history(soap, mine).body.findall(f"{{{PROFILE}}}version")
    ]
    assert actions == ["LETREHOZAS", "TORLES"]
    assert update(soap, mine, 2).fault_code == "VERSION_CONFLICT"
    # The creating institution's doctor, once in care again, may delete its entry.
    them = other(other_waf_der, user="O70002")
    start_event(soap, HISTORY_TAJ, specialty="BEL", stamp="70002", **them)
    assert delete(soap, PENICILLIN, **them).status == 200


def test_patient_who_forbade_the_profile(soap: Soap) -> None:
    start_event(soap, FORBIDDEN_TAJ)
    assert create(soap, FORBIDDEN_TAJ).fault_code == "PROFILE_FORBIDDEN"
    assert query(soap, FORBIDDEN_TAJ).fault_code == "PROFILE_FORBIDDEN"
    # The refusal is in the patient's access log although the call was rolled back.
    entry = AccessLogEntry.objects.filter(code="PROFILE_FORBIDDEN").get()
    assert entry.patient.id_value == FORBIDDEN_TAJ and entry.operation == "ProfileQuery"
    kiss = Patient.objects.get(id_type=IdType.TAJ, id_value=HISTORY_TAJ)
    start_event(soap, HISTORY_TAJ)
    profile_forbid(patient=kiss, forbidden=True)
    assert update(soap, PENICILLIN, 1).fault_code == "PROFILE_FORBIDDEN"
    assert history(soap, PENICILLIN).fault_code == "PROFILE_FORBIDDEN"
    profile_forbid(patient=kiss, forbidden=False)
    assert history(soap, PENICILLIN).status == 200


def test_codes_and_basis_are_checked(soap: Soap) -> None:
    start_event(soap)
    bad_bno = create(soap, category="KRONIKUS_BETEGSEG", code="Z9999", text="x")
    assert bad_bno.fault_code == "CODE_UNKNOWN" and bad_bno.fault_element == "code"
    assert (
        create(soap, category="KRONIKUS_BETEGSEG", code="I10H0", text="Magasvérnyomás").status
        == 200
    )
    foreign = create(soap, basis={"type": "DOKUMENTUM", "id": "202500000000000201"})
    assert foreign.fault_code == "CODE_UNKNOWN" and foreign.fault_element == "basis"
    assert history(soap, "202699999999999999").fault_code == "PROFILE_ENTRY_NOT_FOUND"
