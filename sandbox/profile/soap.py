"""The eProfil SOAP service (contract §7)."""

from __future__ import annotations

from lxml import etree

from sandbox.access.decide import Decision, access_decide, access_fault
from sandbox.access.models import Outcome
from sandbox.access.services import access_log_write
from sandbox.profile import selectors, services
from sandbox.profile.models import Category, ProfileEntry
from sandbox.registry.lookups import patient_resolve
from sandbox.registry.models import Patient, Role
from sandbox.soap.context import CallContext
from sandbox.soap.errors import SoapFault
from sandbox.soap.registry import register_service
from sandbox.soap.xmlutil import Builder

profile = register_service("profile", title="eProfil")
READERS = {Role.ORVOS, Role.FELHASZNALO}
WRITERS = {Role.ORVOS}


def _t(ctx: CallContext, el: etree._Element, path: str) -> str:
    return el.findtext("/".join(ctx.q(p) for p in path.split("/"))) or ""


def _patient(ctx: CallContext, req: etree._Element) -> Patient:
    return patient_resolve(
        id_type=_t(ctx, req, "patient/idType"), id_value=_t(ctx, req, "patient/id")
    )


def _writer(ctx: CallContext) -> services.Writer:
    return services.Writer(user=ctx.require_user(), institution=ctx.institution, at=ctx.now)


def _content(ctx: CallContext, req: etree._Element) -> services.Content:
    return services.Content(
        code=_t(ctx, req, "code"),
        text=_t(ctx, req, "text"),
        note=_t(ctx, req, "note"),
        basis_type=_t(ctx, req, "basis/type"),
        basis_id=_t(ctx, req, "basis/id"),
    )


def _basis(b: Builder, basis_type: str, basis_id: str) -> etree._Element | None:
    return b("basis", b("type", basis_type), b("id", basis_id)) if basis_type else None


def _read_allowed(ctx: CallContext, patient: Patient, operation: str, item: str) -> Decision:
    """PROFILE_FORBIDDEN first (then there is no profile for anyone), then the one access
    decision. Both refusals stay in the patient's access log."""
    try:
        services.profile_forbidden_check(patient)
    except SoapFault as fault:
        entry = access_log_write(
            patient=patient,
            at=ctx.now,
            user=ctx.require_user(),
            institution=ctx.institution,
            org_unit=ctx.require_org_unit(),
            role=ctx.role or "",
            service="profile",
            operation=operation,
            item=item,
            outcome=Outcome.DENIED,
            code=fault.code,
            reason=fault.message,
        )
        raise access_fault(Decision(False, fault.code, fault.message, entry=entry)) from None
    decision = access_decide(
        user=ctx.require_user(),
        institution=ctx.institution,
        org_unit=ctx.require_org_unit(),
        role=ctx.role or "",
        patient=patient,
        service="profile",
        at=ctx.now,
        operation=operation,
        item=item,
    )
    if not decision.allowed:
        raise access_fault(decision)
    return decision


def _entry(b: Builder, e: ProfileEntry) -> etree._Element:
    v = e.current
    assert v is not None
    return b(
        "entry",
        b("entryId", e.entry_id),
        b("version", v.version),
        b("category", e.category),
        b("categoryLabel", Category(e.category).label),
        b.opt("code", v.code),
        b("text", v.text),
        b.opt("note", v.note),
        _basis(b, v.basis_type, v.basis_id),
        b("institutionId", e.institution.institution_id),
        b("userId", e.created_by.user_id),
        b("createdAt", e.created_at),
        b("updatedAt", v.at),
        b("updatedByInstitutionId", v.institution.institution_id),
        b("updatedByUserId", v.user.user_id),
    )


@profile.operation("ProfileQuery", roles=READERS)
def profile_query(ctx: CallContext, req: etree._Element) -> etree._Element:
    """The patient's current eProfil entries (by one TAJ / patient id only)."""
    patient = _patient(ctx, req)
    category = _t(ctx, req, "category") or None
    entries = list(selectors.profile_entries(patient=patient, category=category))
    decision = _read_allowed(ctx, patient, "ProfileQuery", f"{len(entries)} eProfil bejegyzés")
    b = ctx.b
    return b(
        "ProfileQueryResponse", [_entry(b, e) for e in entries], b("breakglass", decision.flagged)
    )


def _answer(ctx: CallContext, tag: str, entry: ProfileEntry) -> etree._Element:
    assert entry.current is not None
    return ctx.b(tag, ctx.b("entryId", entry.entry_id), ctx.b("version", entry.current.version))


@profile.operation("ProfileEntryCreate", roles=WRITERS, write=True)
def profile_entry_create(ctx: CallContext, req: etree._Element) -> etree._Element:
    """A new entry (version 1), by a treating doctor."""
    entry = services.profile_entry_create(
        writer=_writer(ctx),
        patient=_patient(ctx, req),
        category=_t(ctx, req, "category"),
        content=_content(ctx, req),
    )
    return _answer(ctx, "ProfileEntryCreateResponse", entry)


@profile.operation("ProfileEntryUpdate", roles=WRITERS, write=True)
def profile_entry_update(ctx: CallContext, req: etree._Element) -> etree._Element:
    """A new version of the entry; a stale expectedVersion is refused."""
    entry = services.profile_entry_update(
        writer=_writer(ctx),
        entry_id=_t(ctx, req, "entryId"),
        expected_version=int(_t(ctx, req, "expectedVersion")),
        content=_content(ctx, req),
        reason=_t(ctx, req, "reason"),
    )
    return _answer(ctx, "ProfileEntryUpdateResponse", entry)


@profile.operation("ProfileEntryDelete", roles=WRITERS, write=True)
def profile_entry_delete(ctx: CallContext, req: etree._Element) -> etree._Element:
    """Deletion by the creating institution (kept in the history)."""
    entry = services.profile_entry_delete(
        writer=_writer(ctx), entry_id=_t(ctx, req, "entryId"), reason=_t(ctx, req, "reason")
    )
    return _answer(ctx, "ProfileEntryDeleteResponse", entry)


@profile.operation("ProfileHistory", roles=READERS)
def profile_history(ctx: CallContext, req: etree._Element) -> etree._Element:
    """Every version of an entry, the deletion included."""
    entry_id = _t(ctx, req, "entryId")
    entry = selectors.profile_entry_get(entry_id=entry_id)
    if entry is None:
        raise SoapFault(
            "PROFILE_ENTRY_NOT_FOUND",
            f"Ismeretlen eProfil bejegyzés: {entry_id}.",
            element="entryId",
        )
    decision = _read_allowed(ctx, entry.patient, "ProfileHistory", entry_id)
    b = ctx.b
    return b(
        "ProfileHistoryResponse",
        [
            b(
                "version",
                b("version", v.version),
                b("action", v.action),
                b.opt("code", v.code),
                b("text", v.text),
                b.opt("note", v.note),
                _basis(b, v.basis_type, v.basis_id),
                b.opt("reason", v.reason),
                b("institutionId", v.institution.institution_id),
                b("userId", v.user.user_id),
                b("at", v.at),
            )
            for v in selectors.profile_history(entry=entry)
        ],
        b("breakglass", decision.flagged),
    )
