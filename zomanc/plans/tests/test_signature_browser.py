"""The signature canvas in Chromium against a live server: an empty canvas is refused in the
page, a stroke drawn with the mouse's pointer events is stored as the PNG of the accepted
quote, with the quote's SHA-256 shown (CSP strict: the script is a static file)."""

import datetime as dt
import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse

from zomanc.codes.models import TreatmentItem
from zomanc.conftest import Personas
from zomanc.plans.models import PlanPhase, PlanSignature, PlanStatus, TreatmentPlan
from zomanc.plans.services import plan_item_add, plan_transition

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(personas: Personas, live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    pytest.importorskip("playwright.sync_api")
    # The tests read the database while Playwright's event loop runs in this thread; the
    # live server answers from its own thread, so nothing here is async.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from zomanc.testing.browser import member_page

    with member_page(live_server.url, personas.client_for(personas.receptionist)) as page:
        yield page


def test_patient_signs_on_the_canvas(
    personas: Personas,
    plan: TreatmentPlan,
    phase: PlanPhase,
    catalogue: dict[str, TreatmentItem],
    live_server: Any,
    page: Any,
) -> None:
    from zomanc.testing.browser import axe_check

    plan.valid_until = dt.date.today() + dt.timedelta(days=5)
    plan.save()
    plan_item_add(plan=plan, phase=phase, actor=personas.doctor, treatment=catalogue["fk"])
    plan_transition(plan=plan, to=PlanStatus.PRESENTED, actor=personas.doctor)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(live_server.url + reverse("plans:sign", args=[plan.pk]))
    page.get_by_role("button", name="Elfogadom és aláírom").click()
    assert page.locator("[data-signature-empty]").is_visible()
    axe_check(page, label="the signature page, the empty canvas refused")
    assert not PlanSignature.objects.exists()

    box = page.locator("canvas[data-signature]").bounding_box()
    page.mouse.move(box["x"] + 40, box["y"] + 60)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 40 + step * 25, box["y"] + 60 + (step % 3) * 20)
    page.mouse.up()
    page.get_by_role("button", name="Elfogadom és aláírom").click()
    page.wait_for_url(live_server.url + reverse("plans:detail", args=[plan.pk]))
    signature = PlanSignature.objects.get(plan=plan)
    assert bytes(signature.image_png).startswith(b"\x89PNG") and len(signature.image_png) > 1000
    assert signature.quote_sha256 == hashlib.sha256(bytes(signature.quote_pdf)).hexdigest()
    assert signature.quote_sha256 in page.content()
    # The accepted plan: its state a badge in the page header, the signature's card.
    assert page.locator("h1 .plan-status.state-ok").inner_text() == "elfogadva"
    axe_check(page, label="the accepted plan")
    assert TreatmentPlan.objects.get(pk=plan.pk).status == PlanStatus.ACCEPTED
    assert not [e for e in errors if "Content Security Policy" in e], errors
