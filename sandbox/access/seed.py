"""Seed: DÖR restrictions of Farkas Hanna (200000006) — the second doctor O61234 by name,
and the internal-medicine category (her BEL history)."""

from __future__ import annotations

import datetime as dt

from sandbox.access.models import DorRestriction, DorScope
from sandbox.clock.services import now as sandbox_now
from sandbox.registry.models import IdType, Patient

DOR_TAJ = "200000006"
RESTRICTIONS = [(DorScope.USER, "O61234"), (DorScope.CATEGORY, "BEL")]


def seed_access() -> None:
    patient = Patient.objects.get(id_type=IdType.TAJ, id_value=DOR_TAJ)
    at = (sandbox_now() - dt.timedelta(days=3)).replace(microsecond=0)
    for scope, value in RESTRICTIONS:
        DorRestriction.objects.get_or_create(
            patient=patient,
            scope=scope,
            value=value,
            defaults={"created_at": at, "effective_from": at},
        )
