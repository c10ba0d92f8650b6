"""The plans' part of the JSON API (mounted on zomanc.api.api's NinjaAPI): a patient's plans,
one plan with its phases, options, items and totals, adding phases, options and items,
removing items, choosing an option, status changes, new versions, booking items to the
calendar (POST /plans/{id}/book) and carrying an item out in a visit (POST
/plans/{id}/items/{item_id}/perform). The same services and
permission matrix as the pages; every error is declared (ErrorOut). Amounts are strings
("28000", "895.55"): exact decimals, never floats."""

import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict

from zomanc.api.common import BODY_ERRORS, MAX_ID, READ_ERRORS, ServiceValidationError, api_member
from zomanc.api.schemas import SAFE_TEXT, ErrorOut
from zomanc.audit.models import AuditAction
from zomanc.audit.services import audit_record
from zomanc.clinical.models import Visit
from zomanc.codes.models import TreatmentItem
from zomanc.patients.selectors import access_patient
from zomanc.plans.booking_selectors import ItemBooking, plan_item_bookings
from zomanc.plans.booking_services import MAX_ITEMS, plan_items_book
from zomanc.plans.clinical_services import plan_item_perform
from zomanc.plans.models import PlanOption, PlanPhase, TreatmentPlan
from zomanc.plans.selectors import (
    access_plan,
    access_plan_item,
    access_plan_option,
    access_plan_phase,
    patient_plans,
    plan_quote,
)
from zomanc.plans.services import (
    plan_create,
    plan_item_add,
    plan_item_remove,
    plan_option_add,
    plan_option_choose,
    plan_phase_add,
    plan_revise,
    plan_transition,
)
from zomanc.plans.views import TRANSITION_PERM
from zomanc.practices.models import OrgUnit, StaffMember
from zomanc.practices.permissions import Perm, member_can
from zomanc.scheduling.models import Chair

router: Router = Router(tags=["kezelési tervek"])
Id = Annotated[int, Path(..., ge=1, le=MAX_ID)]
Title = Annotated[str, Field(min_length=1, max_length=200, pattern=SAFE_TEXT)]
Money = Annotated[Decimal, Field(max_digits=12, decimal_places=2, allow_inf_nan=False)]
NOT_FOUND = {404: ErrorOut}


class PlanIn(Schema):
    model_config = ConfigDict(extra="forbid")
    title: Title
    language: Literal["hu", "en", "de"] = "hu"
    currency: Literal["HUF", "EUR"] = "HUF"
    price_list_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = None
    valid_until: datetime.date | None = None
    exchange_rate: (
        Annotated[Decimal, Field(max_digits=10, decimal_places=4, allow_inf_nan=False)] | None
    ) = None
    exchange_rate_date: datetime.date | None = None
    advance_percent: (
        Annotated[Decimal, Field(max_digits=5, decimal_places=2, allow_inf_nan=False)] | None
    ) = None
    advance_amount: Money | None = None
    note: Annotated[str, Field(max_length=2000)] = ""


class TitleIn(Schema):
    model_config = ConfigDict(extra="forbid")
    title: Title


class ItemIn(Schema):
    model_config = ConfigDict(extra="forbid")
    phase_id: Annotated[int, Field(ge=1, le=MAX_ID)]
    option_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = None
    treatment_id: Annotated[int, Field(ge=1, le=MAX_ID)]
    tooth: Annotated[int, Field(ge=0, le=99)] | None = None
    surfaces: Annotated[str, Field(max_length=10, pattern=SAFE_TEXT)] = ""
    canals: Annotated[int, Field(ge=1, le=9)] | None = None
    quantity: Annotated[int, Field(ge=1, le=999)] = 1
    unit_price: Money | None = Field(None, description="Üresen: az árlista (vagy a katalógus) ára.")
    discount_percent: (
        Annotated[Decimal, Field(max_digits=5, decimal_places=2, allow_inf_nan=False)] | None
    ) = None
    discount_amount: Money | None = None
    note: Annotated[str, Field(max_length=300, pattern=SAFE_TEXT)] = ""


class StatusIn(Schema):
    model_config = ConfigDict(extra="forbid")
    to: Literal["presented", "accepted", "rejected", "expired", "in_progress", "completed"]


class PlanOut(Schema):
    id: int
    patient_id: int
    title: str
    status: str
    version: int
    previous_id: int | None
    language: str
    currency: str
    valid_until: datetime.date | None
    total: str


class ItemOut(Schema):
    id: int
    phase_id: int
    option_id: int | None
    treatment_id: int
    name: str
    tooth: int | None
    surfaces: str
    quantity: int
    unit_price: str
    discount: str
    total: str
    vat_rate: str
    done: bool
    done_visit_id: int | None = Field(
        description="Az ellátás, amelyben a tételt elvégezték (a terv oldalán jelölve: nincs)."
    )
    appointment_id: int | None = Field(
        description="Az időpont, amelyre a tétel foglalva van (nem lemondott, el nem múlt)."
    )


class OptionOut(Schema):
    id: int
    label: str
    title: str
    chosen: bool
    total: str
    items: list[ItemOut]


class PhaseOut(Schema):
    id: int
    position: int
    title: str
    total: str
    items: list[ItemOut]
    options: list[OptionOut]


class PlanDetailOut(PlanOut):
    phases: list[PhaseOut]
    discount: str
    vat: dict[str, str]
    total_huf: str | None


def _plan_out(plan: TreatmentPlan, total: Decimal | None = None) -> dict[str, Any]:
    if total is None:
        total = plan_quote(plan).totals.total
    return {
        "id": plan.pk,
        "patient_id": plan.patient_id,
        "title": plan.title,
        "status": plan.status,
        "version": plan.version,
        "previous_id": plan.previous_id,
        "language": plan.language,
        "currency": plan.currency,
        "valid_until": plan.valid_until,
        "total": str(total),
    }


def _item_out(q: Any, bookings: dict[int, ItemBooking]) -> dict[str, Any]:
    item = q.item
    booking = bookings.get(item.pk)
    return {
        "id": item.pk,
        "phase_id": item.phase_id,
        "option_id": item.option_id,
        "treatment_id": item.treatment_id,
        "name": item.name,
        "tooth": item.tooth,
        "surfaces": item.surfaces,
        "quantity": item.quantity,
        "unit_price": str(item.unit_price),
        "discount": str(q.amounts.discount),
        "total": str(q.amounts.total),
        "vat_rate": item.vat_rate,
        "done": item.done_at is not None,
        "done_visit_id": item.done_visit_id,
        "appointment_id": booking.appointment.pk if booking and booking.live else None,
    }


def _detail_out(plan: TreatmentPlan) -> dict[str, Any]:
    quote = plan_quote(plan)
    bookings = plan_item_bookings(plan)
    return {
        **_plan_out(plan, quote.totals.total),
        "phases": [
            {
                "id": p.phase.pk,
                "position": p.phase.position,
                "title": p.phase.title,
                "total": str(p.totals.total),
                "items": [_item_out(q, bookings) for q in p.common],
                "options": [
                    {
                        "id": o.option.pk,
                        "label": o.option.label,
                        "title": o.option.title,
                        "chosen": o.option.chosen,
                        "total": str(o.totals.total),
                        "items": [_item_out(q, bookings) for q in o.items],
                    }
                    for o in p.options
                ],
            }
            for p in quote.phases
        ],
        "discount": str(quote.totals.discount),
        "vat": {rate: str(v) for rate, v in quote.vat_content.items()},
        "total_huf": str(quote.total_huf) if quote.total_huf is not None else None,
    }


def _run(call: Any) -> Any:
    try:
        return call()
    except DjangoValidationError as exc:
        raise ServiceValidationError(exc) from exc


def _plan(request: HttpRequest, perm: Perm, plan_id: int) -> tuple[Any, TreatmentPlan]:
    member = api_member(request, perm)
    try:
        return member, access_plan(member, plan_id)
    except Http404:
        raise HttpError(404, _("Nincs ilyen kezelési terv.")) from None


def _not_found(what: str) -> HttpError:
    return HttpError(404, what)


@router.get(
    "/patients/{patient_id}/plans",
    response={200: list[PlanOut], **NOT_FOUND, **READ_ERRORS},
    summary="A páciens kezelési tervei",
)
def plans_list(request: HttpRequest, patient_id: Id) -> list[dict[str, Any]]:
    member = api_member(request, Perm.PLAN_VIEW)
    try:
        patient = access_patient(member, patient_id)
    except Http404:
        raise _not_found(_("Nincs ilyen páciens.")) from None
    audit_record(
        practice=member.practice,
        actor=member.user,
        action=AuditAction.VIEW,
        obj=patient,
        patient_id=patient.pk,
        summary=f"Kezelési tervek megtekintése (API): {patient}",
        request=request,
    )
    return [_plan_out(plan) for plan in patient_plans(patient)]


@router.post(
    "/patients/{patient_id}/plans",
    response={201: PlanOut, **NOT_FOUND, **BODY_ERRORS},
    summary="Új kezelési terv (tervezet)",
)
def plans_create(request: HttpRequest, patient_id: Id, payload: PlanIn) -> Status[dict[str, Any]]:
    member = api_member(request, Perm.PLAN_DRAFT)
    try:
        patient = access_patient(member, patient_id)
    except Http404:
        raise _not_found(_("Nincs ilyen páciens.")) from None
    data = payload.model_dump()
    price_list_id = data.pop("price_list_id")
    price_list = None
    if price_list_id is not None:
        from zomanc.plans.models import PriceList

        price_list = PriceList.objects.filter(
            practice_id=member.practice_id, pk=price_list_id
        ).first()
        if price_list is None:
            raise ServiceValidationError(
                DjangoValidationError({"price_list_id": [_("Nincs ilyen árlista.")]})
            )
    plan = _run(
        lambda: plan_create(
            patient=patient, actor=member, price_list=price_list, request=request, **data
        )
    )
    return Status(201, _plan_out(plan, Decimal(0)))


@router.get(
    "/plans/{plan_id}",
    response={200: PlanDetailOut, **NOT_FOUND, **READ_ERRORS},
    summary="Kezelési terv",
)
def plans_read(request: HttpRequest, plan_id: Id) -> dict[str, Any]:
    member, plan = _plan(request, Perm.PLAN_VIEW, plan_id)
    audit_record(
        practice=member.practice,
        actor=member.user,
        action=AuditAction.VIEW,
        obj=plan,
        patient_id=plan.patient_id,
        summary=f"Kezelési terv (v{plan.version}) megtekintése (API): {plan.patient}",
        request=request,
    )
    return _detail_out(plan)


@router.post(
    "/plans/{plan_id}/phases",
    response={201: PlanDetailOut, **NOT_FOUND, **BODY_ERRORS},
    summary="Új szakasz",
)
def plans_phase_add(request: HttpRequest, plan_id: Id, payload: TitleIn) -> Status[dict[str, Any]]:
    member, plan = _plan(request, Perm.PLAN_DRAFT, plan_id)
    _run(lambda: plan_phase_add(plan=plan, actor=member, title=payload.title, request=request))
    return Status(201, _detail_out(plan))


def _phase(plan: TreatmentPlan, phase_id: int) -> PlanPhase:
    try:
        return access_plan_phase(plan, phase_id)
    except Http404:
        raise _not_found(_("Nincs ilyen szakasz a tervben.")) from None


def _option(plan: TreatmentPlan, option_id: int) -> PlanOption:
    try:
        return access_plan_option(plan, option_id)
    except Http404:
        raise _not_found(_("Nincs ilyen lehetőség a tervben.")) from None


@router.post(
    "/plans/{plan_id}/phases/{phase_id}/options",
    response={201: PlanDetailOut, **NOT_FOUND, **BODY_ERRORS},
    summary="Új lehetőség (A/B/C) egy szakaszban",
)
def plans_option_add(
    request: HttpRequest, plan_id: Id, phase_id: Id, payload: TitleIn
) -> Status[dict[str, Any]]:
    member, plan = _plan(request, Perm.PLAN_DRAFT, plan_id)
    phase = _phase(plan, phase_id)
    _run(lambda: plan_option_add(phase=phase, actor=member, title=payload.title, request=request))
    return Status(201, _detail_out(plan))


@router.post(
    "/plans/{plan_id}/items",
    response={201: PlanDetailOut, **NOT_FOUND, **BODY_ERRORS},
    summary="Tétel hozzáadása",
    description=(
        "A változatot a felszínek/csatornák száma választja; az ár az árlistáé, ha nincs megadva."
    ),
)
def plans_item_add(request: HttpRequest, plan_id: Id, payload: ItemIn) -> Status[dict[str, Any]]:
    member, plan = _plan(request, Perm.PLAN_DRAFT, plan_id)
    phase = _phase(plan, payload.phase_id)
    option = _option(plan, payload.option_id) if payload.option_id is not None else None
    if option is not None and option.phase_id != phase.pk:
        raise ServiceValidationError(
            DjangoValidationError({"option_id": [_("A lehetőség nem ebben a szakaszban van.")]})
        )
    treatment = TreatmentItem.objects.filter(
        practice_id=member.practice_id, pk=payload.treatment_id
    ).first()
    if treatment is None:
        raise ServiceValidationError(
            DjangoValidationError({"treatment_id": [_("Nincs ilyen kezelés a katalógusban.")]})
        )
    data = payload.model_dump(exclude={"phase_id", "option_id", "treatment_id"})
    _run(
        lambda: plan_item_add(
            plan=plan,
            phase=phase,
            option=option,
            actor=member,
            treatment=treatment,
            request=request,
            **data,
        )
    )
    return Status(201, _detail_out(plan))


@router.delete(
    "/plans/{plan_id}/items/{item_id}",
    response={200: PlanDetailOut, **NOT_FOUND, **READ_ERRORS},
    summary="Tétel törlése (csak tervezetből)",
)
def plans_item_remove(request: HttpRequest, plan_id: Id, item_id: Id) -> dict[str, Any]:
    member, plan = _plan(request, Perm.PLAN_DRAFT, plan_id)
    try:
        item = access_plan_item(plan, item_id)
    except Http404:
        raise _not_found(_("Nincs ilyen tétel a tervben.")) from None
    _run(lambda: plan_item_remove(item=item, actor=member, request=request))
    return _detail_out(plan)


class PerformIn(Schema):
    model_config = ConfigDict(extra="forbid")
    visit_id: int = Field(ge=1, le=MAX_ID, description="A páciens nyitott ellátása.")


@router.post(
    "/plans/{plan_id}/items/{item_id}/perform",
    response={200: PlanDetailOut, **NOT_FOUND, **BODY_ERRORS},
    summary="Tervezett tétel elvégzése egy ellátásban",
    description=(
        "Rögzíti a tétel beavatkozását a páciens nyitott ellátásában (kezelés, fog, felszínek, "
        "csatornák, mennyiség a tételből), és a tételt elvégzettnek jelöli ezzel az ellátással "
        "— egy tranzakcióban. Lezárt ellátás, már elvégzett tétel, nem elfogadott terv: 422 "
        "a magyar indokkal, és semmi sem változik."
    ),
)
def plans_item_perform(
    request: HttpRequest, plan_id: Id, item_id: Id, payload: PerformIn
) -> dict[str, Any]:
    member, plan = _plan(request, Perm.CLINICAL_EDIT, plan_id)
    try:
        item = access_plan_item(plan, item_id)
    except Http404:
        raise _not_found(_("Nincs ilyen tétel a tervben.")) from None
    visit = (
        Visit.objects.filter(
            practice_id=member.practice_id, patient_id=plan.patient_id, pk=payload.visit_id
        )
        .select_related("patient")
        .first()
    )
    if visit is None:
        raise _not_found(_("Nincs ilyen ellátása a páciensnek."))
    visit.practice = member.practice
    _run(lambda: plan_item_perform(item=item, visit=visit, actor=member, request=request))
    return _detail_out(plan)


@router.post(
    "/plans/{plan_id}/options/{option_id}/choose",
    response={200: PlanDetailOut, **NOT_FOUND, **BODY_ERRORS},
    summary="A páciens választása",
)
def plans_option_choose(request: HttpRequest, plan_id: Id, option_id: Id) -> dict[str, Any]:
    member, plan = _plan(request, Perm.PLAN_DECIDE, plan_id)
    option = _option(plan, option_id)
    _run(lambda: plan_option_choose(option=option, actor=member, request=request))
    return _detail_out(plan)


@router.post(
    "/plans/{plan_id}/status",
    response={200: PlanOut, **NOT_FOUND, **BODY_ERRORS},
    summary="Állapotváltás",
    description=(
        "presented (árajánlat kiadása), accepted, rejected, expired, in_progress, completed. "
        "Tiltott vagy feltételt sértő váltás: 422 a magyar indokkal."
    ),
)
def plans_status(request: HttpRequest, plan_id: Id, payload: StatusIn) -> dict[str, Any]:
    member, plan = _plan(request, Perm.PLAN_VIEW, plan_id)
    if not member_can(member, TRANSITION_PERM[payload.to]):
        raise HttpError(403, _("Ehhez a művelethez nincs jogosultsága."))
    _run(lambda: plan_transition(plan=plan, to=payload.to, actor=member, request=request))
    return _plan_out(plan)


@router.post(
    "/plans/{plan_id}/revise",
    response={201: PlanOut, **NOT_FOUND, **BODY_ERRORS},
    summary="Új verzió (kiadott vagy elfogadott terv módosításához)",
)
def plans_revise(request: HttpRequest, plan_id: Id) -> Status[dict[str, Any]]:
    member, plan = _plan(request, Perm.PLAN_PRESENT, plan_id)
    new = _run(lambda: plan_revise(plan=plan, actor=member, request=request))
    return Status(201, _plan_out(new))


class BookIn(Schema):
    model_config = ConfigDict(extra="forbid")
    item_ids: Annotated[
        list[Annotated[int, Field(ge=1, le=MAX_ID)]], Field(min_length=1, max_length=MAX_ITEMS)
    ]
    starts_at: datetime.datetime = Field(
        description="Időzóna nélkül a rendelő helyi ideje (Europe/Budapest)."
    )
    ends_at: datetime.datetime | None = Field(
        None, description="Üresen: a kezdés + a tételek katalógus szerinti időtartama × mennyiség."
    )
    chair_id: Annotated[int, Field(ge=1, le=MAX_ID)]
    doctor_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = Field(
        None, description="Üresen: a terv orvosa."
    )
    org_unit_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = Field(
        None, description="Üresen: a rendelő egyetlen aktív szervezeti egysége."
    )
    note: Annotated[str, Field(max_length=500, pattern=SAFE_TEXT)] = ""


class BookingOut(Schema):
    appointment_id: int
    patient_id: int
    doctor_id: int
    chair_id: int
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    item_ids: list[int]


# The services' field names as this endpoint's body calls them.
BOOK_FIELDS = {
    "items": "item_ids",
    "chair": "chair_id",
    "doctor": "doctor_id",
    "company": "org_unit_id",
    "org_unit": "org_unit_id",
}


def _run_renamed(call: Any) -> Any:
    try:
        return call()
    except DjangoValidationError as exc:
        if hasattr(exc, "error_dict"):
            renamed: dict[str, list[DjangoValidationError]] = {}
            for field, errors in exc.error_dict.items():
                renamed.setdefault(BOOK_FIELDS.get(field, field), []).extend(errors)
            exc = DjangoValidationError(renamed)
        raise ServiceValidationError(exc) from exc


def _refuse(field: str, message: str) -> ServiceValidationError:
    return ServiceValidationError(DjangoValidationError({field: [message]}))


# The calendar's years (scheduling.views): a time outside them is a typo, and converting it
# to and from the practice's time zone could step outside what datetime holds.
FIRST_YEAR, LAST_YEAR = 1900, 2999


def _moment(field: str, value: datetime.datetime) -> datetime.datetime:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise _refuse(field, _("Érvénytelen időpont."))
    return timezone.make_aware(value) if timezone.is_naive(value) else value


@router.post(
    "/plans/{plan_id}/book",
    response={201: BookingOut, **NOT_FOUND, **BODY_ERRORS},
    summary="Tételek foglalása időpontra",
    description=(
        "Az elfogadott (vagy folyamatban lévő) terv kijelölt tételeit egy új időpontra "
        "foglalja a terv páciensének. Elutasítva 422-vel, a magyar indokkal (semmi sem "
        "mentődik): elvégzett tétel, nem elfogadott terv, nem választott lehetőség tétele, "
        "még érvényes (nem lemondott, el nem múlt) időpontra már foglalt tétel, ütközés a "
        "székkel vagy az orvossal, 12 óránál hosszabb időpont."
    ),
)
def plans_book(request: HttpRequest, plan_id: Id, payload: BookIn) -> Status[dict[str, Any]]:
    member, plan = _plan(request, Perm.APPOINTMENT_EDIT, plan_id)
    if not member_can(member, Perm.PLAN_VIEW):
        raise HttpError(403, _("Ehhez a művelethez nincs jogosultsága."))
    starts_at = _moment("starts_at", payload.starts_at)
    ends_at = _moment("ends_at", payload.ends_at) if payload.ends_at is not None else None
    chair = Chair.objects.filter(practice_id=member.practice_id, pk=payload.chair_id).first()
    if chair is None:
        raise _refuse("chair_id", _("Nincs ilyen szék."))
    doctor = None
    if payload.doctor_id is not None:
        doctor = StaffMember.objects.filter(
            practice_id=member.practice_id, pk=payload.doctor_id
        ).first()
        if doctor is None:
            raise _refuse("doctor_id", _("Nincs ilyen orvos."))
    units = OrgUnit.objects.filter(practice_id=member.practice_id).select_related("company")
    if payload.org_unit_id is not None:
        org_unit = units.filter(pk=payload.org_unit_id).first()
        if org_unit is None:
            raise _refuse("org_unit_id", _("Nincs ilyen szervezeti egység."))
    else:
        active = list(units.filter(is_active=True, company__is_active=True)[:2])
        if len(active) != 1:
            raise _refuse("org_unit_id", _("Adja meg a szervezeti egységet."))
        org_unit = active[0]
    appointment = _run_renamed(
        lambda: plan_items_book(
            plan=plan,
            item_ids=payload.item_ids,
            actor=member,
            chair=chair,
            starts_at=starts_at,
            ends_at=ends_at,
            doctor=doctor,
            company=org_unit.company,
            org_unit=org_unit,
            note=payload.note,
            request=request,
        )
    )
    return Status(
        201,
        {
            "appointment_id": appointment.pk,
            "patient_id": appointment.patient_id,
            "doctor_id": appointment.doctor_id,
            "chair_id": appointment.chair_id,
            "starts_at": appointment.starts_at,
            "ends_at": appointment.ends_at,
            "item_ids": sorted(set(payload.item_ids)),
        },
    )
