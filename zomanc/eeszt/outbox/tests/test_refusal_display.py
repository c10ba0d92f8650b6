"""A refused row says in Hungarian what happened and what to do, EESZT's code small after
it: on the submissions page, the visit's rows and the visit badge."""

import datetime as dt

import pytest
from django.template.loader import render_to_string

from zomanc.clinical.services import visit_open
from zomanc.conftest import Personas
from zomanc.eeszt.outbox.models import OutboxItem, OutboxState
from zomanc.eeszt.outbox.services import outbox_item_deliver
from zomanc.eeszt.outbox.tests.conftest import Eeszt
from zomanc.eeszt.outbox.tests.test_views import URL, make_rows
from zomanc.patients.models import IdType, Patient, Sex

SENTENCE = "A TAJ-szám hibás: nem stimmel az ellenőrző számjegye."
NEXT = "Javítsa a TAJ-számot a páciens adatlapján, majd küldje újra."
SMALL = '<small class="eeszt-code">TAJ_INVALID</small>'


@pytest.mark.django_db
def test_the_submissions_page_explains_a_refusal(personas: Personas) -> None:
    make_rows(personas, 2)  # the second is refused with TAJ_INVALID
    html = personas.client_for(personas.doctor).get(URL).content.decode()
    assert f"{SENTENCE} {NEXT} {SMALL}" in html
    assert "TAJ_INVALID</span>:" not in html and "TAJ_INVALID:" not in html


@pytest.mark.django_db
def test_the_visit_rows_and_badge_explain_a_refusal(personas: Personas) -> None:
    refused = make_rows(personas, 2)[1]
    visit = refused.visit
    rows = render_to_string("eeszt_outbox/_visit_rows.html", {"visit": visit})
    assert f"{SENTENCE} {NEXT} {SMALL}" in rows
    badge = render_to_string("eeszt_outbox/_visit_badge.html", {"visit": visit})
    assert f'title="{SENTENCE} {NEXT} (TAJ_INVALID)"' in badge


@pytest.mark.django_db
def test_our_own_waits_keep_their_sentence(personas: Personas) -> None:
    item = make_rows(personas, 1)[0]
    OutboxItem.objects.filter(pk=item.pk).update(
        state=OutboxState.WAITING_LOGIN,
        last_error_code="LOGIN_REQUIRED",
        last_error_message="Dr. Teszt EESZT-bejelentkezésére vár.",
    )
    html = personas.client_for(personas.doctor).get(URL).content.decode()
    assert (
        'Dr. Teszt EESZT-bejelentkezésére vár. <small class="eeszt-code">LOGIN_REQUIRED</small>'
        in html
    )


# The sandbox's reserved TAJ numbers (docs/sandbox.md) and what the page then says.
RESERVED = [
    ("111111111", "TAJ_INVALID", SENTENCE),  # wrong check digit
    ("999000014", "PATIENT_NOT_FOUND", "Az EESZT nem talál beteget ezzel az azonosítóval."),
    ("999000069", "PATIENT_DECEASED", "Az EESZT nyilvántartása szerint a beteg elhunyt"),
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("taj", "code", "sentence"), RESERVED)
def test_a_refusal_from_the_sandbox_reads_in_hungarian(
    eeszt: Eeszt, taj: str, code: str, sentence: str
) -> None:
    eeszt.card_login(eeszt.personas.doctor)
    p = eeszt.personas
    patient = Patient.objects.create(
        practice=p.practice_a,
        family_name="Hibás",
        given_name="Taj",
        sex=Sex.MALE,
        birth_date=dt.date(1970, 1, 1),
        id_type=IdType.TAJ,
        id_value=taj,
    )
    visit = visit_open(
        patient=patient,
        doctor=p.doctor,
        company=p.company_a,
        org_unit=p.org_unit_a,
        opened_by=p.doctor.user,
    )
    start = OutboxItem.objects.get(visit=visit)
    delivered = outbox_item_deliver(item_id=start.pk)
    assert delivered is not None and delivered.state == OutboxState.REFUSED
    assert delivered.last_error_code == code
    html = p.client_for(p.doctor).get(URL).content.decode()
    assert sentence in html and f'<small class="eeszt-code">{code}</small>' in html
    assert f"{code}:" not in html


@pytest.mark.django_db
def test_a_row_eeszt_accepted_late_says_so(personas: Personas) -> None:
    on_time, late = make_rows(personas, 3)[::2]  # two sent rows
    OutboxItem.objects.filter(pk=late.pk).update(result={"event_id": "2" * 18, "late": True})
    html = personas.client_for(personas.doctor).get(URL).content.decode()
    assert html.count("határidőn túl</span>") == 1
    rows = render_to_string("eeszt_outbox/_visit_rows.html", {"visit": late.visit})
    assert "határidőn túl" in rows
    rows = render_to_string("eeszt_outbox/_visit_rows.html", {"visit": on_time.visit})
    assert "határidőn túl" not in rows
    badge = render_to_string("eeszt_outbox/_visit_badge.html", {"visit": late.visit})
    assert 'EESZT: elküldve</a> <span class="badge eeszt-late"' in badge
    badge = render_to_string("eeszt_outbox/_visit_badge.html", {"visit": on_time.visit})
    assert "határidőn túl" not in badge
