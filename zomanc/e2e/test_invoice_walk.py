"""Invoicing walked in Debian's Chromium against the real demo (issue 16, "Done means"): the
dentist closes a visit, the receptionist issues its invoice to the patient, takes a cash
payment (rounded to 5 Ft), sees the invoice DONE at NAV (the NAV sandbox, reached by the demo's
worker with the demo companies' technical users), stornos it (the cash goes back), issues the
visit's invoice again to the patient's health fund (the fund as customer, the member's name and
number on it) and runs the daily closing.

The screenshots illustrate docs/guide/szamlazas.md (`make guide` regenerates them). The patient
and the visit are the walk's own (no appointment is booked, so nothing collides with the other
walks' bookings); the NAV states are polled by reloading the invoice page until its badge says
so. The walk closes today's cash desk of Mosoly Fogászat Kft., so it reads the expected cash
from the page instead of assuming it (another walk's payment today would count), and a walk
after it on the same demo cannot take a payment at that company today."""

from __future__ import annotations

import io
import random
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from zomanc.codes.validators import taj_generate
from zomanc.e2e.walking import Walk, walk_browser, walk_run
from zomanc.testing.demo_stack import DemoStack

pytestmark = pytest.mark.e2e
sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

DOCTOR = "nagy.gabor@mosoly.test"
DESK = "recepcio@mosoly.test"
COMPANY = "Mosoly Fogászat Kft."
FAMILY, GIVEN = "Számla", "Szilvia"
FILLING = "Kompozit tömés, 3 felszín"  # 36 MOD: 38 000 Ft, exempt (Áfa tv. 85. §)
CASH_TYPED = "12343"  # handed over: 12 345 Ft (final digit 3 → 5), rounding +2 Ft
FUND = {
    "Vevő neve": "Prémium Egészségpénztár",
    "Irányítószám": "1138",
    "Település": "Budapest",
    "Utca, házszám": "Váci út 1.",
    "Vevő adószáma (cég, pénztár)": "18084908-1-41",  # check digit valid
}
FUND_MEMBER_NUMBER = "987654321"
NAV_DONE = "NAV: Befogadva (DONE)"
NAV_TIMEOUT_S = 180
# Amounts as the pages print them: with or without a (narrow) space between thousands.
SEP = r"[\s\u00a0\u202f]?"
# Before "Ft": a space, or the no-break space of the money format ("38 000 Ft").
FT = r"[\s\u00a0]Ft"


def money(value: int) -> re.Pattern[str]:
    digits = f"{value:,}".replace(",", SEP)
    return re.compile(rf"{digits}\s*Ft")


@dataclass
class InvoiceWalk(Walk):
    patient_url: str = ""
    invoice_url: str = ""
    invoice_number: str = ""
    storno_url: str = ""


@pytest.fixture
def walk(demo: DemoStack, tmp_path: Path) -> Iterator[InvoiceWalk]:
    with walk_browser(demo, tmp_path, video="szamlazas", make=InvoiceWalk) as walk:
        assert isinstance(walk, InvoiceWalk)
        yield walk


def test_invoice_walk(walk: InvoiceWalk) -> None:
    walk_run(
        walk,
        [visit_closed, invoice_issued, cash_payment, nav_done, storno, health_fund, closing],
    )


# --- 1. The dentist closes a visit --------------------------------------------------------


def visit_closed(w: InvoiceWalk) -> None:
    page = w.page
    w.login(DOCTOR)
    page.goto(w.z("/patients/uj/"))
    form = page.locator("main form")
    form.locator("input[name=family_name]").fill(FAMILY)
    form.locator("input[name=given_name]").fill(GIVEN)
    form.locator("select[name=sex]").select_option("F")
    form.locator("input[name=birth_date]").fill("1984.09.21.")
    form.locator("input[name=id_value]").fill(taj_generate(random.Random()))  # noqa: S311
    form.get_by_role("button", name="Mentés").click()
    opening = page.locator("form.open-form")
    expect(opening).to_be_visible()
    w.patient_url = page.url
    _select_containing(opening.locator("select[name=company]"), COMPANY)
    opening.get_by_role("button", name="Új ellátás megnyitása").click()
    expect(page.locator("#entry-box")).to_contain_text("Nyitott ellátás")
    box = page.locator("form.command-line input[name=line]")
    for line in ("36 K0210", "36 MOD töm"):  # the diagnosis (needed to close), the filling
        box.fill(line)
        box.press("Enter")
        expect(box).to_have_value("")
    expect(page.locator("#entry-box ul.dx")).to_contain_text("K0210")
    expect(page.locator("#entry-box ul.px").first).to_contain_text(FILLING)
    w.shot("invoice-01-visit", page.locator("#entry-box"))
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#entry-box").get_by_role("button", name="Ellátás lezárása").click()
    expect(page.locator("#entry-box")).not_to_contain_text("Nyitott ellátás")
    w.logout()


def _select_containing(select: Any, text: str) -> None:
    for option in select.locator("option").all():
        if text in option.inner_text():
            select.select_option(value=option.get_attribute("value"))
            return
    raise AssertionError(f"no option containing {text!r}")


# --- 2. The receptionist issues the invoice -------------------------------------------------


def invoice_issued(w: InvoiceWalk) -> None:
    page = w.page
    w.login(DESK)
    page.goto(w.patient_url)
    w.main().get_by_role("link", name="Számlák", exact=True).click()
    expect(page.locator("h1")).to_contain_text(f"Számlák · {FAMILY} {GIVEN}")
    visits = page.locator("section.card", has_text="Lezárt ellátások")
    w.shot("invoice-02-billable-visit", visits)
    visits.get_by_role("link", name="Számla kiállítása").click()
    expect(page.locator("h1")).to_have_text("Számla kiállítása")
    expect(w.main()).to_contain_text(FILLING)
    expect(w.main()).to_contain_text(money(38000))
    form = page.locator("main form.card")
    form.get_by_label("Vevő", exact=True).select_option(label="Páciens (magánszemély)")
    form.get_by_label("Fizetési mód").select_option(label="Készpénz")
    w.shot("invoice-03-issue-form")
    form.get_by_role("button", name="Számla kiállítása").click()
    expect(page.locator("body")).to_contain_text("számla kiállítva; a NAV-nak a rendszer küldi be")
    heading = page.locator("h1")
    expect(heading).to_contain_text(re.compile(r"Számla MF-\d{4}-\d{6}"))
    found = re.search(r"MF-\d{4}-\d{6}", heading.inner_text())
    assert found is not None
    w.invoice_number = found.group(0)
    w.invoice_url = page.url
    main = w.main()
    expect(main.locator("dd").first).to_contain_text(COMPANY)
    expect(main.locator("dd").nth(1)).to_have_text(f"{FAMILY} {GIVEN}")
    expect(main).to_contain_text("Áfa tv. 85. §")
    expect(main).to_contain_text("Még nincs befizetés.")
    w.shot("invoice-04-issued")


# --- 3. Cash, rounded -------------------------------------------------------------------------


def cash_payment(w: InvoiceWalk) -> None:
    page = w.page
    form = page.locator("main form[action$='/befizetes/']")
    form.get_by_label("Fizetési mód").select_option(label="Készpénz")
    form.get_by_label("Összeg (Ft)").fill(CASH_TYPED)
    form.get_by_role("button", name="Befizetés rögzítése").click()
    expect(page.locator("body")).to_contain_text(
        re.compile(rf"Befizetve: 12{SEP}345 Ft készpénz \(kerekítés: 2 Ft\)")
    )
    payments = page.locator("ul.payments")
    expect(payments).to_contain_text(re.compile(rf"készpénzben 12{SEP}345{FT}, kerekítés 2{FT}"))
    expect(w.main()).to_contain_text(re.compile(rf"Hátralék: 25{SEP}657{FT}"))
    w.shot("invoice-05-cash-payment", payments)


# --- 4. DONE at NAV ----------------------------------------------------------------------------


def nav_done(w: InvoiceWalk) -> None:
    _wait_nav_state(w, NAV_DONE)
    w.shot("invoice-06-nav-done")


def _wait_nav_state(w: Walk, label: str) -> None:
    """Reloads the invoice page until its NAV badge (in the heading) shows `label`."""
    page = w.page
    badge = page.locator("h1 .badge[class*=nav-]")
    deadline = time.monotonic() + NAV_TIMEOUT_S
    while True:
        try:
            expect(badge).to_have_text(label, timeout=3000)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            page.reload()


# --- 5. Storno ---------------------------------------------------------------------------------


def storno(w: InvoiceWalk) -> None:
    page = w.page
    page.get_by_role("button", name="Sztornó számla kiállítása").click()
    expect(page.locator("body")).to_contain_text("sztornó számla kiállítva")
    expect(page.locator("h1")).to_contain_text("Sztornó számla MF-")
    expect(w.main()).to_contain_text(f"Az eredeti számla: {w.invoice_number}")
    # The cash goes back with the storno, rounded again.
    expect(page.locator("ul.payments")).to_contain_text(
        re.compile(rf"Visszafizetés · Készpénz · -12{SEP}343{FT} \(készpénzben -12{SEP}345{FT}")
    )
    w.storno_url = page.url
    _wait_nav_state(w, NAV_DONE)
    w.shot("invoice-07-storno")
    page.goto(w.invoice_url)
    expect(w.main()).to_contain_text("Sztornózva: MF-")
    expect(page.get_by_role("button", name="Sztornó számla kiállítása")).to_have_count(0)
    # The NAV beküldések page: the invoice and its storno, both received.
    page.locator(".mainnav-list").get_by_role("link", name="Számlák").click()
    page.get_by_role("link", name="NAV beküldések").click()
    rows = page.locator("table.outbox tbody tr")
    original = rows.filter(has_text=w.invoice_number)
    expect(original).to_contain_text("CREATE")
    expect(original).to_contain_text("Befogadva (DONE)")
    expect(rows.filter(has_text="STORNO").first).to_contain_text("Befogadva (DONE)")
    w.shot("invoice-08-nav-submissions")


# --- 6. The health fund pays ----------------------------------------------------------------


def health_fund(w: InvoiceWalk) -> None:
    page = w.page
    page.goto(w.patient_url)
    w.main().get_by_role("link", name="Számlák", exact=True).click()
    # The stornoed invoice no longer stands: the visit can be invoiced again.
    visits = page.locator("section.card", has_text="Lezárt ellátások")
    visits.get_by_role("link", name="Számla kiállítása").click()
    form = page.locator("main form.card")
    form.get_by_label("Vevő", exact=True).select_option(label="Egészségpénztár (tag helyett)")
    for label, value in FUND.items():
        form.get_by_label(label).fill(value)
    expect(form.get_by_label("Pénztártag neve")).to_have_value(f"{FAMILY} {GIVEN}")
    form.get_by_label("Pénztártag azonosítója").fill(FUND_MEMBER_NUMBER)
    form.get_by_label("Fizetési mód").select_option(label="Egészségpénztári kártya")
    w.shot("invoice-09-fund-form", form)
    form.get_by_role("button", name="Számla kiállítása").click()
    expect(page.locator("body")).to_contain_text("számla kiállítva")
    main = w.main()
    expect(main).to_contain_text(FUND["Vevő neve"])
    expect(main).to_contain_text(FUND["Vevő adószáma (cég, pénztár)"])
    expect(main.locator("dd", has_text=FUND_MEMBER_NUMBER)).to_have_text(
        f"{FAMILY} {GIVEN} ({FUND_MEMBER_NUMBER})"
    )
    # Paid in full (empty amount: the whole outstanding) with the fund's card.
    payment = page.locator("main form[action$='/befizetes/']")
    payment.get_by_label("Fizetési mód").select_option(label="Egészségpénztári kártya")
    payment.get_by_role("button", name="Befizetés rögzítése").click()
    expect(page.locator("body")).to_contain_text(re.compile(rf"Befizetve: 38{SEP}000 Ft\."))
    expect(main).to_contain_text("Hátralék: 0 Ft")
    _wait_nav_state(w, NAV_DONE)
    w.shot("invoice-10-fund-invoice")
    pdf = page.request.get(
        w.z(page.get_by_role("link", name="PDF / nyomtatás").get_attribute("href") or "")
    )
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf", pdf.status
    text = " ".join(_pdf_text(pdf.body()).split())
    for expected in (FUND["Vevő neve"], f"{FAMILY} {GIVEN}", FUND_MEMBER_NUMBER):
        assert expected in text, (expected, text[:1500])


def _pdf_text(body: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages)


# --- 7. The daily closing -----------------------------------------------------------------


def closing(w: InvoiceWalk) -> None:
    page = w.page
    page.locator(".mainnav-list").get_by_role("link", name="Számlák").click()
    page.get_by_role("link", name="Napi zárás").click()
    expect(page.locator("h1")).to_have_text("Napi zárás")
    row = page.locator("tr", has_text=COMPANY)
    row.get_by_role("link", name="Napi zárás").click()
    figures = page.locator("section.closing")
    cash = figures.locator("tr[data-method=CASH]")
    expect(cash).to_contain_text(re.compile(rf"12{SEP}345{FT}"))  # in, and back with the storno
    expect(figures.locator("tr[data-method=FUND_CARD]")).to_contain_text(money(38000))
    expect(figures).to_contain_text("Sztornó számlák")
    expected = figures.locator("td[data-figure=expected]").inner_text()
    counted = re.sub(r"\D", "", expected.split("Ft")[0]) or "0"
    form = page.locator("main form").filter(has_text="Nap lezárása")
    form.get_by_label("Számolt készpénz (Ft)").fill(counted)
    form.get_by_label("Kivett készpénz, bankba (Ft)").fill("0")
    w.shot("invoice-11-closing-count")
    form.get_by_role("button", name="Nap lezárása").click()
    expect(page.locator("body")).to_contain_text("A nap lezárva.")
    expect(figures.locator("td[data-figure=difference]")).to_have_text("0 Ft")
    w.shot("invoice-12-closed")
    href = page.get_by_role("link", name="PDF").get_attribute("href") or ""
    pdf = page.request.get(w.z(href))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf", pdf.status
    assert COMPANY in " ".join(_pdf_text(pdf.body()).split())
    w.logout()
