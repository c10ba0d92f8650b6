"""Portal part of the demo data: the demo dentist (doctor-owner of the demo practice) may
download the institution's SSL certificate, as in the guide's step 6."""

from __future__ import annotations

from sandbox.portal.models import InstitutionRight, InstitutionRightKind
from sandbox.registry import seed
from sandbox.registry.models import Institution, User


def seed_portal() -> None:
    InstitutionRight.objects.get_or_create(
        user=User.objects.get(user_id=seed.DEMO_DENTIST),
        institution=Institution.objects.get(institution_id=seed.DEMO_INSTITUTION),
        right=InstitutionRightKind.SSL_DOWNLOAD,
    )
