"""One SOAP call, stage by stage (contract §1):

fault injection -> TLS identity -> safe parse -> envelope shape -> operation lookup ->
XSD validation (body + Context) -> WS-Security Timestamp -> SAML assertion (signature,
issuer, audience, window, logout) -> Context vs certificate and VMátrix -> idempotency ->
handler in a transaction -> answer (or withheld, for accept-then-time-out).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import time
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from lxml import etree

from sandbox.clock.services import now as sandbox_now
from sandbox.faults.services import counters_add, fault_plan
from sandbox.idp.models import IdpSession
from sandbox.idp.saml import AssertionInvalid, assertion_verify
from sandbox.pki.selectors import CertificateRejected, client_identity
from sandbox.registry.selectors import grant_roles, org_unit_get
from sandbox.soap.context import CallContext
from sandbox.soap.errors import SoapFault
from sandbox.soap.models import RequestRecord
from sandbox.soap.ns import COMMON, SAML, SOAP12, WSSE, WSU
from sandbox.soap.registry import Operation, Service
from sandbox.soap.xmlutil import parse_datetime, parse_request

log = logging.getLogger("sandbox.soap")
CONTENT_TYPE = "application/soap+xml; charset=utf-8"
FUTURE_SKEW = dt.timedelta(seconds=5)


@dataclass
class Outcome:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    # Fault injection the server process must carry out on the socket.
    drop: bool = False
    hang_seconds: int | None = None


def _envelope(payload: etree._Element) -> bytes:
    env = etree.Element(f"{{{SOAP12}}}Envelope", nsmap={"env": SOAP12})
    body = etree.SubElement(env, f"{{{SOAP12}}}Body")
    body.append(payload)
    return etree.tostring(env, xml_declaration=True, encoding="utf-8")


def fault_envelope(fault: SoapFault, request_id: str | None) -> bytes:
    """A SOAP 1.2 fault. Every fault carries a request id: the client's (from the Context
    header, when the request had a readable one), else one the sandbox assigns, so support
    can find the call in the sandbox log."""
    request_id = request_id or str(uuid.uuid4())
    e = lambda tag: f"{{{SOAP12}}}{tag}"  # noqa: E731
    env = etree.Element(e("Envelope"), nsmap={"env": SOAP12, "c": COMMON})
    if fault.not_understood or fault.code == "VERSION_MISMATCH":
        header = etree.SubElement(env, e("Header"))
        for clark in fault.not_understood:
            qname = etree.QName(clark)
            nu = etree.SubElement(header, e("NotUnderstood"), nsmap={"nu": qname.namespace})
            nu.set("qname", f"nu:{qname.localname}")
        if fault.code == "VERSION_MISMATCH":
            upgrade = etree.SubElement(header, e("Upgrade"))
            etree.SubElement(upgrade, e("SupportedEnvelope"), qname="env:Envelope")
    body = etree.SubElement(env, e("Body"))
    f = etree.SubElement(body, e("Fault"))
    code = etree.SubElement(f, e("Code"))
    etree.SubElement(code, e("Value")).text = f"env:{fault.soap_class}"
    if fault.soap_class in ("Sender", "Receiver"):
        # SOAP 1.2 allows Subcode under any class, but VersionMismatch / MustUnderstand
        # faults are answered in their plain form (a 1.1 client reads nothing deeper).
        sub = etree.SubElement(code, e("Subcode"))
        etree.SubElement(sub, e("Value")).text = f"c:{fault.code}"
    reason = etree.SubElement(f, e("Reason"))
    text = etree.SubElement(reason, e("Text"))
    text.set("{http://www.w3.org/XML/1998/namespace}lang", "hu")
    text.text = fault.message
    detail = etree.SubElement(f, e("Detail"))
    fd = etree.SubElement(detail, f"{{{COMMON}}}FaultDetail")
    etree.SubElement(fd, f"{{{COMMON}}}code").text = fault.code
    etree.SubElement(fd, f"{{{COMMON}}}message").text = fault.message
    etree.SubElement(fd, f"{{{COMMON}}}requestId").text = request_id
    if fault.element:
        etree.SubElement(fd, f"{{{COMMON}}}element").text = fault.element
    return etree.tostring(env, xml_declaration=True, encoding="utf-8")


_ELEMENT_RE = re.compile(r"Element '(?:\{[^}]*\})?([^']+)'")


def validate(schema: etree.XMLSchema | None, el: etree._Element) -> None:
    assert schema is not None
    if schema.validate(el):
        return
    err = schema.error_log[0] if schema.error_log else None
    message = err.message if err else "ismeretlen hiba"
    match = _ELEMENT_RE.search(message)
    name = match.group(1) if match else etree.QName(el).localname
    raise SoapFault(
        "SCHEMA_INVALID",
        f"A kérés nem felel meg a sémának a(z) '{name}' elemnél: {message}",
        element=name,
    )


SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
# Header blocks this sandbox processes; any other one marked mustUnderstand is refused.
UNDERSTOOD_HEADERS = frozenset({f"{{{COMMON}}}Context", f"{{{WSSE}}}Security"})
_UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)


def request_id_hint(envelope: etree._Element) -> str | None:
    """The Context header's requestId if it reads as a UUID (for faults raised before the
    header is validated)."""
    value = (
        envelope.findtext(f"{{{SOAP12}}}Header/{{{COMMON}}}Context/{{{COMMON}}}requestId") or ""
    ).strip()
    return value.lower() if _UUID_RE.match(value) else None


def _must_understand(header: etree._Element | None) -> None:
    """SOAP 1.2 Part 1 §5.2.3: a block targeted at us (no role, or next/ultimateReceiver)
    with mustUnderstand="true"/"1" that we do not process → MustUnderstand fault."""
    if header is None:
        return
    ours = {
        "",
        "http://www.w3.org/2003/05/soap-envelope/role/next",
        "http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver",
    }
    missed = [
        block.tag
        for block in header
        if isinstance(block.tag, str)
        and block.get(f"{{{SOAP12}}}mustUnderstand", "").strip() in ("true", "1")
        and block.get(f"{{{SOAP12}}}role", "").strip() in ours
        and block.tag not in UNDERSTOOD_HEADERS
    ]
    if missed:
        raise SoapFault(
            "MUST_UNDERSTAND",
            "A szolgáltatás nem ismeri a kötelezően értelmezendő fejléc(ek)et: "
            + ", ".join(etree.QName(t).localname for t in missed)
            + ".",
            element=etree.QName(missed[0]).localname,
            not_understood=missed,
        )


def _header_block(block: etree._Element) -> etree._Element:
    """A copy without the SOAP envelope's own attributes (mustUnderstand, role, relay):
    they are legal on any header block and not part of the block's schema."""
    copy = etree.fromstring(etree.tostring(block))
    for name in list(copy.attrib):
        if name.startswith(f"{{{SOAP12}}}"):
            del copy.attrib[name]
    return copy


def _split(envelope: etree._Element) -> tuple[etree._Element | None, etree._Element]:
    if envelope.tag != f"{{{SOAP12}}}Envelope" and etree.QName(envelope).localname == "Envelope":
        # SOAP 1.1 (or any other envelope version): Part 1 §5.4.7.
        raise SoapFault("VERSION_MISMATCH", element="Envelope")
    if envelope.tag != f"{{{SOAP12}}}Envelope":
        raise SoapFault(
            "SCHEMA_INVALID", "Nem SOAP 1.2 boríték.", element=etree.QName(envelope).localname
        )
    header = envelope.find(f"{{{SOAP12}}}Header")
    bodies = envelope.findall(f"{{{SOAP12}}}Body")
    if len(bodies) != 1:
        raise SoapFault(
            "SCHEMA_INVALID", "A borítéknak pontosan egy Body eleme lehet.", element="Body"
        )
    payload = [c for c in bodies[0] if isinstance(c.tag, str)]
    if len(payload) != 1:
        raise SoapFault(
            "SCHEMA_INVALID", "A Body-ban pontosan egy kérés elem lehet.", element="Body"
        )
    return header, payload[0]


def _check_timestamp(security: etree._Element) -> None:
    created_text = security.findtext(f"{{{WSU}}}Timestamp/{{{WSU}}}Created")
    if not created_text:
        raise SoapFault(
            "AUTH_ASSERTION_INVALID", "Hiányzik a WS-Security Timestamp.", element="Timestamp"
        )
    try:
        created = parse_datetime(created_text)
    except ValueError as exc:
        raise SoapFault("AUTH_ASSERTION_INVALID", "Hibás Timestamp.", element="Created") from exc
    # Wall clock on purpose: the client's clock is not moved by the sandbox offset. The
    # window is symmetric (±5 min): a client clock running ahead is as likely as one behind.
    wall = timezone.now()
    window = dt.timedelta(seconds=settings.SANDBOX_TIMESTAMP_MAX_AGE_SECONDS)
    if created > wall + window:
        raise SoapFault(
            "AUTH_ASSERTION_INVALID",
            "Az üzenet időbélyege 5 percnél többel a jövőben van.",
            element="Created",
        )
    if wall - created > window:
        raise SoapFault(
            "AUTH_ASSERTION_INVALID", "Az üzenet időbélyege 5 percnél régebbi.", element="Created"
        )
    expires_text = security.findtext(f"{{{WSU}}}Timestamp/{{{WSU}}}Expires")
    if expires_text:
        try:
            expired = parse_datetime(expires_text) <= wall
        except ValueError as exc:
            raise SoapFault(
                "AUTH_ASSERTION_INVALID", "Hibás Timestamp.", element="Expires"
            ) from exc
        if expired:
            raise SoapFault(
                "AUTH_ASSERTION_INVALID", "Az üzenet lejárt (Expires).", element="Expires"
            )


def _authenticate(ctx: CallContext, header: etree._Element | None) -> None:
    """WS-Security + Context header + VMátrix, filling ``ctx``."""
    service, op = ctx.service, ctx.operation
    found = header.find(f"{{{COMMON}}}Context") if header is not None else None
    if found is None:
        raise SoapFault("SCHEMA_INVALID", "Hiányzik a Context fejléc.", element="Context")
    context_el = _header_block(found)
    validate(service.schema, context_el)

    def c(name: str) -> str:
        return context_el.findtext(f"{{{COMMON}}}{name}") or ""

    ctx.request_id = c("requestId").lower()
    ctx.software_name, ctx.software_version = c("softwareName"), c("softwareVersion")
    try:
        ctx.client_timestamp = parse_datetime(c("clientTimestamp"))
    except ValueError as exc:
        raise SoapFault(
            "SCHEMA_INVALID", "Hibás clientTimestamp.", element="clientTimestamp"
        ) from exc

    security = header.find(f"{{{WSSE}}}Security") if header is not None else None
    if security is None:
        raise SoapFault(
            "AUTH_ASSERTION_INVALID", "Hiányzik a WS-Security fejléc.", element="Security"
        )
    _check_timestamp(security)
    assertion_el = security.find(f"{{{SAML}}}Assertion")
    if assertion_el is None:
        raise SoapFault("AUTH_ASSERTION_INVALID", "Hiányzik a SAML igazolás.", element="Assertion")
    try:
        info = assertion_verify(
            element=assertion_el,
            issuer=settings.SANDBOX_SAML_ISSUER,
            audience=settings.SANDBOX_SAML_AUDIENCE,
        )
    except AssertionInvalid as exc:
        raise SoapFault("AUTH_ASSERTION_INVALID", str(exc), element="Assertion") from exc
    session = (
        IdpSession.objects.select_related("user", "user__doctor")
        .filter(assertion_id=info.assertion_id)
        .first()
    )
    if session is None:
        raise SoapFault("AUTH_ASSERTION_INVALID", "Ismeretlen igazolás.", element="Assertion")
    if session.ended_at is not None:
        raise SoapFault("AUTH_SESSION_EXPIRED", "A munkamenetet kijelentkezéssel lezárták.")
    if ctx.now >= info.not_on_or_after:
        raise SoapFault("AUTH_SESSION_EXPIRED")
    if ctx.now < info.not_before - FUTURE_SKEW:
        raise SoapFault(
            "AUTH_ASSERTION_INVALID", "Az igazolás még nem érvényes.", element="Assertion"
        )
    ctx.assertion = info

    user_id, institution_id = c("userId"), c("institutionId")
    if info.subject != user_id or session.user.user_id != user_id:
        raise SoapFault(
            "CONTEXT_NOT_PERMITTED",
            f"A Context felhasználója ({user_id}) nem azonos a bejelentkezett felhasználóval.",
            element="userId",
        )
    ctx.user = session.user
    if institution_id != ctx.institution.institution_id:
        raise SoapFault(
            "CONTEXT_NOT_PERMITTED",
            f"A tanúsítvány intézménye ({ctx.institution.institution_id}) nem azonos a kérésben "
            f"megadott intézménnyel ({institution_id}).",
            element="institutionId",
        )
    org_unit = org_unit_get(code=c("orgUnitId"))
    if org_unit is None or org_unit.institution_id != ctx.institution.pk:
        raise SoapFault(
            "CONTEXT_NOT_PERMITTED",
            f"A(z) {c('orgUnitId')} szervezeti egység nem a(z) {institution_id} intézményé.",
            element="orgUnitId",
        )
    ctx.org_unit = org_unit
    roles = grant_roles(user=session.user, org_unit=org_unit)
    if not roles:
        raise SoapFault(
            "CONTEXT_NOT_PERMITTED",
            f"{user_id} nem kapott VMátrix jogosultságot a(z) {institution_id} / "
            f"{org_unit.code} környezethez.",
        )
    role = c("role")
    if role not in roles:
        raise SoapFault(
            "ROLE_MISSING",
            f"{user_id} nem rendelkezik '{role}' szerepkörrel ebben a környezetben (VMátrix).",
            element="role",
        )
    if op.roles and role not in op.roles:
        raise SoapFault(
            "ROLE_MISSING",
            f"A(z) {op.name} művelethez szükséges szerepkörök egyike: "
            f"{', '.join(sorted(op.roles))}.",
            element="role",
        )
    ctx.role, ctx.roles = role, roles


# Refusals decided before the business logic that are still access decisions about the
# patient the request names (law: every refused attempt is logged; the patient sees it).
_LOGGED_EARLY_REFUSALS = frozenset({"CONTEXT_NOT_PERMITTED", "ROLE_MISSING"})


def _log_early_refusal(
    ctx: CallContext, header: etree._Element | None, payload: etree._Element, fault: SoapFault
) -> None:
    """Access-log a refusal of the authenticated user (missing right, wrong org unit, an
    assistant's breakglass attempt) for the patient the request names, if the sandbox
    knows that patient and the org unit named exists (the log row needs both)."""
    from sandbox.access.models import AccessLogEntry, Outcome
    from sandbox.registry.selectors import patient_get

    if fault.code not in _LOGGED_EARLY_REFUSALS or ctx.user is None or header is None:
        return
    ns = etree.QName(payload).namespace
    id_type = payload.findtext(f"{{{ns}}}patient/{{{ns}}}idType")
    id_value = payload.findtext(f"{{{ns}}}patient/{{{ns}}}id")
    if not id_type or not id_value:
        return
    patient = patient_get(id_type=id_type, id_value=id_value)
    context = header.find(f"{{{COMMON}}}Context")
    org_unit = ctx.org_unit or (
        org_unit_get(code=context.findtext(f"{{{COMMON}}}orgUnitId") or "")
        if context is not None
        else None
    )
    if patient is None or org_unit is None:
        return
    role = (context.findtext(f"{{{COMMON}}}role") if context is not None else "") or ""
    AccessLogEntry.objects.create(
        patient=patient,
        at=ctx.now,
        user=ctx.user,
        institution=ctx.institution,
        org_unit=org_unit,
        role=role[:20],
        service=ctx.service.name,
        operation=ctx.operation.name,
        outcome=Outcome.DENIED,
        code=fault.code,
        reason=fault.message,
    )


def _execute(ctx: CallContext, op: Operation, payload: etree._Element) -> bytes:
    response = op.handler(ctx, payload)
    if settings.SANDBOX_VALIDATE_RESPONSES:
        assert ctx.service.schema is not None
        if not ctx.service.schema.validate(response):
            raise RuntimeError(f"{op.name} answer violates the XSD: {ctx.service.schema.error_log}")
    return _envelope(response)


def _replay(ctx: CallContext, record: RequestRecord, body_hash: str, tally: list[str]) -> bytes:
    if record.body_sha256 != body_hash or record.operation != ctx.operation.name:
        tally.append("duplicates.conflict")
        raise SoapFault("DUPLICATE_REQUEST_CONFLICT", element="requestId")
    tally.append("duplicates")
    return bytes(record.response)


def _count_write(op: Operation) -> None:
    """A business write counted (writes.<name>) in the write's own transaction: the count
    commits with the write or not at all. Counted with the call's other counters after the
    answer, a write could be committed and replayed to a retry — the client done, a scenario
    reading the counters — before its count arrived (a CI run read writes.EventClose 199 of
    200 with every row sent). A replay counts as a duplicate instead."""
    if op.write:
        counters_add(names=[f"writes.{op.name}"])


def _run(ctx: CallContext, op: Operation, payload: etree._Element, tally: list[str]) -> bytes:
    if ctx.request_id is None:
        if not op.atomic:
            answer = _execute(ctx, op, payload)
            _count_write(op)
        else:
            with transaction.atomic():
                answer = _execute(ctx, op, payload)
                _count_write(op)
        return answer
    body_hash = hashlib.sha256(etree.tostring(payload, method="c14n", exclusive=True)).hexdigest()
    key = {"institution_id": ctx.institution.institution_id, "request_id": ctx.request_id}
    existing = RequestRecord.objects.filter(**key).first()
    if existing is not None:
        return _replay(ctx, existing, body_hash, tally)
    record = {
        **key,
        "service": ctx.service.name,
        "operation": op.name,
        "body_sha256": body_hash,
        "created_at": ctx.now,
    }
    try:
        with transaction.atomic():
            if not op.write:
                # A read done twice harms nothing: its answer is stored after it.
                answer = _execute(ctx, op, payload)
                RequestRecord.objects.create(**record, response=answer)
            else:
                # A write's id is claimed before the work. A second call with the same id
                # while the first is still working (a client's retry after its timeout)
                # waits here on the unique key until the first ends, then gets the first's
                # answer; it used to do the write itself and be refused — EVENT_NOT_OPEN for
                # a close that had just gone through. A refused first call rolls its claim
                # back: the retry then runs.
                claimed = RequestRecord.objects.create(**record, response=b"")
                answer = _execute(ctx, op, payload)
                RequestRecord.objects.filter(pk=claimed.pk).update(response=answer)
                _count_write(op)
    except IntegrityError:
        # The same request id committed by a concurrent call.
        existing = RequestRecord.objects.filter(**key).first()
        if existing is None:
            raise
        return _replay(ctx, existing, body_hash, tally)
    return answer


def _media_type_check(media_type: str, body: bytes) -> None:
    """SOAP 1.2 HTTP binding: application/soap+xml. A SOAP 1.1 client (text/xml + the 1.1
    envelope) is told the version rather than the type."""
    media_type = media_type.lower()
    if media_type == "application/soap+xml":
        return
    if media_type == "text/xml" and SOAP11.encode() in body[:2048]:
        raise SoapFault("VERSION_MISMATCH", element="Envelope")
    raise SoapFault(
        "UNSUPPORTED_MEDIA_TYPE",
        f"A Content-Type '{media_type or '(nincs)'}' helyett application/soap+xml kell (SOAP 1.2).",
    )


def handle(
    service: Service, body: bytes, client_cert_der: bytes | None, *, media_type: str | None = None
) -> Outcome:
    """One call. ``media_type`` is the request's Content-Type (None: not over HTTP, e.g.
    the in-process bench)."""
    started = time.perf_counter()
    request_id: str | None = None
    op_name = "?"
    # Counters this call adds to, written in one statement when it is answered.
    tally = ["requests", f"requests.{service.name}"]
    try:
        at = sandbox_now()
        plan = fault_plan(service=service.name, at=at)
        if plan.latency_ms:
            time.sleep(plan.latency_ms / 1000)
        if plan.injects:
            tally.append("faults_injected")
        if plan.http_503_retry_after is not None:
            tally.append("faults.maintenance" if plan.maintenance else "faults.http_503")
            return Outcome(
                status=503,
                body=(
                    "A szolgáltatás átmenetileg nem érhető el (karbantartás / túlterhelés)."
                ).encode(),
                headers={
                    "Retry-After": str(plan.http_503_retry_after),
                    "Content-Type": "text/plain; charset=utf-8",
                },
            )
        if plan.drop:
            tally.append("faults.drop")
            return Outcome(status=503, drop=True)
        if plan.unavailable_fault:
            tally.append("faults.unavailable_fault")
            raise SoapFault("SERVICE_UNAVAILABLE")

        if media_type is not None:
            _media_type_check(media_type, body)
        if not client_cert_der:
            raise SoapFault("AUTH_CERT_INVALID", "Hiányzik az intézményi kliens tanúsítvány.")
        try:
            identity = client_identity(der=client_cert_der)
        except CertificateRejected as exc:
            raise SoapFault("AUTH_CERT_INVALID", str(exc)) from exc

        envelope_el = parse_request(body)
        request_id = request_id_hint(envelope_el)
        header, payload = _split(envelope_el)
        _must_understand(header)
        op = service.operation_for(payload)
        if op is None:
            raise SoapFault(
                "SCHEMA_INVALID",
                f"Ismeretlen művelet: {etree.QName(payload).localname}",
                element=etree.QName(payload).localname,
            )
        op_name = op.name
        validate(service.schema, payload)
        ctx = CallContext(
            service=service,
            operation=op,
            now=at,
            institution=identity.institution,
            certificate=identity.certificate,
        )
        if service.auth == "assertion":
            try:
                _authenticate(ctx, header)
            except SoapFault as refused:
                request_id = ctx.request_id or request_id
                _log_early_refusal(ctx, header, payload, refused)
                raise
            request_id = ctx.request_id
        answer = _run(ctx, op, payload, tally)
        if plan.hang_seconds is not None:
            tally.append("faults.hang")
            return Outcome(status=200, body=answer, hang_seconds=plan.hang_seconds)
        return Outcome(status=200, body=answer, headers={"Content-Type": CONTENT_TYPE})
    except SoapFault as fault:
        for keep in fault.after_rollback:
            with transaction.atomic():
                keep()
        tally.append(f"faults.code.{fault.code}")
        return Outcome(
            status=fault.http_status,
            body=fault_envelope(fault, request_id),
            headers={"Content-Type": CONTENT_TYPE},
        )
    finally:
        counters_add(names=tally)
        log.debug(
            "%s.%s %s %.1f ms",
            service.name,
            op_name,
            request_id or "-",
            (time.perf_counter() - started) * 1000,
        )
