"""Booking plan items to the calendar (booking_services.plan_items_book): the duration rule,
every refusal leaving nothing behind, moving an item off a cancelled or past appointment,
later versions carrying the booking, and what an appointment shows of its items."""

import contextlib
import datetime as dt
import threading
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from zomanc.audit.models import AuditEntry
from zomanc.codes.models import TreatmentItem
from zomanc.conftest import Personas
from zomanc.plans.booking_selectors import (
    appointment_plan_lines,
    booking_duration_minutes,
    plan_items_for_appointment,
)
from zomanc.plans.booking_services import plan_items_book
from zomanc.plans.models import PlanItem, PlanPhase, PlanStatus, TreatmentPlan
from zomanc.plans.services import (
    plan_item_add,
    plan_item_complete,
    plan_option_add,
    plan_option_choose,
    plan_revise,
    plan_transition,
)
from zomanc.scheduling.hooks import AppointmentWindow
from zomanc.scheduling.models import Appointment, Chair
from zomanc.scheduling.services import appointment_cancel, appointment_create

pytestmark = pytest.mark.django_db


def local(days: int, hour: int, minute: int = 0) -> dt.datetime:
    """A wall-clock time of the practice, `days` from today."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@dataclass
class Booked:
    p: Personas
    plan: TreatmentPlan
    chair: Chair
    chair2: Chair
    scaling: PlanItem  # Fogkő-eltávolítás ×2, 30 minutes each
    filling: PlanItem  # 36 MO, 45 minutes
    crown: PlanItem  # option A (chosen), 46, 60 minutes
    extraction: PlanItem  # option B (not chosen)

    def book(self, *items: PlanItem, start: dt.datetime | None = None, **extra: Any) -> Appointment:
        extra.setdefault("chair", self.chair)
        return plan_items_book(
            plan=self.plan,
            item_ids=[item.pk for item in items],
            actor=self.p.receptionist,
            starts_at=start or local(7, 9),
            company=self.p.company_a,
            org_unit=self.p.org_unit_a,
            **extra,
        )


def accepted_plan(
    personas: Personas, plan: TreatmentPlan, phase: PlanPhase, catalogue: dict[str, TreatmentItem]
) -> Booked:
    TreatmentItem.objects.filter(practice=personas.practice_a).update(duration_minutes=45)
    TreatmentItem.objects.filter(pk=catalogue["fk"].pk).update(duration_minutes=30)
    TreatmentItem.objects.filter(pk=catalogue["kor"].pk).update(duration_minutes=60)
    plan.valid_until = timezone.localdate() + dt.timedelta(days=30)
    plan.save()
    doctor = personas.doctor
    scaling = plan_item_add(
        plan=plan, phase=phase, actor=doctor, treatment=catalogue["fk"], quantity=2
    )
    filling = plan_item_add(
        plan=plan, phase=phase, actor=doctor, treatment=catalogue["töm"], tooth=36, surfaces="MO"
    )
    crown_option = plan_option_add(phase=phase, actor=doctor, title="Korona")
    crown = plan_item_add(
        plan=plan,
        phase=phase,
        option=crown_option,
        actor=doctor,
        treatment=catalogue["kor"],
        tooth=46,
    )
    extraction_option = plan_option_add(phase=phase, actor=doctor, title="Foghúzás")
    extraction = plan_item_add(
        plan=plan,
        phase=phase,
        option=extraction_option,
        actor=doctor,
        treatment=catalogue["ext"],
        tooth=46,
    )
    plan_transition(plan=plan, to=PlanStatus.PRESENTED, actor=doctor)
    plan_option_choose(option=crown_option, actor=doctor)
    plan_transition(plan=plan, to=PlanStatus.ACCEPTED, actor=doctor)
    return Booked(
        p=personas,
        plan=plan,
        chair=Chair.objects.create(practice=personas.practice_a, name="1. szék", position=1),
        chair2=Chair.objects.create(practice=personas.practice_a, name="2. szék", position=2),
        scaling=scaling,
        filling=filling,
        crown=crown,
        extraction=extraction,
    )


@pytest.fixture
def booked(
    personas: Personas, plan: TreatmentPlan, phase: PlanPhase, catalogue: dict[str, TreatmentItem]
) -> Booked:
    return accepted_plan(personas, plan, phase, catalogue)


def _refused(call: Any) -> str:
    appointments = Appointment.objects.count()
    links = list(PlanItem.objects.values_list("pk", "appointment_id"))
    entries = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as info:
        call()
    assert Appointment.objects.count() == appointments
    assert list(PlanItem.objects.values_list("pk", "appointment_id")) == links
    assert AuditEntry.objects.count() == entries
    return " ".join(info.value.messages)


def test_booking_makes_one_appointment_with_the_items(booked: Booked) -> None:
    start = local(7, 9)
    appointment = booked.book(booked.scaling, booked.filling, start=start)
    # 2 × 30 (quantity counts) + 45 minutes, the plan's patient and doctor.
    assert appointment.ends_at - appointment.starts_at == dt.timedelta(minutes=105)
    assert appointment.patient_id == booked.plan.patient_id
    assert appointment.doctor_id == booked.p.doctor.pk
    assert appointment.chair_id == booked.chair.pk
    assert set(PlanItem.objects.filter(appointment=appointment).values_list("pk", flat=True)) == {
        booked.scaling.pk,
        booked.filling.pk,
    }
    assert [i.pk for i in plan_items_for_appointment(appointment)] == [
        booked.scaling.pk,
        booked.filling.pk,
    ]
    entry = AuditEntry.objects.filter(summary__startswith="Tervezett tételek időpontra").get()
    assert entry.patient_id == booked.plan.patient_id
    assert entry.changes["appointment"] == appointment.pk
    assert AuditEntry.objects.filter(summary__startswith="Időpont foglalva").count() == 1


def test_duration_rule(booked: Booked) -> None:
    booked.scaling.treatment.refresh_from_db()
    booked.crown.treatment.refresh_from_db()
    assert booking_duration_minutes([booked.scaling]) == 60
    assert booking_duration_minutes([booked.scaling, booked.crown]) == 120


def test_an_explicit_end_and_doctor_win(booked: Booked) -> None:
    start = local(7, 9)
    appointment = booked.book(
        booked.filling,
        start=start,
        ends_at=start + dt.timedelta(minutes=20),
        doctor=booked.p.doctor2,
    )
    assert appointment.duration_minutes == 20 and appointment.doctor_id == booked.p.doctor2.pk


def test_refuses_a_done_item(booked: Booked) -> None:
    plan_item_complete(item=booked.filling, actor=booked.p.doctor)
    booked.plan.refresh_from_db()
    message = _refused(lambda: booked.book(booked.scaling, booked.filling))
    assert "már elvégezve" in message and "nem foglalható" in message


@pytest.mark.parametrize("status", [PlanStatus.DRAFT, PlanStatus.PRESENTED, PlanStatus.COMPLETED])
def test_refuses_a_plan_not_accepted(booked: Booked, status: str) -> None:
    TreatmentPlan.objects.filter(pk=booked.plan.pk).update(status=status)
    message = _refused(lambda: booked.book(booked.filling))
    assert message == "Csak elfogadott terv tételére foglalható időpont."


def test_books_an_in_progress_plan(booked: Booked) -> None:
    plan_item_complete(item=booked.scaling, actor=booked.p.doctor)
    booked.plan.refresh_from_db()
    assert booked.plan.status == PlanStatus.IN_PROGRESS
    assert booked.book(booked.filling).pk


def test_refuses_an_option_not_chosen(booked: Booked) -> None:
    message = _refused(lambda: booked.book(booked.extraction))
    assert "nem a páciens által választott lehetőséghez tartozik" in message


def test_refuses_an_item_booked_to_a_future_appointment_and_says_which(booked: Booked) -> None:
    first = booked.book(booked.filling, start=local(7, 9))
    message = _refused(lambda: booked.book(booked.scaling, booked.filling, start=local(8, 9)))
    assert "már foglalva van" in message and "09:00–09:45" in message and "1. szék" in message
    assert PlanItem.objects.get(pk=booked.filling.pk).appointment_id == first.pk


def test_a_cancelled_appointment_frees_its_items_and_a_new_booking_moves_them(
    booked: Booked,
) -> None:
    first = booked.book(booked.filling, start=local(7, 9))
    appointment_cancel(appointment=first, actor=booked.p.receptionist, reason="beteg")
    second = booked.book(booked.filling, start=local(9, 10))
    assert PlanItem.objects.get(pk=booked.filling.pk).appointment_id == second.pk
    assert plan_items_for_appointment(first) == []
    entry = AuditEntry.objects.filter(summary__startswith="Tervezett tételek").latest("pk")
    assert entry.changes["moved_from"] == {str(booked.filling.pk): first.pk}


def test_an_item_of_a_past_appointment_may_be_booked_again(booked: Booked) -> None:
    past = booked.book(booked.filling, start=local(-2, 9))
    again = booked.book(booked.filling, start=local(2, 9))
    assert past.pk != again.pk
    assert PlanItem.objects.get(pk=booked.filling.pk).appointment_id == again.pk


def test_a_calendar_conflict_refuses_everything(booked: Booked) -> None:
    appointment_create(
        practice=booked.p.practice_a,
        actor=booked.p.receptionist,
        patient=booked.plan.patient,
        doctor=booked.p.doctor2,
        chair=booked.chair,
        company=booked.p.company_a,
        org_unit=booked.p.org_unit_a,
        starts_at=local(7, 9, 30),
        ends_at=local(7, 10),
    )
    message = _refused(lambda: booked.book(booked.filling, start=local(7, 9)))
    assert "Ütközés: a(z) 1. szék ekkor foglalt" in message


def test_longer_than_the_calendar_allows_is_refused(booked: Booked) -> None:
    TreatmentItem.objects.filter(pk=booked.scaling.treatment_id).update(duration_minutes=400)
    assert "legfeljebb 12 óra" in _refused(lambda: booked.book(booked.scaling))


def test_refuses_no_items_and_items_of_another_plan(booked: Booked, patient: Any) -> None:
    assert "Jelölje ki" in _refused(lambda: booked.book())
    other = PlanItem.objects.create(
        practice=booked.p.practice_a,
        plan=TreatmentPlan.objects.create(
            practice=booked.p.practice_a,
            patient=patient,
            title="Másik",
            created_by=booked.p.doctor.user,
            status=PlanStatus.ACCEPTED,
        ),
        phase=booked.filling.phase,
        treatment=booked.filling.treatment,
        name="x",
        unit_price=1,
        vat_rate="AAM",
    )
    assert "Nincs ilyen tétel a tervben." in _refused(lambda: booked.book(booked.filling, other))


def test_a_plan_without_doctor_needs_one(booked: Booked) -> None:
    TreatmentPlan.objects.filter(pk=booked.plan.pk).update(doctor=None)
    booked.plan.doctor = None
    assert "Adja meg az orvost." in _refused(lambda: booked.book(booked.filling))


def test_another_practices_member_cannot_book(booked: Booked) -> None:
    with pytest.raises(ValueError, match="different practices"):
        plan_items_book(
            plan=booked.plan,
            item_ids=[booked.filling.pk],
            actor=booked.p.outsider,
            chair=booked.chair,
            starts_at=local(7, 9),
            company=booked.p.company_a,
            org_unit=booked.p.org_unit_a,
        )
    assert not Appointment.objects.exists()


def test_a_new_version_carries_the_booking(booked: Booked) -> None:
    """Booked before the revision (the copy keeps the link) and after it (the booking made on
    the version in force reaches the draft's copy): once the new version is accepted, the
    appointment carries its items."""
    first = booked.book(booked.scaling)
    draft = plan_revise(plan=booked.plan, actor=booked.p.doctor)
    # While the new version is a draft, the appointment carries the version in force.
    assert [i.plan_id for i in plan_items_for_appointment(first)] == [booked.plan.pk]
    second = booked.book(booked.filling, start=local(8, 9))
    copies = {i.name: i.appointment_id for i in PlanItem.objects.filter(plan=draft)}
    assert copies[booked.scaling.name] == first.pk
    assert copies[booked.filling.name] == second.pk
    plan_transition(plan=draft, to=PlanStatus.PRESENTED, actor=booked.p.doctor)
    plan_transition(plan=draft, to=PlanStatus.ACCEPTED, actor=booked.p.doctor)
    assert [i.plan_id for i in plan_items_for_appointment(second)] == [draft.pk]
    lines = appointment_plan_lines(booked.p.practice_a.pk, [first.pk, second.pk])
    assert [line.text for line in lines[second.pk]] == ["36 MO Kompozit tömés"]
    assert [line.text for line in lines[first.pk]] == ["Fogkő-eltávolítás ×2"]


def test_calendar_lines_of_an_english_quote_use_the_catalogue_name(
    booked: Booked, catalogue: dict[str, TreatmentItem]
) -> None:
    appointment = booked.book(booked.crown)
    PlanItem.objects.filter(pk=booked.crown.pk).update(name="Zirconia crown")
    TreatmentPlan.objects.filter(pk=booked.plan.pk).update(language="en")
    [line] = appointment_plan_lines(booked.p.practice_a.pk, [appointment.pk])[appointment.pk]
    assert line.text == "46 Cirkónium korona" and not line.done
    assert line.url == f"/tervek/{booked.plan.pk}/"
    plan_item_complete(item=booked.crown, actor=booked.p.doctor)
    [line] = appointment_plan_lines(booked.p.practice_a.pk, [appointment.pk])[appointment.pk]
    assert line.done
    # Another practice's reader sees nothing of it.
    assert appointment_plan_lines(booked.p.practice_b.pk, [appointment.pk]) == {}
    # The calendar asks for its window (a prebuilt read): the same lines, of the window only.
    window = AppointmentWindow(appointment.starts_at, appointment.ends_at)
    by_ids = appointment_plan_lines(booked.p.practice_a.pk, [appointment.pk])
    assert appointment_plan_lines(booked.p.practice_a.pk, window) == by_ids
    assert appointment_plan_lines(booked.p.practice_b.pk, window) == {}
    after = AppointmentWindow(appointment.ends_at, appointment.ends_at + dt.timedelta(hours=1))
    before = AppointmentWindow(appointment.starts_at - dt.timedelta(hours=1), appointment.starts_at)
    assert appointment_plan_lines(booked.p.practice_a.pk, after) == {}
    assert appointment_plan_lines(booked.p.practice_a.pk, before) == {}


@pytest.mark.django_db(transaction=True)
def test_two_bookings_of_one_item_at_the_same_moment_one_wins(
    booked: Booked, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two receptionists book the same item on different chairs and doctors (the calendar
    sees no conflict): each writer is held right after its refusal checks. Without the plan
    row lock (PostgreSQL) or the IMMEDIATE write lock (SQLite) both would pass and the item
    would be booked twice; with it the second waits for the first, then sees the booking."""
    from zomanc.plans import booking_services

    barrier = threading.Barrier(2, timeout=2)
    real_refusals = booking_services.booking_refusals

    def held_refusals(*args: Any, **kwargs: Any) -> list[str]:
        messages = real_refusals(*args, **kwargs)
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()  # broken: the other writer is (correctly) blocked on the lock
        return messages

    monkeypatch.setattr(booking_services, "booking_refusals", held_refusals)
    outcomes: list[str] = []

    def attempt(chair: Chair, doctor: Any) -> None:
        try:
            booked.book(booked.filling, chair=chair, doctor=doctor)
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        except Exception as error:  # SQLite's shared-cache test DB answers "locked" instead
            outcomes.append(f"error:{type(error).__name__}")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=attempt, args=args)
        for args in ((booked.chair, booked.p.doctor), (booked.chair2, booked.p.doctor2))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert Appointment.objects.count() == 1
    assert outcomes.count("ok") == 1
    if connection.vendor == "postgresql":
        assert sorted(outcomes) == ["ok", "refused"]
