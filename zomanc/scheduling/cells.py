"""What the calendar grid's cells show, built once per request in Python.

A week on two chairs is ≈ 500 free slots and up to a few hundred appointments. Through the
template engine every slot cost two `date` filters, a `urlencode` and a dozen lookups, and
every appointment an `optional_url` (reverse), two `time` filters and ≈ 20 variable lookups
and tags — most of the week view's time (docs/benchmarks.md, "Pages under load" and
"Profiles, issue 18"). Here each row's cells are one string: a free slot from per-column
parts escaped once, an appointment's block from its fields, each escaped as the template's
autoescape did (`conditional_escape`), the texts translated once a request. The template
prints the row's `html`; the markup is byte for byte what the template made
(`test_views.py::test_week_cells_markup`)."""

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import date, tzinfo
from urllib.parse import quote

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone, translation
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from zomanc.core.memo import SlotCache
from zomanc.practices.models import StaffMember
from zomanc.scheduling.grid import Cell, Column, DayHeader, Grid, Mode, build_grid
from zomanc.scheduling.models import AppointmentStatus, Chair
from zomanc.scheduling.selectors import CalendarAppointment
from zomanc.scheduling.templatetags.scheduling_tags import optional_url

# Before each cell, as the template's loop indented them.
_INDENT = "\n        "


def _column_query(column: Column, *, chair_id: int | None, doctor_id: int | None) -> str:
    """The slot link's resource part: the column's chair or doctor, plus the other filter."""
    if column.chair is not None:
        query = f"chair={column.chair.pk}"
        if doctor_id is not None:
            query += f"&amp;doctor={doctor_id}"
        return query
    query = f"doctor={column.doctor.pk if column.doctor is not None else ''}"
    if chair_id is not None:
        query += f"&amp;chair={chair_id}"
    return query


class _Blocks:
    """Everything an appointment's block needs that is the same for the whole page."""

    def __init__(
        self, *, mode: Mode, next_param: str, may_open_visits: bool, csrf_field: str
    ) -> None:
        self.mode = mode
        self.next_param = next_param
        self.csrf_field = csrf_field
        self.tz: tzinfo = timezone.get_current_timezone()
        # The links escaped once with the placeholder id: escaping leaves the digits that
        # replace it as they are, so it is the same as escaping each appointment's link.
        self.edit = escape(reverse("scheduling:appointment_edit", args=[_PK]))
        self.patient = conditional_escape(optional_url("patients:detail", _PK))
        self.open = (
            conditional_escape(optional_url("clinical:visit_open_from_appointment", _PK))
            if may_open_visits
            else ""
        )
        # A week has a few statuses, doctors and chairs for its hundreds of blocks: each
        # escaped once (`conditional_escape` ≈ 1–2 µs a call, several a block).
        self.statuses: dict[str, str] = {}
        self.whos: dict[int, str] = {}
        self.arrived = conditional_escape(_("megérkezett"))
        self.opened = conditional_escape(_("Ellátás megnyitva"))
        self.open_label = conditional_escape(_("Ellátás megnyitása"))

    def cell(self, cell: Cell[CalendarAppointment]) -> str:
        day_start = " day-start" if cell.column.first_of_day else ""
        blocks = "".join(self.appointment(a) for a in cell.appointments)
        return (
            f'<td rowspan="{cell.rowspan}" class="cal-block{day_start}">\n'
            f"          {blocks}\n        </td>"
        )

    def appointment(self, a: CalendarAppointment) -> str:
        pk = str(a.pk)
        edit = f"{self.edit.replace(_PK_TEXT, pk)}?next={self.next_param}"
        starts, ends = a.starts_at.astimezone(self.tz), a.ends_at.astimezone(self.tz)
        treatment = (
            f'<span class="appt-treatment">{conditional_escape(a.treatment_name)}</span>'
            if a.treatment_name is not None
            else ""
        )
        lines = "".join(
            f'<span class="appt-line{" done" if line.done else ""}">'
            f"{conditional_escape(line.text)}</span>"
            for line in a.lines
        )
        note = f'<span class="appt-note">{conditional_escape(a.note)}</span>' if a.note else ""
        patient = conditional_escape(a.patient_name)
        who_id = a.doctor_id if self.mode == "chair" else a.chair_id
        who = self.whos.get(who_id)
        if who is None:
            who = self.whos[who_id] = conditional_escape(
                a.doctor.display_name if self.mode == "chair" else a.chair.name
            )
        status = self.statuses.get(a.status)
        if status is None:
            status = self.statuses[a.status] = conditional_escape(a.status)
        arrived = f" · {self.arrived}" if a.status == AppointmentStatus.ARRIVED else ""
        if a.opened_visit_id is not None:
            link = self.patient.replace(_PK_TEXT, str(a.patient_id))
            after = (
                f'<a class="appt-visit" href="{link}" hx-boost="false">{self.opened}</a>'
                if link
                else f'<span class="appt-visit">{self.opened}</span>'
            )
            after = f"\n              {after}\n            "
        elif self.open:
            action = self.open.replace(_PK_TEXT, pk)
            after = (
                f'\n              <form method="post" action="{action}" class="appt-open"'
                f' hx-boost="false">{self.csrf_field}\n'
                f'                <input type="hidden" name="appointment" value="{pk}">\n'
                f'                <button type="submit" class="small">{self.open_label}</button>\n'
                "              </form>\n            "
            )
        else:
            after = ""
        return (
            f'<div class="appt appt-{status}">\n'
            f'            <a class="appt-link" href="{edit}">\n'
            f'              <span class="appt-time">{starts:%H:%M}–{ends:%H:%M}</span>\n'
            f'              <strong class="appt-patient">{patient}</strong>\n'
            f"              {treatment}\n"
            f"              {lines}\n"
            f"              {note}\n"
            f'              <span class="appt-who">{who}{arrived}</span>\n'
            "            </a>\n"
            f"            {after}\n"
            "                    </div>"
        )


def grid_cells_prepare(
    grid: Grid[CalendarAppointment],
    *,
    here: str,
    mode: Mode,
    chair_id: int | None,
    doctor_id: int | None,
    may_open_visits: bool,
    csrf_field: str,
) -> None:
    """Sets the grid's `body_html`: its rows (what the template prints inside <tbody>), each
    with its cells (free slots and appointment blocks) after the template's indent."""
    next_param = escape(quote(here, safe="/"))  # as the `urlencode` filter did
    create = escape(reverse("scheduling:appointment_create"))
    label = escape(_("Új időpont"))
    blocks = _Blocks(
        mode=mode, next_param=next_param, may_open_visits=may_open_visits, csrf_field=csrf_field
    )
    # A free slot's link: the column's part up to its day, then the row's time (a cell's
    # start is its column's day at its row's time: build_grid counts naive local times).
    heads: dict[int, tuple[str, str]] = {}
    for column in grid.columns:
        day_start = " day-start" if column.first_of_day else ""
        query = _column_query(column, chair_id=chair_id, doctor_id=doctor_id)
        heads[id(column)] = (
            f'{_INDENT}<td class="cal-free{day_start}"><a class="slot" href="{create}?start='
            f"{column.day:%Y-%m-%d}T",
            f'&amp;{query}&amp;next={next_param}" aria-label="{label} ',
        )
    body: list[str] = []
    for row in grid.rows:
        markup: list[str] = []
        time = row.label
        for cell in row.cells:
            if cell.kind == "block":
                markup.append(_INDENT + blocks.cell(cell))
                continue
            head, middle = heads[id(cell.column)]
            markup.append(f'{head}{time}{middle}{time}">+</a></td>')
        # The row as the template's loop printed it, whitespace included (the loop over ≈ 52
        # rows cost the template ≈ 1 ms of the week, issue 18). Every part is escaped where
        # it is built above (the times and ids are digits).
        hour = row.is_hour
        body.append(
            f"\n      <tr{' class="hour"' if hour else ''}>\n"
            f'        <th class="cal-time" scope="row">{time if hour else ""}</th>\n'
            f"        {''.join(markup)}\n      </tr>\n    "
        )
    grid.body_html = mark_safe("".join(body))


# reverse() costs ≈ 50 µs; the week reverses each link once with this id and substitutes.
_PK = 2_147_483_647
_PK_TEXT = str(_PK)


# --- the grid kept between reloads ---------------------------------------------------------

# Where each request's CSRF field goes in a kept body (a masked token differs per request).
# It holds "<", which no escaped value can: a patient's note cannot forge it.
_CSRF_SLOT = "<!--csrf-->"


@dataclass(frozen=True, slots=True)
class _Kept:
    columns: tuple[Column, ...]
    days: tuple[DayHeader, ...]
    body_html: str  # with _CSRF_SLOT for the CSRF field


# The receptionist reloads the week all day, and it changes far less often: its layout and
# markup (≈ 5 ms of CPU of a 17 ms week, issue 18) are kept per page address and computed
# again only when their key — everything they are computed from, see `_grid_key` — changes.
# A week of 160 appointments is ≈ 170,000 characters, 340 kB in memory (its dashes make
# Python store 2 bytes a character): 16 addresses hold at most ≈ 5.5 MB a process, within
# the web worker's 150 MB (issue 18); an address not kept costs what it cost before.
_kept: SlotCache[_Kept] = SlotCache(max_slots=16)


def _appointment_key(a: CalendarAppointment) -> tuple[Hashable, ...]:
    """Every field of the calendar's row, the doctor and the chair by what the page prints
    of them (a model instance compares by its id alone: a renamed chair would match)."""
    return (
        a.pk, a.starts_at, a.ends_at, a.status, a.note, a.cancel_reason, a.patient_id,
        a.patient_name, a.doctor_id, a.doctor.display_name, a.chair_id, a.chair.name,
        a.treatment_name, a.opened_visit_id, tuple(a.lines),
    )  # fmt: skip


def _grid_key(
    *,
    days: Sequence[date],
    mode: Mode,
    chairs: Sequence[Chair],
    doctors: Sequence[StaffMember],
    appointments: Sequence[CalendarAppointment],
    here: str,
    chair_id: int | None,
    doctor_id: int | None,
    may_open_visits: bool,
) -> tuple[Hashable, ...]:
    """Everything `build_grid` and `grid_cells_prepare` read: their arguments (the CSRF
    field aside, put in per request), the language of the texts, the time zone of the
    times, and what `reverse` builds the links from (test_calendar_cache.py: a test per
    input)."""
    return (
        tuple(days), mode,
        tuple((c.pk, c.name) for c in chairs),
        tuple((d.pk, d.display_name) for d in doctors),
        tuple(_appointment_key(a) for a in appointments),
        here, chair_id, doctor_id, may_open_visits,
        translation.get_language(), timezone.get_current_timezone_name(),
        get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF,
    )  # fmt: skip


def calendar_grid(
    *,
    practice_id: int,
    days: list[date],
    mode: Mode,
    chairs: list[Chair],
    doctors: list[StaffMember],
    appointments: list[CalendarAppointment],
    here: str,
    chair_id: int | None,
    doctor_id: int | None,
    may_open_visits: bool,
    csrf_field: str,
) -> Grid[CalendarAppointment]:
    """The page's grid — its columns, day headers, cancelled appointments and rows'
    markup (`body_html`; `rows` is left empty) — built by `build_grid` and
    `grid_cells_prepare`, or kept from an earlier request under an equal key."""
    key = _grid_key(
        days=days, mode=mode, chairs=chairs, doctors=doctors, appointments=appointments,
        here=here, chair_id=chair_id, doctor_id=doctor_id, may_open_visits=may_open_visits,
    )  # fmt: skip
    # Where the same page is asked for again; a doctor and a receptionist (the visit
    # button) or two languages on one address each keep their own.
    slot = (practice_id, here, may_open_visits, translation.get_language())
    kept = _kept.get(slot, key)
    if kept is None:
        grid = build_grid(
            days=days, mode=mode, chairs=chairs, doctors=doctors, appointments=appointments
        )
        grid_cells_prepare(
            grid, here=here, mode=mode, chair_id=chair_id, doctor_id=doctor_id,
            may_open_visits=may_open_visits, csrf_field=_CSRF_SLOT,
        )  # fmt: skip
        kept = _Kept(tuple(grid.columns), tuple(grid.days), grid.body_html)
        _kept.put(slot, key, kept)
    return Grid(
        columns=list(kept.columns),
        days=list(kept.days),
        rows=[],
        cancelled=[a for a in appointments if a.status == AppointmentStatus.CANCELLED],
        body_html=mark_safe(kept.body_html.replace(_CSRF_SLOT, csrf_field)),
    )
