"""e-Beutaló (S9): on a visit, "Műveletek" → "Beutaló felhasználása": the patient's
referrals with status and validity; one can be used for the visit.

Using one records it on the visit (id + summary, so the visit, the PDF and the Ambuláns lap
show it) and makes EESZT's ReferralUse happen: at once when the visit's eKAT event id is
known, else — or when EESZT cannot be reached — through the outbox, after the event start."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from zomanc.audit.models import AuditAction
from zomanc.audit.services import audit_record
from zomanc.clinical.models import Visit, VisitStatus
from zomanc.clinical.selectors import access_visit
from zomanc.clinical.services import visit_referral_set
from zomanc.core.http import MemberRequest, member_required
from zomanc.eeszt.client import referral as ereferral
from zomanc.eeszt.client.errors import EesztRefused, EesztUnavailable
from zomanc.eeszt.context import eeszt_connection, eeszt_context_for, eeszt_login_redirects
from zomanc.eeszt.outbox.models import OutboxItem, OutboxKind, OutboxState
from zomanc.eeszt.outbox.services import DENTAL_SPECIALTY, outbox_referral_use
from zomanc.eeszt.profile.views import (
    HANDLED,
    eeszt_error_text,
    eeszt_patient_ref,
    no_identifier_message,
    not_configured_shown,
)
from zomanc.practices.permissions import Perm

VALID_DAYS = 90  # 217/1997 Korm. r.: an e-referral is valid 90 days from issue

STATUS_LABELS = {
    ereferral.ISSUED: gettext_lazy("kiadott"),
    ereferral.BOOKED: gettext_lazy("lefoglalt"),
    ereferral.USED: gettext_lazy("felhasznált"),
    ereferral.COMPLETED: gettext_lazy("teljesített"),
    ereferral.REVOKED: gettext_lazy("visszavont"),
    ereferral.EXPIRED: gettext_lazy("lejárt"),
}

REFERRAL_HELP = {
    "REFERRAL_EXPIRED": gettext_lazy(
        "A beutaló 90 napos érvényessége lejárt: a páciens új beutalót kérjen a beutaló orvostól."
    ),
    "REFERRAL_ALREADY_USED": gettext_lazy(
        "A beutalót már felhasználták egy ellátáshoz: egy beutaló csak egyszer használható, "
        "a páciensnek új beutaló kell."
    ),
    "REFERRAL_REVOKED": gettext_lazy(
        "A beutaló orvos visszavonta a beutalót: érdeklődjön nála, adott-e ki helyette újat."
    ),
    "REFERRAL_WRONG_TARGET": gettext_lazy(
        "A beutaló másik szakmára vagy másik intézménybe szól, itt nem használható: a páciens "
        "a megjelölt helyre menjen, vagy kérjen fogászati beutalót."
    ),
    "BOOKING_CONFLICT": gettext_lazy(
        "A beutalót egy másik intézmény lefoglalta: a páciens ott mondja le a foglalást, "
        "utána itt felhasználható."
    ),
    "EVENT_NOT_OPEN": gettext_lazy(
        "Az ellátás eKAT eseménye nincs nyitva az EESZT-ben: ellenőrizze az EESZT beküldések "
        "oldalán."
    ),
}


@dataclass(frozen=True)
class ReferralRow:
    referral: ereferral.Referral
    status_label: str
    valid_until: dt.datetime
    usable: bool
    reason: str  # why it cannot be used (empty when usable)
    this_visit: bool  # already bound to this visit


def referral_summary(r: ereferral.Referral) -> str:
    """What the visit and the Ambuláns lap print about the referral."""
    diagnosis = " ".join(x for x in (r.diagnosis, r.diagnosis_text) if x) or r.question
    issued = timezone.localtime(r.issued_at).strftime("%Y.%m.%d.")
    return _(
        "%(doctor)s (%(stamp)s), %(institution)s / %(unit)s; %(diagnosis)s; kiállítva "
        "%(issued)s; naplószám %(log)s"
    ) % {
        "doctor": r.referring_doctor_name,
        "stamp": r.referring_stamp,
        "institution": r.referring_institution_id,
        "unit": r.referring_org_unit_id,
        "diagnosis": diagnosis,
        "issued": issued,
        "log": r.log_number,
    }


def _row(r: ereferral.Referral, visit: Visit, now: dt.datetime) -> ReferralRow:
    """Whether the referral can be used for this visit, and if not, why — in the order
    EESZT itself checks, so the page and a refusal say the same thing."""
    own = visit.company.institution_id
    valid_until = r.issued_at + dt.timedelta(days=VALID_DAYS)
    this_visit = visit.referral_id == r.referral_id
    reason = ""
    if this_visit:
        reason = _("Ehhez az ellátáshoz felhasználva.")
    elif r.status == ereferral.REVOKED:
        reason = f"{REFERRAL_HELP['REFERRAL_REVOKED']} {r.revoke_reason}".strip()
    elif r.status in (ereferral.USED, ereferral.COMPLETED):
        reason = str(REFERRAL_HELP["REFERRAL_ALREADY_USED"])
    elif r.target_specialty != DENTAL_SPECIALTY or r.target_institution_id not in ("", own):
        reason = str(REFERRAL_HELP["REFERRAL_WRONG_TARGET"])
        reason += " " + _("(Cél: %(spec)s%(inst)s.)") % {
            "spec": r.target_specialty,
            "inst": f", {r.target_institution_id}" if r.target_institution_id else "",
        }
    elif r.status == ereferral.BOOKED and r.booked_institution_id != own:
        reason = str(REFERRAL_HELP["BOOKING_CONFLICT"])
    elif r.status == ereferral.EXPIRED or min(valid_until, r.valid_until) <= now:
        reason = str(REFERRAL_HELP["REFERRAL_EXPIRED"])
    elif visit.status != VisitStatus.OPEN:
        reason = _("Beutaló csak nyitott ellátáshoz használható fel.")
    elif visit.referral_id:
        reason = _("Az ellátáshoz már tartozik beutaló (%(id)s).") % {"id": visit.referral_id}
    return ReferralRow(
        referral=r,
        status_label=str(STATUS_LABELS.get(r.status, r.status)),
        valid_until=min(valid_until, r.valid_until),
        usable=not reason,
        reason=reason,
        this_visit=this_visit,
    )


def _event_id(visit: Visit) -> str | None:
    """The visit's EESZT event id, once its START row is sent."""
    start = OutboxItem.objects.filter(
        practice_id=visit.practice_id,
        visit=visit,
        kind=OutboxKind.EVENT_START,
        state=OutboxState.SENT,
    ).first()
    return str(start.result["event_id"]) if start and start.result.get("event_id") else None


def _use_state(visit: Visit) -> OutboxItem | None:
    return (
        OutboxItem.objects.filter(
            practice_id=visit.practice_id, visit=visit, kind=OutboxKind.REFERRAL_USE
        )
        .order_by("-seq")
        .first()
    )


def _audit(request: MemberRequest, visit: Visit, summary: str) -> None:
    audit_record(
        practice=request.practice,
        actor=request.user,
        action=AuditAction.VIEW,
        object_type="eeszt.ereferral",
        object_id=str(visit.pk),
        patient_id=visit.patient_id,
        summary=summary,
        request=request,
    )


@member_required(Perm.EESZT_USE)
@not_configured_shown
@eeszt_login_redirects
def referral_list(http_request: HttpRequest, visit_id: int) -> HttpResponse:
    request = cast(MemberRequest, http_request)
    visit = access_visit(request.member, visit_id)
    context: dict[str, object] = {"visit": visit, "patient": visit.patient}
    ref = eeszt_patient_ref(visit.patient)
    if ref is None:
        return render(
            request, "eeszt/referral_list.html", {**context, "error": no_identifier_message()}
        )
    ctx = eeszt_context_for(request, visit.company, org_unit=visit.org_unit)
    try:
        found = ereferral.referral_query(eeszt_connection(visit.company), ctx, patient=ref)
    except HANDLED as exc:
        return render(
            request,
            "eeszt/referral_list.html",
            {**context, "error": eeszt_error_text(exc, REFERRAL_HELP)},
        )
    _audit(request, visit, f"e-Beutalók lekérdezése az EESZT-ből ({len(found)} db)")
    now = timezone.now()
    rows = sorted((_row(r, visit, now) for r in found), key=lambda x: x.referral.issued_at)
    rows.reverse()
    use = _use_state(visit)
    # A refusal at delivery (the outbox row) says what to do, like a refusal on the spot.
    # A refused use: the referral page's own help, else the one table; the code small after.
    use_help = (
        eeszt_error_text(EesztRefused(use.last_error_code, use.last_error_message), REFERRAL_HELP)
        if use and use.state == OutboxState.REFUSED
        else ""
    )
    return render(
        request,
        "eeszt/referral_list.html",
        {**context, "rows": rows, "use": use, "use_help": use_help, "event_id": _event_id(visit)},
    )


@member_required(Perm.EESZT_USE)
@require_POST
@not_configured_shown
@eeszt_login_redirects
def referral_use(http_request: HttpRequest, visit_id: int) -> HttpResponse:
    request = cast(MemberRequest, http_request)
    visit = access_visit(request.member, visit_id)
    back = redirect(reverse("eeszt:referral_list", args=[visit.pk]))
    referral_id = request.POST.get("referral_id", "")
    if not (referral_id.isdigit() and len(referral_id) == 18):
        messages.error(request, _("Válasszon beutalót a listából."))
        return back
    ref = eeszt_patient_ref(visit.patient)
    if ref is None:
        messages.error(request, no_identifier_message())
        return back
    if not OutboxItem.objects.filter(
        practice_id=visit.practice_id, visit=visit, kind=OutboxKind.EVENT_START
    ).exists():
        # ReferralUse needs the visit's eKAT event, and this visit has none.
        messages.error(
            request,
            _(
                "Ez az ellátás nem került be az EESZT-be (megnyitásakor az EESZT modul ki volt "
                "kapcsolva), ezért beutaló nem használható fel hozzá."
            ),
        )
        return back
    ctx = eeszt_context_for(request, visit.company, org_unit=visit.org_unit)
    conn = eeszt_connection(visit.company)
    try:
        found = ereferral.referral_query(conn, ctx, referral_id=referral_id)
    except HANDLED as exc:
        messages.error(request, eeszt_error_text(exc, REFERRAL_HELP))
        return back
    referral = next((r for r in found if r.patient == ref), None)
    if referral is None:
        messages.error(request, _("Ez a beutaló nem ennek a páciensnek szól."))
        return back
    row = _row(referral, visit, timezone.now())
    if not row.usable:
        messages.error(request, row.reason)
        return back
    summary = referral_summary(referral)
    event_id = _event_id(visit)
    queued = event_id is None
    if event_id is not None:
        try:
            ereferral.referral_use(conn, ctx, referral_id=referral_id, event_id=event_id)
        except EesztRefused as exc:
            messages.error(request, eeszt_error_text(exc, REFERRAL_HELP))
            return back
        except EesztUnavailable:
            queued = True  # the outbox retries it; the binding is kept now
    try:
        with transaction.atomic():
            visit_referral_set(
                visit=visit,
                referral_id=referral_id,
                summary=summary,
                set_by=request.user,
                request=request,
            )
            if queued:
                outbox_referral_use(visit=visit, referral_id=referral_id)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return back
    if queued:
        messages.success(
            request,
            _(
                "A beutalót az ellátáshoz rögzítette; az EESZT-be a felhasználás az ellátás "
                "eseményének beküldése után automatikusan megy (EESZT beküldések)."
            ),
        )
    else:
        messages.success(request, _("A beutalót felhasználta ehhez az ellátáshoz az EESZT-ben."))
    return redirect(reverse("clinical:visit_detail", args=[visit.pk]))
