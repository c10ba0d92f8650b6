"""Emergency access ("breakglass", contract §6): a doctor asks EESZT to lift the patient-side
access rules for a limited time, with a reason code and a justification."""

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from zomanc.eeszt.client.ekat import PatientRef
from zomanc.eeszt.client.wire import CallContext, Connection, call

# EGYEB ("other") needs a justification at least this long (the contract's rule; the
# sandbox refuses shorter ones with BREAKGLASS_REASON_REQUIRED).
EGYEB_MIN_JUSTIFICATION = 20


class BreakglassReason(StrEnum):
    ELETVESZELY = "ELETVESZELY"
    ESZMELETLEN = "ESZMELETLEN"
    SURGOS_ELLATAS = "SURGOS_ELLATAS"
    EGYEB = "EGYEB"


@dataclass(frozen=True)
class BreakglassGrant:
    grant_id: int
    valid_from: dt.datetime
    valid_until: dt.datetime


def breakglass_request(
    conn: Connection,
    ctx: CallContext,
    *,
    request_id: str,
    patient: PatientRef,
    reason_code: BreakglassReason | str,
    justification: str,
) -> BreakglassGrant:
    """Requests the grant; EESZT logs it in the patient's access log. Role ORVOS only."""
    result = call(
        conn,
        "access",
        "Breakglass",
        ctx=ctx,
        request_id=request_id,
        patient=patient.wire(),
        reasonCode=str(reason_code),
        justification=justification,
    )
    return BreakglassGrant(
        grant_id=int(result.grantId),
        valid_from=result.validFrom,
        valid_until=result.validUntil,
    )
