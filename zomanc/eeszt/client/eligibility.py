"""Insurance status ("TB-lámpa", contract §8): the colour of a TAJ number."""

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from zomanc.eeszt.client.wire import CallContext, Connection, call


class Colour(StrEnum):
    ZOLD = "ZOLD"  # valid
    PIROS = "PIROS"  # unsettled: care must not be refused
    KEK = "KEK"  # insured in another EU/EEA state
    BARNA = "BARNA"  # TAJ not valid (or unknown): care is chargeable
    SARGA = "SARGA"  # limited: no dental care except emergency under public financing


@dataclass(frozen=True)
class Eligibility:
    taj: str
    colour: Colour
    label: str  # EESZT's own wording
    checked_at: dt.datetime


def eligibility_check(conn: Connection, ctx: CallContext, *, taj: str) -> Eligibility:
    """A TAJ with a wrong check digit is refused by EESZT (EesztRefused, TAJ_INVALID)."""
    result = call(conn, "eligibility", "EligibilityCheck", ctx=ctx, taj=taj)
    return Eligibility(
        taj=result.taj,
        colour=Colour(result.status),
        label=result.label,
        checked_at=result.checkedAt,
    )
