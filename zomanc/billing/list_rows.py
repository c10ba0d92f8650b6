"""The rows of the invoice list ("Számlák"), built once per request in Python.

The list shows the latest 200 invoices; each row went through the template engine with a
`url` tag, the kind's display, the `huf` filter and an include of the NAV badge, the
invoices read as model instances with four related ones each (the submission, the original,
the company, the patient — the list shows none but the submission's state): ≈ 90 % of the
page's time, 42–50 ms of CPU against a bare view of 2.4–3.5 ms with a day of 200 invoices
(docs/benchmarks.md, "Profiles, issue 18"). Here the rows are plain values
(selectors.invoice_list_rows), the URL reversed once a page, the badge rendered once per
NAV state through its own template, the kinds' names translated once; every field is escaped
as the template's autoescape did (`conditional_escape`). The markup is byte for byte what
`billing/invoice_list.html`'s loop made (`tests/test_list_rows.py`)."""

import datetime as dt
from collections.abc import Sequence

from django.template.defaultfilters import date as date_filter
from django.template.loader import get_template
from django.urls import reverse
from django.utils.html import conditional_escape

from zomanc.billing.formatting import huf_format
from zomanc.billing.models import InvoiceKind
from zomanc.billing.selectors import InvoiceListRow
from zomanc.nav.models import NavSubmission

_PK = 2_147_483_647  # an id no invoice has: the detail URL around it


class InvoiceListRows:
    """Everything a row needs that is the same for the whole page."""

    def __init__(self) -> None:
        before, _sep, after = reverse("billing:detail", args=[_PK]).rpartition(str(_PK))
        self.detail_url = (conditional_escape(before), conditional_escape(after))
        self.kinds = {
            str(kind.value): f" ({conditional_escape(kind.label)})" if kind != "normal" else ""
            for kind in InvoiceKind
        }
        self.badges: dict[str | None, str] = {}
        self.dates: dict[dt.date, str] = {}

    def _badge(self, state: str | None) -> str:
        """billing/_nav_badge.html as `{% include %}` printed it, once per state a page."""
        badge = self.badges.get(state)
        if badge is None:
            submission = NavSubmission(state=state) if state is not None else None
            badge = self.badges[state] = get_template("billing/_nav_badge.html").render(
                {"submission": submission}
            )
        return badge

    def _kind(self, kind: str) -> str:
        """`{% if kind != "normal" %} ({{ get_kind_display }}){% endif %}`."""
        text = self.kinds.get(kind)
        return text if text is not None else f" ({conditional_escape(kind)})"

    def _date(self, day: dt.date) -> str:
        text = self.dates.get(day)
        if text is None:
            text = self.dates[day] = conditional_escape(date_filter(day, "Y.m.d."))
        return text

    def render(self, rows: Sequence[InvoiceListRow]) -> str:
        before, after = self.detail_url
        return "".join(
            f'\n    <tr><td><a href="{before}{r.pk}{after}">{conditional_escape(r.number)}</a>'
            f"{self._kind(r.kind)}</td>\n"
            f"      <td>{self._date(r.issue_date)}</td>"
            f"<td>{conditional_escape(r.customer_name)}</td>\n"
            f'      <td class="num">{conditional_escape(huf_format(r.gross_total))}</td>'
            f"<td>{self._badge(r.nav_state)}</td></tr>\n  "
            for r in rows
        )
