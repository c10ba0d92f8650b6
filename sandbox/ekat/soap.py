"""The eKAT SOAP service (contract §4)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from lxml import etree

from sandbox.access.decide import Caller, access_decide_groups, access_fault
from sandbox.ekat import selectors, services
from sandbox.ekat.models import Event
from sandbox.registry.lookups import patient_resolve
from sandbox.registry.models import SENSITIVE_SPECIALTIES, Patient, Role
from sandbox.soap.context import CallContext
from sandbox.soap.registry import register_service
from sandbox.soap.xmlutil import not_in_future, parse_datetime

ekat = register_service("ekat", title="Eseménykatalógus (eKAT)")
WRITERS = {Role.ORVOS, Role.FELHASZNALO}


def _t(ctx: CallContext, el: etree._Element, path: str) -> str | None:
    parts = "/".join(ctx.q(p) for p in path.split("/"))
    return el.findtext(parts)


def _dt(ctx: CallContext, el: etree._Element, name: str) -> dt.datetime | None:
    """A time of the request: with a zone offset, and not in the future."""
    value = _t(ctx, el, name)
    if not value:
        return None
    return not_in_future(parse_datetime(value, name), now=ctx.now, element=name)


def _list(ctx: CallContext, el: etree._Element, outer: str, inner: str) -> list[str] | None:
    container = el.find(ctx.q(outer))
    if container is None:
        return None
    return [c.text or "" for c in container.iterfind(ctx.q(inner))]


def _patient(ctx: CallContext, req: etree._Element) -> Patient:
    return patient_resolve(
        id_type=_t(ctx, req, "patient/idType") or "", id_value=_t(ctx, req, "patient/id") or ""
    )


def _actor(ctx: CallContext) -> services.Actor:
    return services.Actor(
        user=ctx.require_user(),
        institution=ctx.institution,
        org_unit=ctx.require_org_unit(),
        now=ctx.now,
    )


def _answer(ctx: CallContext, tag: str, event: Event) -> etree._Element:
    return ctx.b(tag, ctx.b("eventId", event.event_id), ctx.b("status", event.status))


@ekat.operation("EventStart", roles=WRITERS, write=True)
def event_start(ctx: CallContext, req: etree._Element) -> etree._Element:
    """Start of care: returns the 18-digit event id."""
    event, _created = services.event_start(
        actor=_actor(ctx),
        patient=_patient(ctx, req),
        client_visit_id=_t(ctx, req, "clientVisitId") or "",
        care_type=_t(ctx, req, "careType") or "",
        specialty=_t(ctx, req, "specialty") or "",
        event_time=_dt(ctx, req, "eventTime"),  # type: ignore[arg-type]  # XSD: required
        recorded_time=_dt(ctx, req, "recordedTime"),  # type: ignore[arg-type]
        responsible_stamp=_t(ctx, req, "responsibleStamp") or "",
        referral_id=_t(ctx, req, "referralId") or "",
        working_diagnosis=_t(ctx, req, "workingDiagnosis") or "",
    )
    return _answer(ctx, "EventStartResponse", event)


@ekat.operation("EventClose", roles=WRITERS, write=True)
def event_close(ctx: CallContext, req: etree._Element) -> etree._Element:
    """End of care with diagnoses (BNO, valid at the event date) and procedures."""
    event = services.event_close(
        actor=_actor(ctx),
        event_id=_t(ctx, req, "eventId") or "",
        end_time=_dt(ctx, req, "endTime"),  # type: ignore[arg-type]
        recorded_time=_dt(ctx, req, "recordedTime"),  # type: ignore[arg-type]
        responsible_stamp=_t(ctx, req, "responsibleStamp") or "",
        diagnoses=_list(ctx, req, "diagnoses", "diagnosis") or [],
        procedures=_list(ctx, req, "procedures", "procedure") or [],
    )
    answer = _answer(ctx, "EventCloseResponse", event)
    deadline = services.late_deadline(event.end_time or event.event_time, ctx.now)
    if deadline is not None:
        ctx.b.sub(answer, "late", True)
        ctx.b.sub(answer, "deadline", deadline)
    return answer


@ekat.operation("EventCorrect", roles=WRITERS, write=True)
def event_correct(ctx: CallContext, req: etree._Element) -> etree._Element:
    """Correction by the reporting institution within the deadline."""
    event = services.event_correct(
        actor=_actor(ctx),
        event_id=_t(ctx, req, "eventId") or "",
        reason=_t(ctx, req, "reason") or "",
        event_time=_dt(ctx, req, "eventTime"),
        end_time=_dt(ctx, req, "endTime"),
        responsible_stamp=_t(ctx, req, "responsibleStamp"),
        working_diagnosis=_t(ctx, req, "workingDiagnosis"),
        diagnoses=_list(ctx, req, "diagnoses", "diagnosis"),
        procedures=_list(ctx, req, "procedures", "procedure"),
    )
    return _answer(ctx, "EventCorrectResponse", event)


@ekat.operation("EventDelete", roles=WRITERS, write=True)
def event_delete(ctx: CallContext, req: etree._Element) -> etree._Element:
    """Deletion by the reporting institution within the deadline."""
    event = services.event_delete(
        actor=_actor(ctx),
        event_id=_t(ctx, req, "eventId") or "",
        reason=_t(ctx, req, "reason") or "",
    )
    return _answer(ctx, "EventDeleteResponse", event)


@ekat.operation("EventQuery")
def event_query(ctx: CallContext, req: etree._Element) -> etree._Element:
    """The patient's events visible to the caller (access rules apply)."""
    patient = _patient(ctx, req)
    found = list(
        selectors.events_of_patient(
            patient=patient, start=_dt(ctx, req, "from"), end=_dt(ctx, req, "to")
        )
    )
    # One logged access decision per (specialty, sensitive) group: events of a sensitive or
    # DÖR-restricted specialty are left out; nothing readable at all is a refusal.
    groups = Counter((e.specialty, e.specialty in SENSITIVE_SPECIALTIES) for e in found)
    decisions = access_decide_groups(
        caller=Caller(
            user=ctx.require_user(),
            institution=ctx.institution,
            org_unit=ctx.require_org_unit(),
            role=ctx.role or "",
        ),
        patient=patient,
        service="ekat",
        operation="EventQuery",
        at=ctx.now,
        groups=dict(groups),
        noun="esemény",
    )
    if not any(d.allowed for d in decisions.values()):
        # The reason of a non-sensitive group says most (no relationship, DÖR).
        refusals = sorted(decisions.items(), key=lambda kv: kv[0][1])
        raise access_fault(refusals[0][1])
    events = [
        e for e in found if decisions[(e.specialty, e.specialty in SENSITIVE_SPECIALTIES)].allowed
    ]
    b = ctx.b
    answer = b("EventQueryResponse")
    b.sub_rows(
        answer,
        "event",
        (
            [
                ("eventId", e.event_id),
                ("status", e.status),
                ("careType", e.care_type),
                ("specialty", e.specialty),
                ("institutionId", e.institution.institution_id),
                ("orgUnitId", e.org_unit.code),
                ("responsibleStamp", e.responsible.stamp),
                ("eventTime", e.event_time),
                ("endTime", e.end_time),
                ("recordedTime", e.recorded_time),
                ("referralId", e.referral_id or None),
                ("workingDiagnosis", e.working_diagnosis or None),
                ("diagnoses", [("diagnosis", d) for d in e.diagnoses] if e.diagnoses else None),
                ("procedures", [("procedure", p) for p in e.procedures] if e.procedures else None),
            ]
            for e in events
        ),
    )
    return answer
