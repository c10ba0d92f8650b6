"""Writes joining plans to the chart and the chair (issue 14, "From the chart" and "To the
chair"): planned treatments added from teeth picked on the tooth chart, an open plan item
carried out in a visit with one click (the procedure recorded and the item done, together),
and a procedure typed in a visit ticked off against the item it matches.

Each is one transaction over the services that own the rows — plans.services for the plan,
clinical.services for the visit — so a refusal of either saves nothing of both, and each row
writes its own audit entry."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from zomanc.accounts.models import User
from zomanc.audit.models import AuditAction
from zomanc.audit.services import audit_record
from zomanc.clinical.models import Visit, VisitProcedure
from zomanc.clinical.services import procedure_add
from zomanc.codes.models import TreatmentItem
from zomanc.plans.clinical_selectors import OPEN_PLAN_STATUSES, procedure_matches_item
from zomanc.plans.models import PlanItem, PlanOption, PlanPhase
from zomanc.plans.services import plan_item_add, plan_item_complete
from zomanc.practices.models import StaffMember

MAX_TEETH = 32


@transaction.atomic
def plan_items_add_for_teeth(
    *,
    phase: PlanPhase,
    option: PlanOption | None,
    actor: StaffMember,
    treatment: TreatmentItem,
    teeth: list[int],
    surfaces: str = "",
    canals: int | None = None,
    note: str = "",
    request: HttpRequest | None = None,
) -> list[PlanItem]:
    """One planned item per tooth picked on the chart (the same treatment, surfaces and
    canals for each; the variant chosen per plan_item_add), or one without a tooth when
    none was picked. All or none: a refused tooth (missing, surfaces invalid for it) saves
    no item, and the reason names the tooth."""
    teeth = list(dict.fromkeys(teeth))  # a tooth clicked twice is planned once
    if len(teeth) > MAX_TEETH:
        raise ValidationError(
            {"teeth": [_("Legfeljebb %(n)s fog jelölhető ki.") % {"n": MAX_TEETH}]}
        )
    targets: list[int | None] = list(teeth) or [None]
    items = []
    for tooth in targets:
        try:
            items.append(
                plan_item_add(
                    plan=phase.plan,
                    phase=phase,
                    option=option,
                    actor=actor,
                    treatment=treatment,
                    tooth=tooth,
                    surfaces=surfaces,
                    canals=canals,
                    note=note,
                    request=request,
                )
            )
        except ValidationError as error:
            if tooth is None or len(targets) == 1 or not hasattr(error, "error_dict"):
                raise
            # Several teeth: say which one was refused.
            raise ValidationError(
                {
                    field: [
                        _("%(tooth)s. fog: %(reason)s") % {"tooth": tooth, "reason": message}
                        for message in ValidationError(messages).messages
                    ]
                    for field, messages in error.error_dict.items()
                }
            ) from None
    return items


def _item_open_check(item: PlanItem, visit: Visit) -> None:
    if visit.practice_id != item.practice_id or visit.patient_id != item.plan.patient_id:
        raise ValueError("visit of another patient")


@transaction.atomic
def plan_item_perform(
    *, item: PlanItem, visit: Visit, actor: StaffMember, request: HttpRequest | None = None
) -> VisitProcedure:
    """Carries out an open plan item in an open visit: records its procedure (catalogue item,
    tooth, surfaces, canals and quantity from the item; clinical.services.procedure_add, the
    entry box's service) and marks the item done with this visit (plan_item_complete). A
    refusal of either — visit closed, item done meanwhile, plan not accepted, treatment
    inactive — leaves neither."""
    _item_open_check(item, visit)
    procedure = procedure_add(
        visit=visit,
        treatment=item.treatment,
        tooth=item.tooth,
        surfaces=item.surfaces,
        canals=item.canals,
        quantity=item.quantity,
        added_by=actor.user,
        request=request,
    )
    plan_item_complete(item=item, actor=actor, visit=visit, procedure=procedure, request=request)
    return procedure


@transaction.atomic
def plan_item_tick(
    *,
    item: PlanItem,
    procedure: VisitProcedure,
    actor: StaffMember,
    request: HttpRequest | None = None,
) -> PlanItem:
    """Marks an open plan item done by a procedure already recorded in a visit (typed in the
    entry box), when the procedure matches it (procedure_matches_item): the person asked
    for it ("Terv tétele elvégezve?"); it never happens by itself."""
    visit = procedure.visit
    _item_open_check(item, visit)
    if not procedure_matches_item(
        item_treatment_id=item.treatment_id,
        item_family=item.treatment.family,
        item_tooth=item.tooth,
        item_surfaces=item.surfaces,
        treatment_id=procedure.treatment_id,
        family=procedure.treatment.family,
        tooth=procedure.tooth,
        surfaces=procedure.surfaces,
    ):
        raise ValidationError(
            _(
                "A(z) „%(procedure)s” beavatkozás nem egyezik a tervezett tétellel "
                "(„%(item)s”): más kezelés, fog vagy felszín."
            )
            % {"procedure": procedure.name, "item": item.name},
            code="item_mismatch",
        )
    return plan_item_complete(
        item=item, actor=actor, visit=visit, procedure=procedure, request=request
    )


def plan_items_reopen_for_procedure(
    procedure: VisitProcedure, actor: User, request: HttpRequest | None
) -> None:
    """The procedure that carried out plan items is being removed from its visit (the entry
    box's ✕, a correction): those items are open again, so the chart draws them planned and
    the visit offers them. Called by clinical's procedure removal inside its transaction
    (clinical.hooks.PROCEDURE_REMOVED). An item of a plan no longer in force (completed,
    superseded) keeps its done mark: that version is history."""
    items = list(
        PlanItem.objects.select_for_update(of=("self",))
        .filter(practice_id=procedure.practice_id, done_procedure=procedure)
        .select_related("plan")
    )
    for item in items:
        if item.plan.status not in OPEN_PLAN_STATUSES:
            continue
        item.done_at = None
        item.done_visit = None
        item.done_procedure = None
        item.save(update_fields=["done_at", "done_visit", "done_procedure"])
        where = f" {item.tooth} {item.surfaces}".rstrip() if item.tooth else ""
        audit_record(
            practice=procedure.visit.practice,
            actor=actor,
            action=AuditAction.UPDATE,
            obj=item,
            patient_id=item.plan.patient_id,
            summary=_("Tervezett tétel újra nyitott (az elvégző beavatkozás törölve): %(name)s")
            % {"name": item.name}
            + where,
            changes={"done_procedure": [procedure.pk, None]},
            request=request,
        )
