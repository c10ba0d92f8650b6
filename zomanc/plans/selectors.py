"""Reads of treatment plans. Fetch by id only through access_* (scoped to the member's
practice, 404 otherwise); plan_quote builds everything a page or the PDF shows of a plan in
a fixed number of queries."""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from zomanc.core.prebuilt import prebuilt
from zomanc.patients.models import Patient
from zomanc.plans.models import (
    PlanItem,
    PlanOption,
    PlanPhase,
    PlanSignature,
    PlanStatus,
    PriceList,
    TreatmentPlan,
)
from zomanc.plans.money import (
    Line,
    LineTotal,
    Totals,
    advance_due,
    huf_equivalent,
    line_total,
)
from zomanc.practices.models import StaffMember


# The plan page's reads, prebuilt (zomanc/core/prebuilt.py, issue 18): Django building
# their SQL cost more CPU than the database running it.
@prebuilt
def _plan_in_practice(practice_id: int, plan_id: int) -> QuerySet[TreatmentPlan]:
    return TreatmentPlan.objects.filter(practice_id=practice_id, pk=plan_id).select_related(
        "patient", "price_list", "doctor"
    )


@prebuilt
def _plan_by_id(plan_id: int) -> QuerySet[TreatmentPlan]:
    return TreatmentPlan.objects.filter(pk=plan_id)


@prebuilt
def _plan_following(plan_id: int) -> QuerySet[TreatmentPlan]:
    return TreatmentPlan.objects.filter(previous_id=plan_id).order_by("pk")[:1]


@prebuilt
def _plan_items(plan_id: int) -> QuerySet[PlanItem]:
    return (
        PlanItem.objects.filter(plan_id=plan_id)
        .select_related("treatment")
        .order_by("position", "id")
    )


@prebuilt
def _plan_phases(plan_id: int) -> QuerySet[PlanPhase]:
    return PlanPhase.objects.filter(plan_id=plan_id).order_by("position", "id")


@prebuilt
def _plan_options(plan_id: int) -> QuerySet[PlanOption]:
    return PlanOption.objects.filter(phase__plan_id=plan_id).order_by("label", "id")


def access_plan(member: StaffMember, plan_id: int) -> TreatmentPlan:
    """The plan with this id in the member's practice (404 otherwise), with its patient."""
    found = _plan_in_practice(practice_id=member.practice_id, plan_id=plan_id)
    if not found:
        raise Http404
    plan = found[0]
    plan.practice = member.practice
    plan.patient.practice = member.practice
    return plan


def access_plan_item(plan: TreatmentPlan, item_id: int) -> PlanItem:
    item = PlanItem.objects.filter(plan=plan, pk=item_id).select_related("option").first()
    if item is None:
        raise Http404
    item.plan = plan
    return item


def access_plan_phase(plan: TreatmentPlan, phase_id: int) -> PlanPhase:
    phase = PlanPhase.objects.filter(plan=plan, pk=phase_id).first()
    if phase is None:
        raise Http404
    phase.plan = plan
    return phase


def access_plan_option(plan: TreatmentPlan, option_id: int) -> PlanOption:
    option = (
        PlanOption.objects.filter(phase__plan=plan, pk=option_id).select_related("phase").first()
    )
    if option is None:
        raise Http404
    option.phase.plan = plan
    return option


def practice_price_lists(member: StaffMember) -> QuerySet[PriceList]:
    return PriceList.objects.filter(practice_id=member.practice_id, is_active=True).order_by("name")


def patient_plans(patient: Patient) -> list[TreatmentPlan]:
    """The patient's plans, newest first, every version (the list marks superseded ones)."""
    return list(
        TreatmentPlan.objects.filter(practice_id=patient.practice_id, patient=patient)
        .select_related("doctor")
        .order_by("-created_at", "-id")
    )


def plan_versions(plan: TreatmentPlan) -> list[TreatmentPlan]:
    """Every version of the plan's line, oldest first (a short chain: one query a step)."""
    chain = [plan]
    while chain[0].previous_id is not None:
        chain.insert(0, *_plan_by_id(plan_id=chain[0].previous_id))
    following = _plan_following(plan_id=chain[-1].pk)
    while following:
        chain.append(following[0])
        following = _plan_following(plan_id=following[0].pk)
    return chain


@prebuilt
def _signatures(plan_id: int) -> QuerySet[PlanSignature]:
    return (
        PlanSignature.objects.filter(plan_id=plan_id)
        .only(
            "signer_name",
            "version",
            "signed_at",
            "quote_sha256",
            "kind",
            "paper_type",
            "paper_name",
            "paper_sha256",
        )
        .order_by("pk")[:1]
    )


def plan_signature(plan: TreatmentPlan) -> PlanSignature | None:
    """The plan's signature (what the plan page shows of it), or None: one query."""
    found = _signatures(plan_id=plan.pk)
    return found[0] if found else None


def plan_effective_items(plan: TreatmentPlan) -> list[PlanItem]:
    """The items the plan carries out: those common to a phase and those of the chosen
    option (or, before a choice, of the phase's first option)."""
    phases = quote_phases(plan)
    return [item for phase in phases for item in phase.effective_items]


def _line(item: PlanItem) -> Line:
    return Line(
        unit_price=item.unit_price,
        quantity=item.quantity,
        vat_rate=item.vat_rate,
        discount_percent=item.discount_percent,
        discount_amount=item.discount_amount,
    )


@dataclass
class QuoteItem:
    item: PlanItem
    amounts: LineTotal


@dataclass
class QuoteOption:
    option: PlanOption
    items: list[QuoteItem]
    totals: Totals


@dataclass
class QuotePhase:
    phase: PlanPhase
    common: list[QuoteItem]  # items of the phase itself
    options: list[QuoteOption]
    common_totals: Totals
    totals: Totals  # common + the counted option
    counted: QuoteOption | None  # the chosen option, else the first one

    @property
    def effective_items(self) -> list[PlanItem]:
        items = [q.item for q in self.common]
        if self.counted is not None:
            items += [q.item for q in self.counted.items]
        return items


@dataclass
class Quote:
    plan: TreatmentPlan
    phases: list[QuotePhase]
    totals: Totals
    vat_content: dict[str, Decimal] = field(default_factory=dict)
    advance: Decimal = Decimal(0)
    total_huf: Decimal | None = None  # an EUR quote's total in HUF at the recorded rate

    @property
    def all_chosen(self) -> bool:
        return all(p.counted is None or p.counted.option.chosen for p in self.phases)


def quote_phases(plan: TreatmentPlan) -> list[QuotePhase]:
    """The plan's phases with their options, items and totals (three queries)."""
    currency = plan.currency
    items = _plan_items(plan_id=plan.pk)
    for item in items:
        item.plan = plan  # as `plan.items` would have set it: no query when read
    phases = _plan_phases(plan_id=plan.pk)
    options_of: dict[int, list[PlanOption]] = {}
    for option in _plan_options(plan_id=plan.pk):
        options_of.setdefault(option.phase_id, []).append(option)
    result = []
    for phase in phases:
        phase.plan = plan
        common = [
            QuoteItem(i, line_total(_line(i), currency))
            for i in items
            if i.phase_id == phase.pk and i.option_id is None
        ]
        common_totals = Totals(currency=currency)
        for q in common:
            common_totals.add(q.amounts, q.item.vat_rate)
        options = []
        for option in options_of.get(phase.pk, []):
            option.phase = phase
            option_items = [
                QuoteItem(i, line_total(_line(i), currency))
                for i in items
                if i.option_id == option.pk
            ]
            totals = Totals(currency=currency)
            for q in option_items:
                totals.add(q.amounts, q.item.vat_rate)
            options.append(QuoteOption(option, option_items, totals))
        counted = next((o for o in options if o.option.chosen), options[0] if options else None)
        totals = Totals(currency=currency)
        totals.merge(common_totals)
        if counted is not None:
            totals.merge(counted.totals)
        result.append(QuotePhase(phase, common, options, common_totals, totals, counted))
    return result


def plan_quote(plan: TreatmentPlan) -> Quote:
    phases = quote_phases(plan)
    totals = Totals(currency=plan.currency)
    for phase in phases:
        totals.merge(phase.totals)
    quote = Quote(plan=plan, phases=phases, totals=totals, vat_content=totals.vat_content())
    quote.advance = advance_due(
        totals.total, plan.currency, plan.advance_percent, plan.advance_amount
    )
    if plan.currency == "EUR" and plan.exchange_rate is not None:
        quote.total_huf = huf_equivalent(totals.total, plan.exchange_rate)
    return quote


# Plans that are current for the patient (the list shows these first).
ACTIVE_STATUSES = (
    PlanStatus.DRAFT,
    PlanStatus.PRESENTED,
    PlanStatus.ACCEPTED,
    PlanStatus.IN_PROGRESS,
)


@dataclass
class OpenTreatmentRow:
    plan: TreatmentPlan
    open_items: int
    open_value: Decimal
    last_visit: Any  # datetime | None: the latest past appointment (not cancelled)
    next_visit: Any  # datetime | None: the next booked appointment


def open_treatment(member: StaffMember) -> list[OpenTreatmentRow]:
    """Accepted or in-progress plans with items not yet done: their open value, the
    patient's last and next appointment — the list a receptionist calls from. Four queries
    whatever the number of plans."""
    from django.db.models import Max, Min
    from django.utils import timezone

    from zomanc.scheduling.models import Appointment, AppointmentStatus

    plans = list(
        TreatmentPlan.objects.filter(
            practice_id=member.practice_id,
            status__in=[PlanStatus.ACCEPTED, PlanStatus.IN_PROGRESS],
        )
        .select_related("patient")
        .order_by("patient__family_name", "patient__given_name", "id")
    )
    items = PlanItem.objects.filter(plan__in=plans, done_at__isnull=True).select_related("option")
    by_plan: dict[int, list[PlanItem]] = {}
    for item in items:
        # An option's item counts only when it is the chosen one (accepted plans have chosen).
        if item.option is None or item.option.chosen:
            by_plan.setdefault(item.plan_id, []).append(item)
    patient_ids = {plan.patient_id for plan in plans}
    now = timezone.now()
    appointments = Appointment.objects.filter(
        practice_id=member.practice_id, patient_id__in=patient_ids
    ).exclude(status=AppointmentStatus.CANCELLED)
    last = dict(
        appointments.filter(starts_at__lt=now)
        .values("patient_id")
        .annotate(at=Max("starts_at"))
        .values_list("patient_id", "at")
    )
    following = dict(
        appointments.filter(starts_at__gte=now)
        .values("patient_id")
        .annotate(at=Min("starts_at"))
        .values_list("patient_id", "at")
    )
    rows = []
    for plan in plans:
        open_items = by_plan.get(plan.pk, [])
        if not open_items:
            continue
        value = sum((line_total(_line(i), plan.currency).total for i in open_items), Decimal(0))
        rows.append(
            OpenTreatmentRow(
                plan=plan,
                open_items=len(open_items),
                open_value=value,
                last_visit=last.get(plan.patient_id),
                next_visit=following.get(plan.patient_id),
            )
        )
    return rows


def access_price_list(member: StaffMember, price_list_id: int) -> PriceList:
    price_list = PriceList.objects.filter(practice_id=member.practice_id, pk=price_list_id).first()
    if price_list is None:
        raise Http404
    price_list.practice = member.practice
    return price_list


@dataclass
class ConversionRow:
    doctor: str
    presented: int = 0
    accepted: int = 0
    rejected: int = 0
    presented_value: dict[str, Decimal] = field(default_factory=dict)  # by currency
    accepted_value: dict[str, Decimal] = field(default_factory=dict)

    @property
    def rate(self) -> Decimal | None:
        """Accepted / (accepted + rejected) in percent; None before any decision."""
        decided = self.accepted + self.rejected
        if not decided:
            return None
        return (Decimal(self.accepted) * 100 / decided).quantize(Decimal("0.1"))


def conversion_report(member: StaffMember, year: int, month: int) -> list[ConversionRow]:
    """Per doctor in a month: quotes presented, accepted and rejected (by the day it
    happened), their value per currency and the conversion rate. Versions count each."""
    import datetime as dt

    from django.db.models import Q
    from django.utils import timezone

    start = timezone.make_aware(dt.datetime(year, month, 1))
    end = timezone.make_aware(dt.datetime(year + month // 12, month % 12 + 1, 1))
    plans = list(
        TreatmentPlan.objects.filter(practice_id=member.practice_id)
        .filter(
            Q(presented_at__gte=start, presented_at__lt=end)
            | Q(decided_at__gte=start, decided_at__lt=end)
        )
        .select_related("doctor")
        .order_by("id")
    )
    rows: dict[str, ConversionRow] = {}
    for plan in plans:
        name = plan.doctor.display_name if plan.doctor else "–"
        row = rows.setdefault(name, ConversionRow(doctor=name))
        total = plan_quote(plan).totals.total
        if plan.presented_at and start <= plan.presented_at < end:
            row.presented += 1
            row.presented_value[plan.currency] = (
                row.presented_value.get(plan.currency, Decimal(0)) + total
            )
        if plan.decided_at and start <= plan.decided_at < end:
            if plan.status == PlanStatus.REJECTED:
                row.rejected += 1
            else:
                row.accepted += 1
                row.accepted_value[plan.currency] = (
                    row.accepted_value.get(plan.currency, Decimal(0)) + total
                )
    return sorted(rows.values(), key=lambda r: r.doctor)
