"""Opening and closing a visit, and binding an e-referral to an open one. The EESZT module's
outbox rows for the opening and the closing are written here, in the same transaction."""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from zomanc.accounts.models import User
from zomanc.audit.models import AuditAction
from zomanc.clinical.models import Visit, VisitRevision, VisitStatus
from zomanc.clinical.selectors import visit_snapshot
from zomanc.clinical.services.activities import _notes_save
from zomanc.clinical.services.common import _audit, _lock_open
from zomanc.eeszt.outbox.services import outbox_visit_closed, outbox_visit_opened
from zomanc.patients.models import Patient
from zomanc.practices.models import Company, OrgUnit, StaffMember


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


EMPTY_NOTES_CODE = "empty_notes"


@transaction.atomic
def visit_close(
    *,
    visit: Visit,
    closed_by: User,
    closed_at: dt.datetime | None = None,
    sections: Mapping[str, str] | None = None,
    empty_notes_confirmed: bool = True,
    request: HttpRequest | None = None,
) -> Visit:
    """End care: lock the visit and store its content as revision 1.

    `sections`: the text boxes as the closer sees them (the entry box posts them with the
    close), saved in this transaction before the snapshot, so the Ambuláns lap holds what was
    typed even if it was never saved on its own. Unless `empty_notes_confirmed`, a visit
    whose anamnesis and status are both empty is refused with code EMPTY_NOTES_CODE (the
    entry box asks once whether that is intended). A refusal saves nothing, not the text
    either."""
    _lock_open(visit)
    if sections is not None:
        _notes_save(visit, dict(sections), closed_by, request)
    closed_at = closed_at or timezone.now()
    if closed_at < visit.started_at:
        raise ValidationError(
            {"closed_at": [_("A lezárás ideje nem lehet korábbi az ellátás kezdeténél.")]}
        )
    if not visit.diagnoses.exists():
        raise ValidationError(
            _("Lezárás előtt adjon meg legalább egy BNO-diagnózist."), code="no_diagnosis"
        )
    if not empty_notes_confirmed and not (visit.anamnesis.strip() or visit.status_text.strip()):
        raise ValidationError(
            _(
                "Az anamnézis és a státusz üres. Biztosan így zárja le az ellátást? Utána "
                "csak javítással, indoklással módosítható."
            ),
            code=EMPTY_NOTES_CODE,
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
    outbox_visit_closed(visit=visit, revision=revision)
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
