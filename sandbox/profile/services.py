"""eProfil writes (contract §7). Every write: role ORVOS (the SOAP operations admit only
it), the patient has not forbidden the profile (PROFILE_FORBIDDEN), and the acting
institution has a treating relationship (NO_TREATMENT_RELATIONSHIP). Updates and deletions
need a reason; each version records its basis, user, institution and time."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import transaction

from sandbox.access.decide import treating_relationship
from sandbox.clock.services import now as sandbox_now
from sandbox.documents.models import Document
from sandbox.ekat.models import Event, EventStatus
from sandbox.profile.models import (
    BNO_CATEGORIES,
    Action,
    BasisType,
    Category,
    ProfileEntry,
    ProfileEntryVersion,
    ProfileProhibition,
)
from sandbox.refdata.bno import bno_problem
from sandbox.registry.models import Institution, Patient, User
from sandbox.soap.errors import SoapFault

BUDAPEST = ZoneInfo("Europe/Budapest")


@dataclass(frozen=True)
class Writer:
    user: User
    institution: Institution
    at: dt.datetime


@dataclass(frozen=True)
class Content:
    code: str = ""
    text: str = ""
    note: str = ""
    basis_type: str = ""
    basis_id: str = ""


def profile_forbidden_check(patient: Patient) -> None:
    if ProfileProhibition.objects.filter(patient=patient).exists():
        raise SoapFault(
            "PROFILE_FORBIDDEN", "A beteg megtiltotta az eProfil használatát.", element="patient"
        )


def _write_check(writer: Writer, patient: Patient) -> None:
    profile_forbidden_check(patient)
    if not treating_relationship(institution=writer.institution, patient=patient, at=writer.at):
        raise SoapFault(
            "NO_TREATMENT_RELATIONSHIP",
            "eProfilt csak kezelési kapcsolatban álló intézmény orvosa írhat.",
        )


def _content_check(patient: Patient, category: str, content: Content, at: dt.datetime) -> None:
    if category not in Category.values:
        raise SoapFault("CODE_UNKNOWN", f"Ismeretlen kategória: {category}.", element="category")
    if content.code and category in BNO_CATEGORIES:
        problem = bno_problem(content.code, on=at.astimezone(BUDAPEST).date(), sex=patient.sex)
        if problem:
            raise SoapFault("CODE_UNKNOWN", problem, element="code")
    if content.basis_type == BasisType.EVENT:
        if (
            not Event.objects.filter(event_id=content.basis_id, patient=patient)
            .exclude(status=EventStatus.DELETED)
            .exists()
        ):
            raise SoapFault(
                "CODE_UNKNOWN",
                f"Az alapként megadott esemény ({content.basis_id}) nem a beteg eseménye.",
                element="basis",
            )
    elif content.basis_type == BasisType.DOCUMENT:
        document_id = content.basis_id.partition(".")[0]
        if not Document.objects.filter(document_id=document_id, patient=patient).exists():
            raise SoapFault(
                "CODE_UNKNOWN",
                f"Az alapként megadott dokumentum ({content.basis_id}) nem a beteg dokumentuma.",
                element="basis",
            )


def _version(
    entry: ProfileEntry, number: int, action: str, content: Content, reason: str, w: Writer
) -> ProfileEntryVersion:
    version = ProfileEntryVersion.objects.create(
        entry=entry,
        version=number,
        action=action,
        code=content.code,
        text=content.text,
        note=content.note,
        basis_type=content.basis_type,
        basis_id=content.basis_id,
        reason=reason,
        institution=w.institution,
        user=w.user,
        at=w.at,
    )
    entry.current = version
    entry.deleted = action == Action.DELETE
    entry.save(update_fields=["current", "deleted"])
    return version


def _create(
    *, writer: Writer, patient: Patient, category: str, content: Content, entry_id: str | None
) -> ProfileEntry:
    entry = ProfileEntry.objects.create(
        entry_id=entry_id or f"{writer.at.year:04d}{secrets.randbelow(10**14):014d}",
        patient=patient,
        category=category,
        institution=writer.institution,
        created_by=writer.user,
        created_at=writer.at,
    )
    _version(entry, 1, Action.CREATE, content, "", writer)
    return entry


@transaction.atomic
def profile_entry_create(
    *, writer: Writer, patient: Patient, category: str, content: Content
) -> ProfileEntry:
    _write_check(writer, patient)
    _content_check(patient, category, content, writer.at)
    return _create(
        writer=writer, patient=patient, category=category, content=content, entry_id=None
    )


def _locked(entry_id: str) -> ProfileEntry:
    entry = (
        ProfileEntry.objects.select_for_update(of=("self",))
        .select_related("patient", "current")
        .filter(entry_id=entry_id)
        .first()
    )
    if entry is None:
        raise SoapFault(
            "PROFILE_ENTRY_NOT_FOUND",
            f"Ismeretlen eProfil bejegyzés: {entry_id}.",
            element="entryId",
        )
    return entry


@transaction.atomic
def profile_entry_update(
    *, writer: Writer, entry_id: str, expected_version: int, content: Content, reason: str
) -> ProfileEntry:
    """A new version (the old one stays); a stale ``expected_version`` → VERSION_CONFLICT."""
    entry = _locked(entry_id)
    _write_check(writer, entry.patient)
    assert entry.current is not None
    if entry.deleted:
        raise SoapFault("VERSION_CONFLICT", "A bejegyzést időközben törölték.", element="entryId")
    if entry.current.version != expected_version:
        raise SoapFault(
            "VERSION_CONFLICT",
            f"A bejegyzés jelenlegi verziója {entry.current.version}, nem {expected_version}: "
            "kérdezze le újra, és ismételje meg a módosítást.",
            element="expectedVersion",
        )
    _content_check(entry.patient, entry.category, content, writer.at)
    _version(entry, entry.current.version + 1, Action.UPDATE, content, reason, writer)
    return entry


@transaction.atomic
def profile_entry_delete(*, writer: Writer, entry_id: str, reason: str) -> ProfileEntry:
    """Only the creating institution; the deletion is the last version of the history."""
    entry = _locked(entry_id)
    _write_check(writer, entry.patient)
    if entry.institution_id != writer.institution.pk:
        raise SoapFault(
            "NOT_OWNER",
            "eProfil bejegyzést csak a létrehozó intézmény törölhet.",
            element="entryId",
        )
    assert entry.current is not None
    if entry.deleted:
        return entry
    last = entry.current
    content = Content(
        code=last.code,
        text=last.text,
        note=last.note,
        basis_type=last.basis_type,
        basis_id=last.basis_id,
    )
    _version(entry, last.version + 1, Action.DELETE, content, reason, writer)
    return entry


@transaction.atomic
def profile_forbid(*, patient: Patient, forbidden: bool, at: dt.datetime | None = None) -> None:
    """The patient forbids (or allows again) the eProfil — the portal's patient side."""
    if forbidden:
        ProfileProhibition.objects.get_or_create(
            patient=patient, defaults={"since": at or sandbox_now()}
        )
    else:
        ProfileProhibition.objects.filter(patient=patient).delete()
