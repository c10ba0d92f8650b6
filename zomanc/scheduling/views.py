"""Pages of the calendar (Naptár): day and week grids, the appointment panel (create, edit,
move, resize, cancel, arrived) and the chairs.

Every page works as plain HTML forms and links; with htmx the panel forms load and submit
inside the calendar's side panel (`#cal-panel`) and a success reloads the calendar."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.backends.utils import csrf_input
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from zomanc.audit.services import audit_patients_listed
from zomanc.core.forms import form_submit
from zomanc.core.http import MemberRequest, member_required
from zomanc.patients.selectors import patient_search_queryset
from zomanc.practices.models import OrgUnit, StaffMember
from zomanc.practices.permissions import Perm, member_can
from zomanc.scheduling import services
from zomanc.scheduling.cells import calendar_grid
from zomanc.scheduling.forms import (
    AppointmentCancelForm,
    AppointmentCreateForm,
    AppointmentDetailsForm,
    AppointmentMoveForm,
    AppointmentResizeForm,
    ChairEditForm,
    ChairForm,
    aware,
)
from zomanc.scheduling.grid import Mode
from zomanc.scheduling.hooks import appointment_lines
from zomanc.scheduling.models import Appointment, Chair
from zomanc.scheduling.selectors import (
    access_appointment,
    access_chair,
    appointment_visit,
    calendar_appointments,
    calendar_chairs,
    calendar_doctors,
    chair_future_appointment_count,
    chairs_for,
)

PICKER_LIMIT = 10


# --- helpers --------------------------------------------------------------------------------


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


# The days the calendar shows: a week around 9999-12-31 or 0001-01-01 would step outside
# what datetime (and the time zone conversion) can hold; a date this far off is a typo.
CALENDAR_FIRST_DAY = date(1900, 1, 1)
CALENDAR_LAST_DAY = date(2999, 12, 31)


def _date(value: str | None) -> date | None:
    """A date of the query string; unparsable or outside the calendar's years: None (today)."""
    try:
        day = date.fromisoformat(value) if value else None
    except ValueError:
        return None
    if day is None or not CALENDAR_FIRST_DAY <= day <= CALENDAR_LAST_DAY:
        return None
    return day


def _next_url(request: MemberRequest, default: str) -> str:
    """The calendar page to return to; only our own relative URLs are followed."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _day_url(day: date) -> str:
    return f"{reverse('scheduling:day')}?{urlencode({'date': day.isoformat()})}"


def _htmx(request: MemberRequest) -> bool:
    """True for requests htmx sent (django-htmx's middleware sets `request.htmx`)."""
    return bool(getattr(request, "htmx", False))


def _done(request: MemberRequest, next_url: str) -> HttpResponse:
    if _htmx(request):
        return HttpResponseClientRedirect(next_url)
    return redirect(next_url)


# The services' names of the times, as the forms call them (overlaps go on top of the form).
SCHEDULE_FIELDS = {"starts_at": "start_time", "ends_at": "end_time"}


# --- calendar -------------------------------------------------------------------------------


@dataclass
class CalendarFilters:
    day: date
    mode: Mode
    chair: Chair | None
    doctor: StaffMember | None
    weekend: bool

    def query(self, **overrides: Any) -> str:
        params: dict[str, Any] = {
            "date": self.day.isoformat(),
            "by": self.mode,
            "chair": self.chair.pk if self.chair else "",
            "doctor": self.doctor.pk if self.doctor else "",
        }
        if self.weekend:
            params["weekend"] = "1"
        params.update(overrides)
        return urlencode({k: v for k, v in params.items() if v not in ("", None)})


def _filters(
    request: MemberRequest, chairs: list[Chair], doctors: list[StaffMember]
) -> CalendarFilters:
    """Reads the query string; a chair or doctor id not of this practice is a 404."""
    day = _date(request.GET.get("date")) or timezone.localdate()
    mode: Mode = "doctor" if request.GET.get("by") == "doctor" else "chair"
    chair = doctor = None
    chair_id, doctor_id = _int(request.GET.get("chair")), _int(request.GET.get("doctor"))
    if chair_id is not None:
        chair = next((c for c in chairs if c.pk == chair_id), None)
        if chair is None:
            raise Http404
    if doctor_id is not None:
        doctor = next((d for d in doctors if d.pk == doctor_id), None)
        if doctor is None:
            raise Http404
    return CalendarFilters(
        day=day, mode=mode, chair=chair, doctor=doctor, weekend=request.GET.get("weekend") == "1"
    )


def _calendar(request: MemberRequest, *, week: bool) -> HttpResponse:
    practice = request.practice
    all_chairs = calendar_chairs(practice)
    all_doctors = calendar_doctors(practice)
    filters = _filters(request, all_chairs, all_doctors)

    if week:
        monday = filters.day - timedelta(days=filters.day.weekday())
        days = [monday + timedelta(days=i) for i in range(7)]
    else:
        days = [filters.day]
    window_start = aware(days[0], datetime.min.time())
    window_end = aware(days[-1] + timedelta(days=1), datetime.min.time())
    appointments = calendar_appointments(
        practice=practice,
        start=window_start,
        end=window_end,
        chair_id=filters.chair.pk if filters.chair else None,
        doctor_id=filters.doctor.pk if filters.doctor else None,
    )
    if week and not filters.weekend:
        # Most practices are closed at weekends: those days show only when booked.
        # The time zone read once, not per appointment (timezone.localtime's context look-up
        # was ≈ 0.5 ms of the week's 160 appointments, issue 18).
        tz = timezone.get_current_timezone()
        booked = {a.starts_at.astimezone(tz).date() for a in appointments}
        days = [d for d in days if d.weekday() < 5 or d in booked]

    active_chairs = [c for c in all_chairs if c.is_active]
    active_doctors = [d for d in all_doctors if d.is_active]
    step = timedelta(days=7 if week else 1)
    view_name = "scheduling:week" if week else "scheduling:day"
    here = request.get_full_path()
    grid = calendar_grid(
        practice_id=practice.pk,
        days=days,
        mode=filters.mode,
        chairs=[filters.chair] if filters.chair else active_chairs,
        doctors=[filters.doctor] if filters.doctor else active_doctors,
        appointments=appointments,
        here=here,
        chair_id=filters.chair.pk if filters.chair else None,
        doctor_id=filters.doctor.pk if filters.doctor else None,
        may_open_visits=member_can(request.member, Perm.CLINICAL_EDIT),
        csrf_field=csrf_input(request),
    )
    context = {
        "week": week,
        "grid": grid,
        "filters": filters,
        "chairs": all_chairs,
        "doctors": all_doctors,
        "days": days,
        "today": timezone.localdate(),
        "here": here,
        "create_url": reverse("scheduling:appointment_create"),
        "prev_query": filters.query(date=(filters.day - step).isoformat()),
        "next_query": filters.query(date=(filters.day + step).isoformat()),
        "today_query": filters.query(date=timezone.localdate().isoformat()),
        "day_query": filters.query(),
        "view_url": reverse(view_name),
        "week_start": days[0] if days else filters.day,
        "week_end": days[-1] if days else filters.day,
    }
    response = render(request, "scheduling/calendar.html", context)
    # Django's template context refers to itself, so what it held is freed only by the
    # cyclic garbage collector, whose full passes are rare in a process this size: a week's
    # cells and appointments (≈ 2.5 MB) outlived the request, times the worker's threads
    # (docs/decisions.md, "Web memory"). Emptied now, they go by reference counting.
    grid.release()
    return response


@member_required(Perm.APPOINTMENT_EDIT)
def day_view(request: MemberRequest) -> HttpResponse:
    return _calendar(request, week=False)


@member_required(Perm.APPOINTMENT_EDIT)
def week_view(request: MemberRequest) -> HttpResponse:
    return _calendar(request, week=True)


# --- appointment panel ----------------------------------------------------------------------


def _create_initial(request: MemberRequest) -> dict[str, Any]:
    """Prefill from the clicked slot (?start=2026-03-02T09:15&chair=3&doctor=5) or from the
    patient page (?patient=12); also the fields carried by the no-JS patient search."""
    initial: dict[str, Any] = {}
    start = request.GET.get("start")
    if start:
        try:
            moment = datetime.fromisoformat(start)
        except ValueError:
            moment = None
        if moment is not None:
            initial["day"] = moment.date()
            initial["start_time"] = moment.time().replace(second=0, microsecond=0)
    for name in ("day", "start_time", "end_time", "note"):
        if request.GET.get(name):
            initial[name] = request.GET[name]
    for name in ("chair", "doctor", "patient", "treatment", "company", "org_unit"):
        value = _int(request.GET.get(name))
        if value is not None:
            initial[name] = value
    if "company" not in initial or "org_unit" not in initial:
        # The usual practice has one company with one org unit: preselect it.
        units = list(
            OrgUnit.objects.filter(
                practice=request.practice, is_active=True, company__is_active=True
            ).values_list("pk", "company_id")[:2]
        )
        if len(units) == 1:
            initial.setdefault("org_unit", units[0][0])
            initial.setdefault("company", units[0][1])
    if request.member.stamp_number and "doctor" not in initial:
        initial["doctor"] = request.member.pk
    initial.setdefault("day", timezone.localdate())
    return initial


def _render_panel(request: MemberRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    context["partial"] = _htmx(request)
    page = template if _htmx(request) else "scheduling/panel_page.html"
    context["panel_template"] = template
    return render(request, page, context)


@member_required(Perm.APPOINTMENT_EDIT)
def appointment_create(request: MemberRequest) -> HttpResponse:
    practice = request.practice
    default_next = _day_url(timezone.localdate())
    if request.method == "POST":
        form = AppointmentCreateForm(request.POST, practice=practice)
        appointment = form_submit(
            form,
            lambda data: services.appointment_create(
                practice=practice,
                actor=request.member,
                patient=data["patient"],
                doctor=data["doctor"],
                chair=data["chair"],
                company=data["company"],
                org_unit=data["org_unit"],
                treatment=data["treatment"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                note=data["note"],
                request=request,
            ),
            SCHEDULE_FIELDS,
        )
        if appointment is not None:
            messages.success(
                request,
                _("Időpont foglalva: %(patient)s, %(when)s.")
                % {
                    "patient": appointment.patient,
                    "when": services.appointment_when(appointment),
                },
            )
            return _back_to_calendar(request, appointment)
    else:
        form = AppointmentCreateForm(initial=_create_initial(request), practice=practice)
    query = request.GET.get("patient_q", "").strip()
    results = list(patient_search_queryset(practice, query)[:PICKER_LIMIT]) if query else []
    return _render_panel(
        request,
        "scheduling/_appointment_create.html",
        {
            "form": form,
            "selected_patient": form.selected_patient(),
            "patient_query": query,
            "patient_results": results,
            "next": _next_url(request, default_next),
        },
    )


@member_required(Perm.APPOINTMENT_EDIT)
def patient_picker(request: MemberRequest) -> HttpResponse:
    """The picker's result list (htmx): radio buttons named `patient` inside the form."""
    query = request.GET.get("patient_q", "").strip()
    results = (
        list(patient_search_queryset(request.practice, query)[:PICKER_LIMIT])
        if len(query) >= 2
        else []
    )
    if results:
        audit_patients_listed(
            practice=request.practice,
            actor=request.user,
            what="Páciensválasztó (naptár)",
            query=query,
            patient_ids=[p.pk for p in results],
            request=request,
        )
    return render(
        request,
        "scheduling/_patient_results.html",
        {"patient_results": results, "patient_query": query},
    )


def _panel_context(
    request: MemberRequest,
    appointment: Appointment,
    *,
    details: AppointmentDetailsForm | None = None,
    move: AppointmentMoveForm | None = None,
    resize: AppointmentResizeForm | None = None,
    cancel: AppointmentCancelForm | None = None,
) -> dict[str, Any]:
    start = timezone.localtime(appointment.starts_at)
    end = timezone.localtime(appointment.ends_at)
    return {
        "appointment": appointment,
        "visit": appointment_visit(appointment),
        "lines": appointment_lines(appointment.practice_id, [appointment.pk]).get(
            appointment.pk, []
        ),
        "details_form": details
        or AppointmentDetailsForm(
            appointment=appointment,
            initial={
                "treatment": appointment.treatment_id,
                "note": appointment.note,
                "company": appointment.company_id,
                "org_unit": appointment.org_unit_id,
            },
        ),
        "move_form": move
        or AppointmentMoveForm(
            appointment=appointment,
            initial={
                "day": start.date(),
                "start_time": start.time(),
                "end_time": end.time(),
                "chair": appointment.chair_id,
                "doctor": appointment.doctor_id,
            },
        ),
        "resize_form": resize or AppointmentResizeForm(initial={"end_time": end.time()}),
        "cancel_form": cancel or AppointmentCancelForm(),
        "when": services.appointment_when(appointment),
        "next": _next_url(request, _day_url(start.date())),
    }


def _panel(request: MemberRequest, appointment: Appointment, **forms: Any) -> HttpResponse:
    return _render_panel(
        request,
        "scheduling/_appointment_panel.html",
        _panel_context(request, appointment, **forms),
    )


def _back_to_calendar(request: MemberRequest, appointment: Appointment) -> HttpResponse:
    """After a change: the page the panel came from, else the appointment's (new) day."""
    default = _day_url(timezone.localtime(appointment.starts_at).date())
    return _done(request, _next_url(request, default))


@member_required(Perm.APPOINTMENT_EDIT)
def appointment_edit(request: MemberRequest, appointment_id: int) -> HttpResponse:
    appointment = access_appointment(request.member, appointment_id)
    if request.method != "POST":
        return _panel(request, appointment)
    form = AppointmentDetailsForm(request.POST, appointment=appointment)
    if form_submit(
        form,
        lambda data: services.appointment_update(
            appointment=appointment,
            actor=request.member,
            note=data["note"],
            treatment=data["treatment"],
            company=data["company"],
            org_unit=data["org_unit"],
            request=request,
        ),
    ):
        messages.success(request, _("Időpont módosítva."))
        return _back_to_calendar(request, appointment)
    return _panel(request, appointment, details=form)


@require_POST
@member_required(Perm.APPOINTMENT_EDIT)
def appointment_move(request: MemberRequest, appointment_id: int) -> HttpResponse:
    appointment = access_appointment(request.member, appointment_id)
    form = AppointmentMoveForm(request.POST, appointment=appointment)
    if form_submit(
        form,
        lambda data: services.appointment_move(
            appointment=appointment,
            actor=request.member,
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            chair=data["chair"],
            doctor=data["doctor"],
            request=request,
        ),
        SCHEDULE_FIELDS,
    ):
        messages.success(
            request,
            _("Időpont áthelyezve: %(when)s.") % {"when": services.appointment_when(appointment)},
        )
        return _back_to_calendar(request, appointment)
    return _panel(request, appointment, move=form)


@require_POST
@member_required(Perm.APPOINTMENT_EDIT)
def appointment_resize(request: MemberRequest, appointment_id: int) -> HttpResponse:
    """A new end time on the same day; the start stays."""
    appointment = access_appointment(request.member, appointment_id)
    form = AppointmentResizeForm(request.POST)
    day = timezone.localtime(appointment.starts_at).date()
    if form_submit(
        form,
        lambda data: services.appointment_move(
            appointment=appointment,
            actor=request.member,
            starts_at=appointment.starts_at,
            ends_at=aware(day, data["end_time"]),
            request=request,
        ),
        SCHEDULE_FIELDS,
    ):
        messages.success(
            request,
            _("Időpont módosítva: %(when)s.") % {"when": services.appointment_when(appointment)},
        )
        return _back_to_calendar(request, appointment)
    return _panel(request, appointment, resize=form)


@require_POST
@member_required(Perm.APPOINTMENT_EDIT)
def appointment_cancel(request: MemberRequest, appointment_id: int) -> HttpResponse:
    appointment = access_appointment(request.member, appointment_id)
    form = AppointmentCancelForm(request.POST)
    if form_submit(
        form,
        lambda data: services.appointment_cancel(
            appointment=appointment, actor=request.member, reason=data["reason"], request=request
        ),
    ):
        messages.success(
            request,
            _("Időpont lemondva: %(patient)s, %(when)s.")
            % {"patient": appointment.patient, "when": services.appointment_when(appointment)},
        )
        return _back_to_calendar(request, appointment)
    return _panel(request, appointment, cancel=form)


@require_POST
@member_required(Perm.APPOINTMENT_EDIT)
def appointment_arrived(request: MemberRequest, appointment_id: int) -> HttpResponse:
    appointment = access_appointment(request.member, appointment_id)
    try:
        services.appointment_mark_arrived(
            appointment=appointment, actor=request.member, request=request
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("%(patient)s megérkezett.") % {"patient": appointment.patient})
    return _back_to_calendar(request, appointment)


# --- chairs ---------------------------------------------------------------------------------


@member_required(Perm.SETTINGS_EDIT)
def chair_list(request: MemberRequest) -> HttpResponse:
    form = ChairForm(request.POST or None)
    chair = form_submit(
        form,
        lambda data: services.chair_create(
            practice=request.practice, name=data["name"], actor=request.member, request=request
        ),
    )
    if chair is not None:
        messages.success(request, _("„%(name)s” létrehozva.") % {"name": chair.name})
        return redirect("scheduling:chairs")
    chairs = list(chairs_for(request.practice, active_only=False))
    return render(request, "scheduling/chairs.html", {"form": form, "chairs": chairs})


@member_required(Perm.SETTINGS_EDIT)
def chair_edit(request: MemberRequest, chair_id: int) -> HttpResponse:
    chair = access_chair(request.member, chair_id)
    form = ChairEditForm(
        request.POST or None, initial={"name": chair.name, "is_active": chair.is_active}
    )
    if form_submit(
        form,
        lambda data: services.chair_update(
            chair=chair,
            name=data["name"],
            is_active=data["is_active"],
            actor=request.member,
            request=request,
        ),
    ):
        messages.success(request, _("„%(name)s” módosítva.") % {"name": chair.name})
        return redirect("scheduling:chairs")
    future = chair_future_appointment_count(chair=chair, now=timezone.now())
    return render(
        request, "scheduling/chair_edit.html", {"form": form, "chair": chair, "future": future}
    )
