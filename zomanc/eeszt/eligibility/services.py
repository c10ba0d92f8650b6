"""The TAJ / insurance check (TB-lámpa) through EESZT, cached per patient for the day."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zomanc.audit.models import AuditAction
from zomanc.audit.services import audit_record
from zomanc.eeszt.client import eligibility
from zomanc.eeszt.client.wire import CallContext, Connection
from zomanc.patients.models import Patient
from zomanc.practices.models import StaffMember

# --- insurance status (TB-lámpa), cached per patient for the day ------------------------

COLOUR_LABELS = {
    eligibility.Colour.ZOLD: gettext_lazy("ZÖLD"),
    eligibility.Colour.PIROS: gettext_lazy("PIROS"),
    eligibility.Colour.KEK: gettext_lazy("KÉK"),
    eligibility.Colour.BARNA: gettext_lazy("BARNA"),
    eligibility.Colour.SARGA: gettext_lazy("SÁRGA"),
}
COLOUR_MEANINGS = {
    eligibility.Colour.ZOLD: gettext_lazy("Érvényes a biztosítási jogviszony."),
    eligibility.Colour.PIROS: gettext_lazy(
        "A jogviszony rendezetlen — az ellátást ettől nem szabad megtagadni."
    ),
    eligibility.Colour.KEK: gettext_lazy("Másik EU-tagállamban biztosított."),
    eligibility.Colour.BARNA: gettext_lazy("A TAJ szám nem érvényes — az ellátás térítésköteles."),
    eligibility.Colour.SARGA: gettext_lazy(
        "Korlátozott jogosultság — fogászati ellátás közfinanszírozásban csak sürgős "
        "esetben vehető igénybe."
    ),
}


@dataclass(frozen=True)
class EligibilityView:
    colour: str
    label: str
    meaning: str
    eeszt_label: str
    checked_at: dt.datetime


def _cache_key(patient: Patient) -> str:
    # The TAJ is part of the key: a corrected TAJ must not show the old number's colour.
    return f"eeszt:tb:{patient.practice_id}:{patient.pk}:{patient.id_value}:{timezone.localdate()}"


def _view(colour: str, eeszt_label: str, checked_at: dt.datetime) -> EligibilityView:
    c = eligibility.Colour(colour)
    return EligibilityView(
        colour=c.value,
        label=str(COLOUR_LABELS[c]),
        meaning=str(COLOUR_MEANINGS[c]),
        eeszt_label=eeszt_label,
        checked_at=checked_at,
    )


def eligibility_cached(patient: Patient) -> EligibilityView | None:
    """Today's answer for this patient's TAJ, if EESZT was asked today."""
    hit = cache.get(_cache_key(patient))
    if not hit:
        return None
    return _view(hit["colour"], hit["eeszt_label"], dt.datetime.fromisoformat(hit["checked_at"]))


def eligibility_fetch(
    *,
    conn: Connection,
    ctx: CallContext,
    patient: Patient,
    actor: StaffMember,
    request: HttpRequest | None = None,
) -> EligibilityView:
    """Asks EESZT (by TAJ only: the contract has no check by other ids), keeps the answer
    until midnight, and logs the look-up."""
    answer = eligibility.eligibility_check(conn, ctx, taj=patient.id_value)
    view = _view(answer.colour.value, answer.label, answer.checked_at)
    now = timezone.localtime()
    midnight = (now + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    cache.set(
        _cache_key(patient),
        {**asdict(view), "checked_at": view.checked_at.isoformat()},
        timeout=max(60, int((midnight - now).total_seconds())),
    )
    audit_record(
        practice=actor.practice,
        actor=actor.user,
        action=AuditAction.VIEW,
        object_type="eeszt.eligibility",
        object_id=str(patient.pk),
        patient_id=patient.pk,
        summary=_("TB-jogviszony lekérdezése az EESZT-ből: %(colour)s") % {"colour": view.label},
        request=request,
    )
    return view
