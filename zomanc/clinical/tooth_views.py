"""A tooth's history: clicking a tooth on any chart of a patient (static/clinical/visit.js)
loads every procedure and status of that tooth across the visits into the panel beside the
chart. Shows patient data, so every answer leaves an audit entry; scoped to the practice by
access_patient."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from zomanc.audit.models import AuditAction
from zomanc.audit.services import audit_record
from zomanc.clinical.selectors import tooth_history
from zomanc.clinical.teeth import SURFACE_NAMES, ToothRuleError, ToothStatus, tooth_validate
from zomanc.core.http import MemberRequest, member_required
from zomanc.patients.selectors import access_patient
from zomanc.practices.permissions import Perm


@require_GET
@member_required(Perm.CLINICAL_VIEW)
def tooth_history_view(request: MemberRequest, patient_id: int) -> HttpResponse:
    patient = access_patient(request.member, patient_id)
    fragment = bool(request.htmx)  # type: ignore[attr-defined]
    template = "clinical/_tooth_history.html" if fragment else "clinical/tooth_history.html"
    raw = request.GET.get("fog", "").strip()
    try:
        if not raw.isdigit() or len(raw) > 2:
            raise ToothRuleError(_("Adjon meg egy FDI fogszámot (pl. 36)."))
        tooth = tooth_validate(int(raw))
    except ToothRuleError as error:
        return render(request, template, {"patient": patient, "error": str(error)}, status=400)
    history = tooth_history(patient, tooth)
    audit_record(
        practice=request.practice,
        actor=request.user,
        action=AuditAction.VIEW,
        obj=patient,
        patient_id=patient.pk,
        summary=f"Fog előzményeinek megtekintése: {patient}, {tooth}. fog",
        request=request,
    )
    surfaces = [
        (letter, SURFACE_NAMES[letter], ToothStatus(status).label)
        for letter, status in sorted(history.state.surfaces.items())
    ]
    return render(
        request,
        template,
        {
            "patient": patient,
            "history": history,
            "tooth_status": ToothStatus(history.state.status).label,
            "surfaces": surfaces,
        },
    )
