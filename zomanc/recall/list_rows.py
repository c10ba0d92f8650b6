"""The rows of the recall list ("Esedékes visszahívások"), built once per request in Python.

A page of the list shows 50 recalls (selectors.RECALL_PAGE_SIZE; 200 at once before), and
each row went through the template engine with a contact form of its own (three hidden
fields, a select of the states, a note; a Django form per row, its widgets rendered through
their templates), two includes of the badge, a `url` tag, a `csrf_token` and the
translations: ≈ 98 % of the page's time, 330 ms of CPU against a bare view of 3.4 ms with
300 recalls due (docs/benchmarks.md, "Profiles, issue 18"). Here
the row's form is rendered once a page through the same template text with placeholder
values (the prefix, the patient, the item, the date), then each row fills in its own; the
badges are rendered once per state, the texts translated and the URLs reversed once a page;
every field is escaped as the template's autoescape did (`conditional_escape`), dates in the
current time zone as the `date` filter shows them. The markup is byte for byte what
`recall/list.html`'s loop made (`tests/test_list_rows.py`), but for the consented channels
of the bulk selection: the loop sorted them with `dictsort:"0"`, which fails on strings and
printed "nincs hozzájárulás" for everyone; they are printed now (sorted)."""

import datetime as dt
import functools
import re
from collections.abc import Sequence
from html import escape as _html_escape

from django.template import Context, Template
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from zomanc.patients.models import Channel
from zomanc.recall.forms import ContactForm
from zomanc.recall.models import ContactState
from zomanc.recall.selectors import STATE_BADGES, RecallRow

# Placeholders nothing else on the page can hold (a NUL: neither the path nor the token has
# one): the form is rendered once a language with them, then each row puts its own values in
# their places (the prefix with the row's index, the patient, the item, the date, the page's
# address and CSRF token).
_PLACES = {"\x00i\x00": "prefix", "\x00p\x00": "patient", "\x00t\x00": "treatment"}
_PLACES.update({"\x00s\x00": "since", "\x00b\x00": "back", "\x00k\x00": "csrf_token"})
_PLACE = re.compile("|".join(re.escape(k) for k in _PLACES))
_PATIENT = 2_147_483_647  # an id no patient has: the patient URL around it

# list.html's contact form as the loop printed it (the text between the booking link and the
# row's end).
_FORM = Template(
    """{% load i18n %}<form method="post" action="{% url 'recall:contact' %}" class="row-form">{% csrf_token %}
          <input type="hidden" name="prefix" value="{{ contact_form.prefix }}"><input type="hidden" name="next" value="{{ back }}">
          {% for field in contact_form.hidden_fields %}{{ field }}{% endfor %}
          <label for="{{ contact_form.state.id_for_label }}" class="visually-hidden">{{ contact_form.state.label }}</label>{{ contact_form.state }}
          <label for="{{ contact_form.note.id_for_label }}" class="visually-hidden">{{ contact_form.note.label }}</label>{{ contact_form.note }}
          <button type="submit" class="secondary">{% translate "Rögzítés" %}</button>
        </form>"""  # noqa: E501
)


def _e(text: str) -> str:
    """`conditional_escape` of a plain string (the rows' fields: the database's text, never
    marked safe) without its lazy-string and `__html__` checks, ten times a row: Django's
    `escape` is `html.escape(str(text))`, byte for byte."""
    return _html_escape(str(text))


class _PageParts:
    """What the rows share that depends on nothing but the language: the contact form split
    at its placeholders, the patient URL around the id, the texts and the badges. Built once
    a language per process (`_page_parts`): the form's render alone was ≈ 2 ms a page."""

    def __init__(self) -> None:
        form = ContactForm(
            initial={"patient": "\x00p\x00", "treatment": "\x00t\x00", "since": "\x00s\x00"},
            prefix="\x00i\x00",
        )
        html = _FORM.render(
            Context({"contact_form": form, "back": "\x00b\x00", "csrf_token": "\x00k\x00"})
        )
        self.form_parts = _PLACE.split(html)
        self.form_places = [_PLACES[k] for k in _PLACE.findall(html)]
        self.since_widget = form.fields["since"].widget
        before, _sep, after = reverse("recall:patient", args=[_PATIENT]).rpartition(str(_PATIENT))
        self.patient_url = (conditional_escape(before), conditional_escape(after))
        self.no_consent = conditional_escape(_("nincs hozzájárulás"))
        # "e-mail, SMS": the consented channels by their names (the codes were printed).
        self.channel_labels = {c.value: _e(str(c.label)) for c in Channel}
        self.book = conditional_escape(_("Időpont foglalása"))
        self.overdue_badge = _badge("late", _("lejárt"))
        self.badges = {
            str(state): _badge(STATE_BADGES[state], str(state.label)) for state in ContactState
        }
        self.interval = _("%(day)s, %(n)s hónapos")
        self.notified = _("értesítve: %(channels)s")


def _badge(state: str, label: str) -> str:
    """core/_badge.html as `{% include %}` printed it (its trailing newline with it)."""
    return get_template("core/_badge.html").render({"state": state, "label": label})


@functools.cache
def _parts_of(language: str | None) -> _PageParts:
    return _PageParts()


def _page_parts() -> _PageParts:
    """The parts in the active language (a handful of languages: kept for the process)."""
    return _parts_of(get_language())


class RecallRows:
    """Everything a row needs that is the same for the whole page."""

    def __init__(self, *, back: str, csrf_token: object, bulk: bool) -> None:
        self.bulk = bulk
        self.parts = _page_parts()
        # As the template printed them: `{{ back }}` autoescaped, `{% csrf_token %}` escaped.
        self.back = conditional_escape(back)
        self.csrf_token = conditional_escape(str(csrf_token))
        self.today = timezone.localdate()

    def _when(self, value: dt.date | dt.datetime | None, with_time: bool = False) -> str:
        """`{{ value|date:"Y.m.d." }}` (or `"Y.m.d. H:i"`): a datetime in the current time
        zone; "" for None. Written out, not through the `date` filter (≈ 20 µs a value,
        150 values a page): these formats are numbers only, the same in every language
        (tests/test_list_rows.py holds them to the filter)."""
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            value = timezone.localtime(value)
            day = f"{value.year:04d}.{value.month:02d}.{value.day:02d}."
            return f"{day} {value.hour:02d}:{value.minute:02d}" if with_time else day
        return f"{value.year:04d}.{value.month:02d}.{value.day:02d}."

    def _form(self, index: int, row: RecallRow) -> str:
        values = {
            "prefix": f"c{index}",
            "patient": str(row.patient.pk),
            "treatment": str(row.due.treatment_id),
            "since": _e(self.parts.since_widget.format_value(row.due.since)),
            "back": self.back,
            "csrf_token": self.csrf_token,
        }
        parts = self.parts.form_parts
        out = [parts[0]]
        for place, part in zip(self.parts.form_places, parts[1:], strict=True):
            out += (values[place], part)
        return "".join(out)

    def render(self, rows: Sequence[tuple[RecallRow, str]]) -> str:
        """The <tr> of each (row, its booking URL), as the list's loop printed them."""
        return "".join(self.row(index, row, url) for index, (row, url) in enumerate(rows))

    def row(self, index: int, row: RecallRow, booking_url: str) -> str:
        due, patient, contact = row.due, row.patient, row.contact
        key = _e(due.key)
        name = _e(patient.full_name)
        bulk = ""
        if self.bulk:
            disabled = " disabled" if not row.channels or row.next_appointment else ""
            channels = ", ".join(self.parts.channel_labels[c] for c in sorted(row.channels))
            bulk = (
                f'<td><input type="checkbox" name="recall" value="{key}" form="recall-bulk"'
                f' aria-label="{name}"{disabled}> <span class="help">'
                f"{channels or self.parts.no_consent}</span></td>"
            )
        before, after = self.parts.patient_url
        email = f" · {_e(patient.email)}" if patient.email else ""
        since = self._when(due.since)
        interval = self.parts.interval % {"day": since, "n": due.interval_months}
        overdue = f"<br>{self.parts.overdue_badge}" if due.due < self.today else ""  # row.overdue
        badge = self.parts.badges[row.state]
        note = ""
        if row.next_appointment:
            note = (
                f'<br><span class="help">{self._when(row.next_appointment, with_time=True)}</span>'
            )
        elif contact:
            note = f'<br><span class="help">{self._when(contact.recorded_at)}'
            if contact.channels:
                channels = conditional_escape(contact.channels_label)
                note += " · " + self.parts.notified % {"channels": channels}
            if contact.note:
                note += f" · {_e(contact.note)}"
            note += "</span>"
        doctor = row.doctor.display_name if row.doctor is not None else ""
        book = ""
        if not row.next_appointment:
            book = f'<a class="button secondary" href="{_e(booking_url)}">{self.parts.book}</a>'
        return (
            f'\n    <tr data-recall="{key}">\n'
            f"      {bulk}\n"
            f'      <td><a href="{before}{patient.pk}{after}">{name}</a><br><span class="help">'
            f"{_e(patient.phone or '–')}{email}</span></td>\n"
            f"      <td>{_e(row.treatment.name)}<br>"
            f'<span class="help">{interval}</span></td>\n'
            f"      <td>{self._when(due.due)}{overdue}</td>\n"
            f"      <td>{self._when(row.last_visit) or '–'}</td>\n"
            f"      <td>{_e(doctor or '–')}</td>\n"
            f"      <td>{badge}\n"
            f"        {note}</td>\n"
            "      <td>\n"
            f"        {book}\n"
            f"        {self._form(index, row)}\n"
            "      </td>\n"
            "    </tr>\n  "
        )
