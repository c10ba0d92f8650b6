"""Seed data of the business services (contract §3) and the contract files of the
services (WSDL regenerated from the registry, schemas compiled)."""

from __future__ import annotations

import pytest

from sandbox.access.models import DorRestriction
from sandbox.documents.cda import CDA_SCHEMA, cda_parse_and_validate
from sandbox.documents.models import Document, DocumentVersion
from sandbox.ekat.models import Event
from sandbox.profile.models import ProfileEntry, ProfileProhibition
from sandbox.referral.models import Referral
from sandbox.registry import seed
from sandbox.soap.registry import CONTRACT_DIR, SERVICES
from sandbox.soap.wsdl import render_wsdl

OURS = ("access", "documents", "profile", "referral", "eligibility")


def _counts() -> tuple[int, ...]:
    return tuple(
        m.objects.count()
        for m in (
            Event,
            Document,
            DocumentVersion,
            ProfileEntry,
            ProfileProhibition,
            Referral,
            DorRestriction,
        )
    )


@pytest.mark.django_db
def test_seed_is_idempotent_and_has_what_the_contract_lists(seeded: None) -> None:
    first = _counts()
    seed.seed_demo()
    assert _counts() == first
    # History at another provider, one document in a sensitive category.
    docs = {d.document_id: d for d in Document.objects.all()}
    assert docs["202500000000000202"].category == "PSZICH"
    assert {d.institution.institution_id for d in docs.values()} == {seed.OTHER_INSTITUTION}
    for version in DocumentVersion.objects.all():
        cda_parse_and_validate(bytes(version.body))  # the seed's bodies follow our profile
    # eProfil by another institution, a patient who forbade the profile.
    penicillin = ProfileEntry.objects.get(entry_id="202500000000000301")
    assert penicillin.institution.institution_id == seed.OTHER_INSTITUTION
    assert ProfileProhibition.objects.get().patient.id_value == "200079196"
    # Referrals: valid, expired, revoked, another specialty.
    assert Referral.objects.filter(patient__id_value="111111110").count() == 4
    assert {r.scope for r in DorRestriction.objects.filter(patient__id_value="200000006")} == {
        "FELHASZNALO",
        "KATEGORIA",
    }


@pytest.mark.parametrize("name", OURS)
def test_wsdl_matches_the_registry(name: str) -> None:
    service = SERVICES[name]
    assert service.schema is not None
    assert (CONTRACT_DIR / service.wsdl).read_text(encoding="utf-8") == render_wsdl(service), (
        "regenerate: python -m django sandbox_wsdl --settings=sandbox.settings"
    )


def test_cda_schema_is_compiled_once_at_import() -> None:
    from sandbox.documents import cda

    assert cda.CDA_SCHEMA is CDA_SCHEMA
    assert (cda.CDA_DIR / "PROVENANCE.md").exists()
