"""Writes of treatment plans: every change is transactional, checks that the plan is still a
draft under a row lock, and leaves an audit entry filed under the patient. Status changes go
through plan_transition only (the table TRANSITIONS is the whole state machine)."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from zomanc.audit.models import AuditAction
from zomanc.audit.services import audit_record
from zomanc.clinical.models import Visit, VisitProcedure
from zomanc.clinical.selectors import patient_chart
from zomanc.clinical.teeth import ToothRuleError, ToothStatus, surfaces_normalize, tooth_validate
from zomanc.codes.catalogue_selectors import treatment_variant_check, treatment_variant_for
from zomanc.codes.models import TreatmentItem
from zomanc.patients.models import Patient
from zomanc.plans.models import (
    Currency,
    PlanItem,
    PlanOption,
    PlanPhase,
    PlanSignature,
    PlanStatus,
    PriceList,
    PriceListEntry,
    QuoteLanguage,
    TreatmentPlan,
)
from zomanc.plans.money import Line, line_total
from zomanc.plans.selectors import plan_effective_items
from zomanc.practices.models import Practice, StaffMember

S = PlanStatus
# The whole state machine. SUPERSEDED is never asked for: it is set when a newer version is
# accepted (or a presented quote is revised), by plan_accept_supersede below.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.PRESENTED}),
    S.PRESENTED: frozenset({S.ACCEPTED, S.REJECTED, S.EXPIRED, S.SUPERSEDED}),
    S.ACCEPTED: frozenset({S.IN_PROGRESS, S.SUPERSEDED}),
    S.IN_PROGRESS: frozenset({S.COMPLETED, S.SUPERSEDED}),
    S.REJECTED: frozenset(),
    S.EXPIRED: frozenset(),
    S.COMPLETED: frozenset(),
    S.SUPERSEDED: frozenset(),
}
# Catalogue items that may be planned on a missing tooth: they replace it.
REPLACES_TOOTH = frozenset({ToothStatus.IMPLANT, ToothStatus.BRIDGE_PONTIC})
OPTION_LABELS = "ABCDEFGH"


def _audit(
    plan: TreatmentPlan,
    actor: StaffMember,
    summary: str,
    *,
    action: AuditAction = AuditAction.UPDATE,
    obj: Any = None,
    changes: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> None:
    audit_record(
        practice=plan.practice,
        actor=actor.user,
        action=action,
        obj=obj if obj is not None else plan,
        patient_id=plan.patient_id,
        summary=summary,
        changes=changes,
        request=request,
    )


def _same_practice(actor: StaffMember, practice_id: int) -> None:
    # Views reach plans only through access_plan; this guards a service called wrongly.
    if actor.practice_id != practice_id:
        raise ValueError("actor and plan belong to different practices")


def _not_draft_refusal(plan: TreatmentPlan) -> ValidationError:
    if plan.status in (S.ACCEPTED, S.IN_PROGRESS):
        message = _(
            "Elfogadott kezelési terv nem módosítható: a változtatáshoz készítsen új verziót, "
            "amelyet a páciensnek újra el kell fogadnia."
        )
    elif plan.status == S.PRESENTED:
        message = _(
            "A kiadott árajánlat nem módosítható: a változtatáshoz készítsen új verziót "
            "(a kiadott ajánlat így visszavonásra kerül)."
        )
    else:
        message = _("A(z) „%(status)s” állapotú terv nem módosítható.") % {
            "status": PlanStatus(plan.status).label
        }
    return ValidationError(message, code="plan_not_draft")


def _lock_draft(plan: TreatmentPlan) -> None:
    """Re-read the status under a row lock: a plan presented a moment ago takes no edit."""
    status = (
        TreatmentPlan.objects.select_for_update()
        .filter(pk=plan.pk)
        .values_list("status", flat=True)
        .first()
    )
    plan.status = status or plan.status
    if plan.status != S.DRAFT:
        raise _not_draft_refusal(plan)


def _clean_terms(
    *,
    practice: Practice,
    currency: str,
    language: str,
    price_list: PriceList | None,
    exchange_rate: Decimal | None,
    exchange_rate_date: dt.date | None,
    advance_percent: Decimal | None,
    advance_amount: Decimal | None,
) -> None:
    errors: dict[str, list[str]] = {}
    if currency not in Currency.values:
        errors["currency"] = [_("Ismeretlen pénznem: %(c)s.") % {"c": currency}]
    if language not in QuoteLanguage.values:
        errors["language"] = [_("Ismeretlen nyelv: %(l)s.") % {"l": language}]
    if price_list is not None:
        if price_list.practice_id != practice.pk:
            raise ValueError("price list of another practice")
        if price_list.currency != currency:
            errors["price_list"] = [
                _("A(z) „%(name)s” árlista pénzneme %(list)s, az ajánlaté %(quote)s.")
                % {"name": price_list.name, "list": price_list.currency, "quote": currency}
            ]
    elif currency != Currency.HUF:
        errors["price_list"] = [
            _("Euróban adott ajánlathoz euró árlistát kell választani (a katalógus ára forint).")
        ]
    if exchange_rate is not None and exchange_rate <= 0:
        errors["exchange_rate"] = [_("Az árfolyam pozitív szám.")]
    if (exchange_rate is None) != (exchange_rate_date is None):
        errors["exchange_rate_date"] = [_("Az árfolyamot a dátumával együtt kell megadni.")]
    if advance_percent is not None and not (0 <= advance_percent <= 100):
        errors["advance_percent"] = [_("Az előleg 0 és 100 százalék között lehet.")]
    if advance_amount is not None and advance_amount < 0:
        errors["advance_amount"] = [_("Az előleg összege nem lehet negatív.")]
    if advance_percent is not None and advance_amount is not None:
        errors["advance_amount"] = [
            _("Az előleget százalékban vagy összegben adja meg, ne mindkettőben.")
        ]
    if errors:
        raise ValidationError(errors)


TERM_FIELDS = (
    "title",
    "language",
    "currency",
    "price_list",
    "exchange_rate",
    "exchange_rate_date",
    "valid_until",
    "advance_percent",
    "advance_amount",
    "note",
)


def _snapshot(plan: TreatmentPlan) -> dict[str, Any]:
    values = {name: getattr(plan, name) for name in TERM_FIELDS}
    values["price_list"] = plan.price_list_id
    return {
        k: (str(v) if v is not None and not isinstance(v, str | int) else v)
        for k, v in values.items()
    }


@transaction.atomic
def plan_create(
    *,
    patient: Patient,
    actor: StaffMember,
    title: str,
    language: str = QuoteLanguage.HU,
    currency: str = Currency.HUF,
    price_list: PriceList | None = None,
    valid_until: dt.date | None = None,
    exchange_rate: Decimal | None = None,
    exchange_rate_date: dt.date | None = None,
    advance_percent: Decimal | None = None,
    advance_amount: Decimal | None = None,
    note: str = "",
    doctor: StaffMember | None = None,
    request: HttpRequest | None = None,
) -> TreatmentPlan:
    """A new draft plan (version 1) for the patient."""
    _same_practice(actor, patient.practice_id)
    title = title.strip()
    if not title:
        raise ValidationError({"title": [_("Adja meg a terv megnevezését.")]})
    _clean_terms(
        practice=patient.practice,
        currency=currency,
        language=language,
        price_list=price_list,
        exchange_rate=exchange_rate,
        exchange_rate_date=exchange_rate_date,
        advance_percent=advance_percent,
        advance_amount=advance_amount,
    )
    plan = TreatmentPlan.objects.create(
        practice=patient.practice,
        patient=patient,
        doctor=doctor or (actor if actor.stamp_number else None),
        title=title,
        language=language,
        currency=currency,
        price_list=price_list,
        valid_until=valid_until,
        exchange_rate=exchange_rate,
        exchange_rate_date=exchange_rate_date,
        advance_percent=advance_percent,
        advance_amount=advance_amount,
        note=note,
        created_by=actor.user,
    )
    _audit(
        plan,
        actor,
        _("Kezelési terv létrehozva: %(title)s") % {"title": plan.title},
        action=AuditAction.CREATE,
        changes=_snapshot(plan),
        request=request,
    )
    return plan


@transaction.atomic
def plan_update(
    *, plan: TreatmentPlan, actor: StaffMember, request: HttpRequest | None = None, **fields: Any
) -> TreatmentPlan:
    """Changes the plan's terms (fields of TERM_FIELDS); drafts only."""
    _same_practice(actor, plan.practice_id)
    unknown = set(fields) - set(TERM_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    _lock_draft(plan)
    before = _snapshot(plan)
    values = {name: getattr(plan, name) for name in TERM_FIELDS} | fields
    values["title"] = (values["title"] or "").strip()
    if not values["title"]:
        raise ValidationError({"title": [_("Adja meg a terv megnevezését.")]})
    _clean_terms(
        practice=plan.practice,
        **{
            k: values[k]
            for k in (
                "currency",
                "language",
                "price_list",
                "exchange_rate",
                "exchange_rate_date",
                "advance_percent",
                "advance_amount",
            )
        },
    )
    if values["currency"] != plan.currency and plan.items.exists():
        raise ValidationError(
            {"currency": [_("A tételeket tartalmazó terv pénzneme nem változtatható meg.")]}
        )
    for name, value in values.items():
        setattr(plan, name, value)
    plan.save()
    _audit(
        plan,
        actor,
        _("Kezelési terv módosítva: %(title)s") % {"title": plan.title},
        changes={"before": before, "after": _snapshot(plan)},
        request=request,
    )
    return plan


@transaction.atomic
def plan_phase_add(
    *, plan: TreatmentPlan, actor: StaffMember, title: str, request: HttpRequest | None = None
) -> PlanPhase:
    _same_practice(actor, plan.practice_id)
    _lock_draft(plan)
    title = title.strip()
    if not title:
        raise ValidationError({"title": [_("Adja meg a szakasz megnevezését.")]})
    last = plan.phases.aggregate(m=Max("position"))["m"] or 0
    phase = PlanPhase.objects.create(
        practice=plan.practice, plan=plan, position=last + 1, title=title
    )
    _audit(plan, actor, _("Szakasz hozzáadva a tervhez: %(t)s") % {"t": title}, request=request)
    return phase


@transaction.atomic
def plan_option_add(
    *, phase: PlanPhase, actor: StaffMember, title: str, request: HttpRequest | None = None
) -> PlanOption:
    """The phase's next alternative (A, B, C …)."""
    plan = phase.plan
    _same_practice(actor, plan.practice_id)
    _lock_draft(plan)
    title = title.strip()
    if not title:
        raise ValidationError({"title": [_("Adja meg a lehetőség megnevezését.")]})
    used = set(phase.options.values_list("label", flat=True))
    free = [label for label in OPTION_LABELS if label not in used]
    if not free:
        raise ValidationError(
            {
                "title": [
                    _("Egy szakaszban legfeljebb %(n)s lehetőség adható meg.")
                    % {"n": len(OPTION_LABELS)}
                ]
            }
        )
    option = PlanOption.objects.create(
        practice=plan.practice, phase=phase, label=free[0], title=title
    )
    _audit(
        plan,
        actor,
        _("Lehetőség hozzáadva (%(phase)s): %(label)s – %(title)s")
        % {"phase": phase.title, "label": option.label, "title": title},
        request=request,
    )
    return option


def _item_name(treatment: TreatmentItem, entry: PriceListEntry | None, language: str) -> str:
    if entry is not None:
        name = getattr(entry, f"name_{language}", "") or entry.name_hu
        if name:
            return str(name)
    return treatment.name


def _replacement_planned(plan: TreatmentPlan, tooth: int, option: PlanOption | None) -> bool:
    """An implant or pontic already planned for the tooth, where this item would follow it:
    among the phase-wide items, or in the same option (the crown of option A's implant)."""
    replacing = plan.items.filter(tooth=tooth, treatment__resulting_status__in=REPLACES_TOOTH)
    return replacing.filter(Q(option__isnull=True) | Q(option=option)).exists()


def _tooth_and_surfaces(
    plan: TreatmentPlan,
    treatment: TreatmentItem,
    tooth: int | None,
    surfaces: str,
    option: PlanOption | None = None,
) -> tuple[int | None, str]:
    if tooth is None:
        if treatment.needs_tooth:
            raise ValidationError(
                {
                    "tooth": [
                        _("A(z) „%(name)s” kezeléshez meg kell adni a fogat.")
                        % {"name": treatment.name}
                    ]
                }
            )
        if surfaces.strip():
            raise ValidationError({"surfaces": [_("Felszín csak foghoz adható meg.")]})
        return None, ""
    try:
        tooth = tooth_validate(tooth)
        normalized = surfaces_normalize(tooth, surfaces)
    except ToothRuleError as error:
        field = "surfaces" if surfaces.strip() and "felszín" in str(error) else "tooth"
        raise ValidationError({field: [str(error)]}) from None
    if treatment.needs_surfaces and not normalized:
        raise ValidationError(
            {
                "surfaces": [
                    _("A(z) „%(name)s” kezeléshez meg kell adni a felszíneket.")
                    % {"name": treatment.name}
                ]
            }
        )
    state = patient_chart(plan.patient).get(tooth)
    if (
        state is not None
        and state.status == ToothStatus.MISSING
        and treatment.resulting_status not in REPLACES_TOOTH
        and not _replacement_planned(plan, tooth, option)
    ):
        raise ValidationError(
            {
                "tooth": [
                    _(
                        "A(z) %(tooth)s. fog a státusz szerint hiányzik (eltávolították): "
                        "„%(name)s” nem tervezhető rá. Hiányzó fog helyére implantátum vagy "
                        "hídtag tervezhető, a korona utána."
                    )
                    % {"tooth": tooth, "name": treatment.name}
                ]
            }
        )
    return tooth, normalized


def _discount_check(
    discount_percent: Decimal | None, discount_amount: Decimal | None, gross: Decimal
) -> None:
    if discount_percent is not None and discount_amount is not None:
        raise ValidationError(
            {
                "discount_amount": [
                    _("A kedvezményt százalékban vagy összegben adja meg, ne mindkettőben.")
                ]
            }
        )
    if discount_percent is not None:
        if discount_percent > 100:
            raise ValidationError(
                {"discount_percent": [_("A kedvezmény legfeljebb 100 százalék lehet.")]}
            )
        if discount_percent < 0:
            raise ValidationError({"discount_percent": [_("A kedvezmény nem lehet negatív.")]})
    if discount_amount is not None:
        if discount_amount < 0:
            raise ValidationError({"discount_amount": [_("A kedvezmény nem lehet negatív.")]})
        if discount_amount > gross:
            raise ValidationError(
                {
                    "discount_amount": [
                        _("A kedvezmény nem lehet nagyobb a tétel áránál (%(gross)s).")
                        % {"gross": gross}
                    ]
                }
            )


@transaction.atomic
def plan_item_add(
    *,
    plan: TreatmentPlan,
    phase: PlanPhase,
    actor: StaffMember,
    treatment: TreatmentItem,
    option: PlanOption | None = None,
    tooth: int | None = None,
    surfaces: str = "",
    canals: int | None = None,
    quantity: int = 1,
    unit_price: Decimal | None = None,
    discount_percent: Decimal | None = None,
    discount_amount: Decimal | None = None,
    note: str = "",
    request: HttpRequest | None = None,
) -> PlanItem:
    """Adds a planned treatment. The catalogue variant is chosen by the surfaces or canals
    (codes.catalogue_selectors.treatment_variant_for); the unit price comes from the plan's
    price list (or the catalogue's HUF price) unless given."""
    _same_practice(actor, plan.practice_id)
    if phase.plan_id != plan.pk or (option is not None and option.phase_id != phase.pk):
        raise ValueError("phase/option of another plan")
    if treatment.practice_id != plan.practice_id:
        raise ValueError("treatment of another practice")
    _lock_draft(plan)
    if not treatment.is_active:
        raise ValidationError(
            {"treatment": [_("A(z) „%(name)s” kezelés inaktív.") % {"name": treatment.name}]}
        )
    tooth, surfaces = _tooth_and_surfaces(plan, treatment, tooth, surfaces, option)
    variant = treatment_variant_for(item=treatment, surfaces=surfaces, canals=canals)
    treatment_variant_check(item=variant, surfaces=surfaces, canals=canals)
    if quantity < 1:
        raise ValidationError({"quantity": [_("A mennyiség legalább 1.")]})
    entry = None
    if plan.price_list_id is not None:
        entry = PriceListEntry.objects.filter(
            price_list_id=plan.price_list_id, treatment=variant
        ).first()
        if entry is None and unit_price is None:
            raise ValidationError(
                {
                    "treatment": [
                        _("A(z) „%(name)s” nem szerepel a terv árlistáján (%(list)s).")
                        % {"name": variant.name, "list": plan.price_list}
                    ]
                }
            )
    if unit_price is None:
        unit_price = entry.price if entry is not None else variant.price
    if unit_price < 0:
        raise ValidationError({"unit_price": [_("Az egységár nem lehet negatív.")]})
    _discount_check(discount_percent, discount_amount, unit_price * quantity)
    last = plan.items.aggregate(m=Max("position"))["m"] or 0
    item = PlanItem(
        practice=plan.practice,
        plan=plan,
        phase=phase,
        option=option,
        position=last + 1,
        treatment=variant,
        name=_item_name(variant, entry, plan.language),
        tooth=tooth,
        surfaces=surfaces,
        canals=canals,
        quantity=quantity,
        unit_price=unit_price,
        discount_percent=discount_percent,
        discount_amount=discount_amount,
        vat_rate=variant.vat_rate,
        note=note.strip(),
    )
    item.full_clean(exclude=["plan", "phase", "option", "treatment", "practice"])
    item.save()
    where = f" {tooth} {surfaces}".rstrip() if tooth else ""
    _audit(
        plan,
        actor,
        _("Tétel a tervhez: %(name)s%(where)s, %(total)s %(cur)s")
        % {
            "name": item.name,
            "where": where,
            "total": line_total(item_line(item), plan.currency).total,
            "cur": plan.currency,
        },
        obj=item,
        request=request,
    )
    return item


def item_line(item: PlanItem) -> Line:
    return Line(
        unit_price=item.unit_price,
        quantity=item.quantity,
        vat_rate=item.vat_rate,
        discount_percent=item.discount_percent,
        discount_amount=item.discount_amount,
    )


@transaction.atomic
def plan_item_remove(
    *, item: PlanItem, actor: StaffMember, request: HttpRequest | None = None
) -> None:
    plan = item.plan
    _same_practice(actor, plan.practice_id)
    _lock_draft(plan)
    _audit(
        plan, actor, _("Tétel törölve a tervből: %(name)s") % {"name": item.name}, request=request
    )
    item.delete()


@transaction.atomic
def plan_option_choose(
    *, option: PlanOption, actor: StaffMember, request: HttpRequest | None = None
) -> PlanOption:
    """Records the patient's choice among a phase's options (a draft or a presented quote:
    choosing does not change the quote's content)."""
    plan = option.phase.plan
    _same_practice(actor, plan.practice_id)
    status = (
        TreatmentPlan.objects.select_for_update()
        .filter(pk=plan.pk)
        .values_list("status", flat=True)
        .first()
    )
    if status not in (S.DRAFT, S.PRESENTED):
        plan.status = status or plan.status
        raise _not_draft_refusal(plan)
    PlanOption.objects.filter(phase_id=option.phase_id).exclude(pk=option.pk).update(chosen=False)
    PlanOption.objects.filter(pk=option.pk).update(chosen=True)
    option.chosen = True
    _audit(
        plan,
        actor,
        _("A páciens választása (%(phase)s): %(label)s – %(title)s")
        % {"phase": option.phase.title, "label": option.label, "title": option.title},
        obj=option,
        request=request,
    )
    return option


def _today() -> dt.date:
    return timezone.localdate()


def _transition_refusal(plan: TreatmentPlan, to: str, today: dt.date) -> str | None:
    """Why `plan` may not move to `to` now (None: it may)."""
    if to not in TRANSITIONS.get(plan.status, frozenset()) or to == S.SUPERSEDED:
        return _("A terv „%(from)s” állapotból nem vihető „%(to)s” állapotba.") % {
            "from": PlanStatus(plan.status).label,
            "to": PlanStatus(to).label,
        }
    if to == S.PRESENTED:
        items = list(plan.items.all())
        if not items:
            return _("Üres terv nem adható ki árajánlatként: vegyen fel legalább egy tételt.")
        for phase in plan.phases.prefetch_related("options"):
            for option in phase.options.all():
                if not any(i.option_id == option.pk for i in items):
                    return _("A(z) „%(phase)s” szakasz %(label)s lehetősége üres.") % {
                        "phase": phase.title,
                        "label": option.label,
                    }
        if plan.valid_until is None or plan.valid_until < today:
            return _("Az árajánlat kiadásához adjon meg mai vagy későbbi érvényességi dátumot.")
        if plan.currency == Currency.EUR and plan.exchange_rate is None:
            return _("Euróban adott ajánlathoz meg kell adni az árfolyamot és annak dátumát.")
    if to == S.ACCEPTED:
        if plan.valid_until is not None and plan.valid_until < today:
            return _(
                "Az árajánlat %(date)s-ig volt érvényes, lejárt: nem fogadható el. Készítsen "
                "új verziót, és adja ki újra."
            ) % {"date": plan.valid_until.strftime("%Y.%m.%d.")}
        for phase in plan.phases.prefetch_related("options"):
            options = list(phase.options.all())
            if options and not any(o.chosen for o in options):
                return _(
                    "A(z) „%(phase)s” szakaszban a páciens még nem választott a lehetőségek közül."
                ) % {"phase": phase.title}
    if to == S.EXPIRED and (plan.valid_until is None or plan.valid_until >= today):
        return _("Az árajánlat még érvényes, nem jelölhető lejártnak.")
    if to == S.COMPLETED:
        open_items = [i for i in plan_effective_items(plan) if i.done_at is None]
        if open_items:
            return _("A tervben még %(n)s elvégzetlen tétel van.") % {"n": len(open_items)}
    return None


def _set_status(
    plan: TreatmentPlan, to: str, actor: StaffMember, request: HttpRequest | None, reason: str = ""
) -> None:
    before = plan.status
    plan.status = to
    now = timezone.now()
    if to == S.PRESENTED:
        plan.presented_at = now
    if to in (S.ACCEPTED, S.REJECTED):
        plan.decided_at = now
    plan.save(update_fields=["status", "presented_at", "decided_at", "updated_at"])
    _audit(
        plan,
        actor,
        _("Kezelési terv (v%(v)s) állapota: %(from)s → %(to)s%(reason)s")
        % {
            "v": plan.version,
            "from": PlanStatus(before).label,
            "to": PlanStatus(to).label,
            "reason": f" ({reason})" if reason else "",
        },
        changes={"status": [before, to]},
        request=request,
    )


@transaction.atomic
def plan_transition(
    *,
    plan: TreatmentPlan,
    to: str,
    actor: StaffMember,
    today: dt.date | None = None,
    request: HttpRequest | None = None,
) -> TreatmentPlan:
    """The one way a plan's status changes (TRANSITIONS, plus each step's conditions).
    Accepting a newer version supersedes the version it replaces."""
    _same_practice(actor, plan.practice_id)
    locked = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
    plan.status = locked.status
    if to not in PlanStatus.values:
        raise ValidationError(_("Ismeretlen állapot: %(s)s.") % {"s": to}, code="plan_status")
    refusal = _transition_refusal(plan, to, today or _today())
    if refusal:
        raise ValidationError(refusal, code="plan_transition")
    _set_status(plan, to, actor, request)
    if to == S.ACCEPTED and plan.previous_id is not None:
        previous = TreatmentPlan.objects.select_for_update().get(pk=plan.previous_id)
        if S.SUPERSEDED in TRANSITIONS[previous.status]:
            _set_status(previous, S.SUPERSEDED, actor, request, _("új verzió elfogadva"))
    return plan


@transaction.atomic
def plan_revise(
    *, plan: TreatmentPlan, actor: StaffMember, request: HttpRequest | None = None
) -> TreatmentPlan:
    """A new draft version with the plan's phases, options and items, to be changed and
    presented/accepted again. A presented quote is withdrawn (superseded) at once; an
    accepted plan stays in force until the new version is accepted."""
    _same_practice(actor, plan.practice_id)
    locked = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
    plan.status = locked.status
    if plan.status == S.DRAFT:
        raise ValidationError(
            _("A tervezet közvetlenül szerkeszthető, nem kell új verzió."), code="plan_draft"
        )
    if plan.status in (S.SUPERSEDED, S.COMPLETED):
        raise ValidationError(
            _("A(z) „%(status)s” állapotú tervből nem készül új verzió.")
            % {"status": PlanStatus(plan.status).label},
            code="plan_revise",
        )
    if TreatmentPlan.objects.filter(previous=plan).exists():
        raise ValidationError(_("Ennek a tervnek már van újabb verziója."), code="plan_revise")
    new = TreatmentPlan.objects.get(pk=plan.pk)
    new.pk = None
    new.id = None
    new.status = S.DRAFT
    new.version = plan.version + 1
    new.previous = plan
    new.presented_at = None
    new.decided_at = None
    new.created_by = actor.user
    new.save()
    option_map: dict[int, PlanOption] = {}
    phase_map: dict[int, PlanPhase] = {}
    for phase in plan.phases.prefetch_related("options"):
        new_phase = PlanPhase.objects.create(
            practice=plan.practice, plan=new, position=phase.position, title=phase.title
        )
        phase_map[phase.pk] = new_phase
        for option in phase.options.all():
            option_map[option.pk] = PlanOption.objects.create(
                practice=plan.practice,
                phase=new_phase,
                label=option.label,
                title=option.title,
                chosen=option.chosen,
            )
    for item in plan.items.all():
        item.pk = None
        item.id = None
        item.plan = new
        item.phase = phase_map[item.phase_id]
        item.option = option_map[item.option_id] if item.option_id else None
        item.save()
    if plan.status == S.PRESENTED:
        _set_status(plan, S.SUPERSEDED, actor, request, _("új verzió készül"))
    _audit(
        new,
        actor,
        _("Kezelési terv új verziója: %(title)s v%(v)s") % {"title": new.title, "v": new.version},
        action=AuditAction.CREATE,
        changes={"previous": plan.pk},
        request=request,
    )
    return new


def plan_item_bookable_check(item: PlanItem) -> None:
    """Refuses booking an item that is done or whose plan is not accepted (the calendar's
    booking, a later step, calls this first)."""
    if item.done_at is not None:
        raise ValidationError(
            _("A(z) „%(name)s” tétel már elvégezve (%(date)s): nem foglalható rá időpont.")
            % {"name": item.name, "date": timezone.localtime(item.done_at).strftime("%Y.%m.%d.")},
            code="item_done",
        )
    if item.plan.status not in (S.ACCEPTED, S.IN_PROGRESS):
        raise ValidationError(
            _("Csak elfogadott terv tételére foglalható időpont."), code="plan_not_accepted"
        )


@transaction.atomic
def plan_item_complete(
    *,
    item: PlanItem,
    actor: StaffMember,
    visit: Visit | None = None,
    procedure: VisitProcedure | None = None,
    request: HttpRequest | None = None,
) -> PlanItem:
    """Marks a planned item done — with the visit it was carried out in and the procedure
    that did it, when there are (plans/clinical_services.py passes them; the plan page's
    button has none); an accepted plan moves to in progress with its first."""
    plan = item.plan
    _same_practice(actor, plan.practice_id)
    if visit is not None and (
        visit.practice_id != plan.practice_id or visit.patient_id != plan.patient_id
    ):
        raise ValueError("visit of another patient")
    if procedure is not None and (visit is None or procedure.visit_id != visit.pk):
        raise ValueError("procedure of another visit")
    locked = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
    plan.status = locked.status
    if plan.status not in (S.ACCEPTED, S.IN_PROGRESS):
        raise ValidationError(
            _("Csak elfogadott terv tétele jelölhető elvégzettnek."), code="plan_not_accepted"
        )
    if PlanItem.objects.filter(pk=item.pk, done_at__isnull=False).exists():
        raise ValidationError(
            _("A(z) „%(name)s” tétel már elvégezve.") % {"name": item.name}, code="item_done"
        )
    if item.option is not None and not item.option.chosen:
        raise ValidationError(
            _("A tétel nem a páciens által választott lehetőséghez tartozik."),
            code="item_not_chosen",
        )
    item.done_at = timezone.now()
    item.done_visit = visit
    item.done_procedure = procedure
    item.save(update_fields=["done_at", "done_visit", "done_procedure"])
    where = f" {item.tooth} {item.surfaces}".rstrip() if item.tooth else ""
    when = (
        " "
        + _("(ellátás: %(date)s)")
        % {"date": timezone.localtime(visit.started_at).strftime("%Y.%m.%d.")}
        if visit is not None
        else ""
    )
    _audit(
        plan,
        actor,
        _("Tervezett tétel elvégezve: %(name)s") % {"name": item.name} + where + when,
        obj=item,
        changes={"done_visit": visit.pk if visit is not None else None},
        request=request,
    )
    if plan.status == S.ACCEPTED:
        _set_status(plan, S.IN_PROGRESS, actor, request)
    return item


@transaction.atomic
def price_list_create(
    *,
    practice: Practice,
    actor: StaffMember,
    name: str,
    currency: str,
    request: HttpRequest | None = None,
) -> PriceList:
    _same_practice(actor, practice.pk)
    name = name.strip()
    if not name:
        raise ValidationError({"name": [_("Adja meg az árlista nevét.")]})
    if currency not in Currency.values:
        raise ValidationError({"currency": [_("Ismeretlen pénznem: %(c)s.") % {"c": currency}]})
    if PriceList.objects.filter(practice=practice, name=name).exists():
        raise ValidationError({"name": [_("Már van ilyen nevű árlista.")]})
    price_list = PriceList.objects.create(practice=practice, name=name, currency=currency)
    audit_record(
        practice=practice,
        actor=actor.user,
        action=AuditAction.CREATE,
        obj=price_list,
        summary=_("Árlista létrehozva: %(name)s (%(cur)s)") % {"name": name, "cur": currency},
        request=request,
    )
    return price_list


@transaction.atomic
def price_list_entry_set(
    *,
    price_list: PriceList,
    treatment: TreatmentItem,
    actor: StaffMember,
    price: Decimal,
    name_hu: str = "",
    name_en: str = "",
    name_de: str = "",
    request: HttpRequest | None = None,
) -> PriceListEntry:
    """Sets (adds or changes) a catalogue item's price and names in a price list. Issued
    quotes keep their prices: items copy the price when added."""
    _same_practice(actor, price_list.practice_id)
    if treatment.practice_id != price_list.practice_id:
        raise ValueError("treatment of another practice")
    if price < 0:
        raise ValidationError({"price": [_("Az ár nem lehet negatív.")]})
    if price != price.quantize(
        Decimal(1) if price_list.currency == Currency.HUF else Decimal("0.01")
    ):
        raise ValidationError(
            {"price": [_("Forint ár egész szám, euró ár legfeljebb két tizedesjegy.")]}
        )
    entry, _created = PriceListEntry.objects.update_or_create(
        practice_id=price_list.practice_id,
        price_list=price_list,
        treatment=treatment,
        defaults={
            "price": price,
            "name_hu": name_hu.strip(),
            "name_en": name_en.strip(),
            "name_de": name_de.strip(),
        },
    )
    audit_record(
        practice=price_list.practice,
        actor=actor.user,
        action=AuditAction.UPDATE,
        obj=entry,
        summary=_("Árlista (%(list)s): %(name)s = %(price)s %(cur)s")
        % {
            "list": price_list.name,
            "name": treatment.name,
            "price": price,
            "cur": price_list.currency,
        },
        request=request,
    )
    return entry


PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SIGNATURE_MAX_BYTES = 512 * 1024


@transaction.atomic
def plan_sign(
    *,
    plan: TreatmentPlan,
    actor: StaffMember,
    image_png: bytes,
    signer_name: str,
    today: dt.date | None = None,
    request: HttpRequest | None = None,
) -> PlanSignature:
    """The patient signs the presented quote: the quote is rendered now (the exact version he
    sees), stored with the signature image and its SHA-256, and the plan is accepted through
    plan_transition — all in one transaction, so a refused acceptance stores nothing."""
    import hashlib

    from zomanc.plans.pdf import quote_pdf
    from zomanc.plans.selectors import plan_quote

    _same_practice(actor, plan.practice_id)
    signer_name = signer_name.strip()
    if not signer_name:
        raise ValidationError({"signer_name": [_("Adja meg az aláíró nevét.")]})
    if not image_png.startswith(PNG_MAGIC) or len(image_png) < 100:
        raise ValidationError({"image": [_("Az aláírás hiányzik: írjon alá a keretben.")]})
    if len(image_png) > SIGNATURE_MAX_BYTES:
        raise ValidationError({"image": [_("Az aláírás képe túl nagy.")]})
    plan_transition(plan=plan, to=S.ACCEPTED, actor=actor, today=today, request=request)
    pdf = quote_pdf(plan_quote(plan))
    signature = PlanSignature.objects.create(
        practice=plan.practice,
        plan=plan,
        version=plan.version,
        signer_name=signer_name,
        image_png=image_png,
        quote_pdf=pdf,
        quote_sha256=hashlib.sha256(pdf).hexdigest(),
        recorded_by=actor.user,
    )
    _audit(
        plan,
        actor,
        _("Árajánlat aláírva (v%(v)s, %(name)s), SHA-256: %(sha)s")
        % {"v": plan.version, "name": signer_name, "sha": signature.quote_sha256},
        action=AuditAction.CREATE,
        obj=signature,
        changes={"quote_sha256": signature.quote_sha256, "version": plan.version},
        request=request,
    )
    return signature
