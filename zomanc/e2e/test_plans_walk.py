"""A treatment plan from the chart to the chair, walked in Debian's Chromium against the
real demo (issue 14, "Done means"): a dentist plans two teeth on the chart and builds a
plan with two options, issues the quote (its PDF opened and read), the patient chooses and
signs on the screen with a pointer, the receptionist books the plan, the dentist carries it
out from the visit's entry box, and the plan shows completed.

The screenshots illustrate docs/guide/kezelesi-terv.md (`make guide` regenerates them).
The new patient and the evening appointment (19:30, after every demo shift ends at 19:00,
zomanc/scheduling/demo.py) are the walk's own, so the setup walk sharing the demo is not
disturbed, whichever runs first."""

from __future__ import annotations

import datetime
import io
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from zomanc.codes.validators import taj_generate
from zomanc.e2e.walking import Walk, walk_browser, walk_run
from zomanc.testing.demo_stack import DemoStack

pytestmark = pytest.mark.e2e
sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

BUDAPEST = ZoneInfo("Europe/Budapest")
DOCTOR = "nagy.gabor@mosoly.test"
DESK = "recepcio@mosoly.test"
FAMILY, GIVEN = "Tervező", "Tamás"
PLAN_TITLE = "Tömések és a 46 pótlása"
FILLING = "Kompozit tömés, 2 felszín"  # 36 MO and 37 MO: the family's two-surface variant
CROWN_A, CROWN_B = "Cirkónium korona", "Fémkerámia korona"


@dataclass
class PlanWalk(Walk):
    patient_url: str = ""
    plan_url: str = ""


@pytest.fixture
def walk(demo: DemoStack, tmp_path: Path) -> Iterator[PlanWalk]:
    with walk_browser(demo, tmp_path, video="kezelesi-terv", make=PlanWalk) as walk:
        assert isinstance(walk, PlanWalk)
        yield walk


def test_plan_walk(walk: PlanWalk) -> None:
    walk_run(walk, [plan_from_chart, quote_issued, patient_signs, desk_books, chair, completed])


def _today() -> datetime.date:
    return datetime.datetime.now(BUDAPEST).date()


# --- 1. The dentist plans on the chart --------------------------------------------------------


def plan_from_chart(w: PlanWalk) -> None:
    page = w.page
    w.login(DOCTOR)
    _patient_create(w)
    page.get_by_role("link", name="Kezelési tervek").click()
    form = page.locator("main form").filter(has_text="Terv létrehozása")
    form.get_by_label("Megnevezés").fill(PLAN_TITLE)
    form.get_by_label("Árlista").select_option(label="Árlista 2026 (HUF)")
    form.get_by_label("Érvényes eddig").fill(f"{_today() + datetime.timedelta(days=30):%Y-%m-%d}")
    form.get_by_label("Előleg (%)").fill("30")
    form.get_by_role("button", name="Terv létrehozása").click()
    expect(page.locator("body")).to_contain_text("Kezelési terv létrehozva.")
    w.plan_url = page.url
    for title in ("Konzerváló kezelés", "Fogpótlás"):
        phases = page.locator("main form").filter(has_text="Szakasz hozzáadása")
        phases.get_by_label("Megnevezés").fill(title)
        phases.get_by_role("button", name="Szakasz hozzáadása").click()
        expect(page.locator("section.plan-phase h2", has_text=title)).to_have_count(1)
    for title in (CROWN_A, CROWN_B):
        section = page.locator("section.plan-phase", has_text="2. Fogpótlás")
        section.get_by_label("Új lehetőség").fill(title)
        section.get_by_role("button", name="Hozzáadás").click()
        expect(page.locator("section.plan-phase h3", has_text=title)).to_have_count(1)

    # The two teeth picked on the patient's chart, planned in one go.
    page.goto(w.patient_url)
    page.get_by_role("link", name="Kezelés tervezése a kijelölt fogakra…").click()
    plan_form = page.locator("form.plan-from-chart-form")
    expect(plan_form).to_be_visible()
    chart = page.locator("svg.odontogram")
    for tooth in ("36", "37"):
        chart.locator(f"g.tooth[data-tooth='{tooth}']").click()
    expect(plan_form.locator("input[name=teeth]")).to_have_value("36 37")
    plan_form.locator("select[name=target]").select_option(
        label=f"{PLAN_TITLE} (v1) – Konzerváló kezelés"
    )
    plan_form.locator("select[name=treatment]").select_option(label="Kompozit tömés, 1 felszín")
    plan_form.locator("input[name=surfaces]").fill("MO")
    w.shot("plans-01-chart-teeth", plan_form)
    plan_form.get_by_role("button", name="Felvétel a tervbe").click()
    expect(page.locator(".plan-from-chart .alert-ok")).to_contain_text("2 tétel felvéve a tervbe")

    # Option A and B: the missing 46's crown, two materials.
    page.goto(w.plan_url)
    for label, crown in (("A", CROWN_A), ("B", CROWN_B)):
        items = page.locator("main form").filter(has_text="Tétel felvétele")
        items.get_by_label("Szakasz / lehetőség").select_option(
            label=f"Fogpótlás – {label}: {crown}"
        )
        items.get_by_label("Kezelés").select_option(label=crown)
        items.locator("input[name=tooth]").fill("46")
        items.get_by_role("button", name="Tétel felvétele").click()
        expect(page.locator(".plan-option", has_text=crown)).to_contain_text("46")
    expect(page.locator("section.plan-phase", has_text="Konzerváló kezelés")).to_contain_text(
        FILLING
    )
    w.shot("plans-02-plan-options", page.locator("section.plan-phase", has_text="Fogpótlás"))


def _patient_create(w: PlanWalk) -> None:
    page = w.page
    page.goto(w.z("/patients/uj/"))
    form = page.locator("main form")
    form.locator("input[name=family_name]").fill(FAMILY)
    form.locator("input[name=given_name]").fill(GIVEN)
    form.locator("select[name=sex]").select_option("M")
    form.locator("input[name=birth_date]").fill("1979.03.12.")
    form.locator("input[name=id_value]").fill(taj_generate(random.Random()))  # noqa: S311
    form.get_by_role("button", name="Mentés").click()
    expect(page.locator("form.open-form")).to_be_visible()
    expect(w.main()).to_contain_text(f"{FAMILY} {GIVEN}")
    w.patient_url = page.url


# --- 2. The quote -------------------------------------------------------------------------


def quote_issued(w: PlanWalk) -> None:
    from pypdf import PdfReader

    page = w.page
    page.goto(w.plan_url)
    page.get_by_role("button", name="Árajánlat kiadása").click()
    expect(page.locator("body")).to_contain_text("A terv állapota: árajánlat kiadva.")
    href = page.get_by_role("link", name="Árajánlat (PDF)").get_attribute("href")
    pdf = page.request.get(w.z(href or ""))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf", pdf.status
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    flat = " ".join(text.split())
    valid = f"{_today() + datetime.timedelta(days=30):%Y.%m.%d.}"
    for expected in (f"{FAMILY} {GIVEN}", FILLING, CROWN_A, CROWN_B, valid):
        assert expected in flat, (expected, flat[:1500])
    w.shot("plans-03-quote-issued")


# --- 3. The patient chooses and signs ----------------------------------------------------


def patient_signs(w: PlanWalk) -> None:
    page = w.page
    option_a = page.locator(".plan-option", has_text=CROWN_A)
    option_a.get_by_role("button", name="A páciens ezt választotta").click()
    expect(page.locator(".plan-option.chosen")).to_contain_text(CROWN_A)
    page.get_by_role("link", name="Aláírás a képernyőn").click()
    page.get_by_label("Aláíró neve").fill(f"{FAMILY} {GIVEN}")
    # A signature drawn with the pointer (pointer events on the canvas).
    box = page.locator("canvas[data-signature]").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 60, box["y"] + 150)
    page.mouse.down()
    for step in range(1, 16):
        page.mouse.move(box["x"] + 60 + step * 30, box["y"] + 150 + (-1) ** step * 40)
    page.mouse.up()
    w.shot("plans-04-signature", page.locator("canvas[data-signature]"))
    page.get_by_role("button", name="Elfogadom és aláírom").click()
    expect(page.locator("body")).to_contain_text(
        "Az árajánlatot a páciens aláírta, a terv elfogadva."
    )
    expect(page.locator("section.plan-signature")).to_contain_text("SHA-256")
    w.shot("plans-05-accepted", page.locator("section.plan-signature"))
    w.logout()


# --- 4. The desk books the plan ---------------------------------------------------------


def desk_books(w: PlanWalk) -> None:
    page = w.page
    w.login(DESK)
    page.goto(w.plan_url)
    boxes = page.locator("input[type=checkbox][form=plan-book]")
    expect(boxes).to_have_count(3)  # the two fillings and option A's crown (B not chosen)
    for index in range(3):
        boxes.nth(index).check()
    page.get_by_role("button", name="Időpont foglalása").click()
    expect(page.locator(".booking-duration")).to_contain_text("150 perc")  # 45 + 45 + 60
    page.fill("input[name=day]", f"{_today():%Y-%m-%d}")
    page.fill("input[name=start_time]", "19:30")
    page.locator("select[name=chair]").select_option(index=1)
    w.shot("plans-06-booking")
    page.locator("main form").get_by_role("button", name="Időpont foglalása").click()
    block = page.locator(".appt", has_text=f"{FAMILY} {GIVEN}")
    expect(block).to_have_count(1)
    expect(block.locator(".appt-time")).to_have_text("19:30–22:00")
    expect(block).to_contain_text(CROWN_A)
    w.shot("plans-07-calendar", block)
    w.logout()


# --- 5. At the chair ---------------------------------------------------------------------------


def chair(w: PlanWalk) -> None:
    page = w.page
    w.login(DOCTOR)
    page.goto(w.z(f"/naptar/het/?date={_today():%Y-%m-%d}"))
    block = page.locator(".appt", has_text=f"{FAMILY} {GIVEN}")
    block.get_by_role("button", name="Ellátás megnyitása").click()
    expect(page.locator("#entry-box")).to_contain_text("Nyitott ellátás")
    offers = page.locator("#entry-box .plan-offers")
    expect(offers).to_contain_text("3 nyitott tétel")
    w.shot("plans-08-entry-box-offers", page.locator("#entry-box"))
    for where, name in (("36 MO", FILLING), ("37 MO", FILLING), ("46", CROWN_A)):
        offers = page.locator("#entry-box .plan-offers")
        button = offers.get_by_role("button", name=f"Rögzítés: {name} · {where}")
        if offers.get_attribute("open") is None:
            offers.locator("summary").click()
        button.click()
        expect(page.locator("#entry-box ul.px")).to_contain_text(where.split()[0])
    expect(page.locator("#entry-box .plan-offers")).to_have_count(0)
    w.shot("plans-09-entry-box-done", page.locator("#entry-box"))


# --- 6. Completed --------------------------------------------------------------------------------


def completed(w: PlanWalk) -> None:
    page = w.page
    page.goto(w.plan_url)
    expect(page.locator("h1 .plan-status")).to_have_text("folyamatban")
    page.get_by_role("button", name="Befejezés").click()
    expect(page.locator("body")).to_contain_text("A terv állapota: befejezve.")
    expect(page.locator("h1 .plan-status")).to_have_text("befejezve")
    w.shot("plans-10-completed")
    w.logout()
