"""Care events (eKAT): start and close of a visit, correction, deletion, query."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from zomanc.eeszt.client.wire import CallContext, Connection, answer_flag_late, call


@dataclass(frozen=True)
class PatientRef:
    """The patient as EESZT knows him: id type (TAJ, UTLEVEL, EU_KARTYA, EGYEB) and value."""

    id_type: str
    id_value: str

    def wire(self) -> dict[str, str]:
        return {"idType": self.id_type, "id": self.id_value}


@dataclass(frozen=True)
class EventAnswer:
    event_id: str
    status: str
    # EESZT accepted it after the legal deadline and says so (a close reported late).
    late: bool = False


@dataclass(frozen=True)
class Event:
    event_id: str
    status: str
    care_type: str
    specialty: str
    institution_id: str
    org_unit_id: str
    responsible_stamp: str
    event_time: dt.datetime
    end_time: dt.datetime | None
    referral_id: str | None
    diagnoses: tuple[str, ...]


def _answer(result: object, flags: dict[str, str] | None = None) -> EventAnswer:
    return EventAnswer(
        event_id=result.eventId,  # type: ignore[attr-defined]
        status=result.status,  # type: ignore[attr-defined]
        late=answer_flag_late(flags or {}),
    )


def event_start(
    conn: Connection,
    ctx: CallContext,
    *,
    request_id: str,
    patient: PatientRef,
    client_visit_id: str,
    event_time: dt.datetime,
    recorded_time: dt.datetime,
    responsible_stamp: str,
    specialty: str,
    care_type: str = "JARO",
    referral_id: str | None = None,
    working_diagnosis: str | None = None,
) -> EventAnswer:
    return _answer(
        call(
            conn,
            "ekat",
            "EventStart",
            ctx=ctx,
            request_id=request_id,
            patient=patient.wire(),
            clientVisitId=client_visit_id,
            careType=care_type,
            specialty=specialty,
            eventTime=event_time,
            recordedTime=recorded_time,
            responsibleStamp=responsible_stamp,
            referralId=referral_id,
            workingDiagnosis=working_diagnosis,
        )
    )


def event_close(
    conn: Connection,
    ctx: CallContext,
    *,
    request_id: str,
    event_id: str,
    end_time: dt.datetime,
    recorded_time: dt.datetime,
    responsible_stamp: str,
    diagnoses: list[str],
    procedures: list[str] | None = None,
) -> EventAnswer:
    flags: dict[str, str] = {}
    return _answer(
        call(
            conn,
            "ekat",
            "EventClose",
            ctx=ctx,
            request_id=request_id,
            flags=flags,
            eventId=event_id,
            endTime=end_time,
            recordedTime=recorded_time,
            responsibleStamp=responsible_stamp,
            diagnoses={"diagnosis": diagnoses},
            procedures={"procedure": procedures} if procedures else None,
        ),
        flags,
    )


def event_correct(
    conn: Connection,
    ctx: CallContext,
    *,
    request_id: str,
    event_id: str,
    reason: str,
    diagnoses: list[str] | None = None,
    procedures: list[str] | None = None,
    end_time: dt.datetime | None = None,
) -> EventAnswer:
    return _answer(
        call(
            conn,
            "ekat",
            "EventCorrect",
            ctx=ctx,
            request_id=request_id,
            eventId=event_id,
            endTime=end_time,
            diagnoses={"diagnosis": diagnoses} if diagnoses else None,
            procedures={"procedure": procedures} if procedures else None,
            reason=reason,
        )
    )


def event_delete(
    conn: Connection, ctx: CallContext, *, request_id: str, event_id: str, reason: str
) -> EventAnswer:
    return _answer(
        call(
            conn,
            "ekat",
            "EventDelete",
            ctx=ctx,
            request_id=request_id,
            eventId=event_id,
            reason=reason,
        )
    )


def event_query(
    conn: Connection,
    ctx: CallContext,
    *,
    patient: PatientRef,
    date_from: dt.datetime | None = None,
    date_to: dt.datetime | None = None,
) -> list[Event]:
    # "from" is a Python keyword, hence the dict.
    params: dict[str, Any] = {"patient": patient.wire(), "from": date_from, "to": date_to}
    result = call(conn, "ekat", "EventQuery", ctx=ctx, **params)
    return [
        Event(
            event_id=e.eventId,
            status=e.status,
            care_type=e.careType,
            specialty=e.specialty,
            institution_id=e.institutionId,
            org_unit_id=e.orgUnitId,
            responsible_stamp=e.responsibleStamp,
            event_time=e.eventTime,
            end_time=e.endTime,
            referral_id=e.referralId,
            diagnoses=tuple(e.diagnoses.diagnosis) if e.diagnoses else (),
        )
        for e in (result or [])
    ]
