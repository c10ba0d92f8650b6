"""Services of the chart: open/close/correct with revisions, edits of an open visit, the
lock of a closed one, tenant separation, nothing half-saved, audit entries."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from zomanc.audit.models import AuditEntry
from zomanc.clinical.models import (
    ToothFinding,
    Visit,
    VisitDiagnosis,
    VisitProcedure,
    VisitRevision,
    VisitStatus,
)
from zomanc.clinical.selectors import patient_chart, visit_snapshot
from zomanc.clinical.services import (
    diagnosis_add,
    diagnosis_remove,
    finding_add,
    procedure_add,
    visit_close,
    visit_command_apply,
    visit_correct,
    visit_notes_update,
    visit_open,
)
from zomanc.clinical.tests.conftest import open_visit_for
from zomanc.codes.models import TreatmentItem
from zomanc.conftest import Personas
from zomanc.patients.models import Patient
from zomanc.patients.tests.factories import make_patient


def _closed(personas: Personas, visit: Visit) -> Visit:
    diagnosis_add(visit=visit, code="K0210", added_by=personas.doctor.user)
    return visit_close(
        visit=visit,
        closed_by=personas.doctor.user,
        closed_at=visit.started_at + dt.timedelta(minutes=40),
    )


# --- opening -------------------------------------------------------------------------------


def test_open_visit(personas: Personas, visit: Visit) -> None:
    assert visit.status == VisitStatus.OPEN and visit.revision == 0
    assert visit.practice_id == personas.practice_a.pk
    entry = AuditEntry.objects.get(object_type="clinical.visit", action="create")
    assert entry.patient_id == visit.patient_id and "Ellátás megnyitása" in entry.summary


def test_one_open_visit_per_patient(personas: Personas, visit: Visit) -> None:
    with pytest.raises(ValidationError, match="már van nyitott ellátása"):
        open_visit_for(personas, visit.patient)
    assert Visit.objects.count() == 1


def test_doctor_without_stamp_cannot_be_responsible(personas: Personas, patient: Patient) -> None:
    with pytest.raises(ValidationError) as caught:
        visit_open(
            patient=patient,
            doctor=personas.assistant,
            company=personas.company_a,
            org_unit=personas.org_unit_a,
            opened_by=personas.assistant.user,
        )
    assert caught.value.message_dict["doctor"] == [
        "Segítő Sára nem lehet felelős orvos: nincs pecsétszáma."
    ]
    assert not Visit.objects.exists()


def test_other_practice_doctor_company_unit_refused(personas: Personas, patient: Patient) -> None:
    with pytest.raises(ValidationError) as caught:
        visit_open(
            patient=patient,
            doctor=personas.doctor_b,
            company=personas.company_b,
            org_unit=personas.org_unit_b,
            opened_by=personas.doctor.user,
        )
    assert set(caught.value.message_dict) == {"doctor", "company", "org_unit"}


def test_inactive_company_and_unit_of_other_company_refused(
    personas: Personas, patient: Patient
) -> None:
    personas.company_a.is_active = False
    personas.company_a.save()
    with pytest.raises(ValidationError, match="inaktív"):
        open_visit_for(personas, patient)
    personas.company_a.is_active = True
    personas.company_a.save()
    personas.org_unit_a.is_active = False
    personas.org_unit_a.save()
    with pytest.raises(ValidationError, match="szervezeti egység inaktív"):
        open_visit_for(personas, patient)


# --- activities ----------------------------------------------------------------------------


def test_diagnosis_first_is_primary_and_copied(personas: Personas, visit: Visit) -> None:
    first = diagnosis_add(visit=visit, code="k02.1", added_by=personas.doctor.user)
    second = diagnosis_add(visit=visit, code="K0400", added_by=personas.doctor.user)
    assert (first.code, first.name, first.is_primary) == ("K0210", "A dentin szuvasodása", True)
    assert not second.is_primary
    third = diagnosis_add(visit=visit, code="K0500", is_primary=True, added_by=personas.doctor.user)
    first.refresh_from_db()
    assert third.is_primary and not first.is_primary
    diagnosis_remove(diagnosis=third, removed_by=personas.doctor.user)
    assert VisitDiagnosis.objects.get(code="K0210").is_primary  # the next one is promoted


def test_diagnosis_checked_against_visit_date_sex_and_age(personas: Personas, visit: Visit) -> None:
    # Kovács Anna: female, 45 on 2026-03-10.
    with pytest.raises(ValidationError, match="csak férfi páciensnél"):
        diagnosis_add(visit=visit, code="C61H0", added_by=personas.doctor.user)
    with pytest.raises(ValidationError, match="nem érvényes"):
        diagnosis_add(visit=visit, code="D1640", added_by=personas.doctor.user)
    with pytest.raises(ValidationError, match="0–3 éves kor között"):
        diagnosis_add(visit=visit, code="L22H0", added_by=personas.doctor.user)
    with pytest.raises(ValidationError, match="Ismeretlen BNO-kód"):
        diagnosis_add(visit=visit, code="Q9999", added_by=personas.doctor.user)
    with pytest.raises(ValidationError, match="már szerepel"):
        diagnosis_add(visit=visit, code="K0210", added_by=personas.doctor.user)
        diagnosis_add(visit=visit, code="K0210", added_by=personas.doctor.user)
    assert list(visit.diagnoses.values_list("code", flat=True)) == ["K0210"]


def test_age_is_taken_on_the_visit_date(personas: Personas, bno: None) -> None:
    """Born 2022-06-01: 3 years old on 2026-03-10 (L22H0 allowed), 4 after 2026-06-01."""
    child = make_patient(personas.doctor, given_name="Kicsi", birth_date=dt.date(2022, 6, 1))
    early = open_visit_for(
        personas, child, started_at=timezone.make_aware(dt.datetime(2026, 3, 10, 9))
    )
    assert diagnosis_add(visit=early, code="L22H0", added_by=personas.doctor.user)
    _closed(personas, early)
    later = open_visit_for(
        personas, child, started_at=timezone.make_aware(dt.datetime(2026, 6, 2, 9))
    )
    with pytest.raises(ValidationError, match="a páciens az ellátás napján 4 éves"):
        diagnosis_add(visit=later, code="L22H0", added_by=personas.doctor.user)


def test_asterisk_code_cannot_be_primary(personas: Personas, bno: None) -> None:
    old = make_patient(personas.doctor, birth_date=dt.date(1940, 1, 1))
    visit = open_visit_for(personas, old)
    with pytest.raises(ValidationError, match="csillagos"):
        diagnosis_add(visit=visit, code="F0010", is_primary=True, added_by=personas.doctor.user)
    added = diagnosis_add(visit=visit, code="F0010", added_by=personas.doctor.user)
    assert not added.is_primary  # never made primary automatically


def test_procedure_copies_price_and_sets_tooth_status(
    personas: Personas, visit: Visit, catalogue: dict[str, TreatmentItem]
) -> None:
    procedure = procedure_add(
        visit=visit,
        treatment=catalogue["töm"],
        tooth=36,
        surfaces="dom",
        added_by=personas.assistant.user,
    )
    assert (procedure.tooth, procedure.surfaces, procedure.unit_price) == (
        36,
        "MOD",
        Decimal(18000),
    )
    catalogue["töm"].price = Decimal(25000)
    catalogue["töm"].save()
    procedure.refresh_from_db()
    assert procedure.unit_price == Decimal(18000)
    chart = patient_chart(visit.patient)
    assert chart[36].surfaces == {"M": "filling", "O": "filling", "D": "filling"}
    procedure_add(
        visit=visit, treatment=catalogue["ext"], tooth=46, added_by=personas.assistant.user
    )
    assert patient_chart(visit.patient)[46].status == "missing"
    assert (
        AuditEntry.objects.filter(object_type="clinical.visitprocedure", action="create").count()
        == 2
    )


@pytest.mark.parametrize(
    ("shortcut", "tooth", "surfaces", "field", "message"),
    [
        ("töm", None, "", "tooth", "kezeléshez fogszám kell"),
        ("töm", 36, "", "surfaces", "felszín(ek) megadása kötelező"),
        ("töm", 19, "O", "tooth", "A(z) 19 nem FDI fogszám"),
        ("töm", 11, "O", "surfaces", "A(z) 11. fogon nincs O felszín"),
        ("töm", 46, "I", "surfaces", "A(z) 46. fogon nincs I felszín"),
        ("fk", None, "MO", "surfaces", "Felszín csak fogszámmal"),
    ],
)
def test_procedure_refusals(
    personas: Personas,
    visit: Visit,
    catalogue: dict[str, TreatmentItem],
    shortcut: str,
    tooth: int | None,
    surfaces: str,
    field: str,
    message: str,
) -> None:
    with pytest.raises(ValidationError) as caught:
        procedure_add(
            visit=visit,
            treatment=catalogue[shortcut],
            tooth=tooth,
            surfaces=surfaces,
            added_by=personas.assistant.user,
        )
    assert message in " ".join(caught.value.message_dict[field])
    assert not VisitProcedure.objects.exists() and not ToothFinding.objects.exists()


def test_other_practice_treatment_refused(
    personas: Personas, visit: Visit, catalogue_b: dict[str, TreatmentItem]
) -> None:
    with pytest.raises(ValidationError, match="Ismeretlen kezelés"):
        procedure_add(visit=visit, treatment=catalogue_b["fk"], added_by=personas.assistant.user)


def test_command_applies_to_every_tooth_or_none(
    personas: Personas, visit: Visit, catalogue: dict[str, TreatmentItem]
) -> None:
    created = visit_command_apply(visit=visit, line="18 48 ext", entered_by=personas.assistant.user)
    assert [p.tooth for p in created if isinstance(p, VisitProcedure)] == [18, 48]
    visit_command_apply(visit=visit, line="16 MO car", entered_by=personas.assistant.user)
    assert patient_chart(visit.patient)[16].surfaces == {"M": "caries", "O": "caries"}
    # 11 has no O surface: neither tooth gets the procedure.
    with pytest.raises(ValidationError, match=r"11\. fogon nincs O felszín"):
        visit_command_apply(visit=visit, line="26 11 O töm", entered_by=personas.assistant.user)
    with pytest.raises(ValidationError, match="Ismeretlen rövidítés"):
        visit_command_apply(visit=visit, line="36 zzz", entered_by=personas.assistant.user)
    assert VisitProcedure.objects.count() == 2 and ToothFinding.objects.count() == 3


def test_command_records_a_bno_diagnosis_with_the_diagnosis_box_rules(
    personas: Personas, visit: Visit
) -> None:
    user = personas.assistant.user
    (first,) = visit_command_apply(visit=visit, line="36 k02.1", entered_by=user)
    assert isinstance(first, VisitDiagnosis)
    assert (first.code, first.name, first.is_primary) == ("K0210", "A dentin szuvasodása", True)
    entry = AuditEntry.objects.get(object_type="clinical.visitdiagnosis", action="create")
    assert entry.summary == "Diagnózis rögzítése: K0210 A dentin szuvasodása (fog: 36)"
    (second,) = visit_command_apply(visit=visit, line="K0400", entered_by=user)
    assert isinstance(second, VisitDiagnosis) and not second.is_primary
    # Kovács Anna: female, 45 on 2026-03-10 — the same refusals as the diagnosis box, on the
    # command line's field.
    for line, message in (
        ("C61H0", "csak férfi páciensnél"),
        ("D1640", "nem érvényes"),
        ("11 L22H0", "0–3 éves kor között"),
        ("Q9999", "Ismeretlen BNO-kód: Q9999"),
        ("K0210", "már szerepel"),
    ):
        with pytest.raises(ValidationError) as caught:
            visit_command_apply(visit=visit, line=line, entered_by=user)
        assert message in " ".join(caught.value.message_dict["line"])
    assert list(visit.diagnoses.values_list("code", flat=True)) == ["K0210", "K0400"]


def test_notes_update_audits_without_the_text(personas: Personas, visit: Visit) -> None:
    visit_notes_update(
        visit=visit, updated_by=personas.doctor.user, anamnesis="Gyógyszerérzékenység: nincs"
    )
    visit.refresh_from_db()
    assert visit.anamnesis == "Gyógyszerérzékenység: nincs"
    entry = AuditEntry.objects.get(object_type="clinical.visit", action="update")
    assert entry.changes == {"anamnesis": "módosítva"}


# --- closing and the lock --------------------------------------------------------------------


def test_close_needs_a_diagnosis(personas: Personas, visit: Visit) -> None:
    with pytest.raises(ValidationError, match="legalább egy BNO-diagnózist"):
        visit_close(visit=visit, closed_by=personas.doctor.user)
    visit.refresh_from_db()
    assert visit.status == VisitStatus.OPEN and not VisitRevision.objects.exists()


def test_close_before_start_refused(personas: Personas, visit: Visit) -> None:
    diagnosis_add(visit=visit, code="K0210", added_by=personas.doctor.user)
    with pytest.raises(ValidationError, match="nem lehet korábbi"):
        visit_close(
            visit=visit,
            closed_by=personas.doctor.user,
            closed_at=visit.started_at - dt.timedelta(minutes=1),
        )


def test_close_stores_revision_one(
    personas: Personas, visit: Visit, catalogue: dict[str, TreatmentItem]
) -> None:
    visit_command_apply(visit=visit, line="36 MOD töm", entered_by=personas.assistant.user)
    _closed(personas, visit)
    visit.refresh_from_db()
    assert (visit.status, visit.revision) == (VisitStatus.CLOSED, 1)
    revision = VisitRevision.objects.get(visit=visit)
    assert revision.number == 1 and revision.reason == ""
    assert revision.content["diagnoses"] == [
        {"code": "K0210", "name": "A dentin szuvasodása", "is_primary": True}
    ]
    assert revision.content["procedures"][0]["tooth"] == 36
    assert revision.content["patient"]["taj_display"] == "123 456 788"
    assert revision.content["doctor"] == {
        "id": personas.doctor.pk,
        "name": "Dr. Fog Ferenc",
        "stamp_number": "58012",
    }


def test_closed_visit_is_locked(
    personas: Personas, visit: Visit, catalogue: dict[str, TreatmentItem]
) -> None:
    _closed(personas, visit)
    diagnosis = visit.diagnoses.get()
    attempts = [
        lambda: diagnosis_add(visit=visit, code="K0400", added_by=personas.doctor.user),
        lambda: diagnosis_remove(diagnosis=diagnosis, removed_by=personas.doctor.user),
        lambda: procedure_add(
            visit=visit, treatment=catalogue["fk"], added_by=personas.doctor.user
        ),
        lambda: finding_add(visit=visit, tooth=16, status="caries", added_by=personas.doctor.user),
        lambda: visit_notes_update(visit=visit, updated_by=personas.doctor.user, advice="x"),
        lambda: visit_command_apply(visit=visit, line="46 ext", entered_by=personas.doctor.user),
        lambda: visit_close(visit=visit, closed_by=personas.doctor.user),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError, match="A lezárt ellátás nem szerkeszthető") as caught:
            attempt()
        assert caught.value.code == "visit_closed"
    assert visit.diagnoses.count() == 1 and not visit.procedures.exists()


def test_stale_object_of_a_closed_visit_is_still_locked(personas: Personas, visit: Visit) -> None:
    stale = Visit.objects.get(pk=visit.pk)  # loaded while open
    _closed(personas, visit)
    with pytest.raises(ValidationError, match="nem szerkeszthető"):
        diagnosis_add(visit=stale, code="K0400", added_by=personas.doctor.user)


# --- corrections -----------------------------------------------------------------------------


def test_correction_creates_revisions_and_keeps_earlier_ones(
    personas: Personas, visit: Visit, catalogue: dict[str, TreatmentItem]
) -> None:
    visit_command_apply(visit=visit, line="36 MOD töm", entered_by=personas.assistant.user)
    _closed(personas, visit)
    procedure = visit.procedures.get()
    visit_correct(
        visit=visit,
        reason="Rossz fogra rögzítve, 37-es volt",
        corrected_by=personas.doctor.user,
        remove_procedure_ids=[procedure.pk],
        commands=["37 MOD töm"],
        diagnoses=[("K0210", True), ("K0400", False)],
        sections={"advice": "Kontroll fél év múlva."},
    )
    visit.refresh_from_db()
    assert visit.revision == 2 and visit.status == VisitStatus.CLOSED
    first, second = VisitRevision.objects.filter(visit=visit).order_by("number")
    assert [p["tooth"] for p in first.content["procedures"]] == [36]
    assert [p["tooth"] for p in second.content["procedures"]] == [37]
    assert second.reason == "Rossz fogra rögzítve, 37-es volt"
    assert second.content["revision"] == 2 and first.content["revision"] == 1
    assert [d["code"] for d in second.content["diagnoses"]] == ["K0210", "K0400"]
    chart = patient_chart(visit.patient)
    assert 36 not in chart and chart[37].surfaces["O"] == "filling"
    visit_correct(
        visit=visit,
        reason="Javaslat pontosítása",
        corrected_by=personas.doctor.user,
        sections={"advice": "Kontroll három hónap múlva."},
    )
    assert list(VisitRevision.objects.filter(visit=visit).values_list("number", flat=True)) == [
        1,
        2,
        3,
    ]
    assert AuditEntry.objects.filter(summary__startswith="Ellátás javítása").count() == 2


def test_correction_needs_reason_and_a_change(personas: Personas, visit: Visit) -> None:
    _closed(personas, visit)
    with pytest.raises(ValidationError, match="indoklása kötelező"):
        visit_correct(
            visit=visit, reason=" ", corrected_by=personas.doctor.user, sections={"advice": "x"}
        )
    with pytest.raises(ValidationError, match="nem változtat semmin"):
        visit_correct(visit=visit, reason="Csak megnéztem", corrected_by=personas.doctor.user)
    assert VisitRevision.objects.count() == 1


def test_failed_correction_saves_nothing(
    personas: Personas, visit: Visit, catalogue: dict[str, TreatmentItem]
) -> None:
    _closed(personas, visit)
    before = visit_snapshot(visit)
    with pytest.raises(ValidationError) as caught:
        visit_correct(
            visit=visit,
            reason="Diagnózis cseréje",
            corrected_by=personas.doctor.user,
            sections={"advice": "új szöveg"},
            diagnoses=[("K0400", True), ("C61H0", False)],  # a woman: refused
        )
    assert "csak férfi páciensnél" in caught.value.message_dict["diagnoses"][0]
    visit.refresh_from_db()
    assert visit_snapshot(visit) == before
    assert VisitRevision.objects.count() == 1


def test_open_visit_cannot_be_corrected(personas: Personas, visit: Visit) -> None:
    with pytest.raises(ValidationError, match="Csak lezárt ellátás javítható"):
        visit_correct(
            visit=visit,
            reason="Próbálkozás",
            corrected_by=personas.doctor.user,
            sections={"advice": "x"},
        )


def test_chart_history_per_visit(
    personas: Personas, visit: Visit, catalogue: dict[str, TreatmentItem]
) -> None:
    visit_command_apply(visit=visit, line="36 MO car", entered_by=personas.doctor.user)
    _closed(personas, visit)
    second = open_visit_for(
        personas, visit.patient, started_at=visit.started_at + dt.timedelta(days=7)
    )
    visit_command_apply(visit=second, line="36 MO töm", entered_by=personas.doctor.user)
    visit_command_apply(visit=second, line="46 ext", entered_by=personas.doctor.user)
    assert patient_chart(visit.patient, until=visit)[36].surfaces == {"M": "caries", "O": "caries"}
    assert 46 not in patient_chart(visit.patient, until=visit)
    now = patient_chart(visit.patient, until=second)
    assert now[36].surfaces == {"M": "filling", "O": "filling"} and now[46].status == "missing"
