"""What the Ambuláns lap row freezes from the visit."""

import datetime as dt

import pytest
from django.utils import timezone
from lxml import etree

from zomanc.clinical.models import Visit
from zomanc.clinical.selectors import visit_snapshot
from zomanc.clinical.services import (
    diagnosis_add,
    procedure_add,
    visit_close,
    visit_correct,
    visit_open,
)
from zomanc.codes.models import TreatmentItem
from zomanc.conftest import Personas
from zomanc.eeszt.client.cda import OID_BNO, OID_OENO, OID_PATIENT_ID, oid_catalogue
from zomanc.eeszt.client.tests.test_cda import schema
from zomanc.eeszt.ehr.services import cda_render
from zomanc.eeszt.models import EesztSettings
from zomanc.eeszt.outbox.models import OutboxItem, OutboxKind
from zomanc.eeszt.outbox.services import _document_payload
from zomanc.patients.models import IdType, Patient, Sex


@pytest.mark.django_db
def test_the_title_carries_the_practices_calendar_day_not_utcs(personas: Personas) -> None:
    patient = Patient.objects.create(
        practice=personas.practice_a,
        family_name="Kiss",
        given_name="Máté",
        sex=Sex.MALE,
        birth_date=dt.date(1956, 3, 15),
        id_type=IdType.TAJ,
        id_value="987654322",
    )
    # 00:40 on 26 November in Budapest is 23:40 on the 25th in UTC.
    started = dt.datetime(2026, 11, 25, 23, 40, tzinfo=dt.UTC)
    visit = visit_open(
        patient=patient,
        doctor=personas.doctor,
        company=personas.company_a,
        org_unit=personas.org_unit_a,
        started_at=started,
        opened_by=personas.doctor.user,
    )
    payload = _document_payload(visit, visit_snapshot(visit), created_at=timezone.now())
    assert payload["title"] == "Ambuláns lap – fogászati ellátás (2026.11.26.)"


# --- versions and identifiers, through the clinical services -------------------------------

NS = {"h": "urn:hl7-org:v3"}


def _reported_visit(personas: Personas) -> tuple[Patient, Visit]:
    """A TAJ patient's visit opened with the module on (its eKAT start row written) and
    closed with a diagnosis and a catalogue procedure that has a national code."""
    EesztSettings.objects.create(
        practice=personas.practice_a,
        company=personas.company_a,
        module_enabled=True,
        enabled_at=timezone.now(),
    )
    patient = Patient.objects.create(
        practice=personas.practice_a,
        family_name="Kiss",
        given_name="Máté",
        sex=Sex.MALE,
        birth_date=dt.date(1956, 3, 15),
        id_type=IdType.TAJ,
        id_value="987654322",
    )
    visit = visit_open(
        patient=patient,
        doctor=personas.doctor,
        company=personas.company_a,
        org_unit=personas.org_unit_a,
        opened_by=personas.doctor.user,
    )
    user = personas.doctor.user
    diagnosis_add(visit=visit, code="K0210", added_by=user)
    item = TreatmentItem.objects.create(
        practice=personas.practice_a, name="Tömés", price=10000, oeno_code="56010"
    )
    procedure_add(visit=visit, treatment=item, tooth=36, surfaces="MO", added_by=user)
    return patient, visit_close(visit=visit, closed_by=user)


def _doc(item: OutboxItem) -> etree._Element:
    return etree.fromstring(item.payload["body"].encode("utf-8"))


@pytest.mark.django_db
def test_a_correction_is_a_new_document_that_replaces_the_previous_version(
    personas: Personas, bno_codes: None
) -> None:
    _, visit = _reported_visit(personas)
    for n in (1, 2):
        visit_correct(
            visit=visit,
            reason=f"javítás {n}",
            corrected_by=personas.doctor.user,
            sections={"status_text": f"{n}. kiegészítés"},
        )
    first, second, third = OutboxItem.objects.filter(
        visit=visit, kind__in=[OutboxKind.DOCUMENT_SUBMIT, OutboxKind.DOCUMENT_VERSION]
    ).order_by("seq")
    docs = [_doc(x) for x in (first, second, third)]
    ids = [d.xpath("h:id/@extension", namespaces=NS)[0] for d in docs]
    assert len(set(ids)) == 3  # every version its own id
    assert [x.payload["document_cda_id"] for x in (first, second, third)] == ids
    set_id = first.payload["client_document_id"]
    assert [d.xpath("h:setId/@extension", namespaces=NS)[0] for d in docs] == [set_id] * 3
    assert [d.xpath("h:versionNumber/@value", namespaces=NS)[0] for d in docs] == ["1", "2", "3"]
    assert {x.payload["client_document_id"] for x in (second, third)} == {set_id}
    assert docs[0].xpath("h:relatedDocument", namespaces=NS) == []
    for doc, replaced in ((docs[1], ids[0]), (docs[2], ids[1])):
        (rel,) = doc.xpath("h:relatedDocument", namespaces=NS)
        assert rel.get("typeCode") == "RPLC"
        assert rel.xpath("h:parentDocument/h:id/@extension", namespaces=NS) == [replaced]
    assert third.payload["replaces_cda_id"] == ids[1]


@pytest.mark.django_db
def test_the_documents_carry_coded_diagnoses_and_procedures(
    personas: Personas, bno_codes: None
) -> None:
    _, visit = _reported_visit(personas)
    document = OutboxItem.objects.get(visit=visit, kind=OutboxKind.DOCUMENT_SUBMIT)
    doc = _doc(document)
    assert doc.xpath("//h:observation/h:value/@code", namespaces=NS) == ["K0210"]
    assert doc.xpath("//h:observation/h:value/@codeSystem", namespaces=NS) == [OID_BNO]
    procedure = visit.procedures.get()
    (code,) = doc.xpath("//h:procedure/h:code", namespaces=NS)
    assert (code.get("code"), code.get("codeSystem")) == (
        str(procedure.treatment_id),
        oid_catalogue(personas.practice_a.pk),
    )
    assert code.xpath("h:translation/@code", namespaces=NS) == ["56010"]
    assert code.xpath("h:translation/@codeSystem", namespaces=NS) == [OID_OENO]
    # The EHR document page shows the narrative; the coded entries add nothing visible.
    view = cda_render(document.payload["body"].encode("utf-8"))
    assert "K0210" in view.html and "Tömés" in view.html and "29308-4" not in view.html


@pytest.mark.django_db
@pytest.mark.parametrize("id_type", [IdType.UNKNOWN, IdType.OTHER, IdType.PASSPORT])
def test_a_patient_whose_identifier_changed_after_reporting_still_gets_his_documents(
    personas: Personas, bno_codes: None, id_type: IdType
) -> None:
    patient, visit = _reported_visit(personas)
    patient.id_type = id_type
    patient.id_value = "" if id_type == IdType.UNKNOWN else "AB123456"
    patient.save()
    visit_correct(
        visit=visit,
        reason="azonosító",
        corrected_by=personas.doctor.user,
        sections={"status_text": "kiegészítés"},
    )
    version = OutboxItem.objects.get(visit=visit, kind=OutboxKind.DOCUMENT_VERSION)
    # The envelope names the patient as his eKAT event did; the body adds today's id.
    assert version.payload["patient"] == {"idType": "TAJ", "id": "987654322"}
    ids = _doc(version).xpath("h:recordTarget/h:patientRole/h:id", namespaces=NS)
    assert (ids[0].get("root"), ids[0].get("extension")) == (OID_PATIENT_ID["TAJ"], "987654322")
    assert len(ids) == 2
    assert schema().validate(_doc(version)), schema().error_log
