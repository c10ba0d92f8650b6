"""The rows of the plan page's item tables, built once per request in Python.

A 40-item plan's tables went through the template engine a row at a time: ≈ 30 tags and
lookups a row — three `money` tags, a `with` and a filter for the booking, two `url` tags, two
`csrf_token` tags (each masking a fresh token), the translations — ≈ 70 % of the plan page's
time (docs/benchmarks.md, "Profiles, issue 18"). Here the texts are translated, the URLs
reversed and the CSRF field made once a page; each row is one string whose every field is
escaped as the template's autoescape did (`conditional_escape`), dates in the current time
zone as the `date` filter shows them. The markup is byte for byte what
`plans/_items.html` made (`tests/test_item_rows.py`); the template prints the rows through
`{% plan_item_rows rows bookable %}` (plans_tags)."""

from collections.abc import Callable, Sequence
from datetime import datetime

from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.translation import gettext as _

from zomanc.plans.booking_selectors import ItemBooking
from zomanc.plans.models import TreatmentPlan
from zomanc.plans.selectors import QuoteItem
from zomanc.plans.templatetags.plans_tags import money_format
from zomanc.scheduling.models import AppointmentStatus

# An id no row has: reversed once, then replaced by each row's own.
_PK = 2_147_483_647
_PK_TEXT = str(_PK)


def _url(name: str, *args: int) -> tuple[str, str]:
    """The URL around its last argument (the row's id), escaped as `{% url %}` printed it."""
    before, _sep, after = reverse(name, args=[*args, _PK]).rpartition(_PK_TEXT)
    return conditional_escape(before), conditional_escape(after)


def _when(value: datetime, fmt: str) -> str:
    """`{{ value|date:fmt }}`: in the current time zone, escaped."""
    return conditional_escape(date_filter(timezone.localtime(value), fmt))


class PlanItemRows:
    """Everything a row needs that is the same for the whole page."""

    def __init__(
        self,
        *,
        plan: TreatmentPlan,
        bookings: dict[int, ItemBooking],
        editable: bool,
        can_complete_items: bool,
        can_book: bool,
        can_view_visits: bool,
        csrf_field: Callable[[], str],
    ) -> None:
        self.currency = plan.currency
        self.bookings = bookings
        self.editable = editable
        self.can_complete_items = can_complete_items
        self.can_book = can_book
        self._csrf_factory = csrf_field
        self._csrf = ""
        self.visit_url = _url("clinical:visit_detail") if can_view_visits else None
        self.appointment_url = _url("scheduling:appointment_edit")
        self.remove_url = _url("plans:item_remove", plan.pk) if editable else None
        self.complete_url = _url("plans:item_complete", plan.pk) if can_complete_items else None
        self.done = conditional_escape(_("elvégezve"))
        self.the_visit = conditional_escape(_("az ellátás"))
        self.select = conditional_escape(_("Kijelölés foglaláshoz"))
        self.unbooked = conditional_escape(_("nincs foglalva"))
        self.cancelled = conditional_escape(_("lemondva"))
        self.past = conditional_escape(_("elmúlt"))
        self.remove = conditional_escape(_("Törlés"))
        self.complete = conditional_escape(_("Elvégezve"))
        self.vat: dict[str, str] = {}

    @property
    def csrf(self) -> str:
        """The CSRF field of the rows' forms: one masked token a page (the template masked a
        fresh one per `{% csrf_token %}`; any of them is valid), made only when a form shows."""
        if not self._csrf:
            self._csrf = self._csrf_factory()
        return self._csrf

    def _money(self, amount: object) -> str:
        return conditional_escape(money_format(amount, self.currency))  # type: ignore[arg-type]

    def render(self, rows: Sequence[QuoteItem], *, bookable: bool) -> str:
        return "".join(self.row(q, bookable=bookable) for q in rows)

    def row(self, q: QuoteItem, *, bookable: bool) -> str:
        item, amounts = q.item, q.amounts
        pk = str(item.pk)
        name = conditional_escape(item.name)
        first: str = name
        if item.note:
            first += f'<div class="help">{conditional_escape(item.note)}</div>'
        if item.done_at:
            first += (
                ' <span class="badge state-ok"><span class="state-icon" aria-hidden="true">'
                f"</span>{self.done} {_when(item.done_at, 'Y.m.d.')}</span>"
            )
            if item.done_visit_id and self.visit_url is not None:
                before, after = self.visit_url
                first += (
                    f' <a href="{before}{item.done_visit_id}{after}" class="done-visit">'
                    f"{self.the_visit}</a>"
                )
        discount = ""
        if amounts.discount:
            discount = f"−{self._money(amounts.discount)}"
            if item.discount_percent is not None:
                discount += f" ({conditional_escape(floatformat(item.discount_percent, '-2'))} %)"
        vat = self.vat.get(item.vat_rate)
        if vat is None:
            vat = self.vat[item.vat_rate] = conditional_escape(item.get_vat_rate_display())
        tooth = str(item.tooth) if item.tooth else ""
        done = ' class="done"' if item.done_at else ""
        return (
            f"\n    <tr{done}>\n"
            f"      <td>{first}</td>\n"
            f"      <td>{tooth} {conditional_escape(item.surfaces)}</td>\n"
            f'      <td class="num">{item.quantity}</td>\n'
            f'      <td class="num">{self._money(item.unit_price)}</td>\n'
            f'      <td class="num">{discount}</td>\n'
            f'      <td class="num">{self._money(amounts.total)}</td>\n'
            f"      <td>{vat}</td>\n"
            f'      <td class="plan-booking">\n'
            f"        {self._booking(q, pk, name, bookable=bookable)}\n"
            "      </td>\n"
            "      <td>\n"
            f"        {self._remove(pk)}\n"
            f"        {self._complete(pk) if not item.done_at else ''}\n"
            "      </td>\n"
            "    </tr>\n  "
        )

    def _booking(self, q: QuoteItem, pk: str, name: str, *, bookable: bool) -> str:
        b = self.bookings.get(q.item.pk)
        if b is not None and b.live:
            a = b.appointment
            before, after = self.appointment_url
            return (
                f'<a href="{before}{a.pk}{after}">{_when(a.starts_at, "Y.m.d. H:i")}</a>'
                f'<div class="help">{conditional_escape(a.chair.name)}, '
                f"{conditional_escape(a.doctor.display_name)}</div>\n        "
            )
        if q.item.done_at:
            done = _when(b.appointment.starts_at, "Y.m.d. H:i") if b is not None else ""
            return f"{done}\n        "
        if not bookable:
            choice = ""  # an option not chosen: not carried out
        elif self.can_book:
            choice = (
                f'<label class="check"><input type="checkbox" name="items" value="{pk}"'
                f' form="plan-book" aria-label="{self.select}: {name}"> {self.unbooked}</label>'
            )
        else:
            choice = self.unbooked
        earlier = ""
        if b is not None:
            a = b.appointment
            why = self.cancelled if a.status == AppointmentStatus.CANCELLED else self.past
            earlier = f'<div class="help">{why}: {_when(a.starts_at, "Y.m.d. H:i")}</div>'
        return f"\n          {choice}\n          {earlier}\n        "

    def _remove(self, pk: str) -> str:
        if self.remove_url is None:
            return ""
        before, after = self.remove_url
        return (
            f'<form method="post" action="{before}{pk}{after}" class="inline">{self.csrf}'
            f'<button type="submit" class="link">{self.remove}</button></form>'
        )

    def _complete(self, pk: str) -> str:
        if self.complete_url is None:
            return ""
        before, after = self.complete_url
        return (
            f'<form method="post" action="{before}{pk}{after}" class="inline">{self.csrf}'
            f'<button type="submit" class="link">{self.complete}</button></form>'
        )
