"""Writes of the calendar: chairs and appointments.

The one rule that matters most: a chair and a doctor are never double-booked (cancelled
appointments do not count; touching edges - 09:00-09:30 and 09:30-10:00 - are fine). The
check runs inside the writing transaction after locking the chair and doctor rows, so two
receptionists booking the same slot at the same moment cannot both win:
- PostgreSQL: `SELECT ... FOR UPDATE` on the chair and staff rows, always in the same order
  (chairs, then doctors, then the appointment), so concurrent writers queue instead of
  deadlocking;
- SQLite: `select_for_update` is a no-op there, but settings open every transaction with
  BEGIN IMMEDIATE, which takes the database write lock before our read, so writers are
  serialised anyway.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from zomanc.accounts.models import User
from zomanc.audit.models import AuditAction
from zomanc.audit.services import audit_changes, audit_record
from zomanc.codes.models import TreatmentItem
from zomanc.patients.models import Patient
from zomanc.practices.models import Company, OrgUnit, Practice, Role, StaffMember
from zomanc.practices.permissions import member_roles
from zomanc.scheduling.hooks import appointment_changed
from zomanc.scheduling.models import Appointment, AppointmentStatus, Chair

# A typo in the end date ("2026.03.12." for "2026.03.02.") must not block a chair for days.
MAX_APPOINTMENT = timedelta(hours=12)


def _user(actor: StaffMember | None) -> User | None:
    """The audit log names the account (a member of several practices is one person)."""
    return actor.user if actor else None


# --- chairs ---------------------------------------------------------------------------------


def _chair_name_clean(*, practice: Practice, name: str, exclude_pk: int | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Adja meg a szék nevét.")})
    # Compared in Python: SQLite's case folding is ASCII-only ("SZÉK" ≠ "szék" there), and a
    # practice has a handful of chairs.
    others = Chair.objects.filter(practice=practice).exclude(pk=exclude_pk or 0)
    if any(other.casefold() == name.casefold() for other in others.values_list("name", flat=True)):
        raise ValidationError({"name": _("Már van „%(name)s” nevű szék.") % {"name": name}})
    return name


@transaction.atomic
def chair_create(
    *, practice: Practice, name: str, actor: StaffMember | None, request: HttpRequest | None = None
) -> Chair:
    name = _chair_name_clean(practice=practice, name=name)
    last = Chair.objects.filter(practice=practice).order_by("-position").first()
    chair = Chair.objects.create(
        practice=practice, name=name, position=(last.position + 1) if last else 1
    )
    audit_record(
        practice=practice,
        actor=_user(actor),
        action=AuditAction.CREATE,
        obj=chair,
        summary=_("Szék létrehozva: %(name)s") % {"name": name},
        request=request,
    )
    return chair


@transaction.atomic
def chair_update(
    *,
    chair: Chair,
    name: str,
    is_active: bool,
    actor: StaffMember | None,
    request: HttpRequest | None = None,
) -> Chair:
    """Rename and/or (de)activate. A deactivated chair keeps its appointments but takes no
    new ones; existing future bookings stay visible so reception can move them."""
    before = {"name": chair.name, "is_active": chair.is_active}
    chair.name = _chair_name_clean(practice=chair.practice, name=name, exclude_pk=chair.pk)
    chair.is_active = is_active
    chair.save(update_fields=["name", "is_active"])
    audit_record(
        practice=chair.practice,
        actor=_user(actor),
        action=AuditAction.UPDATE,
        obj=chair,
        summary=_("Szék módosítva: %(name)s") % {"name": chair.name},
        changes=audit_changes(before, {"name": chair.name, "is_active": chair.is_active}),
        request=request,
    )
    return chair


# --- appointments ---------------------------------------------------------------------------


def appointment_when(appointment: Appointment) -> str:
    """ "2026.03.02. 09:00–09:30" in the practice's local time, for messages and the log."""
    start = timezone.localtime(appointment.starts_at)
    end = timezone.localtime(appointment.ends_at)
    if start.date() == end.date():
        return f"{start:%Y.%m.%d. %H:%M}–{end:%H:%M}"
    return f"{start:%Y.%m.%d. %H:%M}–{end:%Y.%m.%d. %H:%M}"


def _is_doctor(member: StaffMember) -> bool:
    return Role.DOCTOR in member_roles(member)


def _validate(
    *,
    practice: Practice,
    patient: Patient,
    doctor: StaffMember,
    chair: Chair,
    company: Company,
    org_unit: OrgUnit,
    starts_at: datetime,
    ends_at: datetime,
    treatment: TreatmentItem | None,
    check_active: set[str],
) -> None:
    """Everything but overlaps; collects every problem so the form shows them all at once.

    `check_active` names the references that are being newly chosen: an appointment booked
    on a chair that was deactivated later can still get its note edited."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    # Tenancy first: a foreign row is refused without saying anything about it.
    if patient.practice_id != practice.pk:
        add("patient", _("Ismeretlen páciens."))
    if doctor.practice_id != practice.pk:
        add("doctor", _("Ismeretlen orvos."))
    elif not _is_doctor(doctor):
        add(
            "doctor",
            _("%(name)s nem orvos (nincs orvosi szerepköre vagy pecsétszáma).")
            % {"name": doctor.display_name},
        )
    elif "doctor" in check_active and not doctor.is_active:
        add("doctor", _("%(name)s nem aktív munkatárs.") % {"name": doctor.display_name})
    if chair.practice_id != practice.pk:
        add("chair", _("Ismeretlen szék."))
    elif "chair" in check_active and not chair.is_active:
        add("chair", _("A(z) %(name)s nem aktív.") % {"name": chair.name})
    if company.practice_id != practice.pk:
        add("company", _("Ismeretlen cég."))
    elif "company" in check_active and not company.is_active:
        add("company", _("A(z) %(name)s cég nem aktív.") % {"name": company.name})
    if org_unit.practice_id != practice.pk or org_unit.company_id != company.pk:
        add("org_unit", _("A szervezeti egység nem a kiválasztott céghez tartozik."))
    elif "org_unit" in check_active and not org_unit.is_active:
        add("org_unit", _("A(z) %(name)s szervezeti egység nem aktív.") % {"name": org_unit.name})
    if treatment is not None:
        if treatment.practice_id != practice.pk:
            add("treatment", _("Ismeretlen kezelés."))
        elif "treatment" in check_active and not treatment.is_active:
            add("treatment", _("A(z) %(name)s kezelés nem aktív.") % {"name": treatment.name})
    if ends_at <= starts_at:
        add("ends_at", _("A befejezésnek a kezdés után kell lennie."))
    elif ends_at - starts_at > MAX_APPOINTMENT:
        add("ends_at", _("Egy időpont legfeljebb 12 óra hosszú lehet."))
    if errors:
        raise ValidationError(errors)


def _lock(*, chair_ids: Iterable[int], doctor_ids: Iterable[int]) -> None:
    """Row locks that serialise writers of the same chair/doctor (PostgreSQL); ordered by
    id so two transactions never wait on each other in a circle."""
    list(
        Chair.objects.select_for_update()
        .filter(pk__in=sorted(set(chair_ids)))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    list(
        StaffMember.objects.select_for_update()
        .filter(pk__in=sorted(set(doctor_ids)))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def find_conflicts(
    *,
    practice: Practice,
    chair: Chair,
    doctor: StaffMember,
    starts_at: datetime,
    ends_at: datetime,
    exclude_pk: int | None = None,
) -> list[Appointment]:
    """Live appointments of this chair or this doctor that overlap [starts_at, ends_at).
    Strict inequalities: an appointment ending at 09:30 does not clash with one at 09:30."""
    qs = (
        Appointment.objects.select_related("patient", "chair", "doctor")
        .filter(practice=practice, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .filter(Q(chair=chair) | Q(doctor=doctor))
        .exclude(status=AppointmentStatus.CANCELLED)
        .order_by("starts_at", "pk")
    )
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return list(qs)


def _conflict_error(
    *, conflicts: list[Appointment], chair: Chair, doctor: StaffMember
) -> ValidationError:
    messages = []
    for other in conflicts:
        params = {
            "patient": str(other.patient),
            "when": appointment_when(other),
            "chair": other.chair.name,
            "doctor": other.doctor.display_name,
        }
        if other.chair_id == chair.pk:
            messages.append(
                _("Ütközés: a(z) %(chair)s ekkor foglalt – %(patient)s, %(when)s (%(doctor)s).")
                % params
            )
        if other.doctor_id == doctor.pk:
            messages.append(
                _("Ütközés: %(doctor)s ekkor már foglalt – %(patient)s, %(when)s (%(chair)s).")
                % params
            )
    return ValidationError(messages, code="appointment_conflict")


def _check_free(
    *,
    practice: Practice,
    chair: Chair,
    doctor: StaffMember,
    starts_at: datetime,
    ends_at: datetime,
    exclude_pk: int | None = None,
) -> None:
    conflicts = find_conflicts(
        practice=practice,
        chair=chair,
        doctor=doctor,
        starts_at=starts_at,
        ends_at=ends_at,
        exclude_pk=exclude_pk,
    )
    if conflicts:
        raise _conflict_error(conflicts=conflicts, chair=chair, doctor=doctor)


def _snapshot(appointment: Appointment) -> dict[str, Any]:
    return {
        "starts_at": appointment.starts_at.isoformat(),
        "ends_at": appointment.ends_at.isoformat(),
        "chair": appointment.chair_id,
        "doctor": appointment.doctor_id,
        "company": appointment.company_id,
        "org_unit": appointment.org_unit_id,
        "treatment": appointment.treatment_id,
        "note": appointment.note,
        "status": appointment.status,
    }


@transaction.atomic
def appointment_create(
    *,
    practice: Practice,
    actor: StaffMember | None,
    patient: Patient,
    doctor: StaffMember,
    chair: Chair,
    company: Company,
    org_unit: OrgUnit,
    starts_at: datetime,
    ends_at: datetime,
    note: str = "",
    treatment: TreatmentItem | None = None,
    request: HttpRequest | None = None,
) -> Appointment:
    _validate(
        practice=practice,
        patient=patient,
        doctor=doctor,
        chair=chair,
        company=company,
        org_unit=org_unit,
        starts_at=starts_at,
        ends_at=ends_at,
        treatment=treatment,
        check_active={"doctor", "chair", "company", "org_unit", "treatment"},
    )
    _lock(chair_ids=[chair.pk], doctor_ids=[doctor.pk])
    _check_free(practice=practice, chair=chair, doctor=doctor, starts_at=starts_at, ends_at=ends_at)
    appointment = Appointment.objects.create(
        practice=practice,
        patient=patient,
        doctor=doctor,
        chair=chair,
        company=company,
        org_unit=org_unit,
        treatment=treatment,
        starts_at=starts_at,
        ends_at=ends_at,
        note=note.strip(),
        created_by=actor,
    )
    _audit(
        appointment,
        actor=actor,
        action=AuditAction.CREATE,
        summary=_("Időpont foglalva: %(when)s, %(chair)s, %(doctor)s")
        % {"when": appointment_when(appointment), "chair": chair.name, "doctor": doctor},
        changes=_snapshot(appointment),
        request=request,
    )
    appointment_changed(appointment)
    return appointment


def _locked(appointment: Appointment, *, if_cancelled: str) -> Appointment:
    """The row as it is now, locked: another user may have cancelled or moved it since
    the form was rendered. A cancelled one refuses the change with `if_cancelled`."""
    current = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if current.status == AppointmentStatus.CANCELLED:
        raise ValidationError(if_cancelled)
    return current


def _audit(
    appointment: Appointment,
    *,
    actor: StaffMember | None,
    action: AuditAction,
    summary: str,
    changes: dict[str, Any],
    request: HttpRequest | None,
) -> None:
    audit_record(
        practice=appointment.practice,
        actor=_user(actor),
        action=action,
        obj=appointment,
        patient_id=appointment.patient_id,
        summary=summary,
        changes=changes,
        request=request,
    )


@transaction.atomic
def appointment_move(
    *,
    appointment: Appointment,
    actor: StaffMember | None,
    starts_at: datetime,
    ends_at: datetime,
    chair: Chair | None = None,
    doctor: StaffMember | None = None,
    request: HttpRequest | None = None,
) -> Appointment:
    """Move (new start, maybe another chair/doctor) or resize (new end). Same checks as
    booking: the appointment itself is left out of the overlap test."""
    new_chair = chair or appointment.chair
    new_doctor = doctor or appointment.doctor
    _lock(chair_ids=[new_chair.pk], doctor_ids=[new_doctor.pk])
    current = _locked(appointment, if_cancelled=_("Lemondott időpont nem helyezhető át."))
    check_active = set()
    if new_chair.pk != current.chair_id:
        check_active.add("chair")
    if new_doctor.pk != current.doctor_id:
        check_active.add("doctor")
    _validate(
        practice=appointment.practice,
        patient=appointment.patient,
        doctor=new_doctor,
        chair=new_chair,
        company=appointment.company,
        org_unit=appointment.org_unit,
        starts_at=starts_at,
        ends_at=ends_at,
        treatment=None,
        check_active=check_active,
    )
    _check_free(
        practice=appointment.practice,
        chair=new_chair,
        doctor=new_doctor,
        starts_at=starts_at,
        ends_at=ends_at,
        exclude_pk=appointment.pk,
    )
    before = _snapshot(current)
    appointment.status = current.status
    appointment.starts_at = starts_at
    appointment.ends_at = ends_at
    appointment.chair = new_chair
    appointment.doctor = new_doctor
    appointment.save(update_fields=["starts_at", "ends_at", "chair", "doctor", "updated_at"])
    _audit(
        appointment,
        actor=actor,
        action=AuditAction.UPDATE,
        summary=_("Időpont áthelyezve: %(when)s, %(chair)s, %(doctor)s")
        % {"when": appointment_when(appointment), "chair": new_chair.name, "doctor": new_doctor},
        changes=audit_changes(before, _snapshot(appointment)),
        request=request,
    )
    appointment_changed(appointment)
    return appointment


@transaction.atomic
def appointment_update(
    *,
    appointment: Appointment,
    actor: StaffMember | None,
    note: str,
    treatment: TreatmentItem | None,
    company: Company,
    org_unit: OrgUnit,
    request: HttpRequest | None = None,
) -> Appointment:
    """The details that do not touch the schedule: note, planned treatment, company/unit."""
    current = _locked(appointment, if_cancelled=_("Lemondott időpont nem módosítható."))
    check_active = set()
    if treatment is not None and treatment.pk != current.treatment_id:
        check_active.add("treatment")
    if company.pk != current.company_id:
        check_active.add("company")
    if org_unit.pk != current.org_unit_id:
        check_active.add("org_unit")
    _validate(
        practice=appointment.practice,
        patient=appointment.patient,
        doctor=current.doctor,
        chair=current.chair,
        company=company,
        org_unit=org_unit,
        starts_at=current.starts_at,
        ends_at=current.ends_at,
        treatment=treatment,
        check_active=check_active,
    )
    before = _snapshot(current)
    appointment.note = note.strip()
    appointment.treatment = treatment
    appointment.company = company
    appointment.org_unit = org_unit
    appointment.save(update_fields=["note", "treatment", "company", "org_unit", "updated_at"])
    _audit(
        appointment,
        actor=actor,
        action=AuditAction.UPDATE,
        summary=_("Időpont módosítva: %(when)s") % {"when": appointment_when(appointment)},
        changes=audit_changes(before, _snapshot(appointment)),
        request=request,
    )
    return appointment


@transaction.atomic
def appointment_cancel(
    *,
    appointment: Appointment,
    actor: StaffMember | None,
    reason: str,
    request: HttpRequest | None = None,
) -> Appointment:
    """Cancelled, never deleted: the slot is free again, the history stays."""
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": _("Adja meg a lemondás okát.")})
    current = _locked(appointment, if_cancelled=_("Ez az időpont már le van mondva."))
    if current.status == AppointmentStatus.ARRIVED:
        raise ValidationError(
            _("A páciens már megérkezett (az ellátás megnyitható/megnyílt); nem mondható le.")
        )
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancel_reason = reason[:300]
    appointment.cancelled_at = timezone.now()
    appointment.cancelled_by = actor
    appointment.save(
        update_fields=["status", "cancel_reason", "cancelled_at", "cancelled_by", "updated_at"]
    )
    _audit(
        appointment,
        actor=actor,
        action=AuditAction.UPDATE,
        summary=_("Időpont lemondva: %(when)s – %(reason)s")
        % {"when": appointment_when(appointment), "reason": appointment.cancel_reason},
        changes={"status": [current.status, AppointmentStatus.CANCELLED], "reason": reason},
        request=request,
    )
    appointment_changed(appointment)
    return appointment


@transaction.atomic
def appointment_mark_arrived(
    *,
    appointment: Appointment,
    actor: StaffMember | None,
    request: HttpRequest | None = None,
) -> Appointment:
    """The patient is here (reception clicks it, or the clinical app when it opens a visit
    from the appointment). Idempotent: calling it twice is harmless."""
    current = _locked(appointment, if_cancelled=_("Lemondott időponthoz nem jelölhető érkezés."))
    if current.status == AppointmentStatus.ARRIVED:
        appointment.status = current.status
        return appointment
    appointment.status = AppointmentStatus.ARRIVED
    appointment.save(update_fields=["status", "updated_at"])
    _audit(
        appointment,
        actor=actor,
        action=AuditAction.UPDATE,
        summary=_("Páciens megérkezett: %(when)s") % {"when": appointment_when(appointment)},
        changes={"status": [current.status, AppointmentStatus.ARRIVED]},
        request=request,
    )
    return appointment
