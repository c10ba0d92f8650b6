"""Lays appointments out on the calendar grid: 15-minute rows, one column per chair or
doctor (per day in the week view). Pure Python over already-loaded rows, so the views' query
count does not depend on the number of appointments.

The grid is an HTML table: an appointment is one cell with `rowspan` (the CSP forbids inline
style attributes, so no absolutely positioned blocks). Appointments that do not sit on the
15-minute raster (09:10–09:35) may share a row with a neighbour on the same column; such
neighbours are merged into one cell that lists both, so nothing is ever hidden."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any, Literal, Protocol

from django.utils import timezone

from zomanc.practices.models import StaffMember
from zomanc.scheduling.models import AppointmentStatus, Chair

SLOT_MINUTES = 15
SLOT = timedelta(minutes=SLOT_MINUTES)
DEFAULT_DAY_START = time(7, 0)
DEFAULT_DAY_END = time(20, 0)

Mode = Literal["chair", "doctor"]


class GridEntry(Protocol):
    """What the layout reads of an appointment: the calendar passes its plain rows
    (`selectors.CalendarAppointment`), a model instance does as well."""

    @property
    def pk(self) -> Any: ...
    @property
    def status(self) -> str: ...
    @property
    def starts_at(self) -> datetime: ...
    @property
    def ends_at(self) -> datetime: ...
    @property
    def chair_id(self) -> int: ...
    @property
    def chair(self) -> Chair: ...
    @property
    def doctor_id(self) -> int: ...
    @property
    def doctor(self) -> StaffMember: ...


@dataclass
class Column:
    day: date
    chair: Chair | None = None
    doctor: StaffMember | None = None
    first_of_day: bool = False

    @property
    def label(self) -> str:
        if self.chair is not None:
            return self.chair.name
        return self.doctor.display_name if self.doctor is not None else ""


# E: the type of the appointments laid out (build_grid bounds it by GridEntry; the classes
# leave it unbound: mypy's plugin for Django checked `Grid[Appointment]` before it had
# added the model's `chair_id`, and refused it).
@dataclass
class Cell[E]:
    kind: Literal["free", "block"]
    column: Column
    start: datetime  # naive local time: the prefill of the "new appointment" link
    rowspan: int = 1
    appointments: list[E] = field(default_factory=list)


@dataclass
class Row[E]:
    start: datetime
    cells: list[Cell[E]]

    @property
    def label(self) -> str:
        return f"{self.start:%H:%M}"

    @property
    def is_hour(self) -> bool:
        return self.start.minute == 0


@dataclass
class DayHeader:
    day: date
    colspan: int


@dataclass
class Grid[E]:
    columns: list[Column]
    days: list[DayHeader]
    rows: list[Row[E]]
    cancelled: list[E]
    # What the template prints inside <tbody>: every row's markup (zomanc.scheduling.cells).
    body_html: str = ""

    def release(self) -> None:
        """Drops the rows, columns and appointments once the page is rendered (see the
        calendar view: the template context would keep them until a full garbage
        collection)."""
        self.rows.clear()
        self.columns.clear()
        self.days.clear()
        self.cancelled.clear()
        self.body_html = ""


def _local(value: datetime, tz: tzinfo) -> datetime:
    """`timezone.localtime` with the time zone read once a page (it costs a context-local
    look-up a call, four calls an appointment)."""
    return value.astimezone(tz).replace(tzinfo=None)


def _window(
    days: list[date], spans: list[tuple[datetime, datetime]], day_start: time, day_end: time
) -> tuple[time, time]:
    """07:00–20:00, widened to whole hours when an appointment (local start, end) sits
    outside."""
    start_min = day_start.hour * 60 + day_start.minute
    end_min = day_end.hour * 60 + day_end.minute
    for local_start, local_end in spans:
        if local_start.date() in days:
            start_min = min(start_min, local_start.hour * 60)
        if local_end.date() in days:
            minutes = local_end.hour * 60 + local_end.minute
            end_min = max(end_min, -(-minutes // 60) * 60)
        if local_end.date() > local_start.date() and local_start.date() in days:
            end_min = 24 * 60
    end_min = min(end_min, 24 * 60)
    end_time = time(23, 59, 59) if end_min == 24 * 60 else time(end_min // 60, end_min % 60)
    return time(start_min // 60, start_min % 60), end_time


def build_grid[E: GridEntry](
    *,
    days: list[date],
    mode: Mode,
    chairs: list[Chair],
    doctors: list[StaffMember],
    appointments: Sequence[E],
    day_start: time = DEFAULT_DAY_START,
    day_end: time = DEFAULT_DAY_END,
) -> Grid[E]:
    """Columns are `chairs` (mode "chair") or `doctors` (mode "doctor") for each day, plus
    any chair/doctor an appointment uses that is not in the list (a deactivated chair with
    bookings left on it stays visible until they are moved)."""
    live = [a for a in appointments if a.status != AppointmentStatus.CANCELLED]
    cancelled = [a for a in appointments if a.status == AppointmentStatus.CANCELLED]

    resources: list[Chair] | list[StaffMember]
    if mode == "chair":
        chair_list = list(chairs)
        known = {c.pk for c in chair_list}
        for a in live:
            if a.chair_id not in known:
                chair_list.append(a.chair)
                known.add(a.chair_id)
        resources = chair_list
    else:
        doctor_list = list(doctors)
        known = {d.pk for d in doctor_list}
        for a in live:
            if a.doctor_id not in known:
                doctor_list.append(a.doctor)
                known.add(a.doctor_id)
        resources = doctor_list

    columns: list[Column] = []
    index: dict[tuple[date, int], int] = {}
    for day in days:
        for position, resource in enumerate(resources):
            index[(day, resource.pk)] = len(columns)
            if mode == "chair":
                assert isinstance(resource, Chair)
                columns.append(Column(day=day, chair=resource, first_of_day=position == 0))
            else:
                assert isinstance(resource, StaffMember)
                columns.append(Column(day=day, doctor=resource, first_of_day=position == 0))

    tz = timezone.get_current_timezone()
    spans = {id(a): (_local(a.starts_at, tz), _local(a.ends_at, tz)) for a in live}
    window_start, window_end = _window(days, list(spans.values()), day_start, day_end)
    first_day = days[0]
    origin = datetime.combine(first_day, window_start)
    slot_count = -(
        -int((datetime.combine(first_day, window_end) - origin).total_seconds())
        // (SLOT_MINUTES * 60)
    )

    # Per column: merged groups of [first_slot, end_slot) with their appointments.
    groups: list[list[tuple[int, int, list[E]]]] = [[] for _ in columns]
    for a in sorted(live, key=lambda x: (x.starts_at, x.pk)):
        local_start, local_end = spans[id(a)]
        day = local_start.date()
        key = (day, a.chair_id if mode == "chair" else a.doctor_id)
        if key not in index:
            continue
        day_origin = datetime.combine(day, window_start)
        first = int((local_start - day_origin).total_seconds() // (SLOT_MINUTES * 60))
        last = -(-int((local_end - day_origin).total_seconds()) // (SLOT_MINUTES * 60))
        first = max(0, min(first, slot_count - 1))
        last = max(first + 1, min(last, slot_count))
        column_groups = groups[index[key]]
        if column_groups and first < column_groups[-1][1]:
            g_first, g_last, members = column_groups[-1]
            column_groups[-1] = (g_first, max(g_last, last), [*members, a])
        else:
            column_groups.append((first, last, [a]))

    starts: list[dict[int, tuple[int, list[E]]]] = [
        {g[0]: (g[1], g[2]) for g in col_groups} for col_groups in groups
    ]
    covered_until = [0] * len(columns)
    rows: list[Row[E]] = []
    for slot in range(slot_count):
        row_start = origin + slot * SLOT
        cells: list[Cell[E]] = []
        for position, column in enumerate(columns):
            if slot < covered_until[position]:
                continue
            cell_start = datetime.combine(column.day, window_start) + slot * SLOT
            group = starts[position].get(slot)
            if group is not None:
                end_slot, members = group
                covered_until[position] = end_slot
                cells.append(
                    Cell(
                        kind="block",
                        column=column,
                        start=cell_start,
                        rowspan=end_slot - slot,
                        appointments=members,
                    )
                )
            else:
                cells.append(Cell(kind="free", column=column, start=cell_start))
        rows.append(Row(start=row_start, cells=cells))

    headers = [DayHeader(day=day, colspan=len(resources)) for day in days]
    return Grid(columns=columns, days=headers, rows=rows, cancelled=cancelled)
