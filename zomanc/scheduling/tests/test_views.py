"""Calendar pages with the fixed personas: login, roles, tenant isolation, the forms, the
query counts of the grids."""

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.template import Context, Template
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from zomanc.patients.tests.factories import make_patient
from zomanc.practices.models import StaffMember
from zomanc.scheduling.hooks import APPOINTMENT_LINES
from zomanc.scheduling.models import Appointment, AppointmentStatus, Chair
from zomanc.scheduling.selectors import visit_relation
from zomanc.scheduling.tests.conftest import DAY, Cal, at

pytestmark = pytest.mark.django_db

APPOINTMENT_VIEWS = [
    ("get", "scheduling:day", False),
    ("get", "scheduling:week", False),
    ("get", "scheduling:appointment_create", False),
    ("post", "scheduling:appointment_create", False),
    ("get", "scheduling:patient_picker", False),
    ("get", "scheduling:appointment_edit", True),
    ("post", "scheduling:appointment_edit", True),
    ("post", "scheduling:appointment_move", True),
    ("post", "scheduling:appointment_resize", True),
    ("post", "scheduling:appointment_cancel", True),
    ("post", "scheduling:appointment_arrived", True),
]
OWNER_VIEWS = [
    ("get", "scheduling:chairs", False),
    ("post", "scheduling:chairs", False),
    ("get", "scheduling:chair_edit", True),
    ("post", "scheduling:chair_edit", True),
]


def url_for(name: str, needs_id: bool, obj_id: int) -> str:
    return reverse(name, args=[obj_id]) if needs_id else reverse(name)


def call(client: Client, method: str, url: str, data: dict[str, Any] | None = None) -> Any:
    return getattr(client, method)(url, data or {})


# --- login / roles / tenants ----------------------------------------------------------------


@pytest.mark.parametrize(("method", "name", "needs_id"), APPOINTMENT_VIEWS + OWNER_VIEWS)
def test_requires_login(cal: Cal, method: str, name: str, needs_id: bool) -> None:
    appointment = cal.book(at(9))
    obj_id = cal.chair1.pk if "chair" in name else appointment.pk
    response = call(Client(), method, url_for(name, needs_id, obj_id))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(("method", "name", "needs_id"), APPOINTMENT_VIEWS)
def test_requires_active_membership(cal: Cal, method: str, name: str, needs_id: bool) -> None:
    appointment = cal.book(at(9))
    client = cal.p.client_for(cal.p.receptionist)
    StaffMember.objects.filter(pk=cal.p.receptionist.pk).update(is_active=False)
    assert call(client, method, url_for(name, needs_id, appointment.pk)).status_code == 403


@pytest.mark.parametrize("role", ["owner", "doctor", "assistant", "receptionist"])
def test_every_role_may_use_the_calendar(cal: Cal, role: str) -> None:
    client = cal.p.client_for(getattr(cal.p, role))
    appointment = cal.book(at(9))
    for name in ("scheduling:day", "scheduling:week", "scheduling:appointment_create"):
        assert client.get(reverse(name), {"date": DAY.isoformat()}).status_code == 200
    assert (
        client.get(reverse("scheduling:appointment_edit", args=[appointment.pk])).status_code == 200
    )
    response = client.post(
        reverse("scheduling:appointment_cancel", args=[appointment.pk]), {"reason": "Beteg"}
    )
    assert response.status_code == 302


@pytest.mark.parametrize("role", ["doctor", "assistant", "receptionist"])
@pytest.mark.parametrize(("method", "name", "needs_id"), OWNER_VIEWS)
def test_requires_owner_for_chairs(
    cal: Cal, role: str, method: str, name: str, needs_id: bool
) -> None:
    client = cal.p.client_for(getattr(cal.p, role))
    response = call(client, method, url_for(name, needs_id, cal.chair1.pk), {"name": "X"})
    assert response.status_code == 403
    assert Chair.objects.filter(practice=cal.p.practice_a).count() == 2


@pytest.mark.parametrize(("method", "name", "needs_id"), [v for v in APPOINTMENT_VIEWS if v[2]])
def test_hides_other_practice_appointment(cal: Cal, method: str, name: str, needs_id: bool) -> None:
    appointment = cal.book(at(9))
    client = cal.p.client_for(cal.p.outsider)
    data = {"reason": "x", "end_time": "10:00", "day": "2026-03-02", "start_time": "09:00"}
    assert call(client, method, url_for(name, needs_id, appointment.pk), data).status_code == 404
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
    assert appointment.ends_at == at(9, 30)


@pytest.mark.parametrize(
    ("method", "name"), [("get", "scheduling:chair_edit"), ("post", "scheduling:chair_edit")]
)
def test_hides_other_practice_chair(cal: Cal, method: str, name: str) -> None:
    client = cal.p.client_for(cal.p.outsider)
    response = call(client, method, reverse(name, args=[cal.chair1.pk]), {"name": "Elvett"})
    assert response.status_code == 404
    cal.chair1.refresh_from_db()
    assert cal.chair1.name == "1. szék"


@pytest.mark.parametrize("param", ["chair", "doctor"])
def test_hides_other_practice_in_calendar_filters(cal: Cal, param: str) -> None:
    client = cal.p.client_for(cal.p.receptionist)
    foreign = cal.chair_b.pk if param == "chair" else cal.p.doctor_b.pk
    for name in ("scheduling:day", "scheduling:week"):
        assert client.get(reverse(name), {param: foreign}).status_code == 404


def test_calendar_never_shows_other_practice(cal: Cal) -> None:
    from zomanc.scheduling.services import appointment_create

    appointment_create(
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
    cal.book(at(9))
    client = cal.p.client_for(cal.p.receptionist)
    for name in ("scheduling:day", "scheduling:week"):
        html = client.get(reverse(name), {"date": DAY.isoformat()}).content.decode()
        assert "Kovács Anna" in html
        assert "Idegen" not in html and "B szék" not in html and "Dr. Bé Béla" not in html


def test_create_with_other_practice_patient_is_a_form_error(cal: Cal) -> None:
    client = cal.p.client_for(cal.p.receptionist)
    response = client.post(
        reverse("scheduling:appointment_create"), form_data(cal, patient=cal.patient_b.pk)
    )
    assert response.status_code == 200
    assert "Ismeretlen páciens." in response.content.decode()
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("field", ["chair", "doctor", "company", "org_unit"])
def test_create_with_other_practice_reference_is_a_form_error(cal: Cal, field: str) -> None:
    foreign = {
        "chair": cal.chair_b.pk,
        "doctor": cal.p.doctor_b.pk,
        "company": cal.p.company_b.pk,
        "org_unit": cal.p.org_unit_b.pk,
    }[field]
    client = cal.p.client_for(cal.p.receptionist)
    response = client.post(
        reverse("scheduling:appointment_create"), form_data(cal, **{field: foreign})
    )
    assert response.status_code == 200
    assert "Válasszon a listából." in response.content.decode()
    assert not Appointment.objects.exists()


def test_create_prefill_ignores_other_practice_patient(cal: Cal) -> None:
    client = cal.p.client_for(cal.p.receptionist)
    html = client.get(
        reverse("scheduling:appointment_create"), {"patient": cal.patient_b.pk}
    ).content.decode()
    assert "Idegen" not in html
    html = client.get(
        reverse("scheduling:appointment_create"), {"patient": cal.anna.pk}
    ).content.decode()
    assert "Kovács Anna" in html


def test_patient_picker_searches_own_practice_only(cal: Cal) -> None:
    make_patient(cal.p.outsider, family_name="Kovács", given_name="Bea")
    client = cal.p.client_for(cal.p.receptionist)
    html = client.get(
        reverse("scheduling:patient_picker"), {"patient_q": "kovacs"}
    ).content.decode()
    assert "Kovács Anna" in html
    assert "Kovács Bea" not in html
    assert f'value="{cal.anna.pk}"' in html


# --- the forms ------------------------------------------------------------------------------


def form_data(cal: Cal, **overrides: Any) -> dict[str, Any]:
    data = {
        "patient": cal.anna.pk,
        "day": "2026-03-02",
        "start_time": "09:00",
        "end_time": "09:30",
        "chair": cal.chair1.pk,
        "doctor": cal.p.doctor.pk,
        "company": cal.p.company_a.pk,
        "org_unit": cal.p.org_unit_a.pk,
        "note": "Tömés",
        "treatment": "",
    }
    data.update(overrides)
    return data


def test_create_books_and_returns_to_the_calendar(cal: Cal) -> None:
    client = cal.p.client_for(cal.p.receptionist)
    back = reverse("scheduling:week") + "?date=2026-03-02"
    response = client.post(reverse("scheduling:appointment_create"), form_data(cal, next=back))
    assert response.status_code == 302
    assert response["Location"] == back
    appointment = Appointment.objects.get()
    assert (appointment.starts_at, appointment.ends_at) == (at(9), at(9, 30))
    assert appointment.created_by == cal.p.receptionist
    assert appointment.note == "Tömés"


def test_create_rejects_foreign_next_url(cal: Cal) -> None:
    client = cal.p.client_for(cal.p.receptionist)
    response = client.post(
        reverse("scheduling:appointment_create"), form_data(cal, next="https://rossz.example/")
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("scheduling:day"))


def test_create_over_htmx_redirects_the_client(cal: Cal) -> None:
    client = cal.p.client_for(cal.p.receptionist)
    response = client.post(
        reverse("scheduling:appointment_create"), form_data(cal), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(reverse("scheduling:day"))


def test_create_without_end_uses_treatment_duration(cal: Cal) -> None:
    from decimal import Decimal

    from zomanc.codes.catalogue_services import treatment_item_create

    item = treatment_item_create(
        practice=cal.p.practice_a,
        actor=None,
        name="Gyökérkezelés",
        shortcut="gyök",
        price=Decimal(48000),
        vat_rate="AAM",
        duration_minutes=60,
        needs_tooth=True,
    )
    client = cal.p.client_for(cal.p.receptionist)
    client.post(
        reverse("scheduling:appointment_create"), form_data(cal, end_time="", treatment=item.pk)
    )
    appointment = Appointment.objects.get()
    assert appointment.ends_at == at(10)
    assert appointment.treatment == item


def test_create_conflict_shows_the_other_appointment(cal: Cal) -> None:
    cal.book(at(9), 30, patient=cal.bela)
    client = cal.p.client_for(cal.p.receptionist)
    response = client.post(
        reverse("scheduling:appointment_create"),
        form_data(cal, start_time="09:15", end_time="09:45"),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ütközés: a(z) 1. szék ekkor foglalt – Nagy Béla, 2026.03.02. 09:00–09:30" in html
    assert Appointment.objects.count() == 1


def test_create_end_before_start_is_a_field_error(cal: Cal) -> None:
    client = cal.p.client_for(cal.p.receptionist)
    response = client.post(
        reverse("scheduling:appointment_create"), form_data(cal, end_time="08:00")
    )
    assert "A befejezésnek a kezdés után kell lennie." in response.content.decode()
    assert not Appointment.objects.exists()


def test_create_prefilled_from_the_clicked_slot(cal: Cal) -> None:
    client = cal.p.client_for(cal.p.receptionist)
    html = client.get(
        reverse("scheduling:appointment_create"),
        {"start": "2026-03-02T10:15", "chair": str(cal.chair2.pk)},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert 'value="2026-03-02"' in html and 'value="10:15"' in html
    assert f'<option value="{cal.chair2.pk}" selected>' in html
    assert "<html" not in html  # a partial for the side panel


def test_move_conflict_message_and_success(cal: Cal) -> None:
    cal.book(at(10), 30, patient=cal.bela)
    mine = cal.book(at(9), 30)
    client = cal.p.client_for(cal.p.assistant)
    url = reverse("scheduling:appointment_move", args=[mine.pk])
    data = {
        "day": "2026-03-02",
        "start_time": "10:00",
        "end_time": "10:30",
        "chair": cal.chair1.pk,
        "doctor": cal.p.doctor.pk,
    }
    html = client.post(url, data).content.decode()
    assert "Ütközés" in html and "Nagy Béla" in html
    data.update(start_time="11:00", end_time="11:45", chair=cal.chair2.pk)
    assert client.post(url, data).status_code == 302
    mine.refresh_from_db()
    assert (mine.starts_at, mine.ends_at, mine.chair) == (at(11), at(11, 45), cal.chair2)


def test_resize_conflict_and_success(cal: Cal) -> None:
    mine = cal.book(at(9), 30)
    cal.book(at(9, 45), 30, patient=cal.bela)
    client = cal.p.client_for(cal.p.doctor)
    url = reverse("scheduling:appointment_resize", args=[mine.pk])
    html = client.post(url, {"end_time": "10:00"}).content.decode()
    assert "Nagy Béla" in html
    html = client.post(url, {"end_time": "08:00"}).content.decode()
    assert "A befejezésnek a kezdés után kell lennie." in html
    assert client.post(url, {"end_time": "09:45"}).status_code == 302
    mine.refresh_from_db()
    assert mine.ends_at == at(9, 45)


def test_cancel_requires_reason(cal: Cal) -> None:
    mine = cal.book(at(9), 30)
    client = cal.p.client_for(cal.p.receptionist)
    url = reverse("scheduling:appointment_cancel", args=[mine.pk])
    assert "Adja meg a lemondás okát." in client.post(url, {"reason": ""}).content.decode()
    mine.refresh_from_db()
    assert mine.status == AppointmentStatus.BOOKED
    client.post(url, {"reason": "Beteg lett"})
    mine.refresh_from_db()
    assert mine.status == AppointmentStatus.CANCELLED


def test_edit_details_and_arrived(cal: Cal) -> None:
    mine = cal.book(at(9), 30)
    client = cal.p.client_for(cal.p.receptionist)
    url = reverse("scheduling:appointment_edit", args=[mine.pk])
    data = {
        "note": "Hozza a leleteit",
        "treatment": "",
        "company": cal.p.company_a.pk,
        "org_unit": cal.p.org_unit_a.pk,
    }
    assert client.post(url, data).status_code == 302
    assert client.post(reverse("scheduling:appointment_arrived", args=[mine.pk])).status_code == 302
    mine.refresh_from_db()
    assert (mine.note, mine.status) == ("Hozza a leleteit", AppointmentStatus.ARRIVED)


def test_chairs_owner_flow(cal: Cal) -> None:
    client = cal.p.client_for(cal.p.owner)
    assert client.post(reverse("scheduling:chairs"), {"name": "3. szék"}).status_code == 302
    html = client.post(reverse("scheduling:chairs"), {"name": "1. szék"}).content.decode()
    assert "Már van „1. szék” nevű szék." in html
    url = reverse("scheduling:chair_edit", args=[cal.chair2.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"name": "Sebészet"}).status_code == 302  # unchecked: inactive
    cal.chair2.refresh_from_db()
    assert (cal.chair2.name, cal.chair2.is_active) == ("Sebészet", False)
    day = client.get(reverse("scheduling:day"), {"date": DAY.isoformat()}).content.decode()
    assert "Sebészet</th>" not in day  # inactive, no bookings: no column


# --- the grid -------------------------------------------------------------------------------


def test_day_view_shows_block_with_patient_treatment_note(cal: Cal) -> None:
    cal.book(at(9), 45, note="Fájós 46-os")
    client = cal.p.client_for(cal.p.receptionist)
    html = client.get(reverse("scheduling:day"), {"date": DAY.isoformat()}).content.decode()
    assert 'rowspan="3"' in html
    assert "Kovács Anna" in html and "Fájós 46-os" in html and "09:00–09:45" in html
    # Under the block chair 1 has no free slot until 09:45; chair 2 stays free throughout.
    assert f"start=2026-03-02T09:15&amp;chair={cal.chair1.pk}&" not in html
    assert f"start=2026-03-02T09:30&amp;chair={cal.chair1.pk}&" not in html
    assert f"start=2026-03-02T09:45&amp;chair={cal.chair1.pk}&" in html
    assert f"start=2026-03-02T09:15&amp;chair={cal.chair2.pk}&" in html


def test_open_visit_button_follows_role_and_url(cal: Cal) -> None:
    from zomanc.scheduling.templatetags.scheduling_tags import optional_url, url_exists

    mine = cal.book(at(9), 30)
    exists = url_exists("clinical:visit_open_from_appointment")
    doctor_html = (
        cal.p.client_for(cal.p.doctor)
        .get(reverse("scheduling:day"), {"date": DAY.isoformat()})
        .content.decode()
    )
    reception_html = (
        cal.p.client_for(cal.p.receptionist)
        .get(reverse("scheduling:day"), {"date": DAY.isoformat()})
        .content.decode()
    )
    assert ("Ellátás megnyitása" in doctor_html) == exists
    assert "Ellátás megnyitása" not in reception_html  # reception does no clinical work
    if exists:
        assert optional_url("clinical:visit_open_from_appointment", mine.pk) in doctor_html


def test_opened_visit_is_shown_instead_of_the_button(cal: Cal) -> None:
    """Uses the clinical app's visit link when it exists (it lands separately)."""
    mine = cal.book(at(9), 30)
    relation = visit_relation()
    assert relation is not None, "clinical.Visit.appointment is expected"
    from zomanc.clinical.services import visit_open

    visit_open(
        patient=cal.anna,
        doctor=cal.p.doctor,
        company=cal.p.company_a,
        org_unit=cal.p.org_unit_a,
        started_at=at(9),
        appointment=mine,
        opened_by=cal.p.doctor.user,
    )
    html = (
        cal.p.client_for(cal.p.doctor)
        .get(reverse("scheduling:day"), {"date": DAY.isoformat()})
        .content.decode()
    )
    assert "Ellátás megnyitva" in html
    assert "Ellátás megnyitása" not in html


def test_week_cells_markup(cal: Cal, monkeypatch: pytest.MonkeyPatch) -> None:
    """The blocks are built in Python (zomanc.scheduling.cells); their markup is byte for
    byte what the template made before (copied from its output): every field escaped, the
    treatment, the extra lines, the note, "megérkezett", the opened visit's link instead of
    the button, the doctor in chair mode and the chair in doctor mode."""
    from zomanc.clinical.services import visit_open
    from zomanc.codes.models import TreatmentItem
    from zomanc.scheduling.hooks import AppointmentLine

    cal.chair1.name = "1. <szék>"
    cal.chair1.save()
    anna = make_patient(cal.p.receptionist, family_name="O'Brien <b>", given_name='Anna & "x"')
    treatment = TreatmentItem.objects.create(
        practice=cal.p.practice_a, shortcut="x", name="Tömés <k>", price=1000
    )
    first = cal.book(at(9), 30, patient=anna, treatment=treatment, note="Hívja <vissza> & 'x'")
    Appointment.objects.filter(pk=first.pk).update(status=AppointmentStatus.ARRIVED)
    opened = cal.book(at(11), 45, patient=cal.bela)
    visit_open(
        patient=cal.bela, doctor=cal.p.doctor, company=cal.p.company_a,
        org_unit=cal.p.org_unit_a, started_at=at(11), appointment=opened,
        opened_by=cal.p.doctor.user,
    )  # fmt: skip

    def lines(practice_id: int, ids: list[int]) -> dict[int, list[AppointmentLine]]:
        return {first.pk: [AppointmentLine("11 <tömés>", done=True), AppointmentLine("12 & x")]}

    monkeypatch.setattr("zomanc.scheduling.hooks.APPOINTMENT_LINES", [lines])
    url = reverse("scheduling:week")
    chair_mode = cal.p.client_for(cal.p.doctor).get(url, {"date": DAY.isoformat()})
    html = chair_mode.content.decode()
    form = html.split('class="appt-open" hx-boost="false">')[1]
    token = form.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    nxt = "?next=/naptar/het/%3Fdate%3D2026-03-02"
    arrived = [
        '<td rowspan="2" class="cal-block day-start">',
        '          <div class="appt appt-arrived">',
        f'            <a class="appt-link" href="/naptar/idopont/{first.pk}/{nxt}">',
        '              <span class="appt-time">09:00–09:30</span>',
        '              <strong class="appt-patient">'
        "O&#x27;Brien &lt;b&gt; Anna &amp; &quot;x&quot;</strong>",
        '              <span class="appt-treatment">Tömés &lt;k&gt;</span>',
        '              <span class="appt-line done">11 &lt;tömés&gt;</span>'
        '<span class="appt-line">12 &amp; x</span>',
        '              <span class="appt-note">Hívja &lt;vissza&gt; &amp; &#x27;x&#x27;</span>',
        '              <span class="appt-who">Dr. Fog Ferenc · megérkezett</span>',
        "            </a>",
        "            ",
        f'              <form method="post" action="/karton/idopont/{first.pk}/megnyitas/"'
        ' class="appt-open" hx-boost="false">'
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">',
        f'                <input type="hidden" name="appointment" value="{first.pk}">',
        '                <button type="submit" class="small">Ellátás megnyitása</button>',
        "              </form>",
        "            ",
        "                    </div>",
        "        </td>",
        '        <td class="cal-free"><a class="slot" href="/naptar/idopont/uj/'
        f"?start=2026-03-02T09:00&amp;chair={cal.chair2.pk}&amp;next=/naptar/het/"
        '%3Fdate%3D2026-03-02" aria-label="Új időpont 09:00">+</a></td>',
    ]
    assert "\n".join(arrived) in html
    visit = [
        '<td rowspan="3" class="cal-block day-start">',
        '          <div class="appt appt-booked">',
        f'            <a class="appt-link" href="/naptar/idopont/{opened.pk}/{nxt}">',
        '              <span class="appt-time">11:00–11:45</span>',
        '              <strong class="appt-patient">Nagy Béla</strong>',
        "              ",
        "              ",
        "              ",
        '              <span class="appt-who">Dr. Fog Ferenc</span>',
        "            </a>",
        "            ",
        f'              <a class="appt-visit" href="/patients/{cal.bela.pk}/" hx-boost="false">'
        "Ellátás megnyitva</a>",
        "            ",
        "                    </div>",
        "        </td>",
    ]
    assert "\n".join(visit) in html
    doctor_mode = cal.p.client_for(cal.p.receptionist).get(
        url, {"date": DAY.isoformat(), "by": "doctor"}
    )
    who = [
        '<span class="appt-who">1. &lt;szék&gt; · megérkezett</span>',
        "            </a>",
        "            ",
        "                    </div>",
        "        </td>",
    ]
    assert "\n".join(who) in doctor_mode.content.decode()


@override_settings(ROOT_URLCONF="zomanc.scheduling.tests.urls_fake_clinical")
def test_url_tags() -> None:
    template = Template(
        "{% load scheduling_tags %}{% url_exists 'fake:with_arg' as a %}"
        "{% url_exists 'fake:nope' as b %}"
        "{% url_exists 'other:with_arg' as c %}{% optional_url 'fake:with_arg' 7 as d %}"
        "{% optional_url 'fake:without_arg' 7 as e %}{% optional_url 'fake:nope' 7 as f %}"
        "{{ a }}|{{ b }}|{{ c }}|{{ d }}|{{ e }}|{{ f }}"
    )
    assert (
        template.render(Context({"user": AnonymousUser()}))
        == "True|False|False|/fake/open/7/|/fake/open/|"
    )


def _fill_week(cal: Cal, count: int, first: int = 0) -> None:
    """Appointments number `first`..`count`-1 over Monday–Friday on two chairs (bulk: the
    shape matters here, not the service)."""
    patients = [cal.anna, cal.bela]
    rows = []
    for i in range(first, count):
        day = DAY + timedelta(days=i % 5)
        chair, doctor = (
            (cal.chair1, cal.p.doctor) if (i // 5) % 2 == 0 else (cal.chair2, cal.p.doctor2)
        )
        start = timezone.make_aware(datetime.combine(day, time(7))) + timedelta(
            minutes=15 * (i // 10)
        )
        rows.append(
            Appointment(
                practice=cal.p.practice_a,
                patient=patients[i % len(patients)],
                doctor=doctor,
                chair=chair,
                company=cal.p.company_a,
                org_unit=cal.p.org_unit_a,
                starts_at=start,
                ends_at=start + timedelta(minutes=15),
                note=f"#{i}#",
            )
        )
    Appointment.objects.bulk_create(rows)
    assert Appointment.objects.count() == count


@pytest.mark.parametrize("name", ["scheduling:week", "scheduling:day"])
def test_calendar_query_count_is_fixed(cal: Cal, django_assert_num_queries: Any, name: str) -> None:
    """The same number of queries for 5 and for 200 appointments; the calendar's own share
    is chairs, doctors, appointments (with patient, doctor, chair, treatment joined and the
    opened visit as a subquery) and one per extra-lines hook (plans: the planned items
    booked to them)."""
    client = cal.p.client_for(cal.p.doctor)
    url = reverse(name)
    params = {"date": DAY.isoformat()}
    _fill_week(cal, 5)
    client.get(url, params)  # the first request of a session may write it
    with CaptureQueriesContext(connection) as small:
        response = client.get(url, params)
    week = name == "scheduling:week"
    assert ("#4#" if week else "#0#") in response.content.decode()
    own = [
        q["sql"]
        for q in small.captured_queries
        if any(
            t in q["sql"]
            for t in (
                'FROM "scheduling_',
                'FROM "clinical_visit"',
                'FROM "plans_planitem"',
                'FROM "reminders_reminderresponse"',
            )
        )
        or (
            'FROM "practices_staffmember"' in q["sql"]
            and "stamp_number" in q["sql"].split("WHERE")[-1]
        )
    ]
    hooks = len(APPOINTMENT_LINES)  # one query each for the whole window
    # Chairs, doctors, appointments; the opened visits are a subquery of the appointments'
    # query (they were a query of their own until session 7 of issue 18: one fewer).
    assert len(own) == 3 + hooks
    assert not any(q.startswith('SELECT "clinical_visit"') for q in own)

    _fill_week(cal, 200, first=5)
    with django_assert_num_queries(len(small)):
        response = client.get(url, params)
    html = response.content.decode()
    assert ("#199#" if week else "#195#") in html
    assert ("#4#" in html) == week  # the day view shows Monday only


def test_calendar_reads_no_column_it_did_not_load(cal: Cal) -> None:
    """The week loads only the columns it shows (selectors.CALENDAR_FIELDS): every kind of
    block — a treatment and a note, arrived, an opened visit, cancelled with its reason, on
    a deactivated chair — in chair and in doctor mode costs no query of its own (a field
    read that was not loaded would cost one per appointment)."""
    from zomanc.clinical.services import visit_open
    from zomanc.codes.models import TreatmentItem

    treatment = TreatmentItem.objects.create(
        practice=cal.p.practice_a, shortcut="x", name="Tömés", price=1000
    )
    old_chair = Chair.objects.create(practice=cal.p.practice_a, name="Régi szék", position=9)
    client = cal.p.client_for(cal.p.doctor)
    url = reverse("scheduling:week")

    def book_each_kind(day: int) -> None:
        when = DAY + timedelta(days=day)
        cal.book(at(8, day=when), 30, treatment=treatment, note="Megjegyzés")
        arrived = cal.book(at(9, day=when), 30, chair=cal.chair2)
        Appointment.objects.filter(pk=arrived.pk).update(status=AppointmentStatus.ARRIVED)
        patient = make_patient(cal.p.receptionist, family_name="Nyitott", given_name=str(day))
        opened = cal.book(at(10, day=when), 30, patient=patient)
        visit_open(
            patient=patient, doctor=cal.p.doctor, company=cal.p.company_a,
            org_unit=cal.p.org_unit_a, started_at=at(10, day=when), appointment=opened,
            opened_by=cal.p.doctor.user,
        )  # fmt: skip
        cancelled = cal.book(at(11, day=when), 30)
        Appointment.objects.filter(pk=cancelled.pk).update(
            status=AppointmentStatus.CANCELLED, cancel_reason="Beteg"
        )
        cal.book(at(12, day=when), 30, chair=old_chair, doctor=cal.p.doctor2)

    def queries() -> list[int]:
        counts = []
        for mode in ("chair", "doctor"):
            with CaptureQueriesContext(connection) as ctx:
                html = client.get(url, {"date": DAY.isoformat(), "by": mode}).content.decode()
            assert "Régi szék" in html and "Beteg" in html and "Tömés" in html
            counts.append(len(ctx.captured_queries))
        return counts

    book_each_kind(0)
    Chair.objects.filter(pk=old_chair.pk).update(is_active=False)
    client.get(url, {"date": DAY.isoformat()})  # the session's first request may write it
    one_each = queries()
    Chair.objects.filter(pk=old_chair.pk).update(is_active=True)
    book_each_kind(1)
    book_each_kind(2)
    Chair.objects.filter(pk=old_chair.pk).update(is_active=False)
    assert queries() == one_each


def test_calendar_rows_show_what_the_models_say(cal: Cal) -> None:
    """The calendar reads its appointments as plain values (selectors.CalendarAppointment),
    not model instances: the patient's name is str(Patient), and a planned treatment whose
    name is empty still shows its (empty) line — an instance was truthy whatever its name —
    while no treatment shows none."""
    from zomanc.codes.models import TreatmentItem
    from zomanc.scheduling.selectors import calendar_appointments

    unnamed = TreatmentItem.objects.create(
        practice=cal.p.practice_a, shortcut="n", name="", price=1000
    )
    with_unnamed = cal.book(at(9), 30, treatment=unnamed)
    without = cal.book(at(10), 30, patient=cal.bela)
    rows = {
        a.pk: a
        for a in calendar_appointments(
            practice=cal.p.practice_a, start=at(0), end=at(0, day=DAY + timedelta(days=1))
        )
    }
    assert rows[with_unnamed.pk].patient_name == str(cal.anna)
    assert rows[without.pk].patient_name == str(cal.bela)
    assert rows[with_unnamed.pk].treatment_name == ""
    assert rows[without.pk].treatment_name is None
    html = (
        cal.p.client_for(cal.p.doctor)
        .get(reverse("scheduling:day"), {"date": DAY.isoformat()})
        .content.decode()
    )
    assert html.count('<span class="appt-treatment"></span>') == 1
    assert html.count('class="appt-treatment"') == 1


def test_week_blocks_name_their_own_doctor_and_chair(cal: Cal) -> None:
    """Each doctor's and chair's name is escaped once a page (zomanc.scheduling.cells) and
    reused: every block still names its own — the doctor in chair mode, the chair in doctor
    mode — with two of each crossed over the week."""
    cal.p.doctor2.display_name = "Dr. <Második> & Mária"
    cal.p.doctor2.save()
    pairs = [
        (cal.chair1, cal.p.doctor),
        (cal.chair2, cal.p.doctor2),
        (cal.chair1, cal.p.doctor2),
        (cal.chair2, cal.p.doctor),
    ]
    booked = []
    for day, (chair, doctor) in enumerate(pairs):
        patient = make_patient(cal.p.receptionist, family_name="Páciens", given_name=str(day))
        when = at(9, day=DAY + timedelta(days=day))
        booked.append(cal.book(when, 30, chair=chair, doctor=doctor, patient=patient))
    client = cal.p.client_for(cal.p.receptionist)
    for mode in ("chair", "doctor"):
        html = client.get(
            reverse("scheduling:week"), {"date": DAY.isoformat(), "by": mode}
        ).content.decode()
        for day, (chair, doctor) in enumerate(pairs):
            block = html.split(f"/naptar/idopont/{booked[day].pk}/")[1].split("</div>")[0]
            who = doctor.display_name if mode == "chair" else chair.name
            assert f'<span class="appt-who">{escape(who)}</span>' in block


def test_free_slots_start_at_their_day_and_row_time(cal: Cal) -> None:
    """A free slot's link is built from its column's day and its row's time
    (zomanc.scheduling.cells): build_grid starts every cell of a row at that row's time on
    its own day, also when the window widens for early and late bookings."""
    from zomanc.scheduling.grid import build_grid

    days = [DAY + timedelta(days=i) for i in range(5)]
    early = cal.book(at(6, 30, day=days[1]), 30)
    late = cal.book(at(22, 30, day=days[3]), 120, chair=cal.chair2)
    grid = build_grid(
        days=days, mode="chair", chairs=[cal.chair1, cal.chair2], doctors=[],
        appointments=[early, late],
    )  # fmt: skip
    assert grid.rows[0].label == "06:00"
    for row in grid.rows:
        for cell in row.cells:
            assert cell.start == datetime.combine(cell.column.day, row.start.time())


def test_chairs_page_query_count_is_fixed(cal: Cal, django_assert_num_queries: Any) -> None:
    client = cal.p.client_for(cal.p.owner)
    client.get(reverse("scheduling:chairs"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("scheduling:chairs"))
    Chair.objects.bulk_create(
        Chair(practice=cal.p.practice_a, name=f"{i}. szék", position=i) for i in range(3, 30)
    )
    with django_assert_num_queries(len(few)):
        html = client.get(reverse("scheduling:chairs")).content.decode()
    assert "29. szék" in html and "B szék" not in html


@pytest.mark.parametrize("raw", ["9999-12-31", "0001-01-01", "2026-02-30", "1899-12-31"])
@pytest.mark.parametrize("name", ["scheduling:day", "scheduling:week"])
def test_a_date_out_of_range_shows_today_not_an_error(cal: Cal, name: str, raw: str) -> None:
    """The probe's ?date=9999-12-31 and 0001-01-01 were a 500 (a week past year 9999)."""
    client = cal.p.client_for(cal.p.receptionist)
    response = client.get(reverse(name), {"date": raw})
    assert response.status_code == 200
    assert timezone.localdate().isoformat() in response.content.decode()
