"""The recall list's rows are built in Python (zomanc/recall/list_rows.py, issue 18): held
byte for byte to the template loop they replaced (REFERENCE, recall/list.html before), for
every state a row can show — overdue or not, booked (a time past midnight in Budapest),
reminded on channels, declined with a note, never contacted, no doctor, no phone or e-mail —
with and without the bulk selection, with markup characters in the texts; the one
difference, on purpose: the consented channels by their names (the loop's `dictsort:"0"`
failed on strings and printed "nincs hozzájárulás" for everyone)."""

import dataclasses
import datetime as dt
from urllib.parse import urlencode

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from zomanc.conftest import Personas
from zomanc.patients.consent_services import patient_channel_opt_in
from zomanc.patients.models import Channel, Patient
from zomanc.patients.tests.factories import make_patient
from zomanc.recall.due import add_months
from zomanc.recall.forms import ContactForm
from zomanc.recall.list_rows import RecallRows
from zomanc.recall.models import ContactState
from zomanc.recall.selectors import RecallFilters, RecallRow, recall_list
from zomanc.recall.services import recall_contact_record
from zomanc.recall.tests.conftest import Catalogue, book, procedure_done
from zomanc.recall.views import _booking_url

pytestmark = pytest.mark.django_db

# recall/list.html's row loop as it was, but for the channels: their names ("e-mail, SMS",
# `channels_text`) where the loop had `row.channels|dictsort:"0"` (which failed on strings).
REFERENCE = """{% load i18n %}{% for row, booking_url, contact_form in rows %}
    <tr data-recall="{{ row.due.key }}">
      {% if bulk_actions %}<td><input type="checkbox" name="recall" value="{{ row.due.key }}" form="recall-bulk" aria-label="{{ row.patient.full_name }}"{% if not row.channels or row.next_appointment %} disabled{% endif %}> <span class="help">{% if row.channels_text %}{{ row.channels_text }}{% else %}{% translate "nincs hozzájárulás" %}{% endif %}</span></td>{% endif %}
      <td><a href="{% url 'recall:patient' row.patient.pk %}">{{ row.patient.full_name }}</a><br><span class="help">{{ row.patient.phone|default:"–" }}{% if row.patient.email %} · {{ row.patient.email }}{% endif %}</span></td>
      <td>{{ row.treatment.name }}<br><span class="help">{% blocktranslate with day=row.due.since|date:"Y.m.d." n=row.due.interval_months %}{{ day }}, {{ n }} hónapos{% endblocktranslate %}</span></td>
      <td>{{ row.due.due|date:"Y.m.d." }}{% if row.overdue %}<br>{% translate "lejárt" as label %}{% include "core/_badge.html" with state="late" label=label %}{% endif %}</td>
      <td>{{ row.last_visit|date:"Y.m.d."|default:"–" }}</td>
      <td>{{ row.doctor.display_name|default:"–" }}</td>
      <td>{% include "core/_badge.html" with state=row.state_badge label=row.state_label %}
        {% if row.next_appointment %}<br><span class="help">{{ row.next_appointment|date:"Y.m.d. H:i" }}</span>{% elif row.contact %}<br><span class="help">{{ row.contact.recorded_at|date:"Y.m.d." }}{% if row.contact.channels %} · {% blocktranslate with channels=row.contact.channels_label %}értesítve: {{ channels }}{% endblocktranslate %}{% endif %}{% if row.contact.note %} · {{ row.contact.note }}{% endif %}</span>{% endif %}</td>
      <td>
        {% if not row.next_appointment %}<a class="button secondary" href="{{ booking_url }}">{% translate "Időpont foglalása" %}</a>{% endif %}
        <form method="post" action="{% url 'recall:contact' %}" class="row-form">{% csrf_token %}
          <input type="hidden" name="prefix" value="{{ contact_form.prefix }}"><input type="hidden" name="next" value="{{ back }}">
          {% for field in contact_form.hidden_fields %}{{ field }}{% endfor %}
          <label for="{{ contact_form.state.id_for_label }}" class="visually-hidden">{{ contact_form.state.label }}</label>{{ contact_form.state }}
          <label for="{{ contact_form.note.id_for_label }}" class="visually-hidden">{{ contact_form.note.label }}</label>{{ contact_form.note }}
          <button type="submit" class="secondary">{% translate "Rögzítés" %}</button>
        </form>
      </td>
    </tr>
  {% endfor %}"""  # noqa: E501
TOKEN = "tok<en>"  # escaped by both
TODAY = timezone.localdate()
SINCE = add_months(TODAY, -7)


def _rows_of_every_kind(personas: Personas, items: Catalogue) -> list[RecallRow]:
    receptionist = personas.receptionist
    markup = make_patient(receptionist, family_name="Kis", email="kis@pelda.example")
    Patient.objects.filter(pk=markup.pk).update(
        family_name="Kis <b> & 'x'", phone='+36 30 "1"', email="k<i>s@pelda.example"
    )
    reminded = make_patient(receptionist, family_name="Emlékeztetett", email="e@pelda.example")
    declined = make_patient(receptionist, family_name="Elutasító")
    booked = make_patient(receptionist, family_name="Foglalt")
    for n, patient in enumerate((markup, reminded, declined, booked)):
        procedure_done(personas, patient, items.scaling, SINCE - dt.timedelta(days=n))
    for channel in ("sms", "email"):
        patient_channel_opt_in(
            patient=reminded, channel=channel, method="paper", actor=receptionist
        )
    patient_channel_opt_in(patient=markup, channel="email", method="paper", actor=receptionist)
    recall_contact_record(
        actor=receptionist, patient=reminded, treatment=items.scaling,
        since=SINCE - dt.timedelta(days=1), state=ContactState.REMINDED, channels="email,sms",
    )  # fmt: skip
    recall_contact_record(
        actor=receptionist, patient=declined, treatment=items.scaling,
        since=SINCE - dt.timedelta(days=2), state=ContactState.DECLINED,
        note="nem <ér> rá & 'x'",
    )  # fmt: skip
    # 23:30 UTC: past midnight in Budapest, the next day there.
    late = timezone.make_aware(dt.datetime.combine(TODAY, dt.time(23, 30)), dt.UTC)
    book(personas, booked, late + dt.timedelta(days=3))
    rows = recall_list(receptionist, RecallFilters(state="all")).rows
    assert len(rows) == 4
    first = rows[0]
    # What the database above cannot show at any date: a recall not yet overdue, a doctor
    # who left the list's data, a patient with neither phone nor e-mail.
    not_yet = dataclasses.replace(
        first, due=dataclasses.replace(first.due, due=TODAY + dt.timedelta(days=1))
    )
    bare = Patient(pk=first.patient.pk, family_name="Üres", given_name="Ede", phone="", email="")
    rows.append(dataclasses.replace(not_yet, doctor=None, patient=bare, last_visit=None))
    return rows


def test_rows_are_the_templates_markup_byte_for_byte(personas: Personas, items: Catalogue) -> None:
    rows = _rows_of_every_kind(personas, items)
    back = reverse("recall:list") + "?state=all&x=<1>"
    booking = reverse("scheduling:appointment_create")
    pairs = [(row, _booking_url(row, back, booking)) for row in rows]
    for row in rows:
        row.channels_text = ", ".join(  # type: ignore[attr-defined]
            str(Channel(c).label) for c in sorted(row.channels)
        )
    forms = [
        ContactForm(
            initial={
                "patient": r.patient.pk,
                "treatment": r.due.treatment_id,
                "since": r.due.since,
            },
            prefix=f"c{index}",
        )
        for index, r in enumerate(rows)
    ]
    pages = []
    for bulk in (["recall/_bulk_send.html"], []):
        expected = Template(REFERENCE).render(
            Context(
                {
                    "rows": [(r, url, f) for (r, url), f in zip(pairs, forms, strict=True)],
                    "bulk_actions": bulk,
                    "back": back,
                    "csrf_token": TOKEN,
                }
            )
        )
        built = RecallRows(back=back, csrf_token=TOKEN, bulk=bool(bulk)).render(pairs)
        assert built == expected, bulk
        pages.append(expected)
    with_bulk, without = pages
    # The states were all there (a markup test that showed none would pass on anything).
    for text in (
        "Kis &lt;b&gt; &amp; &#x27;x&#x27;", "k&lt;i&gt;s@pelda.example", "+36 30 &quot;1&quot;",
        "értesítve: e-mail, SMS", "nem &lt;ér&gt; rá &amp; &#x27;x&#x27;", "időpontot foglalt",
        "lejárt", "<td>–</td>", '<span class="help">–</span>', "x=&lt;1&gt;",
        (TODAY + dt.timedelta(days=4)).strftime("%Y.%m.%d. 00:30"),
        '<span class="help">e-mail, SMS</span>', 'name="c4-since" value="', "nincs hozzájárulás",
    ):  # fmt: skip
        assert text in with_bulk, text
    assert with_bulk.count("lejárt") == 4 and 'name="recall"' not in without


def test_the_list_names_the_consented_channels(personas: Personas, items: Catalogue) -> None:
    """The bulk selection says on what a patient can be notified (the old loop printed
    "nincs hozzájárulás" whatever the consent)."""
    patient = make_patient(personas.receptionist, family_name="Csatornás", email="c@pelda.example")
    procedure_done(personas, patient, items.scaling, SINCE)
    patient_channel_opt_in(
        patient=patient, channel="email", method="paper", actor=personas.receptionist
    )
    client = personas.client_for(personas.receptionist)
    page = client.get(reverse("recall:list")).content.decode()
    assert 'aria-label="Csatornás Anna"> <span class="help">e-mail</span>' in page


def test_the_shared_parts_follow_the_language(personas: Personas, items: Catalogue) -> None:
    """The form, texts and badges the rows share are built once a language: a page in
    English after one in Hungarian (and back) is each in its own."""
    rows = _rows_of_every_kind(personas, items)
    pairs = [(row, "/x") for row in rows]
    pages = {}
    for language in ("hu", "en", "hu"):
        with translation.override(language):
            pages[language] = RecallRows(back="/", csrf_token=TOKEN, bulk=True).render(pairs)
            for text in ("Időpont foglalása", "Rögzítés", "időpontot foglalt", "lejárt"):
                assert escape(translation.gettext(text)) in pages[language], (language, text)
    assert "Időpont foglalása" not in pages["en"] and "Időpont foglalása" in pages["hu"]


def test_booking_urls_are_urlencodes(personas: Personas, items: Catalogue) -> None:
    """`_booking_url` writes the query out (the ids are digits, `back` is quoted once a
    page): the same text `urlencode` makes, with and without the doctor."""
    rows = _rows_of_every_kind(personas, items)
    back = "/visszahivasok/?state=all&month=2026-12&x=<á b>"
    form = reverse("scheduling:appointment_create")
    without_doctor = [r for r in rows if r.doctor is None]
    assert rows[0].doctor is not None and without_doctor
    for row in (rows[0], without_doctor[0]):
        query: dict[str, object] = {"patient": row.patient.pk, "treatment": row.due.treatment_id}
        query["next"] = back
        if row.doctor is not None:
            query["doctor"] = row.doctor.pk
        assert _booking_url(row, back, form) == f"{form}?{urlencode(query)}"
