"""S7/S10 support: which patients EESZT actions apply to, which company acts, the CDA
narrative as safe HTML and the breakglass service (the insurance check is `eligibility/`).

The views in `ehr/views.py` stay thin; everything here is plain functions."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from lxml import etree

from zomanc.audit.models import AuditAction
from zomanc.audit.services import audit_record
from zomanc.core.prebuilt import prebuilt
from zomanc.eeszt.client import access
from zomanc.eeszt.client.ekat import PatientRef
from zomanc.eeszt.client.wire import CallContext, Connection
from zomanc.eeszt.ehr.forms import REASON_CHOICES
from zomanc.eeszt.models import EesztSettings
from zomanc.eeszt.outbox.services import WIRE_ID_TYPES
from zomanc.patients.models import IdType, Patient
from zomanc.practices.models import Company, StaffMember

# --- which patients, which company -----------------------------------------------------


def patient_eeszt_ref(patient: Patient) -> PatientRef | None:
    """The patient as EESZT knows him, or None: only a TAJ, a passport or an EU card is an
    identifier EESZT accepts (S10)."""
    wire_type = WIRE_ID_TYPES.get(IdType(patient.id_type)) if patient.id_type else None
    if wire_type is None or not patient.id_value:
        return None
    return PatientRef(wire_type, patient.id_value)


def patient_eeszt_blocker(patient: Patient) -> str:
    """Why EESZT actions are off for this patient ("" when they are on). No query."""
    if patient_eeszt_ref(patient) is None:
        return _(
            "Az EESZT-funkciók nem érhetők el, mert a páciensnek nincs TAJ száma (vagy "
            "elfogadott más azonosítója: útlevél, európai egészségbiztosítási kártya). "
            "Az ellátása ettől függetlenül rögzíthető."
        )
    return ""


# Every EHR page calls it: prebuilt (zomanc/core/prebuilt.py, issue 18).
@prebuilt
def _ehr_companies(practice_id: int) -> QuerySet[Company]:
    ids = EesztSettings.objects.filter(practice_id=practice_id, module_enabled=True).values(
        "company_id"
    )
    return Company.objects.filter(practice_id=practice_id, is_active=True, pk__in=ids).order_by(
        "name", "pk"
    )


def ehr_companies(practice_id: int) -> list[Company]:
    """The practice's active companies whose EESZT module is on (first = the default)."""
    return _ehr_companies(practice_id=practice_id)


def ehr_company_pick(companies: list[Company], wanted: str | None) -> Company | None:
    """The company the user chose (?company=<id>) if it is one of these, else the first."""
    for company in companies:
        if wanted and str(company.pk) == wanted:
            return company
    return companies[0] if companies else None


# --- CDA narrative → safe HTML -----------------------------------------------------------

HL7 = "urn:hl7-org:v3"
# CDA narrative block elements and the HTML element each becomes. Attributes are never
# copied (no styleCode/ID/href passes through); anything else keeps only its text.
_NARRATIVE_TAGS = {
    "paragraph": "p",
    "list": "ul",
    "item": "li",
    "table": "table",
    "caption": "caption",
    "thead": "thead",
    "tbody": "tbody",
    "tfoot": "tfoot",
    "tr": "tr",
    "th": "th",
    "td": "td",
    "content": "span",
    "sub": "sub",
    "sup": "sup",
}


@dataclass(frozen=True)
class CdaView:
    title: str
    effective_time: str
    author: str
    organization: str
    html: SafeString


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _narrative(el: etree._Element) -> str:
    """Escaped text of `el` with its narrative children rebuilt as our own HTML tags."""
    parts: list[str] = [escape(el.text or "")]
    for child in el:
        name = _local(child)
        if name == "br":
            parts.append("<br>")
        elif name:
            tag = _NARRATIVE_TAGS.get(name)
            if name == "list" and child.get("listType") == "ordered":
                tag = "ol"
            inner = _narrative(child)
            parts.append(f"<{tag}>{inner}</{tag}>" if tag else inner)
        parts.append(escape(child.tail or ""))
    return "".join(parts)


def _sections(parent: etree._Element, level: int) -> str:
    out: list[str] = []
    for section in parent.iterfind(f"{{{HL7}}}component/{{{HL7}}}section"):
        heading = min(level, 6)
        out.append('<section class="cda-section">')
        title = section.findtext(f"{{{HL7}}}title")
        if title:
            out.append(f"<h{heading}>{escape(title.strip())}</h{heading}>")
        text = section.find(f"{{{HL7}}}text")
        if text is not None:
            out.append(f'<div class="cda-text">{_narrative(text)}</div>')
        out.append(_sections(section, level + 1))
        out.append("</section>")
    return "".join(out)


def _display_time(value: str) -> str:
    for fmt in ("%Y%m%d%H%M%S%z", "%Y%m%d%H%M%z", "%Y%m%d%H%M%S", "%Y%m%d%H%M", "%Y%m%d"):
        try:
            parsed = dt.datetime.strptime(value, fmt)
        except ValueError:
            continue
        if parsed.tzinfo is not None:
            parsed = timezone.localtime(parsed)
        return parsed.strftime("%Y.%m.%d. %H:%M" if len(value) > 8 else "%Y.%m.%d.")
    return value


def cda_render(content: bytes) -> CdaView:
    """Parses a CDA R2 body (no DTD, no entities, no network) and rebuilds its header facts
    and narrative sections as escaped HTML. ValueError when it is not a CDA document."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False
    )
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        raise ValueError("not well-formed") from exc
    if root.tag != f"{{{HL7}}}ClinicalDocument":
        raise ValueError("not a CDA ClinicalDocument")
    ns = {"h": HL7}
    effective = root.find("h:effectiveTime", ns)
    author = " ".join(
        " ".join(
            t.strip() for t in root.xpath(".//h:assignedPerson/h:name//text()", namespaces=ns)
        ).split()
    )
    org = root.findtext(".//h:assignedAuthor/h:representedOrganization/h:name", "", ns)
    body = root.find("h:component/h:structuredBody", ns)
    html = _sections(body, 3) if body is not None else ""
    return CdaView(
        title=(root.findtext("h:title", "", ns) or "").strip(),
        effective_time=_display_time(effective.get("value", "")) if effective is not None else "",
        author=author,
        organization=org.strip(),
        # Built only from escaped text and our own fixed tags, never from input markup.
        html=mark_safe(html),
    )


# --- breakglass ----------------------------------------------------------------------------


def breakglass_reason_label(code: str) -> str:
    """A breakglass reason's Hungarian name (the form's choices), the code if unknown."""
    return str(dict(REASON_CHOICES).get(code, code))


def ehr_breakglass(
    *,
    conn: Connection,
    ctx: CallContext,
    company: Company,
    patient: Patient,
    actor: StaffMember,
    reason_code: str,
    justification: str,
    request: HttpRequest | None = None,
) -> access.BreakglassGrant:
    """Requests emergency access and logs it locally as well (the justification is kept:
    it is the doctor's own statement, not a secret; no assertion or certificate data)."""
    ref = patient_eeszt_ref(patient)
    if ref is None:
        raise ValueError("patient without an EESZT identifier")
    grant = access.breakglass_request(
        conn,
        ctx,
        request_id=str(uuid.uuid4()),
        patient=ref,
        reason_code=reason_code,
        justification=justification,
    )
    with transaction.atomic():
        audit_record(
            practice=actor.practice,
            actor=actor.user,
            action=AuditAction.BREAKGLASS,
            object_type="eeszt.breakglass",
            object_id=str(grant.grant_id),
            patient_id=patient.pk,
            summary=_("Sürgősségi hozzáférés (breakglass) az EESZT-ben: %(reason)s, %(until)s-ig")
            % {
                # The reason's Hungarian name: the log is read by people ("SURGOS_ELLATAS" was
                # shown); the code stays in the changes for programs.
                "reason": breakglass_reason_label(reason_code),
                "until": timezone.localtime(grant.valid_until).strftime("%Y.%m.%d. %H:%M"),
            },
            changes={
                "company": company.institution_id,
                "reason": breakglass_reason_label(reason_code),
                "reason_code": reason_code,
                "justification": justification,
                "valid_until": grant.valid_until.isoformat(),
            },
            request=request,
        )
    return grant
