"""The TB-lámpa SOAP service (insurance status by TAJ)."""

from __future__ import annotations

from lxml import etree

from sandbox.eligibility.services import eligibility_check
from sandbox.registry.models import Role
from sandbox.soap.context import CallContext
from sandbox.soap.registry import register_service

eligibility = register_service("eligibility", title="Jogviszony-ellenőrzés (TB-lámpa)")


@eligibility.operation("EligibilityCheck", roles={Role.ORVOS, Role.FELHASZNALO})
def check(ctx: CallContext, req: etree._Element) -> etree._Element:
    """Insurance status colour of a TAJ: ZOLD, PIROS, KEK, BARNA or SARGA."""
    result = eligibility_check(taj=req.findtext(ctx.q("taj")) or "")
    b = ctx.b
    return b(
        "EligibilityCheckResponse",
        b("taj", result.taj),
        b("status", result.colour),
        b("label", result.label),
        b("checkedAt", ctx.now),
    )
