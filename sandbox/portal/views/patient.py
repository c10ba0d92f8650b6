""" "Lakossági portál" of the test patients. Test patients have no real login, so the
sandbox offers a patient picker (documented: sandbox-only convenience; every patient is
fictitious). The chosen patient sees only his own data."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sandbox.ekat.selectors import events_of_patient
from sandbox.portal.session import KEY_PATIENT, patient_required
from sandbox.registry.models import Patient


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
