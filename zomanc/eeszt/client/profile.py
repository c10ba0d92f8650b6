"""eProfil (contract §7): query, create, update (a new version), delete, history."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from zomanc.eeszt.client.ekat import PatientRef
from zomanc.eeszt.client.wire import CallContext, Connection, call

# The contract's categories, in the order the eProfil page shows them.
CATEGORIES = (
    "ALLERGIA",
    "GYOGYSZER_INTOLERANCIA",
    "IMPLANTATUM",
    "KRONIKUS_BETEGSEG",
    "GONDOZASI_PROGRAM",
    "DIAGNOZIS",
    "AKTUALIS_GYOGYSZER",
)


@dataclass(frozen=True)
class Basis:
    """What the entry is based on: an eKAT event (ESEMENY) or an EHR document (DOKUMENTUM)."""

    type: str
    id: str

    def wire(self) -> dict[str, str]:
        return {"type": self.type, "id": self.id}


@dataclass(frozen=True)
class ProfileEntry:
    entry_id: str
    version: int
    category: str
    category_label: str
    code: str
    text: str
    note: str
    basis: Basis | None
    institution_id: str
    user_id: str
    created_at: dt.datetime
    updated_at: dt.datetime
    updated_by_institution_id: str
    updated_by_user_id: str


@dataclass(frozen=True)
class ProfileListing:
    entries: list[ProfileEntry]
    breakglass: bool


@dataclass(frozen=True)
class EntryAnswer:
    entry_id: str
    version: int


@dataclass(frozen=True)
class EntryVersion:
    version: int
    action: str  # LETREHOZAS, MODOSITAS, TORLES
    code: str
    text: str
    note: str
    basis: Basis | None
    reason: str
    institution_id: str
    user_id: str
    at: dt.datetime


def _basis(value: Any) -> Basis | None:
    return Basis(type=value.type, id=value.id) if value is not None else None


def _entry(e: Any) -> ProfileEntry:
    return ProfileEntry(
        entry_id=e.entryId,
        version=int(e.version),
        category=e.category,
        category_label=e.categoryLabel,
        code=e.code or "",
        text=e.text,
        note=e.note or "",
        basis=_basis(e.basis),
        institution_id=e.institutionId,
        user_id=e.userId,
        created_at=e.createdAt,
        updated_at=e.updatedAt,
        updated_by_institution_id=e.updatedByInstitutionId,
        updated_by_user_id=e.updatedByUserId,
    )


def _answer(result: Any) -> EntryAnswer:
    return EntryAnswer(entry_id=result.entryId, version=int(result.version))


def profile_query(
    conn: Connection, ctx: CallContext, *, patient: PatientRef, category: str | None = None
) -> ProfileListing:
    result = call(
        conn, "profile", "ProfileQuery", ctx=ctx, patient=patient.wire(), category=category
    )
    return ProfileListing(
        entries=[_entry(e) for e in (result.entry or [])], breakglass=bool(result.breakglass)
    )


def profile_entry_create(
    conn: Connection,
    ctx: CallContext,
    *,
    request_id: str | None = None,
    patient: PatientRef,
    category: str,
    text: str,
    code: str = "",
    note: str = "",
    basis: Basis | None = None,
) -> EntryAnswer:
    result = call(
        conn,
        "profile",
        "ProfileEntryCreate",
        ctx=ctx,
        request_id=request_id,
        patient=patient.wire(),
        category=category,
        code=code or None,
        text=text,
        note=note or None,
        basis=basis.wire() if basis else None,
    )
    return _answer(result)


def profile_entry_update(
    conn: Connection,
    ctx: CallContext,
    *,
    request_id: str | None = None,
    entry_id: str,
    expected_version: int,
    text: str,
    reason: str,
    code: str = "",
    note: str = "",
    basis: Basis | None = None,
) -> EntryAnswer:
    """Replaces code, text, note and basis: a new version; a stale expected_version →
    EesztRefused VERSION_CONFLICT."""
    result = call(
        conn,
        "profile",
        "ProfileEntryUpdate",
        ctx=ctx,
        request_id=request_id,
        entryId=entry_id,
        expectedVersion=expected_version,
        code=code or None,
        text=text,
        note=note or None,
        basis=basis.wire() if basis else None,
        reason=reason,
    )
    return _answer(result)


def profile_entry_delete(
    conn: Connection,
    ctx: CallContext,
    *,
    request_id: str | None = None,
    entry_id: str,
    reason: str,
) -> EntryAnswer:
    """Only the creating institution (else EesztRefused NOT_OWNER)."""
    result = call(
        conn,
        "profile",
        "ProfileEntryDelete",
        ctx=ctx,
        request_id=request_id,
        entryId=entry_id,
        reason=reason,
    )
    return _answer(result)


def profile_history(conn: Connection, ctx: CallContext, *, entry_id: str) -> list[EntryVersion]:
    result = call(conn, "profile", "ProfileHistory", ctx=ctx, entryId=entry_id)
    return [
        EntryVersion(
            version=int(v.version),
            action=v.action,
            code=v.code or "",
            text=v.text,
            note=v.note or "",
            basis=_basis(v.basis),
            reason=v.reason or "",
            institution_id=v.institutionId,
            user_id=v.userId,
            at=v.at,
        )
        for v in (result.version or [])
    ]
