"""eKAT writes (contract §4). Every refusal is a SoapFault with the contract's code."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction

from sandbox.ekat.models import Event, EventRevision, EventStatus
from sandbox.refdata.bno import bno_problem
from sandbox.registry.lookups import doctor_resolve
from sandbox.registry.models import (
    SPECIALTIES,
    UNIT_PROFILES,
    Doctor,
    Grant,
    Institution,
    OrgUnit,
    Patient,
    User,
)
from sandbox.soap.errors import SoapFault

BUDAPEST = ZoneInfo("Europe/Budapest")


@dataclass(frozen=True)
class Actor:
    """Who reports: from the SOAP context (institution via the TLS certificate)."""

    user: User
    institution: Institution
    org_unit: OrgUnit
    now: dt.datetime


def _local_date(value: dt.datetime) -> dt.date:
    return value.astimezone(BUDAPEST).date()


def _age(patient: Patient, on: dt.date) -> int:
    b = patient.birth_date
    return on.year - b.year - ((on.month, on.day) < (b.month, b.day))


def _codes_check(patient: Patient, codes: list[str], on: dt.datetime, element: str) -> None:
    day = _local_date(on)
    for code in codes:
        problem = bno_problem(code, on=day, sex=patient.sex, age=_age(patient, day))
        if problem:
            raise SoapFault("CODE_UNKNOWN", problem, element=element)


def _deadline_check(reference: dt.datetime, now: dt.datetime, what: str) -> None:
    deadline = reference + dt.timedelta(days=settings.SANDBOX_EVENT_DEADLINE_DAYS)
    if now > deadline:
        raise SoapFault(
            "EVENT_DEADLINE_PASSED",
            f"{what}: a {settings.SANDBOX_EVENT_DEADLINE_DAYS} napos határidő "
            f"{deadline.astimezone(BUDAPEST):%Y-%m-%d %H:%M}-kor lejárt.",
        )


def _plausibility_check(actor: Actor, care_type: str, specialty: str) -> None:
    """Care type and specialty must fit the org unit's registered profile (UNIT_PROFILES)."""
    unit = actor.org_unit
    care_types, specialties = UNIT_PROFILES.get(unit.specialty, (frozenset(), frozenset()))
    if care_type not in care_types:
        raise SoapFault(
            "CARE_PROFILE_MISMATCH",
            f"A(z) {unit.code} szervezeti egység ({SPECIALTIES.get(unit.specialty, '?')}) "
            f"nem nyújt {care_type} ellátást; nyilvántartott ellátási formái: "
            f"{', '.join(sorted(care_types)) or '—'}.",
            element="careType",
        )
    if specialty not in specialties:
        raise SoapFault(
            "CARE_PROFILE_MISMATCH",
            f"A(z) {specialty} szakma nem illik a(z) {unit.code} szervezeti egység profiljához "
            f"(megengedett: {', '.join(sorted(specialties))}).",
            element="specialty",
        )


def _responsible_check(actor: Actor, doctor: Doctor) -> None:
    """The responsible doctor must hold a VMátrix right at the reporting institution."""
    if not Grant.objects.filter(user__doctor=doctor, institution=actor.institution).exists():
        raise SoapFault(
            "RESPONSIBLE_NOT_PERMITTED",
            f"A felelős orvos ({doctor.stamp}) nem rendelkezik jogosultsággal a(z) "
            f"{actor.institution.institution_id} intézménynél.",
            element="responsibleStamp",
        )


def late_deadline(reference: dt.datetime, now: dt.datetime) -> dt.datetime | None:
    """The legal deadline if ``now`` is past it (the report is late), else None."""
    deadline = reference + dt.timedelta(days=settings.SANDBOX_EVENT_DEADLINE_DAYS)
    return deadline if now > deadline else None


def _new_event_id(now: dt.datetime) -> str:
    return f"{now.year:04d}{secrets.randbelow(10**14):014d}"


def event_start(
    *,
    actor: Actor,
    patient: Patient,
    client_visit_id: str,
    care_type: str,
    specialty: str,
    event_time: dt.datetime,
    recorded_time: dt.datetime,
    responsible_stamp: str,
    referral_id: str = "",
    working_diagnosis: str = "",
) -> tuple[Event, bool]:
    """(event, created). An open event for the same (patient, org unit, client visit id)
    with the same data is returned again (created=False); with other data it is refused."""
    if patient.deceased_on is not None and _local_date(event_time) > patient.deceased_on:
        raise SoapFault(
            "PATIENT_DECEASED",
            f"A beteg {patient.deceased_on:%Y-%m-%d}-én elhunyt: új ellátás nem kezdhető.",
            element="eventTime",
        )
    doctor = doctor_resolve(stamp=responsible_stamp)
    if specialty not in SPECIALTIES:
        raise SoapFault("CODE_UNKNOWN", f"Ismeretlen szakmakód: {specialty}.", element="specialty")
    _plausibility_check(actor, care_type, specialty)
    _responsible_check(actor, doctor)
    if working_diagnosis:
        _codes_check(patient, [working_diagnosis], event_time, "workingDiagnosis")
    _deadline_check(event_time, actor.now, "Az ellátás kezdetének bejelentése")
    values: dict[str, Any] = {
        "care_type": care_type,
        "specialty": specialty,
        "event_time": event_time,
        "responsible": doctor,
        "referral_id": referral_id,
        "working_diagnosis": working_diagnosis,
    }
    key = {"patient": patient, "org_unit": actor.org_unit, "client_visit_id": client_visit_id}
    existing = Event.objects.filter(**key, status=EventStatus.OPEN).first()
    if existing is not None:
        return _same_open_event(existing, values), False
    for _ in range(5):
        try:
            with transaction.atomic():
                event = Event.objects.create(
                    event_id=_new_event_id(actor.now),
                    institution=actor.institution,
                    recorded_time=recorded_time,
                    reported_by=actor.user,
                    created_at=actor.now,
                    updated_at=actor.now,
                    **key,
                    **values,
                )
            return event, True
        except IntegrityError:
            existing = Event.objects.filter(**key, status=EventStatus.OPEN).first()
            if existing is not None:
                return _same_open_event(existing, values), False
            # else: an event id collision (1 in 10^14) — draw again
    raise RuntimeError("could not allocate an event id")


def _same_open_event(event: Event, values: dict[str, Any]) -> Event:
    if any(getattr(event, name) != value for name, value in values.items()):
        raise SoapFault(
            "DUPLICATE_REQUEST_CONFLICT",
            f"Ehhez a vizithez már van nyitott esemény ({event.event_id}) más adatokkal.",
            element="clientVisitId",
        )
    return event


def _event_for_change(actor: Actor, event_id: str) -> Event:
    event = (
        Event.objects.select_for_update()
        .select_related("patient")
        .filter(event_id=event_id)
        .first()
    )
    if event is None:
        raise SoapFault("EVENT_NOT_FOUND", f"Ismeretlen esemény: {event_id}.", element="eventId")
    if event.institution_id != actor.institution.pk:
        raise SoapFault(
            "NOT_OWNER", "Az eseményt csak a bejelentő intézmény módosíthatja.", element="eventId"
        )
    return event


def _snapshot(event: Event) -> dict[str, Any]:
    return {
        "status": event.status,
        "event_time": event.event_time.isoformat(),
        "end_time": event.end_time.isoformat() if event.end_time else None,
        "responsible": event.responsible.stamp,
        "working_diagnosis": event.working_diagnosis,
        "diagnoses": list(event.diagnoses),
        "procedures": list(event.procedures),
    }


def _end_check(event_time: dt.datetime, end_time: dt.datetime) -> None:
    if end_time < event_time:
        raise SoapFault(
            "SCHEMA_INVALID",
            "Az ellátás vége nem lehet korábbi a kezdeténél.",
            element="endTime",
        )


def event_close(
    *,
    actor: Actor,
    event_id: str,
    end_time: dt.datetime,
    recorded_time: dt.datetime,
    responsible_stamp: str,
    diagnoses: list[str],
    procedures: list[str],
) -> Event:
    event = _event_for_change(actor, event_id)
    if event.status != EventStatus.OPEN:
        raise SoapFault("EVENT_NOT_OPEN", f"Az esemény állapota: {event.get_status_display()}.")
    _end_check(event.event_time, end_time)
    doctor = doctor_resolve(stamp=responsible_stamp)
    _responsible_check(actor, doctor)
    _codes_check(event.patient, diagnoses, event.event_time, "diagnosis")
    # A close after the deadline is accepted and flagged late (a late report beats a
    # missing one; the answer says so): see late_deadline.
    event.end_time = end_time
    event.recorded_time = recorded_time
    event.responsible = doctor
    event.diagnoses = diagnoses
    event.procedures = procedures
    event.status = EventStatus.CLOSED
    event.updated_at = actor.now
    event.save()
    # A referral used for this care is fulfilled when the care closes (contract §8).
    from sandbox.referral.services import referrals_complete_for_event

    referrals_complete_for_event(event=event, at=actor.now)
    return event


def event_correct(
    *,
    actor: Actor,
    event_id: str,
    reason: str,
    event_time: dt.datetime | None = None,
    end_time: dt.datetime | None = None,
    responsible_stamp: str | None = None,
    working_diagnosis: str | None = None,
    diagnoses: list[str] | None = None,
    procedures: list[str] | None = None,
) -> Event:
    event = _event_for_change(actor, event_id)
    if event.status == EventStatus.DELETED:
        raise SoapFault("EVENT_NOT_OPEN", "Törölt esemény nem javítható.")
    _deadline_check(event.end_time or event.event_time, actor.now, "Javítás")
    before = _snapshot(event)
    if end_time is not None and event.status != EventStatus.CLOSED:
        raise SoapFault(
            "EVENT_NOT_OPEN", "Nyitott esemény vége nem javítható; zárja le.", element="endTime"
        )
    new_start = event_time or event.event_time
    new_end = end_time or event.end_time
    if new_end is not None:
        _end_check(new_start, new_end)
    if responsible_stamp is not None:
        event.responsible = doctor_resolve(stamp=responsible_stamp)
        _responsible_check(actor, event.responsible)
    if working_diagnosis is not None:
        _codes_check(event.patient, [working_diagnosis], new_start, "workingDiagnosis")
        event.working_diagnosis = working_diagnosis
    if diagnoses is not None:
        _codes_check(event.patient, diagnoses, new_start, "diagnosis")
        event.diagnoses = diagnoses
    if procedures is not None:
        event.procedures = procedures
    event.event_time, event.end_time = new_start, new_end
    event.updated_at = actor.now
    event.save()
    EventRevision.objects.create(
        event=event, kind="JAVITAS", reason=reason, by=actor.user, at=actor.now, before=before
    )
    return event


def event_delete(*, actor: Actor, event_id: str, reason: str) -> Event:
    event = _event_for_change(actor, event_id)
    if event.status == EventStatus.DELETED:
        raise SoapFault("EVENT_NOT_OPEN", "Az esemény már törölve van.")
    _deadline_check(event.end_time or event.event_time, actor.now, "Törlés")
    before = _snapshot(event)
    event.status = EventStatus.DELETED
    event.updated_at = actor.now
    event.save(update_fields=["status", "updated_at"])
    EventRevision.objects.create(
        event=event, kind="TORLES", reason=reason, by=actor.user, at=actor.now, before=before
    )
    return event
