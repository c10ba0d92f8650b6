"""What a handler knows about the call it serves."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sandbox.idp.saml import AssertionInfo
    from sandbox.pki.models import IssuedCertificate
    from sandbox.registry.models import Institution, OrgUnit, User
    from sandbox.soap.registry import Operation, Service
    from sandbox.soap.xmlutil import Builder


@dataclass
class CallContext:
    service: Service
    operation: Operation
    # Sandbox clock at the start of the call: every business time rule uses this value.
    now: dt.datetime
    # From the verified TLS client certificate (never from the message).
    institution: Institution
    certificate: IssuedCertificate
    # From the Context header + assertion ("assertion" services only; None for the IDP).
    request_id: str | None = None
    user: User | None = None
    org_unit: OrgUnit | None = None
    role: str | None = None
    roles: set[str] = field(default_factory=set)
    software_name: str = ""
    software_version: str = ""
    client_timestamp: dt.datetime | None = None
    assertion: AssertionInfo | None = None

    @property
    def b(self) -> Builder:
        """Element builder in the service's namespace, for the response."""
        return self.service.b

    def q(self, local: str) -> str:
        return self.service.q(local)

    def require_user(self) -> User:
        assert self.user is not None, "handler of an assertion service"
        return self.user

    def require_org_unit(self) -> OrgUnit:
        assert self.org_unit is not None, "handler of an assertion service"
        return self.org_unit
