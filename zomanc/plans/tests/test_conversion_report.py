"""Per doctor and month: quotes presented, accepted, rejected, value and conversion rate;
owners only; another practice's quotes never."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from zomanc.codes.models import TreatmentItem
from zomanc.conftest import Personas
from zomanc.patients.models import Patient
from zomanc.plans.models import PlanStatus, TreatmentPlan
from zomanc.plans.selectors import conversion_report
from zomanc.plans.services import plan_create, plan_item_add, plan_phase_add, plan_transition

pytestmark = pytest.mark.django_db


def _presented(
    personas: Personas, patient: Patient, item: TreatmentItem, doctor: object
) -> TreatmentPlan:
    plan = plan_create(
        patient=patient,
        actor=personas.doctor,
        doctor=doctor,  # type: ignore[arg-type]
        title="T",
        valid_until=timezone.localdate() + dt.timedelta(days=9),
    )
    phase = plan_phase_add(plan=plan, actor=personas.doctor, title="F")
    plan_item_add(
        plan=plan,
        phase=phase,
        actor=personas.doctor,
        treatment=item,
        tooth=11 if item.needs_tooth else None,
    )
    plan_transition(plan=plan, to=PlanStatus.PRESENTED, actor=personas.doctor)
    return plan


def test_conversion_per_doctor(
    personas: Personas, patient: Patient, catalogue: dict[str, TreatmentItem]
) -> None:
    a = _presented(personas, patient, catalogue["kor"], personas.doctor)
    b = _presented(personas, patient, catalogue["fk"], personas.doctor)
    _presented(personas, patient, catalogue["fk"], personas.doctor)
    c = _presented(personas, patient, catalogue["rtg"], personas.doctor2)
    plan_transition(plan=a, to=PlanStatus.ACCEPTED, actor=personas.doctor)
    plan_transition(plan=b, to=PlanStatus.REJECTED, actor=personas.doctor)
    plan_transition(plan=c, to=PlanStatus.ACCEPTED, actor=personas.doctor)
    today = timezone.localdate()
    rows = {r.doctor: r for r in conversion_report(personas.owner, today.year, today.month)}
    first = rows["Dr. Fog Ferenc"]
    assert (first.presented, first.accepted, first.rejected) == (3, 1, 1)
    assert first.presented_value == {"HUF": Decimal(150000)}
    assert first.accepted_value == {"HUF": Decimal(120000)} and first.rate == Decimal("50.0")
    assert rows["Dr. Második Mária"].rate == Decimal("100.0")
    nxt = today.replace(day=1) + dt.timedelta(days=32)
    assert conversion_report(personas.owner, nxt.year, nxt.month) == []
    assert conversion_report(personas.outsider, today.year, today.month) == []


def test_conversion_page_personas(
    personas: Personas, patient: Patient, catalogue: dict[str, TreatmentItem]
) -> None:
    _presented(personas, patient, catalogue["fk"], personas.doctor)
    url = reverse("plans:conversion_report")
    assert Client().get(url).status_code == 302
    for persona in ("doctor", "assistant", "receptionist"):
        assert personas.client_for(getattr(personas, persona)).get(url).status_code == 403
    page = personas.client_for(personas.owner).get(url).content.decode()
    assert "Dr. Fog Ferenc" in page and "15\xa0000\xa0Ft" in page
    other = personas.client_for(personas.outsider).get(url).content.decode()
    assert "Dr. Fog Ferenc" not in other
    bad = personas.client_for(personas.owner).get(url, {"ev": "x", "ho": "13"}, follow=True)
    assert bad.status_code == 200 and "Érvénytelen év vagy hónap." in bad.content.decode()
