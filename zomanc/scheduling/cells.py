"""What the calendar grid's cells show, prepared once per request in Python.

A week on two chairs is ≈ 500 free slots and up to a few hundred appointments; through the
template engine every slot cost two `date` filters, a `urlencode` and a dozen lookups, and
every appointment an `optional_url` (reverse) and two `time` filters — ≈ 80 % of the week
view's time (docs/benchmarks.md, "Pages under load"). Here a free slot is one string built
from per-column parts escaped once, and an appointment gets its links and times as plain
attributes, so the template only prints them. The markup is the same as before."""

from urllib.parse import quote

from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from zomanc.scheduling.grid import Cell, Column, Grid
from zomanc.scheduling.models import Appointment
from zomanc.scheduling.templatetags.scheduling_tags import optional_url


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


def grid_cells_prepare(
    grid: Grid,
    *,
    here: str,
    chair_id: int | None,
    doctor_id: int | None,
    may_open_visits: bool,
) -> None:
    """Fills each row's `parts` (blocks, and runs of free cells as ready markup) and sets
    `links` on every appointment of the grid."""
    next_param = escape(quote(here, safe="/"))  # as the `urlencode` filter did
    create = escape(reverse("scheduling:appointment_create"))
    label = escape(_("Új időpont"))
    urls = {
        "edit": reverse("scheduling:appointment_edit", args=[_PK]),
        "patient": optional_url("patients:detail", _PK),
        "open": optional_url("clinical:visit_open_from_appointment", _PK)
        if may_open_visits
        else "",
    }
    heads: dict[int, tuple[str, str]] = {}
    for column in grid.columns:
        day_start = " day-start" if column.first_of_day else ""
        query = _column_query(column, chair_id=chair_id, doctor_id=doctor_id)
        heads[id(column)] = (
            f'<td class="cal-free{day_start}"><a class="slot" href="{create}?start=',
            f'&amp;{query}&amp;next={next_param}" aria-label="{label} ',
        )
    for row in grid.rows:
        free: list[str] = []
        for cell in row.cells:
            if cell.kind == "block":
                for appointment in cell.appointments:
                    appointment.links = _appointment_links(  # type: ignore[attr-defined]
                        appointment, urls=urls, next_param=next_param
                    )
                if free:
                    row.parts.append(_free_run(free, row.cells[0]))
                    free = []
                row.parts.append(cell)
                continue
            head, middle = heads[id(cell.column)]
            start = cell.start
            free.append(f'{head}{start:%Y-%m-%dT%H:%M}{middle}{start:%H:%M}">+</a></td>')
        if free:
            row.parts.append(_free_run(free, row.cells[0]))


def _free_run(markup: list[str], cell: Cell) -> Cell:
    # The parts are escaped where they are built above (the times are digits).
    html = mark_safe("\n        ".join(markup))
    return Cell(kind="free", column=cell.column, start=cell.start, html=html)


# reverse() costs ≈ 50 µs; the week reverses each link once with this id and substitutes.
_PK = 2_147_483_647


def _appointment_links(
    appointment: Appointment, *, urls: dict[str, str], next_param: str
) -> dict[str, str]:
    starts = timezone.localtime(appointment.starts_at)
    ends = timezone.localtime(appointment.ends_at)
    pk = str(appointment.pk)
    edit = urls["edit"].replace(str(_PK), pk)
    links: dict[str, str] = {
        "edit": mark_safe(f"{escape(edit)}?next={next_param}"),  # both parts escaped
        "times": f"{starts:%H:%M}–{ends:%H:%M}",
        "patient": "",
        "open": "",
    }
    if getattr(appointment, "opened_visit", None) is not None:
        links["patient"] = urls["patient"].replace(str(_PK), str(appointment.patient_id))
    elif urls["open"]:
        links["open"] = urls["open"].replace(str(_PK), pk)
    return links
