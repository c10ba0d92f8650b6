"""The activities of an open visit: its text sections, diagnoses, procedures, tooth findings
and keyboard command lines. Each public function takes the visit's lock first; the
underscored ones do the work without it, so that visit_correct (revisions.py) can reuse them
on a closed visit it has locked itself."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from zomanc.accounts.models import User
from zomanc.audit.models import AuditAction
from zomanc.clinical import hooks
from zomanc.clinical.command_line import Command, CommandError, command_parse
from zomanc.clinical.models import ToothFinding, Visit, VisitDiagnosis, VisitProcedure
from zomanc.clinical.selectors import visit_local_date, visit_patient_age
from zomanc.clinical.services.common import _audit, _lock_open
from zomanc.clinical.teeth import (
    SURFACE_STATUSES,
    ToothRuleError,
    ToothStatus,
    status_validate,
    surfaces_normalize,
    tooth_validate,
)
from zomanc.codes.bno_services import bno_validate
from zomanc.codes.catalogue_selectors import treatment_variant_check, treatment_variant_for
from zomanc.codes.models import TreatmentItem

MAX_QUANTITY = 99
SECTION_FIELDS = ("anamnesis", "status_text", "therapy", "advice")
SECTION_MAX_LENGTH = 20_000


def _notes_set(visit: Visit, values: dict[str, str]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name in SECTION_FIELDS:
        if name not in values:
            continue
        new = values[name].strip()
        if len(new) > SECTION_MAX_LENGTH:
            raise ValidationError(
                {name: [_("Legfeljebb %(n)s karakter.") % {"n": SECTION_MAX_LENGTH}]}
            )
        if getattr(visit, name) != new:
            changes[name] = [getattr(visit, name), new]
            setattr(visit, name, new)
    return changes


@transaction.atomic
def visit_notes_update(
    *,
    visit: Visit,
    updated_by: User,
    request: HttpRequest | None = None,
    **sections: str,
) -> Visit:
    """Set the text sections given (anamnesis, status_text, therapy, advice)."""
    unknown = set(sections) - set(SECTION_FIELDS)
    if unknown:
        raise TypeError(f"unknown sections: {sorted(unknown)}")
    _lock_open(visit)
    _notes_save(visit, sections, updated_by, request)
    return visit


def _notes_save(
    visit: Visit, sections: dict[str, str], actor: User, request: HttpRequest | None
) -> None:
    """Set and save the sections given, with their audit entry (none when nothing changed);
    the caller holds the visit's lock (visit_notes_update, visit_close)."""
    changes = _notes_set(visit, sections)
    if changes:
        visit.save(update_fields=[*changes, "updated_at"])
        _audit(
            visit,
            actor,
            AuditAction.UPDATE,
            visit,
            f"Ellátás szöveges részeinek módosítása: {visit.patient}",
            request,
            {name: "módosítva" for name in changes},  # the notes themselves stay out of the log
        )


def _diagnosis_add(
    visit: Visit,
    code: str,
    is_primary: bool,
    actor: User,
    request: HttpRequest | None,
    teeth: tuple[int, ...] = (),
) -> VisitDiagnosis:
    try:
        bno = bno_validate(
            code, visit_local_date(visit), visit.patient.sex, visit_patient_age(visit)
        )
    except ValidationError as error:
        raise ValidationError({"code": error.messages}) from None
    if visit.diagnoses.filter(code=bno.code).exists():
        raise ValidationError(
            {
                "code": [
                    _("A(z) %(code)s diagnózis már szerepel az ellátásban.") % {"code": bno.code}
                ]
            }
        )
    if is_primary and bno.mark == "*":
        raise ValidationError(
            {
                "code": [
                    _(
                        "A(z) %(code)s csillagos (manifesztációs) kód: fő diagnózis nem lehet, "
                        "csak a kiváltó („+”) kód mellett."
                    )
                    % {"code": bno.code}
                ]
            }
        )
    has_primary = visit.diagnoses.filter(is_primary=True).exists()
    if is_primary and has_primary:
        visit.diagnoses.filter(is_primary=True).update(is_primary=False)
    # The first diagnosis is the primary one unless said otherwise (an asterisk code never).
    primary = is_primary or (not has_primary and bno.mark != "*")
    diagnosis = VisitDiagnosis.objects.create(
        practice_id=visit.practice_id,
        visit=visit,
        bno=bno,
        code=bno.code,
        name=bno.name,
        is_primary=primary,
    )
    _audit(
        visit,
        actor,
        AuditAction.CREATE,
        diagnosis,
        f"Diagnózis rögzítése: {diagnosis.code} {diagnosis.name}"
        + (f" (fog: {', '.join(map(str, teeth))})" if teeth else ""),
        request,
    )
    return diagnosis


@transaction.atomic
def diagnosis_add(
    *,
    visit: Visit,
    code: str,
    is_primary: bool = False,
    added_by: User,
    request: HttpRequest | None = None,
) -> VisitDiagnosis:
    """Add a BNO diagnosis, valid on the visit date for the patient's sex and age."""
    _lock_open(visit)
    return _diagnosis_add(visit, code, is_primary, added_by, request)


def _diagnosis_remove(
    visit: Visit, diagnosis: VisitDiagnosis, actor: User, request: HttpRequest | None
) -> None:
    if diagnosis.visit_id != visit.pk:
        raise ValidationError(_("A diagnózis nem ehhez az ellátáshoz tartozik."))
    was_primary = diagnosis.is_primary
    _audit(
        visit,
        actor,
        AuditAction.DELETE,
        diagnosis,
        f"Diagnózis törlése: {diagnosis.code} {diagnosis.name}",
        request,
    )
    diagnosis.delete()
    if was_primary:
        successor = visit.diagnoses.exclude(bno__mark="*").order_by("id").first()
        if successor is not None:
            successor.is_primary = True
            successor.save(update_fields=["is_primary"])


@transaction.atomic
def diagnosis_remove(
    *, diagnosis: VisitDiagnosis, removed_by: User, request: HttpRequest | None = None
) -> None:
    visit = diagnosis.visit
    _lock_open(visit)
    _diagnosis_remove(visit, diagnosis, removed_by, request)


def _tooth_surfaces_check(tooth: int | None, surfaces: str) -> tuple[int | None, str]:
    try:
        if tooth is None:
            if surfaces.strip():
                raise ValidationError(
                    {"surfaces": [_("Felszín csak fogszámmal együtt adható meg.")]}
                )
            return None, ""
        tooth_validate(tooth)
    except ToothRuleError as error:
        raise ValidationError({"tooth": [str(error)]}) from None
    try:
        return tooth, surfaces_normalize(tooth, surfaces)
    except ToothRuleError as error:
        raise ValidationError({"surfaces": [str(error)]}) from None


def _finding_create(
    visit: Visit,
    tooth: int,
    surfaces: str,
    status: str,
    procedure: VisitProcedure | None,
) -> ToothFinding:
    return ToothFinding.objects.create(
        practice_id=visit.practice_id,
        visit=visit,
        procedure=procedure,
        tooth=tooth,
        surfaces=surfaces,
        status=status,
    )


def _procedure_add(
    visit: Visit,
    treatment: TreatmentItem,
    tooth: int | None,
    surfaces: str,
    quantity: int,
    actor: User,
    request: HttpRequest | None,
    canals: int | None = None,
) -> VisitProcedure:
    if treatment.practice_id != visit.practice_id:
        raise ValidationError({"treatment": [_("Ismeretlen kezelés.")]})
    if not treatment.is_active:
        raise ValidationError(
            {"treatment": [_("A(z) „%(name)s” kezelés inaktív.") % {"name": treatment.name}]}
        )
    tooth, surfaces = _tooth_surfaces_check(tooth, surfaces)
    if treatment.needs_tooth and tooth is None:
        raise ValidationError(
            {"tooth": [_("A(z) „%(name)s” kezeléshez fogszám kell.") % {"name": treatment.name}]}
        )
    if treatment.needs_surfaces and not surfaces:
        raise ValidationError(
            {
                "surfaces": [
                    _("A(z) „%(name)s” kezeléshez felszín(ek) megadása kötelező (pl. MOD).")
                    % {"name": treatment.name}
                ]
            }
        )
    # A variant fixed to a count takes only that many surfaces/canals: its price is for them.
    treatment_variant_check(item=treatment, surfaces=surfaces, canals=canals)
    if not 1 <= quantity <= MAX_QUANTITY:
        raise ValidationError(
            {"quantity": [_("A mennyiség 1 és %(max)s között lehet.") % {"max": MAX_QUANTITY}]}
        )
    procedure = VisitProcedure.objects.create(
        practice_id=visit.practice_id,
        visit=visit,
        treatment=treatment,
        name=treatment.name,
        oeno_code=treatment.oeno_code,
        tooth=tooth,
        surfaces=surfaces,
        quantity=quantity,
        unit_price=treatment.price,
        vat_rate=treatment.vat_rate,
    )
    status = treatment.resulting_status
    if tooth is not None and status in ToothStatus.values:
        finding_surfaces = surfaces if status in SURFACE_STATUSES else ""
        _finding_create(visit, tooth, finding_surfaces, status, procedure)
    _audit(
        visit,
        actor,
        AuditAction.CREATE,
        procedure,
        f"Beavatkozás rögzítése: {procedure}",
        request,
    )
    return procedure


@transaction.atomic
def procedure_add(
    *,
    visit: Visit,
    treatment: TreatmentItem,
    tooth: int | None = None,
    surfaces: str = "",
    quantity: int = 1,
    canals: int | None = None,
    added_by: User,
    request: HttpRequest | None = None,
) -> VisitProcedure:
    """Add a procedure from the practice's catalogue; its price is copied now, and its
    resulting tooth status (TreatmentItem.resulting_status) goes onto the chart. A variant
    fixed to a number of surfaces or canals refuses another number (the caller that lets
    the surfaces choose calls codes.catalogue_selectors.treatment_variant_for first)."""
    _lock_open(visit)
    return _procedure_add(
        visit, treatment, tooth, surfaces, quantity, added_by, request, canals=canals
    )


def _procedure_remove(
    visit: Visit, procedure: VisitProcedure, actor: User, request: HttpRequest | None
) -> None:
    if procedure.visit_id != visit.pk:
        raise ValidationError(_("A beavatkozás nem ehhez az ellátáshoz tartozik."))
    _audit(
        visit, actor, AuditAction.DELETE, procedure, f"Beavatkozás törlése: {procedure}", request
    )
    for removed in hooks.PROCEDURE_REMOVED:  # in this transaction (plans: the item reopens)
        removed(procedure, actor, request)
    procedure.delete()  # its findings go with it (the chart forgets what it caused)


@transaction.atomic
def procedure_remove(
    *, procedure: VisitProcedure, removed_by: User, request: HttpRequest | None = None
) -> None:
    visit = procedure.visit
    _lock_open(visit)
    _procedure_remove(visit, procedure, removed_by, request)


def _finding_add(
    visit: Visit,
    tooth: int,
    surfaces: str,
    status: str,
    actor: User,
    request: HttpRequest | None,
) -> ToothFinding:
    checked_tooth, surfaces = _tooth_surfaces_check(tooth, surfaces)
    assert checked_tooth is not None
    try:
        status_validate(status, surfaces)
    except ToothRuleError as error:
        raise ValidationError({"status": [str(error)]}) from None
    finding = _finding_create(visit, checked_tooth, surfaces, status, None)
    _audit(
        visit,
        actor,
        AuditAction.CREATE,
        finding,
        f"Fogstátusz rögzítése: {finding.tooth} {finding.surfaces} "
        f"{ToothStatus(status).label}".replace("  ", " "),
        request,
    )
    return finding


@transaction.atomic
def finding_add(
    *,
    visit: Visit,
    tooth: int,
    surfaces: str = "",
    status: str,
    added_by: User,
    request: HttpRequest | None = None,
) -> ToothFinding:
    """Record a tooth/surface status seen on this visit (e.g. caries on 36 MO)."""
    _lock_open(visit)
    return _finding_add(visit, tooth, surfaces, status, added_by, request)


@transaction.atomic
def finding_remove(
    *, finding: ToothFinding, removed_by: User, request: HttpRequest | None = None
) -> None:
    visit = finding.visit
    _lock_open(visit)
    _finding_remove(visit, finding, removed_by, request)


def _finding_remove(
    visit: Visit, finding: ToothFinding, actor: User, request: HttpRequest | None
) -> None:
    if finding.procedure_id is not None:
        raise ValidationError(
            _("Ezt a státuszt egy beavatkozás állította be: a beavatkozást törölje.")
        )
    _audit(visit, actor, AuditAction.DELETE, finding, f"Fogstátusz törlése: {finding}", request)
    finding.delete()


def _command_apply(
    visit: Visit, line: str, actor: User, request: HttpRequest | None
) -> list[VisitProcedure | ToothFinding | VisitDiagnosis]:
    items = {
        item.shortcut: item
        for item in TreatmentItem.objects.filter(
            practice_id=visit.practice_id, is_active=True
        ).exclude(shortcut="")
    }
    parsed = command_parse(line, list(items))
    if isinstance(parsed, CommandError):
        raise ValidationError({"line": [parsed.message]})
    return _command_run(visit, parsed, items, actor, request)


def _command_run(
    visit: Visit,
    command: Command,
    items: dict[str, TreatmentItem],
    actor: User,
    request: HttpRequest | None,
) -> list[VisitProcedure | ToothFinding | VisitDiagnosis]:
    created: list[VisitProcedure | ToothFinding | VisitDiagnosis] = []
    if command.kind == "diagnosis":
        try:
            diagnosis = _diagnosis_add(visit, command.code, False, actor, request, command.teeth)
            created.append(diagnosis)
        except ValidationError as error:
            # The same BNO rules as the diagnosis box, shown on the command line.
            raise ValidationError({"line": error.messages}) from None
        return created
    if command.kind == "status":
        for tooth in command.teeth:
            created.append(
                _finding_add(visit, tooth, command.surfaces, command.status, actor, request)
            )
        return created
    named = items[command.shortcut]
    teeth: tuple[int | None, ...] = command.teeth or (None,)
    try:
        # The shortcut names the family; the surfaces or canals typed choose its variant.
        treatment = treatment_variant_for(
            item=named, surfaces=command.surfaces, canals=command.canals
        )
        for target in teeth:
            created.append(
                _procedure_add(
                    visit,
                    treatment,
                    target,
                    command.surfaces,
                    command.quantity,
                    actor,
                    request,
                    canals=command.canals,
                )
            )
    except ValidationError as error:
        # The command line has one field: show the first reason there.
        raise ValidationError({"line": error.messages}) from None
    return created


@transaction.atomic
def visit_command_apply(
    *, visit: Visit, line: str, entered_by: User, request: HttpRequest | None = None
) -> list[VisitProcedure | ToothFinding | VisitDiagnosis]:
    """Apply one keyboard command line (command_line.py) to an open visit: all its teeth or
    none."""
    _lock_open(visit)
    return _command_apply(visit, line, entered_by, request)
