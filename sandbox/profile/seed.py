"""Seed: eProfil entries created by another institution; a patient who forbade the profile."""

from __future__ import annotations

import datetime as dt

from sandbox.clock.services import now as sandbox_now
from sandbox.profile.models import BasisType, Category, ProfileEntry, ProfileProhibition
from sandbox.profile.services import Content, Writer, _create
from sandbox.registry.models import IdType, Institution, Patient, User

# (entry id, TAJ, category, code, text, basis document)
ENTRIES = [
    (
        "202500000000000301",
        "987654322",
        Category.ALLERGY,
        "J01CE",
        "Penicillin-allergia (csalánkiütés)",
        "202500000000000201",
    ),
    (
        "202500000000000302",
        "987654322",
        Category.CHRONIC_DISEASE,
        "I10H0",
        "Magasvérnyomás-betegség",
        "202500000000000201",
    ),
    (
        "202500000000000303",
        "987654322",
        Category.CURRENT_MEDICATION,
        "C09AA05",
        "Ramipril 5 mg naponta egyszer",
        "202500000000000201",
    ),
]
PROFILE_FORBIDDEN_TAJ = "200079196"  # Tóth Levente forbade the eProfil


def seed_profile() -> None:
    at = (sandbox_now() - dt.timedelta(days=40)).replace(microsecond=0)
    writer = Writer(
        user=User.objects.get(user_id="O70002"),
        institution=Institution.objects.get(institution_id="01060J"),
        at=at,
    )
    for entry_id, taj, category, code, text, basis in ENTRIES:
        if ProfileEntry.objects.filter(entry_id=entry_id).exists():
            continue
        _create(
            writer=writer,
            patient=Patient.objects.get(id_type=IdType.TAJ, id_value=taj),
            category=category,
            content=Content(
                code=code, text=text, basis_type=BasisType.DOCUMENT, basis_id=f"{basis}.1"
            ),
            entry_id=entry_id,
        )
    ProfileProhibition.objects.get_or_create(
        patient=Patient.objects.get(id_type=IdType.TAJ, id_value=PROFILE_FORBIDDEN_TAJ),
        defaults={"since": at},
    )
