"""Views of the chart. Thin: scope by practice (access_*), check the form, call one service,
render. Entry-box posts answer htmx with the re-rendered activity block (entry box, tooth
chart and visit list: no page reload) and plain posts with a redirect to the patient page."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from zomanc.audit.models import AuditAction
from zomanc.audit.services import audit_record
from zomanc.clinical import hooks
from zomanc.clinical.chart_svg import chart_svg_cached, legend_items
from zomanc.clinical.forms import (
    CommandForm,
    CorrectionForm,
    DiagnosisForm,
    NotesForm,
    ProcedureForm,
    VisitOpenForm,
)
from zomanc.clinical.models import ToothFinding, Visit, VisitStatus
from zomanc.clinical.pdf import ambulans_lap_pdf
from zomanc.clinical.selectors import (
    access_revision,
    access_visit,
    patient_activity_list,
    patient_chart_findings,
    patient_visit_page,
    visit_revisions,
    visit_snapshot,
)
from zomanc.clinical.services import (
    SECTION_FIELDS,
    diagnosis_add,
    diagnosis_remove,
    finding_remove,
    procedure_add,
    procedure_remove,
    visit_close,
    visit_command_apply,
    visit_correct,
    visit_notes_update,
    visit_open,
)
from zomanc.clinical.services.visits import EMPTY_NOTES_CODE
from zomanc.clinical.teeth import PRIMARY_TEETH
from zomanc.codes.bno_services import age_on
from zomanc.codes.models import TreatmentItem
from zomanc.core.forms import form_add_service_error, form_submit
from zomanc.core.http import MemberRequest, member_required
from zomanc.patients.models import Patient
from zomanc.patients.selectors import access_patient
from zomanc.practices.permissions import Perm, member_can

PRIMARY_CHART_AGE = 14  # below this age the chart also shows the primary teeth


def _patient_url(patient: Patient) -> str:
    return reverse("patients:detail", args=[patient.pk]) + "#activity"


def _chart_context(
    patient: Patient, caption: str, until: Visit | None = None, *, current: bool = False
) -> dict[str, Any]:
    """The tooth chart (now, or at the end of `until`) and its legend; the primary teeth show
    for a child and for anyone whose chart has one (every tooth of a finding is on the
    chart). The drawing comes from the fragment cache (chart_svg_cached). The `current`
    chart (the patient's as it is now) also draws the planned treatments (hooks.CHART_PLANNED)
    and carries the hooks' CHART_TEMPLATES."""
    findings = patient_chart_findings(patient, until=until)
    planned = (
        [mark for provider in hooks.CHART_PLANNED for mark in provider(patient)] if current else []
    )
    young = age_on(patient.birth_date, timezone.localdate()) < PRIMARY_CHART_AGE
    show_primary = young or any(tooth in PRIMARY_TEETH for tooth, *_rest in [*findings, *planned])
    return {
        "chart_svg": chart_svg_cached(
            findings,
            show_primary=show_primary,
            caption=caption,
            practice_id=patient.practice_id,
            planned=planned,
        ),
        "legend": legend_items(planned=bool(planned)),
        # A click on a tooth loads its history from here (static/clinical/visit.js).
        "tooth_history_url": reverse("clinical:tooth_history", args=[patient.pk]),
        "chart_templates": hooks.CHART_TEMPLATES if current else (),
    }


def activity_context(
    request: HttpRequest,
    patient: Patient,
    *,
    bound: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """Everything the activity block needs; a fixed number of queries whatever the number of
    visits (count, visits, the open visit's diagnoses and procedures, the visits' outbox
    states; the outbox rows of the items rendered — the open visit's, the closed ones' not in
    the fragment cache — and the latter's diagnoses and procedures, clinical/fragments.py;
    chart findings, plus the entry forms' choice lists)."""
    member = request.member  # type: ignore[attr-defined]
    clinical = member_can(member, Perm.CLINICAL_VIEW)
    can_edit = member_can(member, Perm.CLINICAL_EDIT)
    activity = patient_activity_list(member, patient, clinical=clinical)
    bound = bound or {}
    context: dict[str, Any] = {
        "request": request,
        "patient": patient,
        "member": member,
        "can": {perm.value: member_can(member, perm) for perm in Perm},
        "clinical": clinical,
        "can_edit": can_edit,
        "activity": activity,
        "open_visit": activity.open_visit,
        "errors": errors or {},
        "visit_action_templates": hooks.VISIT_ACTION_TEMPLATES,
        "entry_box_menu_templates": hooks.ENTRY_BOX_MENU_TEMPLATES,
    }
    if not clinical:
        return context
    context.update(_chart_context(patient, _("A páciens jelenlegi fogtérképe"), current=True))
    if not can_edit:
        return context
    open_visit = activity.open_visit
    if open_visit is None:
        # An edit aimed at a visit closed meanwhile: its message has no form to sit next to.
        context["stray_errors"] = [
            message
            for section, section_messages in (errors or {}).items()
            if section != "open"
            for message in section_messages
        ]
        context["open_form"] = bound.get("open") or VisitOpenForm(
            practice=member.practice, member=member
        )
        return context
    context["command_form"] = bound.get("command") or CommandForm()
    context["diagnosis_form"] = bound.get("diagnosis") or DiagnosisForm()
    context["procedure_form"] = bound.get("procedure") or ProcedureForm(practice=member.practice)
    context["notes_form"] = bound.get("notes") or NotesForm(
        initial={name: getattr(open_visit, name) for name in NotesForm.base_fields}
    )
    context["open_findings"] = [f for f in open_visit.findings.all() if f.procedure_id is None]
    context["planned_treatment"] = _planned_treatment(open_visit)
    context["entry_box_procedure_templates"] = hooks.ENTRY_BOX_PROCEDURE_TEMPLATES
    for provide in hooks.ENTRY_BOX_CONTEXT:
        context.update(provide(request, patient, open_visit))
    return context


def _planned_treatment(visit: Visit) -> TreatmentItem | None:
    """The treatment planned on the appointment the visit was opened from, offered as one
    click in the entry box until it is recorded (an inactive item is not offered)."""
    if visit.appointment_id is None:
        return None
    from zomanc.scheduling.models import Appointment

    treatment_id = (
        Appointment.objects.filter(practice_id=visit.practice_id, pk=visit.appointment_id)
        .values_list("treatment_id", flat=True)
        .first()
    )
    if treatment_id is None:
        return None
    if any(p.treatment_id == treatment_id for p in visit.procedures.all()):
        return None
    return TreatmentItem.objects.filter(
        practice_id=visit.practice_id, pk=treatment_id, is_active=True
    ).first()


def _answer(
    request: MemberRequest,
    patient: Patient,
    *,
    bound: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
) -> HttpResponse:
    if request.htmx:  # type: ignore[attr-defined]
        return render(
            request,
            "clinical/_activity.html",
            activity_context(request, patient, bound=bound, errors=errors),
        )
    for messages_of_section in (errors or {}).values():
        for message in messages_of_section:
            messages.error(request, message)
    return HttpResponseRedirect(_patient_url(patient))


def _messages(error: ValidationError) -> list[str]:
    return list(error.messages)


def _nonfield(error: ValidationError) -> list[str]:
    return [] if hasattr(error, "error_dict") else list(error.messages)


def _entry_post(
    request: MemberRequest,
    patient: Patient,
    section: str,
    form: Any,
    save: Callable[[dict[str, Any]], object],
    shown: Callable[[ValidationError], list[str]] = _messages,
) -> HttpResponse:
    """A form of the activity block: the service gets the cleaned data; a refusal comes back
    with the form still filled in, the service's reasons beside its fields and (`shown`)
    above the `section`."""
    if not form.is_valid():
        return _answer(request, patient, bound={section: form})
    try:
        save(form.cleaned_data)
    except ValidationError as error:
        form_add_service_error(form, error)
        return _answer(request, patient, bound={section: form}, errors={section: shown(error)})
    return _answer(request, patient)


def _button_post(
    request: MemberRequest, patient: Patient, section: str, act: Callable[[], object]
) -> HttpResponse:
    """A button of the activity block (delete): a refusal shows above the `section`."""
    try:
        act()
    except ValidationError as error:
        return _answer(request, patient, errors={section: _messages(error)})
    return _answer(request, patient)


def _visit_of(request: MemberRequest, visit_id: int) -> Visit:
    """A visit about to be written: its practice is the request's (no query for it)."""
    visit = access_visit(request.member, visit_id)
    visit.practice = request.practice
    return visit


# --- activity block -------------------------------------------------------------------------


@require_GET
@member_required(Perm.PATIENT_VIEW)
def patient_activity(request: MemberRequest, patient_id: int) -> HttpResponse:
    patient = access_patient(request.member, patient_id)
    audit_record(
        practice=request.practice,
        actor=request.user,
        action=AuditAction.VIEW,
        obj=patient,
        patient_id=patient.pk,
        summary=f"Ellátások és tevékenységek megtekintése: {patient}",
        request=request,
    )
    return render(request, "clinical/_activity.html", activity_context(request, patient))


@require_GET
@member_required(Perm.PATIENT_VIEW)
def patient_visit_history(request: MemberRequest, patient_id: int) -> HttpResponse:
    patient = access_patient(request.member, patient_id)
    try:
        page = int(request.GET.get("oldal", "1"))
    except ValueError:
        page = 1
    clinical = member_can(request.member, Perm.CLINICAL_VIEW)
    visits, has_next = patient_visit_page(request.member, patient, page)
    if clinical:
        audit_record(
            practice=request.practice,
            actor=request.user,
            action=AuditAction.VIEW,
            obj=patient,
            patient_id=patient.pk,
            summary=f"Ellátási előzmények megtekintése: {patient}",
            request=request,
        )
    # "Korábbi ellátások" on the patient page: the next page's items replace the control.
    fragment = request.htmx and not request.htmx.boosted  # type: ignore[attr-defined]
    return render(
        request,
        "clinical/_visit_page.html" if fragment else "clinical/visit_history.html",
        {
            "patient": patient,
            "visits": visits,
            "page": max(1, page),
            "has_next": has_next,
            "clinical": clinical,
            "visit_action_templates": hooks.VISIT_ACTION_TEMPLATES,
        },
    )


@require_POST
@member_required(Perm.CLINICAL_EDIT)
def visit_open_view(request: MemberRequest, patient_id: int) -> HttpResponse:
    patient = access_patient(request.member, patient_id)
    form = VisitOpenForm(request.POST, practice=request.practice, member=request.member)
    return _entry_post(
        request,
        patient,
        "open",
        form,
        lambda data: visit_open(
            patient=patient,
            doctor=data["doctor"],
            company=data["company"],
            org_unit=data["org_unit"],
            opened_by=request.user,
            request=request,
        ),
        # The open form shows its field errors itself; only the others go above it.
        shown=_nonfield,
    )


@require_POST
@member_required(Perm.CLINICAL_EDIT)
def visit_open_from_appointment(request: MemberRequest, appointment_id: int) -> HttpResponse:
    """Opens the visit of a calendar appointment (doctor, company and org unit from the
    appointment); if it already has one, goes to it."""
    from zomanc.scheduling.models import Appointment
    from zomanc.scheduling.services import appointment_mark_arrived

    appointment = (
        Appointment.objects.select_related("patient", "doctor", "company", "org_unit")
        .filter(practice_id=request.practice.pk, pk=appointment_id)
        .first()
    )
    if appointment is None:
        raise Http404
    patient = appointment.patient
    existing = Visit.objects.filter(practice_id=request.practice.pk, appointment=appointment)
    if existing.exists():
        return HttpResponseRedirect(_patient_url(patient))
    try:
        # One transaction: the visit is opened and the appointment marked arrived together
        # (a cancelled appointment is refused and nothing is opened).
        with transaction.atomic():
            appointment_mark_arrived(appointment=appointment, actor=request.member, request=request)
            visit_open(
                patient=patient,
                doctor=appointment.doctor,
                company=appointment.company,
                org_unit=appointment.org_unit,
                appointment=appointment,
                opened_by=request.user,
                request=request,
            )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Ellátás megnyitva az időpontból."))
    return HttpResponseRedirect(_patient_url(patient))


# --- entry box of an open visit ---------------------------------------------------------


@require_POST
@member_required(Perm.CLINICAL_EDIT)
def visit_command(request: MemberRequest, visit_id: int) -> HttpResponse:
    visit = _visit_of(request, visit_id)
    return _entry_post(
        request,
        visit.patient,
        "command",
        CommandForm(request.POST),
        lambda data: visit_command_apply(
            visit=visit, line=data["line"], entered_by=request.user, request=request
        ),
    )


@require_POST
@member_required(Perm.CLINICAL_EDIT)
def visit_notes(request: MemberRequest, visit_id: int) -> HttpResponse:
    visit = _visit_of(request, visit_id)
    return _entry_post(
        request,
        visit.patient,
        "notes",
        NotesForm(request.POST),
        lambda data: visit_notes_update(
            visit=visit, updated_by=request.user, request=request, **data
        ),
    )


@require_POST
@member_required(Perm.CLINICAL_EDIT)
def visit_notes_autosave(request: MemberRequest, visit_id: int) -> HttpResponse:
    """The entry box saving its text while it is typed (static/clinical/visit.js): JSON with
    the label of the state ("mentve 10:42") or the Hungarian reason of a refusal (400; the
    script does not retry those, only failed connections and server errors)."""
    visit = _visit_of(request, visit_id)
    form = NotesForm(request.POST)
    if not form.is_valid():
        reasons = [str(message) for errors in form.errors.values() for message in errors]
        return JsonResponse({"saved": False, "label": " ".join(reasons)}, status=400)
    try:
        visit_notes_update(
            visit=visit, updated_by=request.user, request=request, **form.cleaned_data
        )
    except ValidationError as error:
        return JsonResponse({"saved": False, "label": " ".join(error.messages)}, status=400)
    at = timezone.localtime().strftime("%H:%M")
    return JsonResponse({"saved": True, "label": _("mentve %(time)s") % {"time": at}})


@require_POST
@member_required(Perm.CLINICAL_EDIT)
def diagnosis_add_view(request: MemberRequest, visit_id: int) -> HttpResponse:
    visit = _visit_of(request, visit_id)
    posted = {"code": request.POST.get("code", ""), "is_primary": request.POST.get("is_primary")}
    if request.POST.get("picked"):
        posted["code"] = request.POST["picked"]  # a row of the picker was clicked
    return _entry_post(
        request,
        visit.patient,
        "diagnosis",
        DiagnosisForm(posted),
        lambda data: diagnosis_add(
            visit=visit,
            code=data["code"],
            is_primary=data["is_primary"],
            added_by=request.user,
            request=request,
        ),
    )


@require_POST
@member_required(Perm.CLINICAL_EDIT)
def diagnosis_delete(request: MemberRequest, visit_id: int, diagnosis_id: int) -> HttpResponse:
    visit = _visit_of(request, visit_id)
    diagnosis = visit.diagnoses.filter(pk=diagnosis_id).first()
    if diagnosis is None:
        raise Http404
    return _button_post(
        request,
        visit.patient,
        "diagnosis",
        lambda: diagnosis_remove(diagnosis=diagnosis, removed_by=request.user, request=request),
    )


@require_POST
@member_required(Perm.CLINICAL_EDIT)
def procedure_add_view(request: MemberRequest, visit_id: int) -> HttpResponse:
    visit = _visit_of(request, visit_id)
    return _entry_post(
        request,
        visit.patient,
        "procedure",
        ProcedureForm(request.POST, practice=request.practice),
        lambda data: procedure_add(
            visit=visit,
            treatment=data["treatment"],
            tooth=data["tooth"],
            surfaces=data["surfaces"] or "",
            quantity=data["quantity"],
            added_by=request.user,
            request=request,
        ),
    )


@require_POST
@member_required(Perm.CLINICAL_EDIT)
def procedure_delete(request: MemberRequest, visit_id: int, procedure_id: int) -> HttpResponse:
    visit = _visit_of(request, visit_id)
    procedure = visit.procedures.filter(pk=procedure_id).first()
    if procedure is None:
        raise Http404
    return _button_post(
        request,
        visit.patient,
        "procedure",
        lambda: procedure_remove(procedure=procedure, removed_by=request.user, request=request),
    )


@require_POST
@member_required(Perm.CLINICAL_EDIT)
def finding_delete(request: MemberRequest, visit_id: int, finding_id: int) -> HttpResponse:
    visit = _visit_of(request, visit_id)
    finding = ToothFinding.objects.filter(visit=visit, pk=finding_id).first()
    if finding is None:
        raise Http404
    return _button_post(
        request,
        visit.patient,
        "command",
        lambda: finding_remove(finding=finding, removed_by=request.user, request=request),
    )


@require_POST
@member_required(Perm.CLINICAL_EDIT, Perm.VISIT_CLOSE)
def visit_close_view(request: MemberRequest, visit_id: int) -> HttpResponse:
    """Closes the visit with the text boxes as posted (the close button submits the notes
    form), saved in the closing's transaction. A refusal saves nothing and answers with the
    boxes still holding the posted text — also without JavaScript, where a redirect would
    drop it."""
    visit = _visit_of(request, visit_id)
    patient = visit.patient
    posted = any(name in request.POST for name in SECTION_FIELDS)
    notes = NotesForm(request.POST) if posted else None
    bound = {"notes": notes} if notes is not None else {}
    if notes is not None and not notes.is_valid():
        reason = _("Az ellátás nincs lezárva: javítsa a szöveg hibáit.")
        return _close_refused(request, patient, bound, {"close": [reason]})
    try:
        visit_close(
            visit=visit,
            closed_by=request.user,
            sections=notes.cleaned_data if notes is not None else None,
            empty_notes_confirmed=request.POST.get("confirm_empty") == "1",
            request=request,
        )
    except ValidationError as error:
        asks = getattr(error, "code", None) == EMPTY_NOTES_CODE
        section = "close_confirm" if asks else "close"
        return _close_refused(request, patient, bound, {section: _messages(error)})
    if not request.htmx:  # type: ignore[attr-defined]
        messages.success(request, _("Az ellátás lezárva."))
    return _answer(request, visit.patient)


def _close_refused(
    request: MemberRequest,
    patient: Patient,
    bound: dict[str, Any],
    errors: dict[str, list[str]],
) -> HttpResponse:
    context = activity_context(request, patient, bound=bound, errors=errors)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "clinical/_activity.html", context)
    return render(request, "clinical/visit_close_refused.html", context, status=400)


# --- a visit's own pages ----------------------------------------------------------------------


def _visit_viewed(request: MemberRequest, visit: Visit, what: str) -> None:
    audit_record(
        practice=request.practice,
        actor=request.user,
        action=AuditAction.VIEW,
        obj=visit,
        patient_id=visit.patient_id,
        summary=f"{what}: {visit.patient}, {timezone.localtime(visit.started_at):%Y.%m.%d.}",
        request=request,
    )


@require_GET
@member_required(Perm.CLINICAL_VIEW)
def visit_detail(request: MemberRequest, visit_id: int) -> HttpResponse:
    visit = access_visit(request.member, visit_id)
    _visit_viewed(request, visit, "Ellátás megtekintése")
    # An open visit's chart is the patient's current one: it shows what is planned too.
    chart = _chart_context(
        visit.patient,
        _("Fogtérkép az ellátás végén"),
        until=visit,
        current=visit.status == VisitStatus.OPEN,
    )
    return render(
        request,
        "clinical/visit_detail.html",
        {
            "visit": visit,
            "patient": visit.patient,
            "snapshot": visit_snapshot(visit),
            "revisions": visit_revisions(visit),
            **chart,
            "visit_action_templates": hooks.VISIT_ACTION_TEMPLATES,
        },
    )


@require_GET
@member_required(Perm.CLINICAL_VIEW)
def visit_chart(request: MemberRequest, visit_id: int) -> HttpResponse:
    """The tooth chart as it stood at the end of this visit (htmx partial)."""
    visit = access_visit(request.member, visit_id)
    _visit_viewed(request, visit, "Fogtérkép megtekintése")
    return render(
        request,
        "clinical/_chart.html",
        _chart_context(visit.patient, _("Fogtérkép ennél az ellátásnál"), until=visit),
    )


@require_GET
@member_required(Perm.CLINICAL_VIEW)
def revision_detail(request: MemberRequest, visit_id: int, number: int) -> HttpResponse:
    visit = access_visit(request.member, visit_id)
    revision = access_revision(visit, number)
    _visit_viewed(request, visit, f"Ellátás {number}. revíziójának megtekintése")
    return render(
        request,
        "clinical/revision_detail.html",
        {
            "visit": visit,
            "patient": visit.patient,
            "revision": revision,
            "snapshot": revision.content,
            "revisions": visit_revisions(visit),
        },
    )


@member_required(Perm.CLINICAL_EDIT, Perm.VISIT_CLOSE)
def visit_correct_view(request: MemberRequest, visit_id: int) -> HttpResponse:
    visit = _visit_of(request, visit_id)
    if visit.status != VisitStatus.CLOSED:
        messages.error(
            request,
            _("Csak lezárt ellátás javítható; a nyitott ellátás közvetlenül szerkeszthető."),
        )
        return HttpResponseRedirect(_patient_url(visit.patient))
    form = CorrectionForm(request.POST or None, visit=visit)
    if request.method != "POST":
        # The correction form shows the whole closed record.
        _visit_viewed(request, visit, "Ellátás megnyitása javításra")
    if form_submit(
        form,
        lambda data: visit_correct(
            visit=visit,
            reason=data["reason"],
            corrected_by=request.user,
            sections={name: data[name] for name in NotesForm.base_fields},
            diagnoses=form.diagnosis_list(),
            remove_procedure_ids=[p.pk for p in data["remove_procedures"]],
            remove_finding_ids=[f.pk for f in data["remove_findings"]],
            commands=data["commands"].splitlines(),
            request=request,
        ),
    ):
        messages.success(request, _("Javítás mentve: %(n)s. revízió.") % {"n": visit.revision})
        return HttpResponseRedirect(reverse("clinical:visit_detail", args=[visit.pk]))
    return render(
        request,
        "clinical/visit_correct.html",
        {"visit": visit, "patient": visit.patient, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@member_required(Perm.CLINICAL_VIEW)
def visit_pdf(request: MemberRequest, visit_id: int) -> HttpResponse:
    """The Ambuláns lap of a closed visit: the latest revision, or ?revizio=N."""
    visit = access_visit(request.member, visit_id)
    if visit.status != VisitStatus.CLOSED:
        messages.error(request, _("Ambuláns lap csak lezárt ellátásról nyomtatható."))
        return HttpResponseRedirect(_patient_url(visit.patient))
    try:
        number = int(request.GET.get("revizio", visit.revision))
    except ValueError:
        raise Http404 from None
    revision = access_revision(visit, number)
    _visit_viewed(request, visit, f"Ambuláns lap (PDF, {number}. revízió) megtekintése")
    pdf = ambulans_lap_pdf(
        revision.content, revision_number=revision.number, reason=revision.reason
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    day = timezone.localtime(visit.started_at).strftime("%Y%m%d")
    response["Content-Disposition"] = (
        f'inline; filename="ambulans-lap-{visit.pk}-{day}-r{number}.pdf"'
    )
    return response
