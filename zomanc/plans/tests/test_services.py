"""Plans' services: items with variants, teeth and prices, refusals that save nothing,
versions, and the status machine's conditions."""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from zomanc.audit.models import AuditEntry
from zomanc.clinical.services import procedure_add
from zomanc.clinical.tests.conftest import open_visit_for
from zomanc.codes.models import TreatmentItem
from zomanc.conftest import Personas
from zomanc.patients.models import Patient
from zomanc.plans.models import (
    Currency,
    PlanItem,
    PlanPhase,
    PlanStatus,
    PriceList,
    QuoteLanguage,
    TreatmentPlan,
)
from zomanc.plans.selectors import plan_quote, plan_versions
from zomanc.plans.services import (
    plan_create,
    plan_item_add,
    plan_item_bookable_check,
    plan_item_complete,
    plan_option_add,
    plan_option_choose,
    plan_phase_add,
    plan_revise,
    plan_transition,
    plan_update,
)
from zomanc.plans.tests.conftest import TODAY

pytestmark = pytest.mark.django_db
Catalogue = dict[str, TreatmentItem]


def _refused(call: Callable[[], object], field: str | None, text: str) -> None:
    """`call` raises a ValidationError holding `text` (under `field`), and writes nothing."""
    items, entries = PlanItem.objects.count(), AuditEntry.objects.count()
    with pytest.raises(ValidationError) as info:
        call()
    messages = info.value.message_dict.get(field, []) if field else info.value.messages
    assert any(text in m for m in messages), info.value
    assert (PlanItem.objects.count(), AuditEntry.objects.count()) == (items, entries)


def _add(
    personas: Personas, plan: TreatmentPlan, phase: PlanPhase, item: TreatmentItem, **kw: Any
) -> PlanItem:
    return plan_item_add(plan=plan, phase=phase, actor=personas.doctor, treatment=item, **kw)


def _present_and_accept(personas: Personas, plan: TreatmentPlan) -> None:
    plan_transition(plan=plan, to=PlanStatus.PRESENTED, actor=personas.doctor, today=TODAY)
    plan_transition(plan=plan, to=PlanStatus.ACCEPTED, actor=personas.doctor, today=TODAY)


def test_item_takes_the_variant_and_price_by_surfaces(
    personas: Personas, plan: TreatmentPlan, phase: PlanPhase, catalogue: Catalogue
) -> None:
    item = _add(personas, plan, phase, catalogue["ktöm1"], tooth=36, surfaces="dom")
    assert item.treatment == catalogue["ktöm3"]
    assert (item.surfaces, item.unit_price) == ("MOD", Decimal(28000))
    entry = AuditEntry.objects.filter(patient_id=plan.patient_id).latest("id")
    assert "36 MOD" in entry.summary and "28000" in entry.summary


def test_item_on_an_extracted_tooth_is_refused(
    personas: Personas,
    plan: TreatmentPlan,
    phase: PlanPhase,
    catalogue: Catalogue,
    patient: Patient,
) -> None:
    visit = open_visit_for(personas, patient)
    procedure_add(visit=visit, treatment=catalogue["ext"], tooth=36, added_by=personas.doctor.user)
    _refused(
        lambda: _add(personas, plan, phase, catalogue["ktöm1"], tooth=36, surfaces="MO"),
        "tooth",
        "A(z) 36. fog a státusz szerint hiányzik",
    )
    # An implant replaces the missing tooth: that may be planned.
    assert _add(personas, plan, phase, catalogue["impl"], tooth=36).tooth == 36


def test_a_crown_follows_the_implant_planned_on_a_missing_tooth(
    personas: Personas,
    plan: TreatmentPlan,
    phase: PlanPhase,
    catalogue: Catalogue,
    patient: Patient,
) -> None:
    """Option A: implant with its crown on the missing 36 — the crown goes on the implant
    planned before it in the same option; option B (no implant) still cannot put it there."""
    visit = open_visit_for(personas, patient)
    procedure_add(visit=visit, treatment=catalogue["ext"], tooth=36, added_by=personas.doctor.user)
    implant = plan_option_add(phase=phase, actor=personas.doctor, title="Implantátum")
    other = plan_option_add(phase=phase, actor=personas.doctor, title="Kivehető pótlás")
    crown = catalogue["héj"]
    _refused(lambda: _add(personas, plan, phase, crown, tooth=36, option=implant), "tooth", "36")
    _add(personas, plan, phase, catalogue["impl"], tooth=36, option=implant)
    assert _add(personas, plan, phase, crown, tooth=36, option=implant).option == implant
    _refused(lambda: _add(personas, plan, phase, crown, tooth=36, option=other), "tooth", "36")
    _refused(lambda: _add(personas, plan, phase, crown, tooth=36), "tooth", "36")


@pytest.mark.parametrize(
    ("tooth", "surfaces", "field", "text"),
    [
        (11, "MO", "surfaces", "A(z) 11. fogon nincs O felszín"),
        (36, "P", "surfaces", "alsó fognak nincs palatinális"),
        (19, "M", "tooth", "nem FDI fogszám"),
        (None, "", "tooth", "meg kell adni a fogat"),
        (36, "", "surfaces", "meg kell adni a felszíneket"),
    ],
)
def test_bad_tooth_or_surfaces_are_refused(
    personas: Personas,
    plan: TreatmentPlan,
    phase: PlanPhase,
    catalogue: Catalogue,
    tooth: int | None,
    surfaces: str,
    field: str,
    text: str,
) -> None:
    _refused(
        lambda: _add(personas, plan, phase, catalogue["töm"], tooth=tooth, surfaces=surfaces),
        field,
        text,
    )


def test_negative_price_and_discounts_are_refused(
    personas: Personas, plan: TreatmentPlan, phase: PlanPhase, catalogue: Catalogue
) -> None:
    fk = catalogue["fk"]
    _refused(
        lambda: _add(personas, plan, phase, fk, unit_price=Decimal(-1)),
        "unit_price",
        "nem lehet negatív",
    )
    _refused(
        lambda: _add(personas, plan, phase, fk, discount_percent=Decimal("100.01")),
        "discount_percent",
        "legfeljebb 100 százalék",
    )
    _refused(
        lambda: _add(personas, plan, phase, fk, discount_amount=Decimal(15001)),
        "discount_amount",
        "nem lehet nagyobb a tétel áránál",
    )
    item = _add(personas, plan, phase, fk, discount_percent=Decimal(100))
    assert plan_quote(plan).totals.total == 0 and item.discount_percent == 100


def test_accepted_plan_changes_only_through_a_new_version(
    personas: Personas, plan: TreatmentPlan, phase: PlanPhase, catalogue: Catalogue
) -> None:
    _add(personas, plan, phase, catalogue["töm"], tooth=36, surfaces="MO")
    _present_and_accept(personas, plan)
    _refused(
        lambda: _add(personas, plan, phase, catalogue["fk"]),
        None,
        "Elfogadott kezelési terv nem módosítható",
    )
    _refused(lambda: plan_update(plan=plan, actor=personas.doctor, title="Más"), None, "új verziót")

    v2 = plan_revise(plan=plan, actor=personas.doctor)
    assert (v2.version, v2.status, v2.previous_id) == (2, PlanStatus.DRAFT, plan.pk)
    _add(personas, v2, v2.phases.get(), catalogue["fk"])
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACCEPTED  # in force until v2 is accepted
    assert plan.items.count() == 1 and v2.items.count() == 2

    _present_and_accept(personas, v2)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUPERSEDED and plan.items.count() == 1
    assert [p.version for p in plan_versions(plan)] == [1, 2]
    with pytest.raises(ValidationError, match="nem készül új verzió"):
        plan_revise(plan=plan, actor=personas.doctor)


def test_revising_a_presented_quote_withdraws_it(
    personas: Personas, plan: TreatmentPlan, phase: PlanPhase, catalogue: Catalogue
) -> None:
    _add(personas, plan, phase, catalogue["fk"])
    plan_transition(plan=plan, to=PlanStatus.PRESENTED, actor=personas.doctor, today=TODAY)
    plan_revise(plan=plan, actor=personas.doctor)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUPERSEDED


def test_expired_quote_cannot_be_accepted(
    personas: Personas, plan: TreatmentPlan, phase: PlanPhase, catalogue: Catalogue
) -> None:
    _add(personas, plan, phase, catalogue["fk"])
    plan_transition(plan=plan, to=PlanStatus.PRESENTED, actor=personas.doctor, today=TODAY)
    assert plan.valid_until is not None
    later = plan.valid_until + dt.timedelta(days=1)
    entries = AuditEntry.objects.count()
    with pytest.raises(ValidationError, match="lejárt: nem fogadható el"):
        plan_transition(plan=plan, to=PlanStatus.ACCEPTED, actor=personas.doctor, today=later)
    assert AuditEntry.objects.count() == entries
    with pytest.raises(ValidationError, match="még érvényes"):
        plan_transition(plan=plan, to=PlanStatus.EXPIRED, actor=personas.doctor, today=TODAY)
    plan_transition(plan=plan, to=PlanStatus.EXPIRED, actor=personas.doctor, today=later)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.EXPIRED


def test_present_needs_items_validity_and_full_options(
    personas: Personas, plan: TreatmentPlan, phase: PlanPhase, catalogue: Catalogue
) -> None:
    with pytest.raises(ValidationError, match="Üres terv"):
        plan_transition(plan=plan, to=PlanStatus.PRESENTED, actor=personas.doctor, today=TODAY)
    prosth = plan_phase_add(plan=plan, actor=personas.doctor, title="Fogpótlás")
    a = plan_option_add(phase=prosth, actor=personas.doctor, title="Implantátum koronával")
    b = plan_option_add(phase=prosth, actor=personas.doctor, title="Híd")
    assert (a.label, b.label) == ("A", "B")
    _add(personas, plan, prosth, catalogue["impl"], option=a, tooth=36)
    with pytest.raises(ValidationError, match="B lehetősége üres"):
        plan_transition(plan=plan, to=PlanStatus.PRESENTED, actor=personas.doctor, today=TODAY)
    _add(personas, plan, prosth, catalogue["kor"], option=b, tooth=35, quantity=3)
    plan_transition(plan=plan, to=PlanStatus.PRESENTED, actor=personas.doctor, today=TODAY)
    with pytest.raises(ValidationError, match="még nem választott"):
        plan_transition(plan=plan, to=PlanStatus.ACCEPTED, actor=personas.doctor, today=TODAY)
    # Before the choice option A counts; after it the chosen one.
    assert plan_quote(plan).totals.total == 350000
    plan_option_choose(option=b, actor=personas.doctor)
    assert plan_quote(plan).totals.total == 360000
    plan_transition(plan=plan, to=PlanStatus.ACCEPTED, actor=personas.doctor, today=TODAY)


def test_items_done_complete_the_plan_and_done_items_cannot_be_booked(
    personas: Personas, plan: TreatmentPlan, phase: PlanPhase, catalogue: Catalogue
) -> None:
    first = _add(personas, plan, phase, catalogue["fk"])
    second = _add(personas, plan, phase, catalogue["rtg"])
    with pytest.raises(ValidationError, match="Csak elfogadott terv"):
        plan_item_bookable_check(first)
    _present_and_accept(personas, plan)
    plan_item_bookable_check(first)
    plan_item_complete(item=first, actor=personas.assistant)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.IN_PROGRESS
    with pytest.raises(ValidationError, match=r"már elvégezve .*nem foglalható"):
        plan_item_bookable_check(first)
    with pytest.raises(ValidationError, match="1 elvégzetlen tétel"):
        plan_transition(plan=plan, to=PlanStatus.COMPLETED, actor=personas.doctor, today=TODAY)
    plan_item_complete(item=second, actor=personas.assistant)
    plan_transition(plan=plan, to=PlanStatus.COMPLETED, actor=personas.doctor, today=TODAY)


def test_eur_quote_in_english_with_exchange_rate(
    personas: Personas, patient: Patient, catalogue: Catalogue, eur_list: PriceList
) -> None:
    with pytest.raises(ValidationError, match="euró árlistát"):
        plan_create(patient=patient, actor=personas.doctor, title="X", currency=Currency.EUR)
    plan = plan_create(
        patient=patient,
        actor=personas.doctor,
        title="Dental tourism",
        currency=Currency.EUR,
        language=QuoteLanguage.EN,
        price_list=eur_list,
        valid_until=TODAY,
    )
    phase = plan_phase_add(plan=plan, actor=personas.doctor, title="Prosthetics")
    crown = _add(personas, plan, phase, catalogue["kor"], tooth=21, quantity=2)
    veneer = _add(personas, plan, phase, catalogue["héj"], tooth=11)
    assert (crown.name, crown.unit_price) == ("Zirconia crown", Decimal("320.00"))
    with pytest.raises(ValidationError, match="nem szerepel a terv árlistáján"):
        _add(personas, plan, phase, catalogue["fk"])
    with pytest.raises(ValidationError, match="árfolyamot"):
        plan_transition(plan=plan, to=PlanStatus.PRESENTED, actor=personas.doctor, today=TODAY)
    plan_update(
        plan=plan, actor=personas.doctor, exchange_rate=Decimal("391.25"), exchange_rate_date=TODAY
    )
    quote = plan_quote(plan)
    assert quote.totals.total == Decimal("895.55")
    assert quote.vat_content == {"27": Decimal("54.33"), "AAM": Decimal("0.00")}  # 255.55 × 27/127
    assert quote.total_huf == Decimal(350384)  # 895.55 × 391.25 = 350 383.9375
    assert veneer.vat_rate == "27"


def test_services_refuse_another_practices_actor(
    personas: Personas, plan: TreatmentPlan, phase: PlanPhase, catalogue: Catalogue
) -> None:
    with pytest.raises(ValueError, match="different practices"):
        plan_phase_add(plan=plan, actor=personas.doctor_b, title="X")
