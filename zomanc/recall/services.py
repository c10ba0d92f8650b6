"""Writes of recall: the practice's rules (owners), a patient's own interval, and the contact
entries of a recall (appended, never edited), each with its audit entry."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from zomanc.audit.models import AuditAction
from zomanc.audit.services import audit_record
from zomanc.codes.models import TreatmentItem
from zomanc.patients.models import Patient
from zomanc.practices.models import StaffMember
from zomanc.recall.models import (
    RECORDED_STATES,
    PatientRecallInterval,
    RecallContact,
    RecallRule,
)

INTERVAL_MIN, INTERVAL_MAX = 1, 60


def _interval_check(months: int) -> None:
    if not INTERVAL_MIN <= months <= INTERVAL_MAX:
        raise ValidationError({"interval_months": [_("Az időköz 1 és 60 hónap között lehet.")]})


def _treatment_check(member: StaffMember, treatment: TreatmentItem) -> None:
    if treatment.practice_id != member.practice_id:
        raise ValidationError({"treatment": [_("Ismeretlen kezelés.")]})


@transaction.atomic
def recall_rule_set(
    *,
    actor: StaffMember,
    treatment: TreatmentItem,
    interval_months: int,
    request: HttpRequest | None = None,
) -> RecallRule:
    """Create or change the practice's rule for `treatment`."""
    _treatment_check(actor, treatment)
    _interval_check(interval_months)
    rule = RecallRule.objects.filter(practice_id=actor.practice_id, treatment=treatment).first()
    before = rule.interval_months if rule else None
    if rule is None:
        try:
            with transaction.atomic():
                rule = RecallRule.objects.create(
                    practice_id=actor.practice_id,
                    treatment=treatment,
                    interval_months=interval_months,
                )
        except IntegrityError:
            raise ValidationError(
                {"treatment": [_("Ehhez a kezeléshez már van szabály.")]}
            ) from None
    else:
        rule.interval_months = interval_months
        rule.save(update_fields=["interval_months", "updated_at"])
    audit_record(
        practice=actor.practice,
        actor=actor.user,
        action=AuditAction.CREATE if before is None else AuditAction.UPDATE,
        obj=rule,
        summary=f"Visszahívási szabály: {treatment.name} → {interval_months} hónap",
        changes={"interval_months": [before, interval_months]},
        request=request,
    )
    return rule


@transaction.atomic
def recall_rule_delete(
    *, actor: StaffMember, rule: RecallRule, request: HttpRequest | None = None
) -> None:
    audit_record(
        practice=actor.practice,
        actor=actor.user,
        action=AuditAction.DELETE,
        obj=rule,
        summary=f"Visszahívási szabály törlése: {rule.treatment.name}",
        request=request,
    )
    rule.delete()


@transaction.atomic
def patient_recall_interval_set(
    *,
    actor: StaffMember,
    patient: Patient,
    treatment: TreatmentItem,
    interval_months: int | None,
    request: HttpRequest | None = None,
) -> PatientRecallInterval | None:
    """The patient's own interval for `treatment`; None clears it (the rule applies again)."""
    _treatment_check(actor, treatment)
    if interval_months is not None:
        _interval_check(interval_months)
    own = PatientRecallInterval.objects.filter(
        practice_id=actor.practice_id, patient=patient, treatment=treatment
    ).first()
    before = own.interval_months if own else None
    if interval_months is None:
        if own is not None:
            own.delete()
        own = None
    elif own is None:
        own = PatientRecallInterval.objects.create(
            practice_id=actor.practice_id,
            patient=patient,
            treatment=treatment,
            interval_months=interval_months,
            set_by=actor,
        )
    else:
        own.interval_months = interval_months
        own.set_by = actor
        own.save(update_fields=["interval_months", "set_by", "updated_at"])
    if before != interval_months:
        audit_record(
            practice=actor.practice,
            actor=actor.user,
            action=AuditAction.UPDATE,
            object_type="recall.patientrecallinterval",
            object_id=f"{patient.pk}:{treatment.pk}",
            patient_id=patient.pk,
            summary=f"Saját visszahívási időköz: {patient}, {treatment.name}",
            changes={"interval_months": [before, interval_months]},
            request=request,
        )
    return own


@transaction.atomic
def recall_contact_record(
    *,
    actor: StaffMember,
    patient: Patient,
    treatment: TreatmentItem,
    since: dt.date,
    state: str,
    note: str = "",
    channels: str = "",
    request: HttpRequest | None = None,
) -> RecallContact:
    """Append a contact entry to a current recall of the patient (reminded, declined,
    unreachable); `channels` names what a message went out on ("email,sms"), empty for an
    entry recorded by hand. A recall that is not current — moved by a newer procedure, or never
    there — is refused: the entry would belong to nothing on the list."""
    from zomanc.recall.selectors import patient_recalls

    if state not in RECORDED_STATES:
        raise ValidationError({"state": [_("Válasszon állapotot.")]})
    if not any(
        row.due.treatment_id == treatment.pk and row.due.since == since
        for row in patient_recalls(actor, patient)
    ):
        raise ValidationError(
            _(
                "Ez a visszahívás már nem aktuális (azóta újabb kezelés történt); "
                "frissítse a listát."
            )
        )
    contact = RecallContact.objects.create(
        practice_id=actor.practice_id,
        patient=patient,
        treatment=treatment,
        since=since,
        state=state,
        note=note,
        channels=channels,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    audit_record(
        practice=actor.practice,
        actor=actor.user,
        action=AuditAction.CREATE,
        obj=contact,
        patient_id=patient.pk,
        summary=f"Visszahívás: {patient}, {treatment.name} – {contact.get_state_display()}",
        request=request,
    )
    return contact
