"""The invoice list's rows are built in Python from plain values (zomanc/billing/list_rows.py,
issue 18): held byte for byte to the template loop they replaced (REFERENCE,
billing/invoice_list.html before) over model instances, for every kind and NAV state with
markup characters in the texts; and the page reads a fixed number of queries whatever the
number of invoices."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zomanc.billing.list_rows import InvoiceListRows
from zomanc.billing.models import Invoice, InvoiceKind
from zomanc.billing.selectors import InvoiceListRow
from zomanc.billing.tests.test_closing import issue
from zomanc.conftest import Personas
from zomanc.nav.models import NavSubmission, SubmissionState
from zomanc.patients.models import Patient

REFERENCE = """{% load i18n billing %}{% for invoice in invoices %}
    <tr><td><a href="{% url 'billing:detail' invoice.pk %}">{{ invoice.number }}</a>{% if invoice.kind != "normal" %} ({{ invoice.get_kind_display }}){% endif %}</td>
      <td>{{ invoice.issue_date|date:"Y.m.d." }}</td><td>{{ invoice.customer_name }}</td>
      <td class="num">{{ invoice.gross_total|huf }}</td><td>{% include "billing/_nav_badge.html" with submission=invoice.nav_submission %}</td></tr>
  {% endfor %}"""  # noqa: E501


def _rows() -> list[InvoiceListRow]:
    """Every kind with every NAV state (and none), markup in the number and the name."""
    states: list[str | None] = [str(s.value) for s in SubmissionState] + [None]
    kinds = [str(k.value) for k in InvoiceKind]
    return [
        InvoiceListRow(
            pk=100 + n,
            number=f"T-<{n}>&'\"",
            kind=kinds[n % len(kinds)],
            issue_date=dt.date(2026, 1 + n % 12, 1 + n),
            customer_name=f"Kiss <Máté> & {n}",
            gross_total=Decimal(-38000 if n % 4 == 3 else 1234567 * n),
            nav_state=state,
            patient_id=None,
        )
        for n, state in enumerate(states * 2)
    ]


def test_rows_are_the_templates_markup_byte_for_byte() -> None:
    rows = _rows()
    invoices = []
    for r in rows:
        invoice = Invoice(
            pk=r.pk,
            number=r.number,
            kind=r.kind,
            issue_date=r.issue_date,
            customer_name=r.customer_name,
            gross_total=r.gross_total,
        )
        # The reverse one-to-one as select_related filled it (None: no submission).
        submission = NavSubmission(state=r.nav_state) if r.nav_state is not None else None
        Invoice.nav_submission.related.set_cached_value(invoice, submission)
        invoices.append(invoice)
    expected = Template(REFERENCE).render(Context({"invoices": invoices}))
    assert InvoiceListRows().render(rows) == expected
    for text in (
        "T-&lt;3&gt;&amp;&#x27;&quot;", "Kiss &lt;Máté&gt; &amp; 1", " (Sztornó számla)",
        " (Módosító számla)", "nav-done", "NAV: ", "-38\xa0000\xa0Ft", "2026.02.02.",
    ):  # fmt: skip
        assert text in expected, text
    assert expected.count("<tr>") == len(rows) and expected.count("NAV: ") < len(rows)


@pytest.mark.django_db
def test_the_list_reads_a_fixed_number_of_queries(billing: Personas, patient: Patient) -> None:
    client = billing.client_for(billing.receptionist)

    def count() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("billing:list"))
            assert response.status_code == 200
        return len(ctx.captured_queries), response.content.decode()

    first = issue(billing, patient, 15000, "list-0")
    client.get(reverse("billing:list"))
    one, _page = count()
    more = [issue(billing, patient, 15000 + n, f"list-{n}") for n in range(1, 5)]
    many, page = count()
    assert many == one
    for invoice in (first, *more):
        assert f'<a href="{reverse("billing:detail", args=[invoice.pk])}">' in page
