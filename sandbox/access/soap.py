"""The access SOAP service: ``Breakglass`` (contract §6)."""

from __future__ import annotations

from lxml import etree

from sandbox.access.services import breakglass_open
from sandbox.registry.lookups import patient_resolve
from sandbox.registry.models import Role
from sandbox.soap.context import CallContext
from sandbox.soap.registry import register_service

access = register_service("access", title="Hozzáférés: sürgősségi hozzáférés (breakglass)")


@access.operation("Breakglass", roles={Role.ORVOS}, write=True)
def breakglass(ctx: CallContext, req: etree._Element) -> etree._Element:
    """Emergency access of the calling doctor to the patient; returns its end time."""
    patient = patient_resolve(
        id_type=req.findtext(f"{ctx.q('patient')}/{ctx.q('idType')}") or "",
        id_value=req.findtext(f"{ctx.q('patient')}/{ctx.q('id')}") or "",
    )
    grant = breakglass_open(
        user=ctx.require_user(),
        institution=ctx.institution,
        org_unit=ctx.require_org_unit(),
        role=ctx.role or "",
        patient=patient,
        reason_code=req.findtext(ctx.q("reasonCode")) or "",
        justification=req.findtext(ctx.q("justification")) or "",
        at=ctx.now,
    )
    b = ctx.b
    return b(
        "BreakglassResponse",
        b("grantId", grant.pk),
        b("validFrom", grant.granted_at),
        b("validUntil", grant.valid_until),
    )
