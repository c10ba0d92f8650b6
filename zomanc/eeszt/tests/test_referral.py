# ruff: noqa: F811 - the `eeszt` fixture is imported from the outbox tests' conftest
"""S9 e-Beutaló against the real sandbox: the patient's referrals with status, validity and
why the unusable ones cannot be used; using one binds it to the visit and, through the
event id (now, or via the outbox after the event start), to the EESZT event."""

import datetime as dt
import re
import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from zomanc.audit.models import AuditAction, AuditEntry
from zomanc.clinical.models import Visit
from zomanc.clinical.services import diagnosis_add, visit_close, visit_open, visit_referral_set
from zomanc.conftest import Personas
from zomanc.eeszt.client import ekat
from zomanc.eeszt.client import referral as ereferral
from zomanc.eeszt.client.errors import EesztUnavailable
from zomanc.eeszt.client.wire import CallContext
from zomanc.eeszt.context import eeszt_call_context
from zomanc.eeszt.models import EesztSession
from zomanc.eeszt.outbox.models import OutboxItem, OutboxKind, OutboxState
from zomanc.eeszt.outbox.services import outbox_item_deliver, outbox_referral_use
from zomanc.eeszt.outbox.tests.conftest import Eeszt, eeszt  # noqa: F401 - the fixture
from zomanc.patients.models import IdType, Patient, Sex
from zomanc.testing.sandbox import SandboxProcess

pytestmark = pytest.mark.django_db(transaction=True)

# Seeded by the sandbox for 111111110 (the eeszt fixture's patient), addressed to 506097.
VALID = "202500000000000401"
EXPIRED = "202500000000000402"
REVOKED = "202500000000000403"
OTHER_SPECIALTY = "202500000000000404"
QUERY_BUDGET = 14  # session, member, visit, EESZT session + certificate, audit, outbox


def issue_referral(sandbox: SandboxProcess, *, specialty: str = "FOG", days_ago: int = 3) -> str:
    """A fresh referral of another institution's doctor to ours, through the sandbox's own
    command line (its test-data function), so each test has its own unused one."""
    code = (
        "import datetime as dt;"
        "from sandbox.clock.services import now;"
        "from sandbox.referral.services import referral_issue;"
        "from sandbox.registry.models import Doctor, IdType, Institution, OrgUnit, Patient;"
        "r = referral_issue(patient=Patient.objects.get(id_type=IdType.TAJ, id_value='111111110'),"
        " referring_doctor=Doctor.objects.get(stamp='70002'),"
        " referring_org_unit=OrgUnit.objects.get(code='010600001'),"
        f" target_specialty='{specialty}',"
        " target_institution=Institution.objects.get(institution_id='506097'),"
        " history='Fogfájás három napja.', diagnosis_text='Fogszuvasodás',"
        f" diagnosis_code='K0210', issued_at=now() - dt.timedelta(days={days_ago}));"
        "print(r.referral_id)"
    )
    return sandbox.django("shell", "-c", code).strip().splitlines()[-1]


def open_visit(eeszt: Eeszt) -> Visit:
    p = eeszt.personas
    return visit_open(
        patient=eeszt.patient,
        doctor=p.doctor,
        company=p.company_a,
        org_unit=p.org_unit_a,
        opened_by=p.doctor.user,
    )


def deliver(visit: Visit) -> list[OutboxItem]:
    for item in OutboxItem.objects.filter(visit=visit).order_by("seq"):
        outbox_item_deliver(item_id=item.pk)
    return list(OutboxItem.objects.filter(visit=visit).order_by("seq"))


def _ctx(eeszt: Eeszt) -> CallContext:
    p = eeszt.personas
    return eeszt_call_context(
        session=EesztSession.objects.filter(member=p.doctor).latest("pk"),
        company=p.company_a,
        org_unit=p.org_unit_a,
        role="ORVOS",
    )


def eeszt_status(eeszt: Eeszt, referral_id: str) -> ereferral.Referral:
    return ereferral.referral_query(eeszt.conn, _ctx(eeszt), referral_id=referral_id)[0]


def row(html: str, referral_id: str) -> str:
    match = re.search(rf'<tr data-referral-id="{referral_id}"[^>]*>(.*?)</tr>', html, re.S)
    assert match, f"no row for {referral_id}"
    return match.group(0)


def test_the_list_explains_each_referral(eeszt: Eeszt) -> None:
    eeszt.card_login(eeszt.personas.doctor)
    visit = open_visit(eeszt)
    client = eeszt.personas.client_for(eeszt.personas.doctor)
    response = client.get(reverse("eeszt:referral_list", args=[visit.pk]))
    assert response.status_code == 200
    assert AuditEntry.objects.filter(
        action=AuditAction.VIEW, patient_id=visit.patient_id, object_type="eeszt.ereferral"
    ).exists()
    html = response.content.decode()

    valid = row(html, VALID)
    assert 'class="usable"' in valid and "kiadott" in valid and "Felhasználás" in valid
    assert "Dr. " in valid or "70002" in valid  # the referring doctor is shown

    expired = row(html, EXPIRED)
    assert 'class="disabled"' in expired and "90 napos érvényessége lejárt" in expired
    assert "új beutalót" in expired

    revoked = row(html, REVOKED)
    assert 'class="disabled"' in revoked and "visszavonta" in revoked
    assert "Téves beutaló, újat adtunk ki." in revoked

    other = row(html, OTHER_SPECIALTY)
    assert 'class="disabled"' in other and "másik szakmára" in other and "SZAJSEB" in other
    assert AuditEntry.objects.filter(
        patient_id=eeszt.patient.pk, action=AuditAction.VIEW, object_type="eeszt.ereferral"
    ).exists()


def test_using_before_the_event_is_sent_goes_through_the_outbox(eeszt: Eeszt) -> None:
    eeszt.card_login(eeszt.personas.doctor)
    referral_id = issue_referral(eeszt.sandbox)
    visit = open_visit(eeszt)  # its START row is not sent yet: no event id
    client = eeszt.personas.client_for(eeszt.personas.doctor)
    response = client.post(
        reverse("eeszt:referral_use", args=[visit.pk]), {"referral_id": referral_id}
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.referral_id == referral_id
    assert visit.referral_summary and "K0210" in visit.referral_summary
    assert "70002" in visit.referral_summary
    assert eeszt_status(eeszt, referral_id).status == ereferral.ISSUED

    rows = deliver(visit)
    assert [(r.kind, r.state) for r in rows] == [
        (OutboxKind.EVENT_START, OutboxState.SENT),
        (OutboxKind.REFERRAL_USE, OutboxState.SENT),
    ]
    assert rows[1].result == {"referral_id": referral_id, "status": ereferral.USED}
    used = eeszt_status(eeszt, referral_id)
    assert used.status == ereferral.USED and used.event_id == rows[0].result["event_id"]

    # The visit shows it, and closing completes it in EESZT.
    detail = client.get(reverse("clinical:visit_detail", args=[visit.pk])).content.decode()
    assert referral_id in detail
    diagnosis_add(visit=visit, code="K0210", added_by=eeszt.personas.doctor.user)
    visit_close(visit=visit, closed_by=eeszt.personas.doctor.user)
    deliver(visit)
    assert eeszt_status(eeszt, referral_id).status == ereferral.COMPLETED
    # The Ambuláns lap (the document sent) carries the referral.
    document = OutboxItem.objects.get(visit=visit, kind=OutboxKind.DOCUMENT_SUBMIT)
    assert "70002" in document.payload["body"]


def test_using_with_a_known_event_calls_eeszt_at_once(eeszt: Eeszt) -> None:
    eeszt.card_login(eeszt.personas.doctor)
    referral_id = issue_referral(eeszt.sandbox)
    visit = open_visit(eeszt)
    deliver(visit)
    client = eeszt.personas.client_for(eeszt.personas.doctor)
    response = client.post(
        reverse("eeszt:referral_use", args=[visit.pk]), {"referral_id": referral_id}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("clinical:visit_detail", args=[visit.pk])
    assert eeszt_status(eeszt, referral_id).status == ereferral.USED
    assert not OutboxItem.objects.filter(visit=visit, kind=OutboxKind.REFERRAL_USE).exists()
    visit.refresh_from_db()
    assert visit.referral_id == referral_id

    # A second referral for the same visit is refused: one referral per visit.
    html = client.get(reverse("eeszt:referral_list", args=[visit.pk])).content.decode()
    assert "Ehhez az ellátáshoz felhasználva." in row(html, referral_id)
    assert "már tartozik beutaló" in row(html, VALID)


def test_eeszt_unreachable_at_use_queues_the_use(
    eeszt: Eeszt, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The event is known but the ReferralUse call does not get through (simulated here for
    that one call: the sandbox injects faults per service, and the same service answers the
    query before it). The referral is recorded and the outbox delivers the use later."""
    eeszt.card_login(eeszt.personas.doctor)
    referral_id = issue_referral(eeszt.sandbox)
    visit = open_visit(eeszt)
    deliver(visit)

    def unreachable(*args: object, **kwargs: object) -> None:
        raise EesztUnavailable("TRANSPORT", "Nem sikerült kapcsolódni az EESZT-hez.")

    monkeypatch.setattr(ereferral, "referral_use", unreachable)
    client = eeszt.personas.client_for(eeszt.personas.doctor)
    response = client.post(
        reverse("eeszt:referral_use", args=[visit.pk]), {"referral_id": referral_id}, follow=True
    )
    assert "automatikusan megy" in response.content.decode()
    visit.refresh_from_db()
    assert visit.referral_id == referral_id
    row = OutboxItem.objects.get(visit=visit, kind=OutboxKind.REFERRAL_USE)
    assert row.state == OutboxState.PENDING
    monkeypatch.undo()

    rows = deliver(visit)
    assert rows[-1].state == OutboxState.SENT
    assert rows[-1].result == {"referral_id": referral_id, "status": ereferral.USED}
    assert eeszt_status(eeszt, referral_id).status == ereferral.USED


def test_an_unusable_referral_is_refused_with_the_reason(eeszt: Eeszt) -> None:
    eeszt.card_login(eeszt.personas.doctor)
    visit = open_visit(eeszt)
    client = eeszt.personas.client_for(eeszt.personas.doctor)
    for referral_id, text in (
        (EXPIRED, "90 napos érvényessége lejárt"),
        (REVOKED, "visszavonta"),
        (OTHER_SPECIALTY, "másik szakmára"),
    ):
        response = client.post(
            reverse("eeszt:referral_use", args=[visit.pk]),
            {"referral_id": referral_id},
            follow=True,
        )
        assert text in response.content.decode()
    visit.refresh_from_db()
    assert visit.referral_id is None
    assert not OutboxItem.objects.filter(visit=visit, kind=OutboxKind.REFERRAL_USE).exists()


def test_an_eeszt_refusal_at_delivery_does_not_block_the_visit(eeszt: Eeszt) -> None:
    """The referral was usable when chosen, but by delivery time EESZT refuses it (here:
    another visit used it meanwhile — two desks at once). The refusal is the row's answer,
    shown on the referral page, and the visit's close and Ambuláns lap still go."""
    eeszt.card_login(eeszt.personas.doctor)
    doctor = eeszt.personas.doctor
    referral_id = issue_referral(eeszt.sandbox)
    second = open_visit(eeszt)
    # Chosen on this visit while its event start was not sent: bound locally, queued.
    visit_referral_set(visit=second, referral_id=referral_id, summary="teszt", set_by=doctor.user)
    outbox_referral_use(visit=second, referral_id=referral_id)
    # Meanwhile the referral is used for another event of ours.
    other_event = ekat.event_start(
        eeszt.conn,
        _ctx(eeszt),
        request_id=str(uuid.uuid4()),
        patient=ekat.PatientRef("TAJ", "111111110"),
        client_visit_id=f"masik-{uuid.uuid4().hex[:20]}",
        event_time=timezone.now(),
        recorded_time=timezone.now(),
        responsible_stamp=doctor.stamp_number,
        specialty="FOG",
    ).event_id
    ereferral.referral_use(eeszt.conn, _ctx(eeszt), referral_id=referral_id, event_id=other_event)

    diagnosis_add(visit=second, code="K0210", added_by=doctor.user)
    visit_close(visit=second, closed_by=doctor.user)
    rows = deliver(second)
    assert [(r.kind, r.state) for r in rows] == [
        (OutboxKind.EVENT_START, OutboxState.SENT),
        (OutboxKind.REFERRAL_USE, OutboxState.REFUSED),
        (OutboxKind.EVENT_CLOSE, OutboxState.SENT),
        (OutboxKind.DOCUMENT_SUBMIT, OutboxState.SENT),
    ]
    assert rows[1].last_error_code == "REFERRAL_ALREADY_USED"
    assert rows[1].result == {}
    client = eeszt.personas.client_for(doctor)
    html = client.get(reverse("eeszt:referral_list", args=[second.pk])).content.decode()
    assert "elutasítva: A beutalót már felhasználták" in html
    assert '<small class="eeszt-code">REFERRAL_ALREADY_USED</small>' in html
    assert "egy beutaló csak egyszer használható" in html
    # The visit shows the refusal: it needs a person, although the care event went.
    visit_html = client.get(reverse("clinical:visit_detail", args=[second.pk])).content.decode()
    assert "EESZT: elutasítva" in visit_html


# --- personas -------------------------------------------------------------------------


def _visit(personas: Personas, practice_b: bool = False) -> Visit:
    if practice_b:
        patient = Patient.objects.create(
            practice=personas.practice_b,
            family_name="Másik",
            given_name="Páciens",
            sex=Sex.MALE,
            birth_date=dt.date(1980, 1, 1),
            id_type=IdType.TAJ,
            id_value="111111110",
        )
        return visit_open(
            patient=patient,
            doctor=personas.doctor_b,
            company=personas.company_b,
            org_unit=personas.org_unit_b,
            opened_by=personas.doctor_b.user,
        )
    patient = Patient.objects.create(
        practice=personas.practice_a,
        family_name="Helyi",
        given_name="Páciens",
        sex=Sex.MALE,
        birth_date=dt.date(1980, 1, 1),
        id_type=IdType.TAJ,
        id_value="111111110",
    )
    return visit_open(
        patient=patient,
        doctor=personas.doctor,
        company=personas.company_a,
        org_unit=personas.org_unit_a,
        opened_by=personas.doctor.user,
    )


VIEWS = [("referral_list", "get"), ("referral_use", "post")]


@pytest.mark.parametrize(("name", "method"), VIEWS)
def test_requires_login(personas: Personas, name: str, method: str) -> None:
    visit = _visit(personas)
    response = getattr(Client(), method)(reverse(f"eeszt:{name}", args=[visit.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(("name", "method"), VIEWS)
def test_requires_eeszt_user(personas: Personas, name: str, method: str) -> None:
    visit = _visit(personas)
    client = personas.client_for(personas.receptionist)
    response = getattr(client, method)(reverse(f"eeszt:{name}", args=[visit.pk]))
    assert response.status_code == 403


@pytest.mark.parametrize(("name", "method"), VIEWS)
def test_hides_other_practice(personas: Personas, name: str, method: str) -> None:
    visit = _visit(personas, practice_b=True)
    client = personas.client_for(personas.doctor)
    response = getattr(client, method)(
        reverse(f"eeszt:{name}", args=[visit.pk]),
        *([{"referral_id": VALID}] if method == "post" else []),
    )
    assert response.status_code == 404


def test_the_visit_menu_offers_it_on_open_visits(personas: Personas) -> None:
    visit = _visit(personas)
    html = (
        personas.client_for(personas.doctor)
        .get(reverse("clinical:visit_detail", args=[visit.pk]))
        .content.decode()
    )
    assert reverse("eeszt:referral_list", args=[visit.pk]) in html


def test_a_visit_not_reported_to_eeszt_cannot_take_a_referral(personas: Personas) -> None:
    visit = _visit(personas)  # the module is off: no event start row
    response = personas.client_for(personas.doctor).post(
        reverse("eeszt:referral_use", args=[visit.pk]), {"referral_id": VALID}, follow=True
    )
    assert "nem került be az EESZT-be" in response.content.decode()
    visit.refresh_from_db()
    assert visit.referral_id is None
    assert not OutboxItem.objects.filter(visit=visit).exists()


def test_the_list_page_query_count_does_not_grow_with_referrals(
    eeszt: Eeszt, django_assert_max_num_queries: Any
) -> None:
    """The referrals come from EESZT; the page's own reads are a fixed handful."""
    eeszt.card_login(eeszt.personas.doctor)
    visit = open_visit(eeszt)
    client = eeszt.personas.client_for(eeszt.personas.doctor)
    url = reverse("eeszt:referral_list", args=[visit.pk])
    client.get(url)  # warm-up: session, caches
    issue_referral(eeszt.sandbox)
    issue_referral(eeszt.sandbox)
    with django_assert_max_num_queries(QUERY_BUDGET):
        html = client.get(url).content.decode()
    assert html.count("data-referral-id=") >= 6
