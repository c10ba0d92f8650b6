"""The calendar grid layout (pure function over loaded rows)."""

from datetime import date, time
from typing import Any

import pytest

from zomanc.scheduling.grid import Grid, build_grid
from zomanc.scheduling.models import Appointment
from zomanc.scheduling.tests.conftest import DAY, Cal, at

pytestmark = pytest.mark.django_db


def blocks(grid: Grid[Any], column_index: int) -> list[tuple[str, int, list[int]]]:
    column = grid.columns[column_index]
    found = []
    for row in grid.rows:
        for cell in row.cells:
            if cell.kind == "block" and cell.column is column:
                found.append(
                    (f"{cell.start:%H:%M}", cell.rowspan, [a.pk for a in cell.appointments])
                )
    return found


def test_default_window_is_7_to_20_in_15_minute_rows(cal: Cal) -> None:
    grid: Grid[Appointment] = build_grid(
        days=[DAY], mode="chair", chairs=[cal.chair1], doctors=[], appointments=[]
    )
    assert len(grid.rows) == 13 * 4
    assert grid.rows[0].label == "07:00" and grid.rows[-1].label == "19:45"
    assert all(cell.kind == "free" for row in grid.rows for cell in row.cells)


def test_appointment_spans_its_rows_and_hides_covered_cells(cal: Cal) -> None:
    a = cal.book(at(9), 45)
    grid = build_grid(
        days=[DAY], mode="chair", chairs=[cal.chair1, cal.chair2], doctors=[], appointments=[a]
    )
    assert blocks(grid, 0) == [("09:00", 3, [a.pk])]
    assert blocks(grid, 1) == []
    row_915 = next(r for r in grid.rows if r.label == "09:15")
    assert len(row_915.cells) == 1  # chair 1 is covered by the rowspan, chair 2 is free


def test_off_raster_neighbours_share_one_cell(cal: Cal) -> None:
    a = cal.book(at(9), 10)  # 09:00–09:10
    b = cal.book(at(9, 10), 20, patient=cal.bela)  # 09:10–09:30
    grid = build_grid(
        days=[DAY], mode="chair", chairs=[cal.chair1], doctors=[], appointments=[a, b]
    )
    assert blocks(grid, 0) == [("09:00", 2, [a.pk, b.pk])]


def test_window_widens_for_early_and_late_appointments(cal: Cal) -> None:
    a = cal.book(at(6, 30), 30)
    b = cal.book(at(20, 15), 30)
    grid = build_grid(
        days=[DAY], mode="chair", chairs=[cal.chair1], doctors=[], appointments=[a, b]
    )
    assert grid.rows[0].label == "06:00"
    assert grid.rows[-1].label == "20:45"


def test_doctor_columns_and_cancelled_set_apart(cal: Cal) -> None:
    from zomanc.scheduling.services import appointment_cancel

    a = cal.book(at(9), 30)
    b = cal.book(at(10), 30, chair=cal.chair2, doctor=cal.p.doctor2, patient=cal.bela)
    appointment_cancel(appointment=b, actor=cal.p.receptionist, reason="Beteg")
    b = Appointment.objects.get(pk=b.pk)
    grid = build_grid(
        days=[DAY],
        mode="doctor",
        chairs=[],
        doctors=[cal.p.doctor, cal.p.doctor2],
        appointments=[a, b],
    )
    assert [c.label for c in grid.columns] == ["Dr. Fog Ferenc", "Dr. Második Mária"]
    assert blocks(grid, 0) == [("09:00", 2, [a.pk])]
    assert blocks(grid, 1) == []
    assert grid.cancelled == [b]


def test_week_columns_per_day_and_inactive_chair_with_bookings_shown(cal: Cal) -> None:
    a = cal.book(at(9, day=date(2026, 3, 4)), 30)
    days = [date(2026, 3, 2 + i) for i in range(5)]
    grid = build_grid(days=days, mode="chair", chairs=[cal.chair2], doctors=[], appointments=[a])
    # chair 1 is not in the list (e.g. deactivated) but has a booking: it gets a column.
    assert len(grid.columns) == 10
    assert [h.colspan for h in grid.days] == [2] * 5
    wednesday_chair1 = next(
        i for i, c in enumerate(grid.columns) if c.day == date(2026, 3, 4) and c.chair == cal.chair1
    )
    assert blocks(grid, wednesday_chair1) == [("09:00", 2, [a.pk])]
    assert grid.columns[0].first_of_day and not grid.columns[1].first_of_day
    assert time(7) == grid.rows[0].start.time()
