"""The plan page's item rows are built in Python (zomanc/plans/item_rows.py, issue 18): held
byte for byte to the template loop they replaced (REFERENCE, plans/_items.html before), for
every state a row can show — a note, a discount in per cent and in forints, done with and
without its visit, booked now, cancelled, past, an option not chosen — under every flag the
page passes, with markup characters in the texts; and the page prints them."""

import datetime as dt
import itertools
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from zomanc.codes.models import TreatmentItem
from zomanc.conftest import Personas
from zomanc.plans.booking_selectors import plan_item_bookings
from zomanc.plans.item_rows import PlanItemRows
from zomanc.plans.models import PlanItem, PlanPhase, TreatmentPlan
from zomanc.plans.selectors import plan_quote
from zomanc.plans.tests.test_booking import Booked, accepted_plan, local
from zomanc.scheduling.models import Appointment
from zomanc.scheduling.services import appointment_cancel

pytestmark = pytest.mark.django_db

# plans/_items.html's row loop as it was, but for the booking: `b` comes with the row (the
# template took it from the view's dict through a filter, `bookings|booking_for:q.item.pk`).
REFERENCE = """{% load i18n plans_tags %}{% for q in rows %}
    <tr{% if q.item.done_at %} class="done"{% endif %}>
      <td>{{ q.item.name }}{% if q.item.note %}<div class="help">{{ q.item.note }}</div>{% endif %}{% if q.item.done_at %} <span class="badge state-ok"><span class="state-icon" aria-hidden="true"></span>{% translate "elvégezve" %} {{ q.item.done_at|date:"Y.m.d." }}</span>{% if q.item.done_visit_id and can.clinical_view %} <a href="{% url 'clinical:visit_detail' q.item.done_visit_id %}" class="done-visit">{% translate "az ellátás" %}</a>{% endif %}{% endif %}</td>
      <td>{{ q.item.tooth|default:"" }} {{ q.item.surfaces }}</td>
      <td class="num">{{ q.item.quantity }}</td>
      <td class="num">{% money q.item.unit_price plan.currency %}</td>
      <td class="num">{% if q.amounts.discount %}−{% money q.amounts.discount plan.currency %}{% if q.item.discount_percent is not None %} ({{ q.item.discount_percent|floatformat:"-2" }} %){% endif %}{% endif %}</td>
      <td class="num">{% money q.amounts.total plan.currency %}</td>
      <td>{{ q.item.get_vat_rate_display }}</td>
      {% with b=q.booking %}<td class="plan-booking">
        {% if b.live %}<a href="{% url 'scheduling:appointment_edit' b.appointment.pk %}">{{ b.appointment.starts_at|date:"Y.m.d. H:i" }}</a><div class="help">{{ b.appointment.chair.name }}, {{ b.appointment.doctor.display_name }}</div>
        {% elif q.item.done_at %}{% if b %}{{ b.appointment.starts_at|date:"Y.m.d. H:i" }}{% endif %}
        {% else %}
          {% if not bookable %}{# an option not chosen: not carried out #}{% elif can_book %}<label class="check"><input type="checkbox" name="items" value="{{ q.item.pk }}" form="plan-book" aria-label="{% translate 'Kijelölés foglaláshoz' %}: {{ q.item.name }}"> {% translate "nincs foglalva" %}</label>{% else %}{% translate "nincs foglalva" %}{% endif %}
          {% if b %}<div class="help">{% if b.appointment.status == "cancelled" %}{% translate "lemondva" %}{% else %}{% translate "elmúlt" %}{% endif %}: {{ b.appointment.starts_at|date:"Y.m.d. H:i" }}</div>{% endif %}
        {% endif %}
      </td>{% endwith %}
      <td>
        {% if editable %}<form method="post" action="{% url 'plans:item_remove' plan.pk q.item.pk %}" class="inline">{% csrf_token %}<button type="submit" class="link">{% translate "Törlés" %}</button></form>{% endif %}
        {% if can_complete_items and not q.item.done_at %}<form method="post" action="{% url 'plans:item_complete' plan.pk q.item.pk %}" class="inline">{% csrf_token %}<button type="submit" class="link">{% translate "Elvégezve" %}</button></form>{% endif %}
      </td>
    </tr>
  {% endfor %}"""  # noqa: E501
TOKEN = "tok<en>"  # escaped by both
CSRF = f'<input type="hidden" name="csrfmiddlewaretoken" value="{TOKEN.replace("<", "&lt;").replace(">", "&gt;")}">'  # noqa: E501


@pytest.fixture
def booked(
    personas: Personas, plan: TreatmentPlan, phase: PlanPhase, catalogue: dict[str, TreatmentItem]
) -> Booked:
    return accepted_plan(personas, plan, phase, catalogue)


def _rows_of_every_kind(b: Booked) -> tuple[TreatmentPlan, list[Any], dict[int, Any]]:
    """Five more items besides the fixture's four, so that together the rows show every
    state; the plan's rows and bookings as the page reads them."""
    phase = b.filling.phase
    extra = [
        PlanItem.objects.create(
            practice=b.plan.practice,
            plan=b.plan,
            phase=phase,
            treatment=b.filling.treatment,
            name=b.filling.name,
            tooth=b.filling.tooth,
            unit_price=Decimal(18000),
            vat_rate=b.filling.vat_rate,
            position=10 + n,
        )
        for n in range(5)
    ]
    live, cancelled, past, done_booked, done_plain = extra
    b.book(live, start=local(7, 9))
    appointment_cancel(
        appointment=b.book(cancelled, start=local(8, 9)), actor=b.p.receptionist, reason="beteg"
    )
    gone = b.book(past, start=local(9, 9))
    Appointment.objects.filter(pk=gone.pk).update(
        starts_at=local(-3, 10), ends_at=local(-3, 10, 30)
    )
    b.book(done_booked, start=local(10, 9))
    when = timezone.make_aware(dt.datetime(2026, 3, 1, 23, 30), dt.UTC)  # 00:30 in Budapest
    PlanItem.objects.filter(pk__in=[done_booked.pk, done_plain.pk]).update(done_at=when)
    PlanItem.objects.filter(pk=b.scaling.pk).update(
        discount_percent=Decimal("12.5"), note="Alsó <fog> & 'x'"
    )
    PlanItem.objects.filter(pk=b.filling.pk).update(
        discount_amount=Decimal(2000), name='Tömés <k> & "x"'
    )
    plan = TreatmentPlan.objects.get(pk=b.plan.pk)
    quote = plan_quote(plan)
    bookings = plan_item_bookings(plan)
    rows = [q for phase in quote.phases for q in phase.common]
    rows += [q for phase in quote.phases for o in phase.options for q in o.items]
    for q in rows:
        if q.item.pk == done_plain.pk:
            q.item.done_visit_id = 4321  # the page only links it
    assert len(rows) == 9 and {b.live for b in bookings.values()} == {True, False}
    return plan, rows, bookings


def test_rows_are_the_templates_markup_byte_for_byte(booked: Booked) -> None:
    plan, rows, bookings = _rows_of_every_kind(booked)
    reference = Template(REFERENCE)
    flags = ("editable", "can_complete_items", "can_book", "clinical_view", "bookable")
    for currency in ("HUF", "EUR"):
        plan.currency = currency
        for values in itertools.product((True, False), repeat=len(flags)):
            f = dict(zip(flags, values, strict=True))
            expected = reference.render(
                Context(
                    {
                        "rows": [
                            SimpleNamespace(
                                item=q.item, amounts=q.amounts, booking=bookings.get(q.item.pk)
                            )
                            for q in rows
                        ],
                        "plan": plan,
                        "can": {"clinical_view": f["clinical_view"]},
                        "csrf_token": TOKEN,
                        **f,
                    }
                )
            )
            built = PlanItemRows(
                plan=plan,
                bookings=bookings,
                editable=f["editable"],
                can_complete_items=f["can_complete_items"],
                can_book=f["can_book"],
                can_view_visits=f["clinical_view"],
                csrf_field=lambda: CSRF,
            ).render(rows, bookable=f["bookable"])
            assert built == expected, (currency, f)
    # The states were all there (a markup test that showed none would pass on anything).
    assert "lemondva: " in expected and "elmúlt: " in expected and "−2\xa0000,00\xa0€" in expected
    assert "(12,50 %)" in expected and "Alsó &lt;fog&gt; &amp; &#x27;x&#x27;" in expected
    assert "Tömés &lt;k&gt; &amp; &quot;x&quot;" in expected and "2026.03.02." in expected


def test_the_csrf_field_is_made_only_when_a_row_has_a_form(booked: Booked) -> None:
    plan, rows, bookings = _rows_of_every_kind(booked)
    made: list[int] = []

    def field() -> str:
        made.append(1)
        return CSRF

    quiet = dict(editable=False, can_complete_items=False, can_book=True, can_view_visits=True)
    PlanItemRows(plan=plan, bookings=bookings, csrf_field=field, **quiet).render(
        rows, bookable=True
    )
    assert made == []
    forms = dict(quiet, can_complete_items=True)
    html = PlanItemRows(plan=plan, bookings=bookings, csrf_field=field, **forms).render(
        rows, bookable=True
    )
    assert made == [1] and html.count(CSRF) == 7  # one per item not done, one token a page


def test_the_plan_page_prints_the_rows_with_a_valid_token(booked: Booked) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(booked.p.doctor.user)
    html = client.get(reverse("plans:detail", args=[booked.plan.pk])).content.decode()
    complete = reverse("plans:item_complete", args=[booked.plan.pk, booked.filling.pk])
    form = html.split(f'<form method="post" action="{complete}" class="inline">')[1]
    token = form.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    response = client.post(complete, {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert PlanItem.objects.get(pk=booked.filling.pk).done_at is not None


def test_a_phase_without_items_says_so(booked: Booked) -> None:
    PlanPhase.objects.create(
        practice=booked.plan.practice, plan=booked.plan, position=9, title="Üres szakasz"
    )
    client = booked.p.client_for(booked.p.doctor)
    html = client.get(reverse("plans:detail", args=[booked.plan.pk])).content.decode()
    assert '<tr><td colspan="9" class="empty">Nincs tétel.</td></tr>' in html
