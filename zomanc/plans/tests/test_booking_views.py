"""The booking page and what the plan page, the calendar week and the appointment panel show
of booked plan items, with the personas: login, practice and roles; refusals on the page,
nothing saved; fixed query counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from zomanc.audit.models import AuditAction, AuditEntry
from zomanc.codes.models import TreatmentItem
from zomanc.conftest import Personas
from zomanc.plans.models import PlanItem, PlanPhase, PlanStatus, TreatmentPlan
from zomanc.plans.services import plan_item_complete
from zomanc.plans.tests.test_booking import Booked, accepted_plan, local
from zomanc.scheduling.models import Appointment
from zomanc.scheduling.services import appointment_cancel

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(
    personas: Personas, plan: TreatmentPlan, phase: PlanPhase, catalogue: dict[str, TreatmentItem]
) -> Booked:
    return accepted_plan(personas, plan, phase, catalogue)


def _form(b: Booked, *items: PlanItem, days: int = 7, start: str = "09:00") -> dict[str, object]:
    return {
        "items": [item.pk for item in items],
        "day": (timezone.localdate() + dt.timedelta(days=days)).isoformat(),
        "start_time": start,
        "end_time": "",
        "chair": b.chair.pk,
        "doctor": b.p.doctor.pk,
        "note": "",
        "company": b.p.company_a.pk,
        "org_unit": b.p.org_unit_a.pk,
    }


def _url(b: Booked) -> str:
    return reverse("plans:book", args=[b.plan.pk])


def test_requires_login(booked: Booked) -> None:
    for method in ("get", "post"):
        response = getattr(Client(), method)(_url(booked))
        assert response.status_code == 302 and "/accounts/" in response["Location"]


def test_hides_other_practice(booked: Booked) -> None:
    client = booked.p.client_for(booked.p.outsider)
    assert client.get(_url(booked), {"items": booked.filling.pk}).status_code == 404
    assert client.post(_url(booked), _form(booked, booked.filling)).status_code == 404
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("persona", ["owner", "doctor", "assistant", "receptionist"])
def test_every_role_books_from_the_plan(booked: Booked, persona: str) -> None:
    """Booking is making an appointment (everyone's) of a plan everyone may see."""
    client = booked.p.client_for(getattr(booked.p, persona))
    page = client.get(reverse("plans:detail", args=[booked.plan.pk])).content.decode()
    assert 'id="plan-book"' in page and f'value="{booked.filling.pk}" form="plan-book"' in page
    response = client.post(_url(booked), _form(booked, booked.filling))
    appointment = Appointment.objects.get()
    day = timezone.localtime(appointment.starts_at).date()
    assert response["Location"] == f"{reverse('scheduling:week')}?date={day.isoformat()}"
    assert PlanItem.objects.get(pk=booked.filling.pk).appointment_id == appointment.pk


def test_the_page_is_pre_filled_and_audited(booked: Booked) -> None:
    client = booked.p.client_for(booked.p.receptionist)
    response = client.get(_url(booked), {"items": [booked.scaling.pk, booked.filling.pk]})
    html = response.content.decode()
    assert "105 perc" in html  # 2 × 30 + 45
    assert "Fogkő-eltávolítás" in html and "Kompozit tömés" in html
    assert f'<option value="{booked.p.doctor.pk}" selected>' in html
    assert f'<option value="{booked.p.org_unit_a.pk}" selected>' in html
    assert f'name="items" value="{booked.scaling.pk}"' in html
    assert AuditEntry.objects.filter(
        action=AuditAction.VIEW, patient_id=booked.plan.patient_id, summary__contains="foglalása"
    ).exists()


def test_the_page_says_why_items_cannot_be_booked(booked: Booked) -> None:
    plan_item_complete(item=booked.filling, actor=booked.p.doctor)
    client = booked.p.client_for(booked.p.receptionist)
    html = client.get(_url(booked), {"items": [booked.filling.pk, booked.extraction.pk]})
    text = html.content.decode()
    assert "már elvégezve" in text and "választott lehetőséghez" in text
    assert 'name="start_time"' not in text  # no form to send
    assert "Nincs kijelölt tétel" in client.get(_url(booked)).content.decode()
    other = client.get(_url(booked), {"items": "999999"}).content.decode()
    assert "Nincs ilyen tétel a tervben." in other


def test_a_refused_booking_shows_the_reason_and_saves_nothing(booked: Booked) -> None:
    client = booked.p.client_for(booked.p.receptionist)
    client.post(_url(booked), _form(booked, booked.filling))
    again = client.post(_url(booked), _form(booked, booked.scaling, booked.filling, days=8))
    assert again.status_code == 200
    assert "már foglalva van" in again.content.decode()
    assert Appointment.objects.count() == 1
    assert PlanItem.objects.get(pk=booked.scaling.pk).appointment_id is None
    conflict = client.post(_url(booked), _form(booked, booked.scaling, start="09:15"))
    assert "Ütközés" in conflict.content.decode() and Appointment.objects.count() == 1


def test_a_draft_plan_offers_no_booking(personas: Personas, plan: TreatmentPlan) -> None:
    page = personas.client_for(personas.receptionist).get(reverse("plans:detail", args=[plan.pk]))
    assert 'id="plan-book"' not in page.content.decode()


def test_round_trip_plan_page_calendar_panel_cancel(booked: Booked) -> None:
    client = booked.p.client_for(booked.p.receptionist)
    detail = reverse("plans:detail", args=[booked.plan.pk])
    assert client.get(detail).content.decode().count("nincs foglalva") == 3  # not option B
    week = client.post(_url(booked), _form(booked, booked.scaling, booked.filling), follow=True)
    html = week.content.decode()
    assert "Fogkő-eltávolítás ×2" in html and "36 MO Kompozit tömés" in html
    appointment = Appointment.objects.get()
    page = client.get(detail).content.decode()
    when = timezone.localtime(appointment.starts_at).strftime("%Y.%m.%d. %H:%M")
    assert f'{reverse("scheduling:appointment_edit", args=[appointment.pk])}">{when}</a>' in page
    assert page.count("nincs foglalva") == 1  # the crown
    panel = client.get(reverse("scheduling:appointment_edit", args=[appointment.pk]))
    assert f'href="{detail}"' in panel.content.decode()
    assert "<h3>Tervezett tételek</h3>" in panel.content.decode()
    appointment_cancel(appointment=appointment, actor=booked.p.receptionist, reason="beteg")
    page = client.get(detail).content.decode()
    assert page.count("nincs foglalva") == 3 and f"lemondva: {when}" in page


def _queries(client: Client, url: str, params: dict[str, str] | None = None) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured)


def test_plan_page_and_calendar_week_query_counts_are_fixed(booked: Booked) -> None:
    client = booked.p.client_for(booked.p.receptionist)
    detail = reverse("plans:detail", args=[booked.plan.pk])
    week = reverse("scheduling:week")
    params = {"date": local(7, 9).date().isoformat()}
    client.get(detail)
    plan_page = _queries(client, detail)  # no item booked yet
    booked.book(booked.scaling, start=local(7, 9))
    assert _queries(client, detail) == plan_page
    client.get(week, params)  # the session's first requests may write it
    week_page = _queries(client, week, params)  # one appointment with its items
    booked.book(booked.filling, start=local(7, 11), chair=booked.chair2)
    booked.book(booked.crown, start=local(7, 14))
    assert _queries(client, detail) == plan_page
    assert _queries(client, week, params) == week_page
    html = client.get(week, params).content.decode()
    assert "46 Cirkónium korona" in html and "36 MO Kompozit tömés" in html


def test_a_plan_in_progress_books_and_a_completed_one_does_not(booked: Booked) -> None:
    client = booked.p.client_for(booked.p.receptionist)
    plan_item_complete(item=booked.scaling, actor=booked.p.doctor)
    assert TreatmentPlan.objects.get(pk=booked.plan.pk).status == PlanStatus.IN_PROGRESS
    detail = reverse("plans:detail", args=[booked.plan.pk])
    assert 'id="plan-book"' in client.get(detail).content.decode()
    TreatmentPlan.objects.filter(pk=booked.plan.pk).update(status=PlanStatus.COMPLETED)
    assert 'id="plan-book"' not in client.get(detail).content.decode()
    response = client.post(_url(booked), _form(booked, booked.filling))
    assert "Csak elfogadott terv" in response.content.decode()
    assert not Appointment.objects.exists()


def test_an_item_whose_appointment_passed_shows_it_and_may_be_ticked_again(
    booked: Booked,
) -> None:
    past = booked.book(booked.filling, start=local(-3, 9))
    client = booked.p.client_for(booked.p.receptionist)
    page = client.get(reverse("plans:detail", args=[booked.plan.pk])).content.decode()
    when = timezone.localtime(past.starts_at).strftime("%Y.%m.%d. %H:%M")
    assert f"elmúlt: {when}" in page
    assert f'value="{booked.filling.pk}" form="plan-book"' in page
