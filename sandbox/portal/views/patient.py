""" "Lakossági portál" of the test patients. Test patients have no real login, so the
sandbox offers a patient picker (documented: sandbox-only convenience; every patient is
fictitious). The chosen patient sees only his own data."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sandbox.access import selectors as access_selectors
from sandbox.access.models import DorRestriction
from sandbox.access.services import (
    dor_restriction_add,
    dor_restriction_lift,
    waiver_grant,
    waiver_revoke,
)
from sandbox.clock.services import now
from sandbox.documents import selectors as document_selectors
from sandbox.ekat.selectors import events_of_patient
from sandbox.portal.forms import DorRestrictionForm, WaiverForm
from sandbox.portal.session import KEY_PATIENT, patient_required
from sandbox.profile.models import ProfileEntry
from sandbox.profile.selectors import profile_entries, profile_history, profile_is_forbidden
from sandbox.profile.services import profile_forbid
from sandbox.referral import selectors as referral_selectors
from sandbox.referral.models import ReferralStatus
from sandbox.registry.models import Doctor, Patient


@require_http_methods(["GET", "POST"])
def patient_choose(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        patient = get_object_or_404(Patient, pk=request.POST.get("patient") or 0)
        request.session.cycle_key()
        request.session[KEY_PATIENT] = patient.pk
        messages.success(request, _("Belépve tesztbetegként: %(name)s.") % {"name": patient.name})
        return redirect("portal:patient_home")
    patients = Patient.objects.order_by("name", "id_value")
    return render(request, "portal/patient_choose.html", {"patients": patients})


@require_POST
def patient_leave(request: HttpRequest) -> HttpResponse:
    request.session.pop(KEY_PATIENT, None)
    return redirect("portal:patient_choose")


@patient_required
def patient_home(request: HttpRequest) -> HttpResponse:
    patient = request.patient  # type: ignore[attr-defined]
    return render(request, "portal/patient_home.html", {"patient": patient})


@patient_required
def patient_events(request: HttpRequest) -> HttpResponse:
    patient = request.patient  # type: ignore[attr-defined]
    events = events_of_patient(patient=patient, start=None, end=None)
    return render(request, "portal/patient_events.html", {"patient": patient, "events": events})


# --- DÖR restrictions, waivers, eProfil prohibition ---------------------------------------


def _dor_page(
    request: HttpRequest,
    *,
    dor_form: DorRestrictionForm | None = None,
    waiver_form: WaiverForm | None = None,
) -> HttpResponse:
    patient = request.patient  # type: ignore[attr-defined]
    at = now()
    restrictions = [
        {"r": r, "state": _dor_state(r, at)}
        for r in access_selectors.dor_restrictions_of_patient(patient=patient)
    ]
    waivers = [
        {"w": w, "active": w.revoked_at is None and w.valid_until > at}
        for w in access_selectors.waivers_of_patient(patient=patient)
    ]
    invalid = (dor_form is not None and dor_form.errors) or (
        waiver_form is not None and waiver_form.errors
    )
    return render(
        request,
        "portal/patient_dor.html",
        {
            "patient": patient,
            "restrictions": restrictions,
            "waivers": waivers,
            "dor_form": dor_form or DorRestrictionForm(),
            "waiver_form": waiver_form or WaiverForm(),
            "delay_hours": settings.SANDBOX_DOR_DELAY_HOURS,
            "waiver_hours": settings.SANDBOX_WAIVER_HOURS,
            "profile_forbidden": profile_is_forbidden(patient=patient),
        },
        status=400 if invalid else 200,
    )


def _dor_state(r: DorRestriction, at: dt.datetime) -> str:
    if r.effective_until is not None and r.effective_until <= at:
        return "feloldva"
    if r.lifted_at is not None:
        return "feloldas_folyamatban"
    if r.effective_from > at:
        return "hamarosan"
    return "ervenyes"


@patient_required
def patient_dor(request: HttpRequest) -> HttpResponse:
    return _dor_page(request)


@patient_required
@require_POST
def patient_dor_add(request: HttpRequest) -> HttpResponse:
    patient = request.patient  # type: ignore[attr-defined]
    form = DorRestrictionForm(request.POST)
    if form.is_valid():
        try:
            dor_restriction_add(
                patient=patient, scope=form.cleaned_data["scope"], value=form.cleaned_data["value"]
            )
        except ValidationError as exc:
            for message in exc.message_dict.values():
                form.add_error(form.cleaned_data["value_field"], message)
        else:
            messages.success(request, _("Az önrendelkezési tiltás rögzítve."))
            return redirect("portal:patient_dor")
    return _dor_page(request, dor_form=form)


@patient_required
@require_POST
def patient_dor_lift(request: HttpRequest, pk: int) -> HttpResponse:
    patient = request.patient  # type: ignore[attr-defined]
    restriction = get_object_or_404(
        access_selectors.dor_restrictions_of_patient(patient=patient), pk=pk
    )
    dor_restriction_lift(restriction=restriction)
    messages.success(request, _("A tiltás feloldása rögzítve."))
    return redirect("portal:patient_dor")


@patient_required
@require_POST
def patient_waiver_add(request: HttpRequest) -> HttpResponse:
    patient = request.patient  # type: ignore[attr-defined]
    form = WaiverForm(request.POST)
    if not form.is_valid():
        return _dor_page(request, waiver_form=form)
    doctor = get_object_or_404(Doctor, stamp=form.cleaned_data["doctor"])
    waiver = waiver_grant(patient=patient, doctor=doctor)
    messages.success(
        request,
        _("%(name)s %(until)s-ig láthatja a korlátozott adatait is.")
        % {"name": doctor.name, "until": localtime(waiver.valid_until).strftime("%Y.%m.%d. %H:%M")},
    )
    return redirect("portal:patient_dor")


@patient_required
@require_POST
def patient_waiver_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    patient = request.patient  # type: ignore[attr-defined]
    waiver = get_object_or_404(access_selectors.waivers_of_patient(patient=patient), pk=pk)
    waiver_revoke(waiver=waiver)
    messages.success(request, _("A felmentés visszavonva."))
    return redirect("portal:patient_dor")


@patient_required
@require_POST
def patient_profile_forbid(request: HttpRequest) -> HttpResponse:
    patient = request.patient  # type: ignore[attr-defined]
    forbidden = request.POST.get("forbidden") == "1"
    profile_forbid(patient=patient, forbidden=forbidden)
    messages.success(
        request,
        _("Az eProfil tiltva.") if forbidden else _("Az eProfil tiltása feloldva."),
    )
    return redirect("portal:patient_dor")


# --- read-only data -------------------------------------------------------------------------


@patient_required
def patient_access_log(request: HttpRequest) -> HttpResponse:
    patient = request.patient  # type: ignore[attr-defined]
    entries = access_selectors.access_log_of_patient(patient=patient)[:500]
    grants = access_selectors.breakglass_grants_of_patient(patient=patient)
    return render(
        request,
        "portal/patient_access_log.html",
        {"patient": patient, "entries": entries, "breakglass_grants": grants},
    )


@patient_required
def patient_documents(request: HttpRequest) -> HttpResponse:
    patient = request.patient  # type: ignore[attr-defined]
    documents = list(document_selectors.documents_of_patient(patient=patient))
    for d in documents:
        if d.current is not None:
            d.current.document = d  # versioned_id / sensitive read it: no query per row
    return render(
        request, "portal/patient_documents.html", {"patient": patient, "documents": documents}
    )


@patient_required
def patient_referrals(request: HttpRequest) -> HttpResponse:
    patient = request.patient  # type: ignore[attr-defined]
    at = now()
    rows = [
        {"r": r, "status": ReferralStatus(r.status_at(at))}
        for r in referral_selectors.referrals_of_patient(patient=patient)
    ]
    return render(request, "portal/patient_referrals.html", {"patient": patient, "rows": rows})


@patient_required
def patient_profile(request: HttpRequest) -> HttpResponse:
    patient = request.patient  # type: ignore[attr-defined]
    return render(
        request,
        "portal/patient_profile.html",
        {
            "patient": patient,
            "entries": profile_entries(patient=patient),
            "forbidden": profile_is_forbidden(patient=patient),
        },
    )


@patient_required
def patient_profile_history(request: HttpRequest, entry_id: str) -> HttpResponse:
    patient = request.patient  # type: ignore[attr-defined]
    entry = get_object_or_404(ProfileEntry, entry_id=entry_id, patient=patient)
    return render(
        request,
        "portal/patient_profile_history.html",
        {"patient": patient, "entry": entry, "versions": profile_history(entry=entry)},
    )
