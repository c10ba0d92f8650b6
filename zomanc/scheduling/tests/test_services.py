"""Services of the calendar: overlap rules, validations, move/resize/cancel, the audit."""

import contextlib
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection

from zomanc.audit.models import AuditEntry
from zomanc.practices.models import Role
from zomanc.scheduling import services
from zomanc.scheduling.models import Appointment, AppointmentStatus, Chair
from zomanc.scheduling.tests.conftest import DAY, Cal, at

pytestmark = pytest.mark.django_db


def messages_of(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- overlaps -------------------------------------------------------------------------------


def test_same_chair_overlap_refused_naming_the_other_appointment(cal: Cal) -> None:
    cal.book(at(9), 30)
    with pytest.raises(ValidationError) as caught:
        cal.book(at(9, 15), 30, doctor=cal.p.doctor2, patient=cal.bela)
    text = messages_of(caught.value)
    assert "1. szék" in text
    assert "Kovács Anna" in text
    assert "2026.03.02. 09:00–09:30" in text
    assert Appointment.objects.count() == 1


def test_same_doctor_overlap_refused_on_another_chair(cal: Cal) -> None:
    cal.book(at(9), 60)
    with pytest.raises(ValidationError) as caught:
        cal.book(at(9, 30), 30, chair=cal.chair2, patient=cal.bela)
    text = messages_of(caught.value)
    assert "Dr. Fog Ferenc ekkor már foglalt" in text
    assert "Kovács Anna" in text and "09:00–10:00" in text and "1. szék" in text
    assert Appointment.objects.count() == 1


def test_other_chair_and_other_doctor_may_overlap(cal: Cal) -> None:
    cal.book(at(9), 60)
    cal.book(at(9), 60, chair=cal.chair2, doctor=cal.p.doctor2, patient=cal.bela)
    assert Appointment.objects.count() == 2


def test_touching_edges_are_allowed(cal: Cal) -> None:
    cal.book(at(9), 30)
    cal.book(at(9, 30), 30, patient=cal.bela)  # starts when the first ends
    cal.book(at(8, 30), 30, patient=cal.bela)  # ends when the first starts
    assert Appointment.objects.count() == 3


def test_enclosing_appointment_is_an_overlap(cal: Cal) -> None:
    cal.book(at(10), 15)
    with pytest.raises(ValidationError):
        cal.book(at(9), 180, patient=cal.bela)


def test_cancelled_appointment_does_not_block(cal: Cal) -> None:
    first = cal.book(at(9), 30)
    services.appointment_cancel(appointment=first, actor=cal.p.receptionist, reason="Beteg")
    again = cal.book(at(9), 30, patient=cal.bela)
    assert again.status == AppointmentStatus.BOOKED


def test_both_chair_and_doctor_conflicts_are_named(cal: Cal) -> None:
    cal.book(at(9), 30)
    cal.book(at(9, 30), 30, chair=cal.chair2, patient=cal.bela)
    with pytest.raises(ValidationError) as caught:
        cal.book(at(9, 15), 30)
    assert len(caught.value.messages) == 3  # chair clash at 9:00, doctor clash at 9:00 and 9:30


def test_other_practice_appointments_never_conflict(cal: Cal) -> None:
    services.appointment_create(
        practice=cal.p.practice_b,
        actor=cal.p.outsider,
        patient=cal.patient_b,
        doctor=cal.p.doctor_b,
        chair=cal.chair_b,
        company=cal.p.company_b,
        org_unit=cal.p.org_unit_b,
        starts_at=at(9),
        ends_at=at(10),
    )
    cal.book(at(9), 60)
    assert Appointment.objects.count() == 2


# --- validations ----------------------------------------------------------------------------


def test_end_must_be_after_start(cal: Cal) -> None:
    with pytest.raises(ValidationError) as caught:
        cal.book(at(9), 0)
    assert caught.value.message_dict["ends_at"] == ["A befejezésnek a kezdés után kell lennie."]


def test_overlong_appointment_refused(cal: Cal) -> None:
    with pytest.raises(ValidationError) as caught:
        cal.book(at(8), 13 * 60)
    assert "12 óra" in caught.value.message_dict["ends_at"][0]


def test_database_refuses_end_before_start_too(cal: Cal) -> None:
    good = cal.book(at(9), 30)
    with pytest.raises(IntegrityError):
        Appointment.objects.filter(pk=good.pk).update(ends_at=at(8))


@pytest.mark.parametrize("field", ["patient", "chair", "doctor", "company", "org_unit"])
def test_other_practice_references_refused(cal: Cal, field: str) -> None:
    foreign = {
        "patient": cal.patient_b,
        "chair": cal.chair_b,
        "doctor": cal.p.doctor_b,
        "company": cal.p.company_b,
        "org_unit": cal.p.org_unit_b,
    }[field]
    kwargs: dict[str, Any] = {
        "patient": cal.anna,
        "chair": cal.chair1,
        "doctor": cal.p.doctor,
        "company": cal.p.company_a,
        "org_unit": cal.p.org_unit_a,
        field: foreign,
    }
    with pytest.raises(ValidationError) as caught:
        services.appointment_create(
            practice=cal.p.practice_a,
            actor=cal.p.receptionist,
            starts_at=at(9),
            ends_at=at(9, 30),
            **kwargs,
        )
    assert field in caught.value.message_dict
    assert not Appointment.objects.exists()


def test_inactive_chair_refused(cal: Cal) -> None:
    cal.chair1.is_active = False
    cal.chair1.save()
    with pytest.raises(ValidationError) as caught:
        cal.book(at(9))
    assert caught.value.message_dict["chair"] == ["A(z) 1. szék nem aktív."]


def test_inactive_doctor_refused(cal: Cal) -> None:
    cal.p.doctor.is_active = False
    cal.p.doctor.save()
    with pytest.raises(ValidationError) as caught:
        cal.book(at(9))
    assert "nem aktív" in caught.value.message_dict["doctor"][0]


def test_non_doctor_refused_but_owner_with_stamp_accepted(cal: Cal) -> None:
    with pytest.raises(ValidationError) as caught:
        cal.book(at(9), doctor=cal.p.assistant)
    assert "nem orvos" in caught.value.message_dict["doctor"][0]
    owner = cal.p.owner
    owner.stamp_number = "49999"
    owner.save()
    assert owner.role == Role.OWNER
    assert cal.book(at(9), doctor=owner).doctor == owner


def test_org_unit_must_belong_to_company(cal: Cal) -> None:
    from zomanc.practices.models import Company

    other_company = Company.objects.create(
        practice=cal.p.practice_a, name="Másik Kft.", institution_name="X", institution_id="123456"
    )
    with pytest.raises(ValidationError) as caught:
        services.appointment_create(
            practice=cal.p.practice_a,
            actor=cal.p.receptionist,
            patient=cal.anna,
            doctor=cal.p.doctor,
            chair=cal.chair1,
            company=other_company,
            org_unit=cal.p.org_unit_a,
            starts_at=at(9),
            ends_at=at(9, 30),
        )
    assert "org_unit" in caught.value.message_dict


# --- move / resize --------------------------------------------------------------------------


def test_move_into_a_conflict_is_refused_with_the_other_named(cal: Cal) -> None:
    cal.book(at(10), 30, patient=cal.bela)
    mine = cal.book(at(9), 30)
    with pytest.raises(ValidationError) as caught:
        services.appointment_move(
            appointment=mine, actor=cal.p.receptionist, starts_at=at(10, 15), ends_at=at(10, 45)
        )
    text = messages_of(caught.value)
    assert "Nagy Béla" in text and "10:00–10:30" in text and "1. szék" in text
    mine.refresh_from_db()
    assert mine.starts_at == at(9)


def test_resize_into_the_next_appointment_is_refused(cal: Cal) -> None:
    mine = cal.book(at(9), 30)
    cal.book(at(9, 30), 30, patient=cal.bela)
    with pytest.raises(ValidationError) as caught:
        services.appointment_move(
            appointment=mine, actor=cal.p.receptionist, starts_at=at(9), ends_at=at(9, 45)
        )
    assert "Nagy Béla" in messages_of(caught.value)
    mine.refresh_from_db()
    assert mine.ends_at == at(9, 30)


def test_move_ignores_itself_and_may_change_chair_and_doctor(cal: Cal) -> None:
    mine = cal.book(at(9), 60)
    services.appointment_move(
        appointment=mine, actor=cal.p.receptionist, starts_at=at(9, 30), ends_at=at(10, 30)
    )
    services.appointment_move(
        appointment=mine,
        actor=cal.p.receptionist,
        starts_at=at(9, 30),
        ends_at=at(10, 30),
        chair=cal.chair2,
        doctor=cal.p.doctor2,
    )
    mine.refresh_from_db()
    assert (mine.chair, mine.doctor, mine.starts_at) == (cal.chair2, cal.p.doctor2, at(9, 30))


def test_move_to_other_doctors_busy_time_refused(cal: Cal) -> None:
    cal.book(at(11), 30, chair=cal.chair2, doctor=cal.p.doctor2, patient=cal.bela)
    mine = cal.book(at(9), 30)
    with pytest.raises(ValidationError) as caught:
        services.appointment_move(
            appointment=mine,
            actor=cal.p.receptionist,
            starts_at=at(11),
            ends_at=at(11, 30),
            doctor=cal.p.doctor2,
        )
    assert "Dr. Második Mária ekkor már foglalt" in messages_of(caught.value)


def test_move_keeps_inactive_chair_but_refuses_moving_onto_one(cal: Cal) -> None:
    mine = cal.book(at(9), 30)
    cal.chair1.is_active = False
    cal.chair1.save()
    # Still on the (now inactive) chair: a new time is fine, reception is clearing it.
    services.appointment_move(
        appointment=mine, actor=cal.p.receptionist, starts_at=at(12), ends_at=at(12, 30)
    )
    other = cal.book(at(9), 30, chair=cal.chair2, patient=cal.bela)
    with pytest.raises(ValidationError):
        services.appointment_move(
            appointment=other,
            actor=cal.p.receptionist,
            starts_at=at(14),
            ends_at=at(14, 30),
            chair=cal.chair1,
        )


def test_cancelled_appointment_cannot_be_moved(cal: Cal) -> None:
    mine = cal.book(at(9), 30)
    services.appointment_cancel(appointment=mine, actor=cal.p.receptionist, reason="Nem jön")
    with pytest.raises(ValidationError) as caught:
        services.appointment_move(
            appointment=mine, actor=cal.p.receptionist, starts_at=at(10), ends_at=at(10, 30)
        )
    assert "Lemondott" in messages_of(caught.value)


# --- cancel / arrived / update --------------------------------------------------------------


def test_cancel_needs_a_reason_and_is_recorded(cal: Cal) -> None:
    mine = cal.book(at(9), 30)
    with pytest.raises(ValidationError) as caught:
        services.appointment_cancel(appointment=mine, actor=cal.p.receptionist, reason="  ")
    assert caught.value.message_dict["reason"] == ["Adja meg a lemondás okát."]
    services.appointment_cancel(
        appointment=mine, actor=cal.p.receptionist, reason="Telefonon lemondta"
    )
    mine.refresh_from_db()
    assert mine.status == AppointmentStatus.CANCELLED
    assert mine.cancel_reason == "Telefonon lemondta"
    assert mine.cancelled_by == cal.p.receptionist
    with pytest.raises(ValidationError):
        services.appointment_cancel(appointment=mine, actor=cal.p.receptionist, reason="Újra")


def test_arrived_is_idempotent_and_blocks_cancel(cal: Cal) -> None:
    mine = cal.book(at(9), 30)
    services.appointment_mark_arrived(appointment=mine, actor=cal.p.receptionist)
    services.appointment_mark_arrived(appointment=mine, actor=cal.p.receptionist)
    mine.refresh_from_db()
    assert mine.status == AppointmentStatus.ARRIVED
    with pytest.raises(ValidationError):
        services.appointment_cancel(appointment=mine, actor=cal.p.receptionist, reason="Késő")
    assert AuditEntry.objects.filter(summary__startswith="Páciens megérkezett").count() == 1


def test_update_details(cal: Cal) -> None:
    mine = cal.book(at(9), 30)
    services.appointment_update(
        appointment=mine,
        actor=cal.p.receptionist,
        note="  Hozza a röntgent ",
        treatment=None,
        company=cal.p.company_a,
        org_unit=cal.p.org_unit_a,
    )
    mine.refresh_from_db()
    assert mine.note == "Hozza a röntgent"


def test_audit_entries_carry_patient(cal: Cal) -> None:
    mine = cal.book(at(9), 30)
    services.appointment_move(
        appointment=mine, actor=cal.p.receptionist, starts_at=at(10), ends_at=at(10, 30)
    )
    services.appointment_cancel(appointment=mine, actor=cal.p.receptionist, reason="Beteg")
    entries = AuditEntry.objects.filter(
        object_type="scheduling.appointment", object_id=str(mine.pk)
    )
    assert entries.count() == 3
    assert set(entries.values_list("patient_id", flat=True)) == {cal.anna.pk}
    move = entries.get(summary__startswith="Időpont áthelyezve")
    assert set(move.changes) == {"starts_at", "ends_at"}


# --- chairs ---------------------------------------------------------------------------------


def test_chair_names_unique_per_practice(cal: Cal) -> None:
    with pytest.raises(ValidationError) as caught:
        services.chair_create(practice=cal.p.practice_a, name=" 1.  SZÉK ", actor=cal.p.owner)
    assert "Már van" in caught.value.message_dict["name"][0]
    services.chair_create(practice=cal.p.practice_b, name="1. szék", actor=cal.p.outsider)
    chair = services.chair_update(
        chair=cal.chair2, name="Sebészeti szék", is_active=False, actor=cal.p.owner
    )
    assert (chair.name, chair.is_active) == ("Sebészeti szék", False)
    assert Chair.objects.filter(practice=cal.p.practice_a).count() == 2


# --- concurrency ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_bookings_of_one_slot_one_wins(
    cal: Cal, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both writers are held right after their overlap check. Without the row locks
    (PostgreSQL) or the IMMEDIATE write lock (SQLite) both would pass the check and both
    insert; with them the second writer waits until the first commits, then sees it."""
    barrier = threading.Barrier(2, timeout=2)
    real_check = services._check_free

    def held_check(**kwargs: object) -> None:
        real_check(**kwargs)  # type: ignore[arg-type]
        # A broken barrier: the other writer is (correctly) blocked on the lock.
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()

    monkeypatch.setattr(services, "_check_free", held_check)
    outcomes: list[str] = []

    def attempt(patient_pk: int) -> None:
        from zomanc.patients.models import Patient

        try:
            cal.book(at(9), 30, patient=Patient.objects.get(pk=patient_pk))
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        except Exception as error:  # SQLite's shared-cache test DB answers "locked" instead
            outcomes.append(f"error:{type(error).__name__}")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(p.pk,)) for p in (cal.anna, cal.bela)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert Appointment.objects.filter(starts_at=at(9)).count() == 1
    assert outcomes.count("ok") == 1
    if connection.vendor == "postgresql":
        assert sorted(outcomes) == ["ok", "refused"]


def test_appointment_when_spans_midnight(cal: Cal) -> None:
    mine = cal.book(at(23), 90)
    assert services.appointment_when(mine) == "2026.03.02. 23:00–2026.03.03. 00:30"
    assert DAY.isoformat() == "2026-03-02"
    assert mine.duration_minutes == 90
    assert mine.ends_at - mine.starts_at == timedelta(minutes=90)
