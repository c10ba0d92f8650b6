"""The declarative service registry.

A service is a namespace + an XSD + operations. Each operation maps the local name of the
request element (``<Op>Request``) to a handler ``handler(ctx, request_element) -> response
element``. Schemas are compiled once, at registration (import) time — never per request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import parse_qs, urlsplit

from lxml import etree

from sandbox.soap.ns import service_ns
from sandbox.soap.xmlutil import Builder

if TYPE_CHECKING:
    from sandbox.soap.context import CallContext

CONTRACT_DIR = Path(__file__).resolve().parent.parent / "contract"

# "assertion": TLS client cert + WS-Security (Timestamp + SAML) + Context header + VMátrix.
# "cert": TLS client cert only (the IDP: the user is not logged in yet).
AuthMode = Literal["assertion", "cert"]
Handler = Callable[["CallContext", etree._Element], etree._Element]


@dataclass(frozen=True)
class Operation:
    name: str
    handler: Handler
    # Context roles allowed to call; empty = any role the user holds for the context.
    roles: frozenset[str] = frozenset()
    # A business write: counted per operation (writes.<name>) so another process can
    # prove "nothing lost, nothing doubled".
    write: bool = False
    # False: the handler manages its own transactions (the IDP must keep a failed-login
    # record although it answers with a fault).
    atomic: bool = True
    doc: str = ""


class _ContractResolver(etree.Resolver):
    """Resolves ``?xsd=<name>`` imports to files of the contract folder (no network)."""

    def resolve(self, system_url, public_id, context):  # type: ignore[no-untyped-def]
        query = urlsplit(system_url).query
        names = parse_qs(query).get("xsd")
        if names:
            path = CONTRACT_DIR / Path(names[0]).name
            return self.resolve_filename(str(path), context)
        return None


def load_schema(xsd_name: str) -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    parser.resolvers.add(_ContractResolver())
    doc = etree.parse(str(CONTRACT_DIR / xsd_name), parser)
    return etree.XMLSchema(doc)


@dataclass
class Service:
    name: str
    auth: AuthMode
    title: str = ""
    namespace: str = ""
    xsd: str = ""
    schema: etree.XMLSchema | None = None
    operations: dict[str, Operation] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.namespace = self.namespace or service_ns(self.name)
        self.xsd = self.xsd or f"{self.name}.xsd"
        self.schema = load_schema(self.xsd)
        self.b = Builder(self.namespace)

    @property
    def wsdl(self) -> str:
        return f"{self.name}.wsdl"

    def q(self, local: str) -> str:
        return f"{{{self.namespace}}}{local}"

    @property
    def nsmap(self) -> dict[str, str]:
        return {"t": self.namespace}

    def operation(
        self,
        name: str,
        *,
        roles: Iterable[str] = (),
        write: bool = False,
        atomic: bool = True,
    ) -> Callable[[Handler], Handler]:
        """Decorator registering ``handler`` for ``<name>Request``."""

        def register(handler: Handler) -> Handler:
            if name in self.operations:
                raise ValueError(f"{self.name}.{name} registered twice")
            self.operations[name] = Operation(
                name=name,
                handler=handler,
                roles=frozenset(roles),
                write=write,
                atomic=atomic,
                doc=(handler.__doc__ or "").strip(),
            )
            return handler

        return register

    def operation_for(self, request_el: etree._Element) -> Operation | None:
        qname = etree.QName(request_el)
        if qname.namespace != self.namespace or not qname.localname.endswith("Request"):
            return None
        return self.operations.get(qname.localname[: -len("Request")])


SERVICES: dict[str, Service] = {}


def register_service(name: str, *, auth: AuthMode = "assertion", title: str = "") -> Service:
    """Create (once) the service ``name`` served at ``/soap/<name>``; its XSD is
    ``sandbox/contract/<name>.xsd`` and its WSDL ``<name>.wsdl``."""
    if name in SERVICES:
        return SERVICES[name]
    service = Service(name=name, auth=auth, title=title)
    SERVICES[name] = service
    return service
