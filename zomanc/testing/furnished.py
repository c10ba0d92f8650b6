"""A practice with something on every main page, for the browser tests of the design system
(accessibility scan, keyboard, screenshots, touch targets): a patient with an open visit and a
treatment catalogue, a chair and today's appointment, the EESZT module on for company A.
Built through the services, as a user would have made it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone

from zomanc.clinical.models import Visit
from zomanc.clinical.services import visit_open
from zomanc.clinical.tests.conftest import catalogue_for
from zomanc.conftest import Personas
from zomanc.eeszt.models import EesztSettings
from zomanc.patients.models import Patient
from zomanc.patients.tests.factories import make_patient
from zomanc.scheduling.models import Appointment
from zomanc.scheduling.services import appointment_create, chair_create


@dataclass
class Furnished:
    patient: Patient
    visit: Visit
    appointment: Appointment

    def main_pages(self, personas: Personas) -> dict[str, str]:
        """The main pages a doctor or owner uses, by a short name (the screenshots' too)."""
        company = personas.company_a.pk
        return {
            "home": reverse("core:home"),
            "patients": reverse("patients:list"),
            "patient": reverse("patients:detail", args=[self.patient.pk]),
            "patient-form": reverse("patients:create"),
            "visit": reverse("clinical:visit_detail", args=[self.visit.pk]),
            "tooth-history": reverse("clinical:tooth_history", args=[self.patient.pk]) + "?fog=36",
            "calendar-day": reverse("scheduling:day"),
            "calendar-week": reverse("scheduling:week"),
            "catalogue": reverse("codes:catalogue"),
            "eeszt-settings": reverse("eeszt:company_settings", args=[company]),
            "eeszt-login-card": reverse("eeszt:login") + f"?company={company}&method=card",
            "eeszt-login-token": reverse("eeszt:login") + f"?company={company}&method=token",
            "eeszt-login-mobile": reverse("eeszt:login") + f"?company={company}&method=mobile",
            "submissions": reverse("eeszt_outbox:list"),
            "settings": reverse("practices:settings"),
            "staff": reverse("practices:staff_list"),
            "audit": reverse("audit:list"),
            "api-keys": reverse("api_tokens:list"),
            "account": reverse("accounts:two_factor"),
            "password": reverse("accounts:password_change"),
        }


def furnish(personas: Personas) -> Furnished:
    catalogue_for(personas.practice_a)
    EesztSettings.objects.update_or_create(
        company=personas.company_a,
        defaults={"practice": personas.practice_a, "module_enabled": True},
    )
    patient = make_patient(personas.doctor, id_value="123456788")
    visit = visit_open(
        patient=patient,
        doctor=personas.doctor,
        company=personas.company_a,
        org_unit=personas.org_unit_a,
        opened_by=personas.assistant.user,
        started_at=timezone.now() - dt.timedelta(minutes=10),
    )
    chair = chair_create(practice=personas.practice_a, name="1. szék", actor=personas.owner)
    start = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    appointment = appointment_create(
        practice=personas.practice_a,
        actor=personas.owner,
        patient=patient,
        doctor=personas.doctor,
        chair=chair,
        company=personas.company_a,
        org_unit=personas.org_unit_a,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=30),
        note="Kontroll",
    )
    return Furnished(patient=patient, visit=visit, appointment=appointment)
