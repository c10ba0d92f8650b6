"""Writes of the chart: opening, editing, closing and correcting visits.

Every function is keyword-only and transactional; a refusal is a ValidationError whose message
(keyed by form field where there is one) is the Hungarian reason, and nothing of the call is
saved. A closed visit is locked: only visit_correct changes it, with a reason, as a new
revision. The EESZT module adds its outbox writes inside visit_open, visit_close and
visit_correct (marked "EESZT hook") — in the same transaction, which is why these stay single
functions and no signals are used."""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from zomanc.accounts.models import User
from zomanc.audit.models import AuditAction
from zomanc.audit.services import audit_record
from zomanc.clinical.command_line import Command, CommandError, command_parse
from zomanc.clinical.models import (
    ToothFinding,
    Visit,
    VisitDiagnosis,
    VisitProcedure,
    VisitRevision,
    VisitStatus,
)
from zomanc.clinical.selectors import visit_local_date, visit_patient_age, visit_snapshot
from zomanc.clinical.teeth import (
    SURFACE_STATUSES,
    ToothRuleError,
    ToothStatus,
    status_validate,
    surfaces_normalize,
    tooth_validate,
)
from zomanc.codes.bno_services import bno_validate
from zomanc.codes.models import TreatmentItem
from zomanc.eeszt.outbox.services import (
    outbox_visit_closed,
    outbox_visit_corrected,
    outbox_visit_opened,
)
from zomanc.patients.models import Patient
from zomanc.practices.models import Company, OrgUnit, StaffMember

MAX_QUANTITY = 99
SECTION_FIELDS = ("anamnesis", "status_text", "therapy", "advice")
SECTION_MAX_LENGTH = 20_000


def _closed_refusal() -> ValidationError:
    return ValidationError(
        _(
            "A lezárt ellátás nem szerkeszthető. Módosításhoz használja a „Javítás” "
            "funkciót, indoklással: az új revízióként kerül a kartonba."
        ),
        code="visit_closed",
    )


def _lock_open(visit: Visit) -> None:
    """Re-read the visit's status under a row lock: a visit closed by someone else a moment
    ago must not take this edit."""
    current = Visit.objects.select_for_update().filter(pk=visit.pk).values_list("status", flat=True)
    status = current.first()
    if status != VisitStatus.OPEN:
        visit.status = status or visit.status
        raise _closed_refusal()


def _audit(
    visit: Visit,
    actor: User,
    action: AuditAction,
    obj: Any,
    summary: str,
    request: HttpRequest | None,
    changes: dict[str, Any] | None = None,
) -> None:
    audit_record(
        practice=visit.practice,
        actor=actor,
        action=action,
        obj=obj,
        patient_id=visit.patient_id,
        summary=summary,
        changes=changes,
        request=request,
    )


# --- opening and closing ------------------------------------------------------------------


def _visit_open_validate(
    *,
    patient: Patient,
    doctor: StaffMember,
    company: Company,
    org_unit: OrgUnit,
    appointment: Any,
) -> None:
    errors: dict[str, list[str]] = {}
    if doctor.practice_id != patient.practice_id or not doctor.is_active:
        errors.setdefault("doctor", []).append(_("Válasszon a rendelő aktív orvosai közül."))
    elif not doctor.stamp_number:
        errors.setdefault("doctor", []).append(
            _("%(name)s nem lehet felelős orvos: nincs pecsétszáma.") % {"name": doctor}
        )
    if company.practice_id != patient.practice_id:
        errors.setdefault("company", []).append(_("Válasszon a rendelő cégei közül."))
    elif not company.is_active:
        errors.setdefault("company", []).append(
            _("A(z) %(company)s cég inaktív: nem nyitható rajta ellátás.") % {"company": company}
        )
    if org_unit.practice_id != patient.practice_id or org_unit.company_id != company.pk:
        errors.setdefault("org_unit", []).append(
            _("A szervezeti egység nem a kiválasztott céghez tartozik.")
        )
    elif not org_unit.is_active:
        errors.setdefault("org_unit", []).append(
            _("A(z) %(unit)s szervezeti egység inaktív.") % {"unit": org_unit}
        )
    if appointment is not None:
        if appointment.practice_id != patient.practice_id or appointment.patient_id != patient.pk:
            errors.setdefault("appointment", []).append(
                _("Az időpont nem ehhez a pácienshez tartozik.")
            )
        elif appointment.status == "cancelled":
            errors.setdefault("appointment", []).append(
                _("Lemondott időpontból nem nyitható ellátás.")
            )
    if errors:
        raise ValidationError(errors)


def _open_visit_refusal(patient: Patient) -> ValidationError:
    existing = (
        Visit.objects.filter(
            practice_id=patient.practice_id, patient=patient, status=VisitStatus.OPEN
        )
        .only("started_at")
        .first()
    )
    when = timezone.localtime(existing.started_at).strftime("%Y.%m.%d. %H:%M") if existing else ""
    return ValidationError(
        _(
            "A páciensnek már van nyitott ellátása (%(when)s). Előbb zárja le, vagy abban "
            "folytassa a rögzítést."
        )
        % {"when": when},
        code="visit_already_open",
    )


@transaction.atomic
def visit_open(
    *,
    patient: Patient,
    doctor: StaffMember,
    company: Company,
    org_unit: OrgUnit,
    started_at: dt.datetime | None = None,
    appointment: Any = None,
    opened_by: User,
    request: HttpRequest | None = None,
) -> Visit:
    """Start care (ellátás megkezdése) for a patient. One open visit per patient."""
    _visit_open_validate(
        patient=patient,
        doctor=doctor,
        company=company,
        org_unit=org_unit,
        appointment=appointment,
    )
    if Visit.objects.filter(
        practice_id=patient.practice_id, patient=patient, status=VisitStatus.OPEN
    ).exists():
        raise _open_visit_refusal(patient)
    visit = Visit(
        practice_id=patient.practice_id,
        patient=patient,
        doctor=doctor,
        company=company,
        org_unit=org_unit,
        started_at=started_at or timezone.now(),
        opened_by=opened_by,
    )
    if appointment is not None:
        visit.appointment = appointment
    try:
        with transaction.atomic():
            visit.save()
    except IntegrityError:
        # Two people opened a visit for the same patient at the same moment.
        raise _open_visit_refusal(patient) from None
    _audit(
        visit,
        opened_by,
        AuditAction.CREATE,
        visit,
        f"Ellátás megnyitása: {patient} ({doctor}, {org_unit})",
        request,
    )
    # EESZT (S5): the "event start" (eKAT ellátás megkezdése) outbox row, in this
    # transaction: the visit and its report exist together or not at all.
    outbox_visit_opened(visit=visit)
    return visit


@transaction.atomic
def visit_close(
    *,
    visit: Visit,
    closed_by: User,
    closed_at: dt.datetime | None = None,
    request: HttpRequest | None = None,
) -> Visit:
    """End care: lock the visit and store its content as revision 1."""
    _lock_open(visit)
    closed_at = closed_at or timezone.now()
    if closed_at < visit.started_at:
        raise ValidationError(
            {"closed_at": [_("A lezárás ideje nem lehet korábbi az ellátás kezdeténél.")]}
        )
    if not visit.diagnoses.exists():
        raise ValidationError(
            _("Lezárás előtt adjon meg legalább egy BNO-diagnózist."), code="no_diagnosis"
        )
    visit.status = VisitStatus.CLOSED
    visit.closed_at = closed_at
    visit.closed_by = closed_by
    visit.revision = 1
    visit.save(update_fields=["status", "closed_at", "closed_by", "revision", "updated_at"])
    revision = VisitRevision.objects.create(
        practice_id=visit.practice_id,
        visit=visit,
        number=1,
        content=visit_snapshot(visit),
        created_by=closed_by,
    )
    _audit(
        visit,
        closed_by,
        AuditAction.UPDATE,
        visit,
        f"Ellátás lezárása: {visit.patient} (revízió {revision.number})",
        request,
        {"status": [VisitStatus.OPEN, VisitStatus.CLOSED]},
    )
    # EESZT (S5, S6): the "event close" (eKAT lezárás) outbox row, in this transaction.
    outbox_visit_closed(visit=visit)
    return visit


# --- activities of an open visit ---------------------------------------------------------


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
    changes = _notes_set(visit, sections)
    if changes:
        visit.save(update_fields=[*changes, "updated_at"])
        _audit(
            visit,
            updated_by,
            AuditAction.UPDATE,
            visit,
            f"Ellátás szöveges részeinek módosítása: {visit.patient}",
            request,
            {name: "módosítva" for name in changes},  # the notes themselves stay out of the log
        )
    return visit


def _diagnosis_add(
    visit: Visit, code: str, is_primary: bool, actor: User, request: HttpRequest | None
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
        f"Diagnózis rögzítése: {diagnosis.code} {diagnosis.name}",
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
    added_by: User,
    request: HttpRequest | None = None,
) -> VisitProcedure:
    """Add a procedure from the practice's catalogue; its price is copied now, and its
    resulting tooth status (TreatmentItem.resulting_status) goes onto the chart."""
    _lock_open(visit)
    return _procedure_add(visit, treatment, tooth, surfaces, quantity, added_by, request)


def _procedure_remove(
    visit: Visit, procedure: VisitProcedure, actor: User, request: HttpRequest | None
) -> None:
    if procedure.visit_id != visit.pk:
        raise ValidationError(_("A beavatkozás nem ehhez az ellátáshoz tartozik."))
    _audit(
        visit, actor, AuditAction.DELETE, procedure, f"Beavatkozás törlése: {procedure}", request
    )
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
    if finding.procedure_id is not None:
        raise ValidationError(
            _("Ezt a státuszt egy beavatkozás állította be: a beavatkozást törölje.")
        )
    _audit(
        visit, removed_by, AuditAction.DELETE, finding, f"Fogstátusz törlése: {finding}", request
    )
    finding.delete()


def _command_apply(
    visit: Visit, line: str, actor: User, request: HttpRequest | None
) -> list[VisitProcedure | ToothFinding]:
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
) -> list[VisitProcedure | ToothFinding]:
    created: list[VisitProcedure | ToothFinding] = []
    if command.kind == "status":
        for tooth in command.teeth:
            created.append(
                _finding_add(visit, tooth, command.surfaces, command.status, actor, request)
            )
        return created
    treatment = items[command.shortcut]
    teeth: tuple[int | None, ...] = command.teeth or (None,)
    try:
        for target in teeth:
            created.append(
                _procedure_add(
                    visit, treatment, target, command.surfaces, command.quantity, actor, request
                )
            )
    except ValidationError as error:
        # The command line has one field: show the first reason there.
        raise ValidationError({"line": error.messages}) from None
    return created


@transaction.atomic
def visit_command_apply(
    *, visit: Visit, line: str, entered_by: User, request: HttpRequest | None = None
) -> list[VisitProcedure | ToothFinding]:
    """Apply one keyboard command line (command_line.py) to an open visit: all its teeth or
    none."""
    _lock_open(visit)
    return _command_apply(visit, line, entered_by, request)


# --- correction after closing --------------------------------------------------------------


def _content_key(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The parts of a snapshot a correction can change (to refuse empty corrections)."""
    return {
        "sections": snapshot["sections"],
        "referral": snapshot["referral"],
        "diagnoses": snapshot["diagnoses"],
        "procedures": [{**p, "id": None} for p in snapshot["procedures"]],
        "findings": [{**f, "procedure_id": None} for f in snapshot["findings"]],
    }


@transaction.atomic
def visit_correct(
    *,
    visit: Visit,
    reason: str,
    corrected_by: User,
    sections: dict[str, str] | None = None,
    diagnoses: Sequence[tuple[str, bool]] | None = None,
    remove_procedure_ids: Sequence[int] = (),
    remove_finding_ids: Sequence[int] = (),
    commands: Sequence[str] = (),
    referral: tuple[str, str] | None = None,
    request: HttpRequest | None = None,
) -> Visit:
    """Correct a closed visit: apply the changes and store them as the next revision.

    sections: new text of the given sections; diagnoses: the complete new list of
    (code, is_primary) when given; remove_*_ids: procedures/findings to drop; commands:
    keyboard lines to add procedures/findings; referral: (id, summary). A reason is required
    and a correction that changes nothing is refused."""
    reason = reason.strip()
    if len(reason) < 5:
        raise ValidationError(
            {"reason": [_("A javítás indoklása kötelező (legalább 5 karakter).")]}
        )
    locked = Visit.objects.select_for_update().filter(pk=visit.pk).values_list("status", flat=True)
    if locked.first() != VisitStatus.CLOSED:
        raise ValidationError(
            _("Csak lezárt ellátás javítható; a nyitott ellátás közvetlenül szerkeszthető."),
            code="visit_not_closed",
        )
    before = _content_key(visit_snapshot(visit))

    if sections:
        unknown = set(sections) - set(SECTION_FIELDS)
        if unknown:
            raise TypeError(f"unknown sections: {sorted(unknown)}")
        if _notes_set(visit, sections):
            visit.save(update_fields=[*SECTION_FIELDS, "updated_at"])
    if referral is not None:
        visit.referral_id, visit.referral_summary = referral[0] or None, referral[1] or None
        visit.save(update_fields=["referral_id", "referral_summary", "updated_at"])
    if diagnoses is not None:
        wanted = [(code.strip().upper(), primary) for code, primary in diagnoses if code.strip()]
        if not wanted:
            raise ValidationError({"diagnoses": [_("Legalább egy BNO-diagnózis kell.")]})
        for existing in list(visit.diagnoses.all()):
            _diagnosis_remove(visit, existing, corrected_by, request)
        for code, primary in wanted:
            try:
                _diagnosis_add(visit, code, primary, corrected_by, request)
            except ValidationError as error:
                raise ValidationError({"diagnoses": error.messages}) from None
    for procedure in visit.procedures.filter(pk__in=remove_procedure_ids):
        _procedure_remove(visit, procedure, corrected_by, request)
    for finding in visit.findings.filter(pk__in=remove_finding_ids, procedure__isnull=True):
        _audit(
            visit,
            corrected_by,
            AuditAction.DELETE,
            finding,
            f"Fogstátusz törlése: {finding}",
            request,
        )
        finding.delete()
    for line in commands:
        if line.strip():
            try:
                _command_apply(visit, line, corrected_by, request)
            except ValidationError as error:
                raise ValidationError(
                    {"commands": [f"„{line.strip()}”: {m}" for m in error.messages]}
                ) from None

    snapshot = visit_snapshot(visit)
    if _content_key(snapshot) == before:
        raise ValidationError(
            _("A javítás nem változtat semmin: nincs új revízió."), code="no_change"
        )
    visit.revision += 1
    visit.save(update_fields=["revision", "updated_at"])
    snapshot["revision"] = visit.revision
    revision = VisitRevision.objects.create(
        practice_id=visit.practice_id,
        visit=visit,
        number=visit.revision,
        reason=reason,
        content=snapshot,
        created_by=corrected_by,
    )
    _audit(
        visit,
        corrected_by,
        AuditAction.UPDATE,
        visit,
        f"Ellátás javítása: {visit.patient} (revízió {revision.number}): {reason}",
        request,
        {"revision": [revision.number - 1, revision.number]},
    )
    # EESZT (S6): the Ambuláns lap's next version, in this transaction.
    outbox_visit_corrected(visit=visit, revision=revision)
    return visit


@transaction.atomic
def visit_referral_set(
    *,
    visit: Visit,
    referral_id: str,
    summary: str,
    set_by: User,
    request: HttpRequest | None = None,
) -> Visit:
    """Record the e-referral used for an open visit (S9): its id and a short summary, which
    the visit, the PDF and the Ambuláns lap print. Closed visits change only through
    visit_correct; a visit keeps the first referral bound to it."""
    _lock_open(visit)
    current = Visit.objects.filter(pk=visit.pk).values_list("referral_id", flat=True).first()
    if current and current != referral_id:
        raise ValidationError(
            _("Az ellátáshoz már tartozik beutaló (%(id)s).") % {"id": current},
            code="referral_already_set",
        )
    visit.referral_id, visit.referral_summary = referral_id, summary or None
    visit.save(update_fields=["referral_id", "referral_summary", "updated_at"])
    _audit(
        visit,
        set_by,
        AuditAction.UPDATE,
        visit,
        f"Beutaló felhasználása az ellátáshoz: {visit.patient} ({referral_id})",
        request,
        {"referral_id": [current, referral_id]},
    )
    return visit
