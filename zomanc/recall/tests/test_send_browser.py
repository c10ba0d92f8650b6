"""The recall bulk send in Chromium (issue 17): the receptionist opens "Esedékes
visszahívások", "select all" ticks every patient with a consented channel (the one without
stays disabled), she keeps two, presses "Kiválasztottak értesítése" and reads the result;
django-ox's worker (run_tasks, as ox_worker runs it) delivers the e-mails to the sandbox's
mail catcher (the real runsandbox process), where "Elküldött levelek" shows each patient's
message with the treatment, the practice's phone and the opt-out link; back on the list both
recalls are "emlékeztettük", notified by e-mail; the same form sent again sends nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse
from django_ox.testing import run_tasks

from zomanc.conftest import Personas
from zomanc.messaging.models import MessageStatus, OutboundMessage
from zomanc.practices.models import Practice
from zomanc.recall.models import RecallContact
from zomanc.recall.tests.conftest import Catalogue
from zomanc.recall.tests.test_send import due
from zomanc.reminders.tests.conftest import mail_settings
from zomanc.testing.sandbox import SandboxProcess

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(personas: Personas, live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from zomanc.testing.browser import member_page

    with member_page(live_server.url, personas.client_for(personas.receptionist)) as page:
        yield page


def test_tick_two_send_catcher_reminded(
    personas: Personas,
    items: Catalogue,
    sandbox_server: SandboxProcess,
    live_server: Any,
    settings: Any,
    page: Any,
) -> None:
    from playwright.sync_api import expect

    from zomanc.testing.browser import axe_check

    assert sandbox_server.smtp_port
    settings.ZOMANC_BASE_URL = live_server.url  # the opt-out links lead here
    mail_settings(personas, sandbox_server.smtp_port)
    Practice.objects.filter(pk=personas.practice_a.pk).update(phone="+36 1 555 0100")
    run = uuid.uuid4().hex[:8]  # this run's mail only
    first = due(personas, items, "Értesített", "email", email=f"elso-{run}@example.hu")
    second = due(personas, items, "Levélváró", "email", email=f"masodik-{run}@example.hu")
    third = due(personas, items, "Hozzájárulatlan")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(live_server.url + reverse("recall:list"))
    expect(page.get_by_role("heading", name="Esedékes visszahívások")).to_be_visible()
    boxes = {p: page.get_by_role("checkbox", name=p.full_name) for p in (first, second, third)}
    expect(boxes[third]).to_be_disabled()
    # "Select all shown" ticks every enabled box; unticked again, then two by hand.
    select_all = page.get_by_role("checkbox", name="Az összes látható kijelölése")
    select_all.check()
    expect(boxes[first]).to_be_checked()
    expect(boxes[second]).to_be_checked()
    expect(boxes[third]).not_to_be_checked()
    select_all.uncheck()
    expect(boxes[first]).not_to_be_checked()
    boxes[first].check()
    boxes[second].check()
    axe_check(page, label="recall list with bulk send")
    page.get_by_label("Csatorna").select_option("email")
    page.get_by_role("button", name="Kiválasztottak értesítése").click()

    summary = page.locator("[data-send-summary]")
    expect(summary).to_contain_text("2 páciens értesítve, 0 kihagyva.")
    expect(page.locator("[data-notified]")).to_contain_text(first.full_name)
    expect(page.locator("[data-notified]")).to_contain_text(second.full_name)
    axe_check(page, label="recall send result")

    run_tasks(max_tasks=10)  # the worker delivers the two e-mails to the catcher
    for patient in (first, second):
        message = OutboundMessage.objects.get(patient=patient)
        assert message.status == MessageStatus.SENT, message.last_error

    # The catcher's "Elküldött levelek" shows each patient's message.
    catcher = page.context.browser.new_context(locale="hu-HU")
    try:
        mail = catcher.new_page()
        for patient in (first, second):
            mail.goto(f"{sandbox_server.http_url}/levelek/?to={patient.email}")
            mail.get_by_role("link", name="Esedékes kezelés").first.click()
            text = mail.locator("[data-mail-text]")
            expect(text).to_contain_text(f"Kedves {patient.full_name}!")
            expect(text).to_contain_text(items.scaling.name)
            expect(text).to_contain_text("Időpontot a +36 1 555 0100 telefonszámon foglalhat.")
            expect(text.locator("a[href*='/emlekeztetok/leiratkozas/']")).to_have_count(1)
    finally:
        catcher.close()

    # Back on the list: both reminded, by e-mail; the third untouched.
    page.get_by_role("link", name="Vissza a listához").click()
    for patient in (first, second):
        row = page.locator("tr", has_text=patient.full_name)
        expect(row).to_contain_text("emlékeztettük")
        expect(row).to_contain_text("értesítve: e-mail")
    expect(page.locator("tr", has_text=third.full_name)).to_contain_text("még nem kerestük")

    # Sent again the same day: nothing goes out twice.
    page.get_by_role("checkbox", name=first.full_name).check()
    page.get_by_role("button", name="Kiválasztottak értesítése").click()
    expect(summary).to_contain_text("0 páciens értesítve, 1 kihagyva.")
    expect(page.locator("[data-skipped]")).to_contain_text("e-mail: ma már értesítettük")
    assert OutboundMessage.objects.count() == 2
    assert RecallContact.objects.filter(state="reminded").count() == 2
    assert not [e for e in errors if "Content Security Policy" in e], errors
