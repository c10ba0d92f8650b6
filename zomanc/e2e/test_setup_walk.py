"""The EESZT setup guide, walked in Debian's Chromium against the real demo (issue 6).

`scripts/demo.sh` starts the sandbox, the practice system, the EESZT worker and the card
service on free ports with fresh data (on PostgreSQL: fresh databases); one browser page then
does what a practice does, step by step, asserting the Hungarian texts a user sees and
saving a screenshot per step. `make guide` (ZOMANC_GUIDE_DIR=docs/guide) writes the
screenshots to docs/guide/img/ and a video of the whole walk to docs/guide/video/; without it
they go to a temporary folder, so `make test` leaves the tree clean.

No fixed sleeps: every wait is on something visible (a text, a URL); the visit's EESZT
state is polled by reloading the page until its badge says "EESZT: elküldve". The only
clock wait is TOTP's: a one-time code is valid for 30 s and EESZT refuses it twice, so a
second login with the same secret waits for the next code."""

from __future__ import annotations

import datetime
import random
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from zomanc.codes.validators import taj_generate
from zomanc.e2e.walking import Walk, walk_browser, walk_run
from zomanc.testing.demo_stack import DemoStack

pytestmark = pytest.mark.e2e
sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

REPO = Path(__file__).resolve().parents[2]
PORTAL_PASSWORD = "Sandbox-Demo-1"  # noqa: S105 - the sandbox's printed demo password
SECOND_DOCTOR_TOKEN = "KRSXG5CTMVRXEZLUKN2XAZLSKNSWG4TF"  # noqa: S105 - printed demo secret
RIGHTS_ADMIN_TOKEN = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 - printed demo secret
ASSISTANT_USER = "ASSZ506097"  # the sandbox's assistant, Kiss Júlia (docs/sandbox.md)
ASSISTANT_MOBILE_TOKEN = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # noqa: S105 - printed demo secret
HISTORY_TAJ = "987 654 322"  # Kiss Máté: documents and eProfil entries of another provider
REFERRAL_TAJ = "111 111 110"  # Nagy Bence: e-referrals
DECEASED_TAJ = "999 000 069"  # reserved in the sandbox: a deceased person (docs/sandbox.md)
BUDAPEST = ZoneInfo("Europe/Budapest")
WALK_APPOINTMENT_NOTE = "Beutaló alapján, a séta foglalása"
SENT_TIMEOUT_S = 180
CLOSE_QUESTION = "Lezárja az ellátást? Utána csak javítással, indoklással módosítható."
EMPTY_NOTES_QUESTION = (
    "Az anamnézis és a státusz üres. Biztosan így zárja le az ellátást? Utána csak javítással, "
    "indoklással módosítható."
)
WALK_ANAMNESIS = "Hideg-meleg érzékenység a bal alsó őrlőfogon, a séta anamnézise."
# Typed and closed at once, never saved on their own (issue 12, defect 1).
WALK_NOTES = {
    "status_text": "36 mély szuvasodás, a séta státusza.",
    "therapy": "Háromfelszínű kompozit tömés, a séta terápiája.",
    "advice": "Kontroll fél év múlva, a séta javaslata.",
}


@dataclass
class SetupWalk(Walk):
    """The shared walk plumbing (zomanc/e2e/walking.py) with what the EESZT walk adds: the
    one-time codes of the token logins, a patient found by TAJ, the Ágazati portál."""

    used_codes: dict[str, str] = field(default_factory=dict)

    def totp(self, secret: str) -> str:
        """The current code of a TOTP secret, never one already used (EESZT refuses a
        replayed code): waits for the next 30-second window when needed."""
        import pyotp

        totp = pyotp.TOTP(secret)
        while (code := totp.now()) == self.used_codes.get(secret):
            time.sleep(31 - time.time() % 30)
        self.used_codes[secret] = code
        return code

    # --- the practice system ------------------------------------------------------------

    def patient(self, taj: str) -> None:
        page = self.page
        page.goto(self.z("/patients/"))
        page.locator("tr", has_text=taj).get_by_role("link").first.click()
        expect(page.locator("main")).to_contain_text(taj)

    # --- the Ágazati portál ---------------------------------------------------------------

    def portal_token_login(self, user_id: str, secret: str) -> None:
        page = self.page
        page.goto(self.p("/bejelentkezes/"))
        box = page.locator("#token")
        box.get_by_label("EESZT felhasználónév").fill(user_id)
        box.get_by_label("Jelszó", exact=True).fill(PORTAL_PASSWORD)
        box.locator("input[name=otp]").fill(self.totp(secret))
        box.get_by_role("button", name="Bejelentkezés").click()
        expect(page.locator("body")).to_contain_text("Sikeres bejelentkezés")

    def portal_logout(self) -> None:
        self.page.get_by_role("button", name="Kijelentkezés").click()
        expect(self.page.get_by_role("button", name="Kijelentkezés")).to_have_count(0)


# --- the stack and the browser -------------------------------------------------------------


@pytest.fixture
def walk(demo: DemoStack, tmp_path: Path) -> Iterator[SetupWalk]:
    with walk_browser(demo, tmp_path, video="eeszt-beallitasa", make=SetupWalk) as walk:
        assert isinstance(walk, SetupWalk)
        yield walk


def test_setup_guide_walk(walk: SetupWalk) -> None:
    # Every page the walk saw passes axe-core's scan (issue 19): walk_run lists them all.
    walk_run(
        walk,
        [
            step1_portal,
            step2_settings,
            step3_logins,
            step4_documents,
            step5_eprofil,
            step6_visit,
            step6b_new_patients,
            step7_roles,
        ],
    )


# --- 1. Ágazati portál ----------------------------------------------------------------------


def step1_portal(w: SetupWalk) -> None:
    page = w.page
    # The demo dentist logs in with her eID card through the card service.
    page.goto(w.p("/bejelentkezes/"))
    page.locator("#kartya").get_by_label("EESZT felhasználónév").fill("O58012")
    page.locator("#kartya").get_by_role("button", name="Bejelentkezés").click()
    status = page.locator("[data-card-status]")
    expect(status).to_contain_text("nincs párosítva")
    w.shot("01-portal-card-pairing")
    page.get_by_label("Párosító kód").fill(w.stack.pairing_token())
    page.get_by_role("button", name="Párosítás").click()
    expect(status).to_contain_text("A kártyaszolgáltatás fut.")
    expect(status).to_contain_text("O58012")
    page.get_by_label("PIN kód").fill(w.stack.card_pin())
    w.shot("02-portal-card-pin")
    page.locator("form[data-card-sign]").get_by_role("button", name="Bejelentkezés").click()
    page.wait_for_url("**/intezmenyvalasztas/")
    expect(page.locator("body")).to_contain_text("Sikeres bejelentkezés: Dr. Kovács Anna")
    # Only the "CSAK intézmény" option offers the certificate download.
    page.locator("label.choice", has_text="CSAK intézmény").click()
    w.shot("03-portal-institution")
    page.get_by_role("button", name="Tovább").click()
    page.get_by_role("link", name="EESZT SSL tanúsítvány letöltése").click()
    expect(page.locator("h1")).to_have_text("EESZT SSL tanúsítvány letöltése")
    with page.expect_download() as download:
        page.get_by_role("button", name="Letöltés").click()
    p12 = w.work / "EESZT-SSL.p12"
    download.value.save_as(p12)
    assert download.value.suggested_filename.startswith("EESZT-SSL-506097-")
    page.reload()
    expect(page.locator("table")).to_contain_text("506097")
    w.shot("04-portal-certificate")
    page.get_by_role("link", name="SMS-ek").click()
    sms = page.locator("table tbody tr").first
    expect(sms).to_contain_text("SSL tanúsítványának jelszava")
    match = re.search(r"jelszava: (\S+)", sms.inner_text())
    assert match is not None
    w.certificate = (p12, match.group(1))  # type: ignore[attr-defined]
    w.shot("05-portal-sms")
    w.portal_logout()

    # The second doctor registers a mobile token (logged in with his physical token).
    w.portal_token_login("O61234", SECOND_DOCTOR_TOKEN)
    page.goto(w.p("/mobiltoken/"))
    secret_text = page.locator("main").inner_text()
    match = re.search(r"((?:[A-Z2-7]{4} ){3,}[A-Z2-7]{2,})", secret_text)
    assert match is not None, secret_text
    secret = match.group(1).replace(" ", "")
    page.get_by_label("Az alkalmazás által mutatott kód").fill(w.totp(secret))
    w.shot("06-portal-mobile-token")
    page.get_by_role("button", name="Regisztráció").click()
    expect(page.locator("body")).to_contain_text("A mobiltoken regisztrálva")
    w.mobile_secret = secret  # type: ignore[attr-defined]
    w.portal_logout()

    # VMátrix: the institution's rights admin assigns the second doctor to the org unit.
    w.portal_token_login("JOGADMIN506097", RIGHTS_ADMIN_TOKEN)
    page.locator("label.choice", has_text="001044299").click()
    page.get_by_role("button", name="Tovább").click()
    page.get_by_role("link", name="VMátrix").click()
    # The seed has him assigned already: take the grant back first, as a new doctor has none.
    row = (
        page.locator("tr", has_text="O61234").filter(has_text="001044299").filter(has_text="Orvos")
    )
    if row.count():
        row.get_by_role("button", name="Törlés").click()
        expect(page.locator("body")).to_contain_text("O61234 joga törölve")
    form = page.locator("form[action$='/vmatrix/jogosultsag/']")
    form.get_by_label(re.compile("felhasználó", re.I)).fill("O61234")
    _select_containing(form.locator("select[name=org_unit]"), "001044299")
    _select_containing(form.locator("select[name=role]"), "Orvos")
    form.get_by_role("button", name="Hozzárendelés").click()
    expect(page.locator("body")).to_contain_text("O61234 jogot kapott: 001044299, Orvos.")
    w.shot("07-portal-vmatrix")
    w.portal_logout()


def _select_containing(select: Any, text: str) -> None:
    for option in select.locator("option").all():
        if text in option.inner_text():
            select.select_option(value=option.get_attribute("value"))
            return
    raise AssertionError(f"no option with {text!r}")


# --- 2. Beállítások / EESZT as the owner -----------------------------------------------------


def step2_settings(w: SetupWalk) -> None:
    page = w.page
    p12, code = w.certificate  # type: ignore[attr-defined]
    w.login("kovacs.anna@mosoly.test")
    page.get_by_role("link", name="Beállítások").first.click()
    page.locator("main").get_by_role("link", name="EESZT", exact=True).click()
    expect(page.locator("h1")).to_contain_text("Beállítások / EESZT")
    expect(page.locator("main")).to_contain_text("Az EESZT modul ki van kapcsolva.")
    # Pair this browser with the card service (the checklist's step 2–4 turns green).
    cardservice = page.locator("[data-cardservice]")
    expect(cardservice).to_contain_text("nincs párosítva")
    cardservice.locator("input[name=token]").fill(w.stack.pairing_token())
    cardservice.get_by_role("button", name="Párosítás").click()
    expect(cardservice).to_contain_text("A kártyaszolgáltatás fut ezen a gépen.")
    # Institution, id, org unit, doctors and stamp numbers.
    page.get_by_label("Intézmény (rendelő) neve:").fill("Mosoly Fogászat Kft.")
    page.get_by_label("Intézményazonosító (OTH szám):").fill("506097")
    page.locator("form:has(#id_institution_id)").get_by_role("button", name="Mentés").click()
    expect(page.locator("body")).to_contain_text("Az intézmény adatai elmentve.")
    page.get_by_role("button", name="Ellenőrzés a törzsadatokban").click()
    expect(page.locator("body")).to_contain_text(
        "Minden azonosító szerepel az EESZT törzsadatokban."
    )
    expect(page.locator("main")).to_contain_text("001044299")
    # Every EESZT user: the doctors ("O" + stamp number) and the assistant (her portal id).
    users = page.locator("#eeszt-felhasznalok")
    expect(users).not_to_contain_text("Molnár Judit")  # the receptionist never uses EESZT
    for name, user_id, method in (
        ("Dr. Kovács Anna", "", "eSzemélyi kártya"),
        ("Dr. Nagy Gábor", "", "Mobil token"),
        ("Kiss Júlia", ASSISTANT_USER, "Mobil token"),
    ):
        row = users.locator("tbody tr", has_text=name)
        if user_id:
            row.locator("input[name$=portal_username]").fill(user_id)
        row.locator("select").select_option(label=method)
        row.get_by_role("button", name="Mentés").click()
        expect(page.locator("body")).to_contain_text(f"{name} EESZT adatai elmentve.")
    w.shot("08-settings-data", page.locator("#eeszt-felhasznalok"))
    # The certificate: first a wrong SMS code, then the right one.
    upload = page.locator("#tanusitvany")
    upload.get_by_label("SSL tanúsítványfájl (.p12 / .pfx):").set_input_files(p12)
    upload.get_by_label("SMS kód:").fill("rossz-kod-1")
    upload.get_by_role("button", name="Feltöltés").click()
    expect(page.locator("#tanusitvany")).to_contain_text(
        "A megadott SMS kód nem nyitja a tanúsítványfájlt."
    )
    # The refusal is announced at the top of the long page, focused and in view, and its
    # link leads to the SMS code box (issue 12 item 3).
    summary = page.locator("main [data-error-summary]")
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    expect(summary).to_contain_text("SMS kód: A megadott SMS kód nem nyitja a tanúsítványfájlt.")
    w.shot("09-settings-wrong-code")
    summary.get_by_role("link", name=re.compile("^SMS kód:")).click()
    upload = page.locator("#tanusitvany")
    expect(upload.get_by_label("SMS kód:")).to_be_focused()
    w.shot("09b-settings-wrong-code-field", upload)
    upload.get_by_label("SSL tanúsítványfájl (.p12 / .pfx):").set_input_files(p12)
    upload.get_by_label("SMS kód:").fill(code)
    upload.get_by_role("button", name="Feltöltés").click()
    expect(page.locator("#tanusitvany")).to_contain_text("2.5.4.5=506097")
    page.get_by_role("button", name="EESZT modul bekapcsolása").click()
    expect(page.locator("main")).to_contain_text("Az EESZT modul be van kapcsolva")
    w.shot("10-settings-module-on")
    # The owner is the practice's dentist: before her EESZT login the test checks TLS and
    # the certificate, and offers the login for the rest.
    page.get_by_role("button", name="Kapcsolat ellenőrzése").click()
    stages = page.locator("table.eeszt-stages")
    expect(stages.locator("[data-stage=tls]")).to_contain_text("rendben")
    expect(stages.locator("[data-stage=certificate]")).to_contain_text("rendben")
    expect(stages.locator("[data-stage=login]")).to_contain_text("nincs belépve az EESZT-be")
    w.shot("11-settings-test-before-login", stages)
    # She logs in with her eID card from the test's link and is brought back here.
    header = page.locator("header")
    expect(header).to_contain_text("EESZT: nincs bejelentkezve")
    stages.get_by_role("link", name="Belépés az EESZT-be").click()
    expect(page.locator("main")).to_contain_text("EESZT felhasználó: O58012")
    box = page.locator("[data-cardservice]")
    expect(box).to_contain_text("A kártyaszolgáltatás fut ezen a gépen.")
    page.get_by_label("PIN kód").fill(w.stack.card_pin())
    w.shot("12-eeszt-login-card")
    page.locator("main").get_by_role("button", name="Bejelentkezés").click()
    expect(header).to_contain_text(re.compile(r"EESZT: O58012, \d\d:\d\d-ig"))
    w.shot("13-eeszt-header-session", header)
    # Now every stage of the connection test is green.
    page.goto(w.z("/eeszt/beallitasok/"))
    page.get_by_role("button", name="Kapcsolat ellenőrzése").click()
    stages = page.locator("table.eeszt-stages")
    for key in ("tls", "certificate", "login", "rights"):
        expect(stages.locator(f"[data-stage={key}]")).to_contain_text("rendben")
    expect(stages).to_contain_text("001044299 (Fogászati rendelés): rendben, ORVOS")
    w.shot("14-settings-test-green", stages)
    w.logout()


# --- 3. EESZT logins ----------------------------------------------------------------------


def step3_logins(w: SetupWalk) -> None:
    page = w.page
    # The second doctor with his newly registered mobile token.
    w.login("nagy.gabor@mosoly.test")
    page.locator("header").get_by_role("link", name="Belépés").click()
    expect(page.locator("main")).to_contain_text("EESZT felhasználó: O61234")
    page.get_by_role("link", name="Mobil token").or_(
        page.get_by_role("tab", name="Mobil token")
    ).first.click()
    form = page.locator("form[action*='mobil'], form:has(input[name=otp])").last
    form.locator("input[name=otp], input[name=code]").first.fill(w.totp(w.mobile_secret))  # type: ignore[attr-defined]
    w.shot("15-eeszt-login-mobile")
    form.get_by_role("button").last.click()
    expect(page.locator("header")).to_contain_text(re.compile(r"EESZT: O61234, \d\d:\d\d-ig"))
    w.logout()


# --- 4. EHR documents and breakglass -----------------------------------------------------


def step4_documents(w: SetupWalk) -> None:
    page = w.page
    w.login("kovacs.anna@mosoly.test")
    w.patient(HISTORY_TAJ)
    # The patient is in the chair: the visit's eKAT event gives the treatment relationship
    # EESZT requires before it shows any document.
    _open_visit_here(w)
    _wait_eeszt_state(w, "EESZT: elküldve")
    page.get_by_text("Továbbiak", exact=True).click()
    page.get_by_role("link", name="EHR dokumentumok").click()
    expect(page.locator("h1")).to_contain_text("EHR dokumentumok: Kiss Máté")
    documents = page.locator("main table").first
    expect(documents).to_be_visible()
    expect(page.locator("main")).to_contain_text("különösen érzékeny kategória")
    w.shot("16-ehr-documents")
    documents.locator("tbody tr a").first.click()
    expect(page.locator("main")).to_contain_text("Kiss Máté")
    w.shot("17-ehr-document")
    page.go_back()
    form = page.locator("form.breakglass-form")
    form.get_by_label("Indok:").select_option(label="Egyéb (indoklással)")
    form.get_by_label("Indoklás:").fill("Ismeretlen gyógyszerérzékenység gyanúja a kezelés előtt")
    w.shot("18-ehr-breakglass", form)
    form.get_by_role("button", name="Breakglass").click()
    expect(page.locator("main")).to_contain_text("érzékeny")
    expect(page.locator("main table").first).to_contain_text("érzékeny")
    w.shot("19-ehr-after-breakglass")


def _open_visit_here(w: SetupWalk) -> None:
    page = w.page
    form = page.locator("form.open-form")
    form.get_by_label("Felelős orvos:").select_option(label="Dr. Kovács Anna")
    _select_containing(form.locator("select[name=company]"), "506097")
    _select_containing(form.locator("select[name=org_unit]"), "001044299")
    form.get_by_role("button", name="Új ellátás megnyitása").click()
    expect(page.locator("#entry-box")).to_contain_text("Nyitott ellátás")
    w.htmx_settled()


def _wait_eeszt_state(w: Walk, label: str) -> None:
    """Reloads the page until the open/last visit's EESZT badge shows `label`."""
    page = w.page
    badge = page.locator("a.badge[class*=eeszt-]").first
    deadline = time.monotonic() + SENT_TIMEOUT_S
    while True:
        try:
            expect(badge).to_have_text(label, timeout=3000)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            page.reload()


# --- 5. eProfil ------------------------------------------------------------------------------


def step5_eprofil(w: SetupWalk) -> None:
    page = w.page
    w.patient(HISTORY_TAJ)
    page.locator("summary[aria-label='További EESZT-funkciók']").click()
    page.get_by_role("link", name="eProfil").click()
    expect(page.locator("main")).to_contain_text("Penicillin-allergia")
    # Create an allergy.
    form = page.locator("form[action*='eprofil']").filter(has_text="Rögzítés az eProfilba")
    _select_containing(form.get_by_label("Kategória"), "llergi")
    form.get_by_label("Megnevezés").fill("Latexallergia")
    form.get_by_role("button", name="Rögzítés az eProfilba").click()
    row = page.locator("tr", has_text="Latexallergia")
    expect(row).to_contain_text("saját intézmény")
    expect(row).to_contain_text("1.")
    w.shot("20-eprofil-created", row)
    # Modify it: a new version.
    row.get_by_role("link", name="Módosítás").click()
    page.get_by_label("Megnevezés").fill("Latexallergia (kontakt dermatitisz)")
    page.get_by_label("A módosítás indoka").fill("Pontosítás a beteg elmondása alapján")
    page.locator("main form").get_by_role("button").last.click()
    row = page.locator("tr", has_text="Latexallergia (kontakt dermatitisz)")
    expect(row).to_contain_text("2.")
    w.shot("21-eprofil-new-version", row)
    # Another institution's entry: no delete offered, the reason shown.
    foreign = page.locator("tr", has_text="Penicillin-allergia")
    expect(foreign).to_contain_text("másik intézmény: 01060J")
    expect(foreign).to_contain_text("Törölni csak a létrehozó intézmény tudja.")
    expect(foreign.get_by_role("button", name="Törlés")).to_have_count(0)
    w.shot("22-eprofil-foreign-entry", foreign)
    # Delete our own entry.
    row.get_by_label("Törlés indoka").fill("Téves rögzítés")
    row.get_by_role("button", name="Törlés").click()
    expect(page.locator("tr", has_text="Latexallergia")).to_have_count(0)


# --- 6. A visit from an appointment, a referral, closing, EESZT -----------------------------


def step6_visit(w: SetupWalk) -> None:
    page = w.page
    # Kiss Máté's visit from step 4 is closed first (an Ambuláns lap of its own).
    w.patient(HISTORY_TAJ)
    _diagnosis(w, "K0230")
    _close_visit(w, question=EMPTY_NOTES_QUESTION)  # no anamnesis, no status: asked once
    # An appointment today for the patient with referrals, then the visit from it.
    w.patient(REFERRAL_TAJ)
    patient_url = page.url
    patient_id = re.search(r"/patients/(\d+)/", patient_url).group(1)  # type: ignore[union-attr]
    # Booked today at 07:00, before any demo shift starts (zomanc/scheduling/demo.py SHIFTS
    # begin at 08:00), so neither the time of day nor the random demo week can collide with
    # it; found again by its own note, not by the patient's name (the demo week may hold
    # another appointment of his).
    today = datetime.datetime.now(BUDAPEST).date()
    page.goto(w.z(f"/naptar/idopont/uj/?patient={patient_id}&start={today:%Y-%m-%d}T07:00"))
    form = page.locator("main form").filter(has_text="Foglalás")
    _select_containing(form.locator("select[name=doctor]"), "Kovács Anna")
    _select_containing(form.locator("select[name=chair]"), "szék")
    form.locator("input[name=end_time]").fill("07:30")
    form.get_by_label("Megjegyzés").fill(WALK_APPOINTMENT_NOTE)
    form.get_by_role("button", name="Foglalás").click()
    expect(page.locator("body")).to_contain_text("Időpont foglalva")
    block = page.locator(".appt", has_text=WALK_APPOINTMENT_NOTE)
    expect(block).to_have_count(1)
    w.shot("23-calendar-appointment", block)
    block.get_by_role("button", name="Ellátás megnyitása").click()
    expect(page.locator("#entry-box")).to_contain_text("Nyitott ellátás")
    # The finding, the diagnosis and the procedure on a tooth with the keyboard command.
    _command(w, "36 car")
    _command(w, "36 K0210")
    expect(page.locator("#entry-box ul.dx")).to_contain_text("K0210 A dentin szuvasodása")
    _command(w, "36 MOD töm")
    # Three surfaces choose the family's three-surface filling, at its price (issue 12).
    expect(page.locator("#entry-box ul.px").first).to_contain_text(
        re.compile(r"Kompozit tömés, 3 felszín\s*38[\s\u00a0]?000\s*Ft")
    )
    w.shot("24-visit-entry", page.locator("#entry-box"))
    _tooth_history(w)
    _notes_autosave(w)
    # Műveletek → Beutaló felhasználása.
    _wait_eeszt_state(w, "EESZT: elküldve")
    page.locator(".visit-actions").first.get_by_text("Műveletek").click()
    page.get_by_role("link", name="Beutaló felhasználása").click()
    usable = page.get_by_role("button", name="Felhasználás ehhez az ellátáshoz").first
    expect(page.locator("main")).to_contain_text("Nem használható")
    w.shot("25-referrals")
    usable.click()
    expect(page.locator("main")).to_contain_text(re.compile(r"Beutaló\s*2025\d{12}"))
    w.shot("26-visit-referral")
    w.patient(REFERRAL_TAJ)
    _notes_typed_then_close(w)
    _wait_eeszt_state(w, "EESZT: elküldve")
    page.locator("a.badge[class*=eeszt-]").first.click()
    expect(page.locator("main")).to_contain_text("Ambuláns lap")
    expect(page.locator("main")).to_contain_text("Egy ellátás beküldései: Nagy Bence")
    w.shot("27-visit-sent")
    _notes_in_pdf_and_eeszt(w)
    w.logout()
    # The sandbox's Lakossági portál: the patient's new care event and Ambuláns lap.
    page.goto(w.p("/lakossagi/"))
    page.locator("tr", has_text="111111110").get_by_role("button", name="Belépés").click()
    page.get_by_role("link", name="Események").click()
    expect(page.locator("main")).to_contain_text("Mosoly Fogászat Kft. / Fogászati rendelés")
    expect(page.locator("main")).to_contain_text("Dr. Kovács Anna (58012)")
    w.shot("28-portal-patient-events")
    page.get_by_role("link", name="Dokumentumok").click()
    expect(page.locator("main")).to_contain_text("Ambuláns lap")
    w.shot("29-portal-patient-documents")


def _command(w: Walk, line: str) -> None:
    """Types a line into the visit's keyboard command box and sends it with Enter."""
    box = w.page.locator("form.command-line input[name=line]")
    box.fill(line)
    box.press("Enter")
    expect(box).to_have_value("")


def _diagnosis(w: Walk, code: str) -> None:
    w.htmx_settled()
    form = w.page.locator("#entry-box form:has(input[name=code])")
    form.get_by_label("BNO-kód keresése").fill(code)
    expect(form.get_by_label("BNO-kód keresése")).to_have_value(code)
    form.get_by_role("button", name="Hozzáad").click()
    expect(w.page.locator("#entry-box ul.dx")).to_contain_text(code)


def _tooth_history(w: SetupWalk) -> None:
    """A click on tooth 36 shows its history beside the chart and picks it for the
    procedure row (issue 12)."""
    page = w.page
    box = page.locator("#entry-box")
    box.locator("svg.odontogram g.tooth[data-tooth='36']").click()
    panel = box.locator(".tooth-history")
    expect(panel).to_contain_text("36. fog előzményei")
    expect(panel).to_contain_text("Kompozit tömés")
    expect(panel).to_contain_text("Dr. Kovács Anna")
    expect(box.locator("form.procedure-form input[name=tooth]")).to_have_value("36")
    w.shot("24b-tooth-history", panel)


def _notes_autosave(w: SetupWalk) -> None:
    """Typed text saves itself: the state says "mentve HH:MM", a reload shows the text."""
    page = w.page
    notes = page.locator("#entry-box form.notes")
    notes.locator("textarea[name=anamnesis]").fill(WALK_ANAMNESIS)
    expect(notes.locator(".autosave-state")).to_have_text(re.compile(r"^mentve \d\d:\d\d$"))
    w.shot("24c-notes-autosaved", notes)
    page.reload()
    expect(page.locator("#entry-box textarea[name=anamnesis]")).to_have_value(WALK_ANAMNESIS)


def _notes_typed_then_close(w: SetupWalk) -> None:
    """The natural order: type the notes, press "Ellátás lezárása" (no "Szöveg mentése")."""
    notes = w.page.locator("#entry-box form.notes")
    for name, text in WALK_NOTES.items():
        notes.locator(f"textarea[name={name}]").fill(text)
    _close_visit(w)


def _notes_in_pdf_and_eeszt(w: SetupWalk) -> None:
    """The closed visit's Ambuláns lap holds the notes: the printed PDF, and the document
    EESZT (the sandbox) returns to the practice."""
    import io

    from pypdf import PdfReader

    page = w.page
    w.patient(REFERRAL_TAJ)
    # "Nyomtatás (PDF)" in the visit's closed actions menu.
    href = (
        page.locator("#activity li.visit")
        .first.locator("a[href$='ambulans-lap.pdf']")
        .get_attribute("href")
    )
    pdf = page.request.get(w.z(href))
    assert pdf.ok, pdf.status
    reader = PdfReader(io.BytesIO(pdf.body()))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    for expected in (WALK_ANAMNESIS, *WALK_NOTES.values()):
        assert expected in text, (expected, text)
    page.get_by_text("Továbbiak", exact=True).click()
    page.get_by_role("link", name="EHR dokumentumok").click()
    expect(page.locator("h1")).to_contain_text("EHR dokumentumok: Nagy Bence")
    page.locator("main table tbody tr", has_text="001044299").first.get_by_role("link").click()
    document = page.locator("main")
    for expected in (WALK_ANAMNESIS, *WALK_NOTES.values()):
        expect(document).to_contain_text(expected)
    w.shot("27b-ehr-document-with-notes")


def _close_visit(w: Walk, question: str = CLOSE_QUESTION) -> None:
    page = w.page
    questions: list[str] = []

    def confirm(dialog: Any) -> None:
        questions.append(dialog.message)
        dialog.accept()

    page.once("dialog", confirm)
    page.locator("#entry-box").get_by_role("button", name="Ellátás lezárása").click()
    expect(page.locator("#entry-box")).not_to_contain_text("Nyitott ellátás")
    assert questions == [question]


# --- 6b. New patients: any valid TAJ is reportable, a reserved one plays a refusal -------


def step6b_new_patients(w: SetupWalk) -> None:
    """The first thing a trying practice does: a new patient with a TAJ the sandbox has never
    seen is reported end to end; the sandbox's reserved TAJ for a deceased person
    (docs/sandbox.md) is refused, and the refusal reads as Hungarian advice with EESZT's
    code small after it."""
    page = w.page
    w.login("kovacs.anna@mosoly.test")
    rng = random.Random()  # noqa: S311 - a test TAJ, only the sandbox sees it
    taj = taj_generate(rng)
    while taj.startswith("999"):  # the sandbox's reserved block
        taj = taj_generate(rng)
    _patient_create(w, "Próba", "Péter", taj)
    _open_visit_here(w)
    _diagnosis(w, "K0210")
    _close_visit(w, question=EMPTY_NOTES_QUESTION)
    _wait_eeszt_state(w, "EESZT: elküldve")
    w.shot("29b-new-patient-sent")
    _patient_create(w, "Teszt", "Elhunyt", DECEASED_TAJ)
    _open_visit_here(w)
    _wait_eeszt_state(w, "EESZT: elutasítva")
    page.locator("a.badge[class*=eeszt-]").first.click()
    main = page.locator("main")
    expect(main).to_contain_text("a beteg elhunyt, ezért új ellátás nem jelenthető")
    expect(main.locator("small.eeszt-code").first).to_have_text("PATIENT_DECEASED")
    w.shot("29c-reserved-taj-refused")
    w.logout()


def _patient_create(w: Walk, family: str, given: str, taj: str) -> None:
    page = w.page
    page.goto(w.z("/patients/uj/"))
    form = page.locator("main form")
    form.locator("input[name=family_name]").fill(family)
    form.locator("input[name=given_name]").fill(given)
    form.locator("select[name=sex]").select_option("M")
    form.locator("input[name=birth_date]").fill("1980.05.17.")
    form.locator("input[name=id_value]").fill(taj)
    form.get_by_role("button", name="Mentés").click()
    expect(page.locator("form.open-form")).to_be_visible()
    expect(page.locator("main")).to_contain_text(f"{family} {given}")


# --- 7. Roles -----------------------------------------------------------------------------


def step7_roles(w: SetupWalk) -> None:
    page = w.page
    w.login("asszisztens@mosoly.test")
    # The assistant logs in to EESZT with her mobile token (VMátrix role EESZT_FELHASZNALO).
    page.locator("header").get_by_role("link", name="Belépés").click()
    expect(page.locator("main")).to_contain_text(f"EESZT felhasználó: {ASSISTANT_USER}")
    form = page.locator("#mobil form")
    form.locator("input[name=otp]").fill(w.totp(ASSISTANT_MOBILE_TOKEN))
    form.get_by_role("button").last.click()
    expect(page.locator("header")).to_contain_text(
        re.compile(rf"EESZT: {ASSISTANT_USER}, \d\d:\d\d-ig")
    )
    w.patient(HISTORY_TAJ)
    page.get_by_text("Továbbiak", exact=True).click()
    page.get_by_role("link", name="EHR dokumentumok").click()
    # She sees the document list but no breakglass: that is a doctor's decision.
    expect(page.locator("h1")).to_contain_text("EHR dokumentumok: Kiss Máté")
    expect(page.locator("main table").first.locator("tbody tr").first).to_be_visible()
    expect(page.locator("form.breakglass-form")).to_have_count(0)
    expect(page.get_by_role("button", name="Breakglass")).to_have_count(0)
    w.shot("30-assistant-no-breakglass")
    w.logout()
    w.login("recepcio@mosoly.test")
    w.patient(HISTORY_TAJ)
    main = page.locator("main")
    expect(main).to_contain_text("Kiss Máté")
    expect(main).not_to_contain_text("K0210")
    expect(main).not_to_contain_text("Diagnózis")
    expect(page.locator("header")).not_to_contain_text("EESZT")
    w.shot("31-receptionist-no-clinical")
    w.logout()
