"""Accepted treatment plans for the billing tests, built through the plans' services: a HUF
plan (exempt care and a 27 % aesthetic item, 30 % advance) and an EUR plan (its price list,
a recorded rate)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from zomanc.codes.models import TreatmentItem, VatRate
from zomanc.conftest import Personas
from zomanc.patients.models import Patient
from zomanc.plans.models import Currency, PlanItem, PlanStatus, TreatmentPlan
from zomanc.plans.services import (
    plan_create,
    plan_item_add,
    plan_item_complete,
    plan_phase_add,
    plan_transition,
    price_list_create,
    price_list_entry_set,
)

EUR_RATE = Decimal("392.15")


def _catalogue(p: Personas) -> list[TreatmentItem]:
    practice = p.practice_a
    return [
        TreatmentItem.objects.create(practice=practice, name="Gyökérkezelés", price=Decimal(45000)),
        TreatmentItem.objects.create(
            practice=practice, name="Cirkónium korona", price=Decimal(120000)
        ),
        TreatmentItem.objects.create(
            practice=practice,
            name="Fogfehérítés",
            price=Decimal(40000),
            vat_rate=VatRate.STANDARD_27,
        ),
    ]


def accepted_plan(
    p: Personas,
    patient: Patient,
    *,
    currency: str = Currency.HUF,
    advance_percent: Decimal | None = Decimal(30),
) -> TreatmentPlan:
    actor = p.doctor
    items = _catalogue(p)
    terms: dict[str, object] = {}
    if currency == Currency.EUR:
        price_list = price_list_create(
            practice=p.practice_a, actor=p.owner, name=f"EUR {timezone.now()}", currency="EUR"
        )
        for item, price in zip(items, ("250.00", "640.00", "199.99"), strict=True):
            price_list_entry_set(
                price_list=price_list, treatment=item, actor=p.owner, price=Decimal(price)
            )
        terms = {
            "price_list": price_list,
            "exchange_rate": EUR_RATE,
            "exchange_rate_date": timezone.localdate() - dt.timedelta(days=1),
        }
    plan = plan_create(
        patient=patient,
        actor=actor,
        title="Fogpótlás",
        currency=currency,
        valid_until=timezone.localdate() + dt.timedelta(days=30),
        advance_percent=advance_percent,
        **terms,  # type: ignore[arg-type]
    )
    phase = plan_phase_add(plan=plan, actor=actor, title="Kezelés")
    for item in items:
        plan_item_add(plan=plan, phase=phase, actor=actor, treatment=item, tooth=21)
    plan_transition(plan=plan, to=PlanStatus.PRESENTED, actor=actor)
    plan_transition(plan=plan, to=PlanStatus.ACCEPTED, actor=actor)
    plan.refresh_from_db()
    return plan


def plan_items(plan: TreatmentPlan) -> list[PlanItem]:
    return list(plan.items.order_by("position", "pk"))


def complete(p: Personas, item: PlanItem) -> PlanItem:
    done = plan_item_complete(item=item, actor=p.doctor)
    done.plan.refresh_from_db()
    return done
