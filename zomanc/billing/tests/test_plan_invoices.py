"""Invoices from accepted plans (done items, each at most once, a storno frees them), the
quote's advance invoice and the final invoice deducting it, EUR invoices with their rate and
VAT in HUF — validated against the XSD and accepted (DONE) by the NAV sandbox."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, connections
from django.utils import timezone
from lxml import etree

from zomanc.billing.models import Invoice, InvoiceLine
from zomanc.billing.plan_invoices import (
    plan_advance_invoice,
    plan_advances,
    plan_invoice_items,
    plan_invoiced_items,
)
from zomanc.billing.services import (
    CustomerInput,
    LineInput,
    customer_of_patient,
    invoice_issue,
    invoice_issue_for_visit,
    invoice_modify,
    invoice_storno,
)
from zomanc.billing.tests.fixtures import make_visit
from zomanc.billing.tests.plan_fixtures import EUR_RATE, accepted_plan, complete, plan_items
from zomanc.clinical.models import Visit, VisitStatus
from zomanc.conftest import Personas
from zomanc.nav.client import schema
from zomanc.nav.models import NavSubmission, SubmissionState
from zomanc.nav.tests.fixtures import NavSandbox
from zomanc.nav.tests.test_outbox import _run
from zomanc.patients.models import Patient
from zomanc.plans.clinical_services import plan_item_perform
from zomanc.plans.models import Currency, TreatmentPlan


def _xml(invoice: Invoice) -> etree._Element:
    root = schema.parse(bytes(NavSubmission.objects.get(invoice=invoice).invoice_xml))
    schema.validate(root)
    return root


def _t(root: etree._Element, name: str) -> list[str]:
    return [e.text or "" for e in root.iter(f"{{{schema.NS_DATA}}}{name}")]


def _done(invoice: Invoice) -> None:
    row = _run(NavSubmission.objects.get(invoice=invoice))
    assert row.state == SubmissionState.DONE, row.messages


def _bill(p: Personas, plan: object, ids: list[int], key: str, **kw: object) -> Invoice:
    return plan_invoice_items(
        actor=p.receptionist,
        plan=plan,  # type: ignore[arg-type]
        company=p.company_a,
        item_ids=ids,
        payment_method="CASH",
        idempotency_key=key,
        **kw,  # type: ignore[arg-type]
    )


def test_done_items_invoiced_once_storno_frees_them(billing: Personas, patient: Patient) -> None:
    plan = accepted_plan(billing, patient)
    root, crown, whitening = plan_items(plan)
    complete(billing, root)
    complete(billing, whitening)
    # Not yet done: refused (prepayment goes through the advance invoice), nothing saved.
    with pytest.raises(ValidationError, match=r"még nincs elvégezve.*előlegszámlát"):
        _bill(billing, plan, [root.pk, crown.pk], "x")
    assert Invoice.objects.count() == 0
    invoice = _bill(billing, plan, [root.pk, whitening.pk], "a")
    assert invoice.plan_id == plan.pk and invoice.patient_id == patient.pk
    lines = list(invoice.lines.all())
    assert [x.plan_item_id for x in lines] == [root.pk, whitening.pk]
    assert [(x.vat_code, x.net, x.vat) for x in lines] == [("TAM", 45000, 0), ("27", 31496, 8504)]
    assert set(plan_invoiced_items(plan)) == {root.pk, whitening.pk}
    # The same item again: refused with the invoice's number, nothing saved.
    with pytest.raises(ValidationError, match=f"már szerepel.*{invoice.number}"):
        _bill(billing, plan, [whitening.pk], "b")
    assert Invoice.objects.count() == 1
    # A double click returns the first invoice.
    assert _bill(billing, plan, [root.pk, whitening.pk], "a").pk == invoice.pk
    # The storno frees both items: they can be invoiced again.
    invoice_storno(actor=billing.receptionist, invoice=invoice, idempotency_key="s")
    assert plan_invoiced_items(plan) == {}
    again = _bill(billing, plan, [whitening.pk], "c")
    assert plan_invoiced_items(plan) == {whitening.pk: again}
    _xml(again)


def test_plan_must_be_accepted_and_of_the_practice(billing: Personas, patient: Patient) -> None:
    plan = accepted_plan(billing, patient)
    first = plan_items(plan)[0]
    complete(billing, first)
    with pytest.raises(ValidationError, match=r"nem ehhez a rendelőhöz"):
        plan_invoice_items(
            actor=billing.receptionist,
            plan=plan,
            company=billing.company_b,  # another practice's company
            item_ids=[first.pk],
            payment_method="CASH",
            idempotency_key="k",
        )
    plan.status = "rejected"
    with pytest.raises(ValidationError, match=r"Csak elfogadott"):
        _bill(billing, plan, [first.pk], "k2")
    assert Invoice.objects.count() == 0


def test_advance_and_final_invoice_reach_done_at_nav(
    billing: Personas, patient: Patient, nav_clean: NavSandbox
) -> None:
    plan = accepted_plan(billing, patient)  # 205 000 Ft, 30 % advance = 61 500 Ft
    with pytest.raises(ValidationError, match=r"nincs levonandó"):
        _bill(billing, plan, [], "f0", deduct_advances=True)
    advance = plan_advance_invoice(
        actor=billing.receptionist,
        plan=plan,
        company=billing.company_a,
        payment_method="TRANSFER",
        idempotency_key="adv",
    )
    assert advance.is_advance and advance.gross_total == 61500
    # Split over the quote's VAT rates in proportion: 165 000 exempt, 40 000 at 27 %.
    lines = list(advance.lines.all())
    assert [(x.vat_code, x.net, x.vat, x.advance) for x in lines] == [
        ("TAM", 49500, 0, True),
        ("27", 9449, 2551, True),
    ]
    root = _xml(advance)
    assert _t(root, "advanceIndicator") == ["true", "true"]
    assert _t(root, "invoiceCategory") == ["NORMAL"]
    with pytest.raises(ValidationError, match=r"már van érvényes előlegszámla"):
        plan_advance_invoice(
            actor=billing.receptionist,
            plan=plan,
            company=billing.company_a,
            payment_method="CASH",
            idempotency_key="adv2",
        )
    _done(advance)
    for item in plan_items(plan):
        complete(billing, item)
    final = _bill(billing, plan, [x.pk for x in plan_items(plan)], "final", deduct_advances=True)
    deductions = [x for x in final.lines.all() if x.advance_invoice_id]
    assert [(x.quantity, x.vat_code, x.net, x.vat) for x in deductions] == [
        (-1, "TAM", -49500, 0),
        (-1, "27", -9449, -2551),
    ]
    # 205 000 − 61 500; the 27 % VAT: 8 504 on the work − 2 551 already invoiced.
    assert (final.gross_total, final.vat_total) == (143500, 8504 - 2551)
    root = _xml(final)
    assert _t(root, "advanceOriginalInvoice") == [advance.number, advance.number]
    assert _t(root, "advancePaymentDate") == [advance.delivery_date.isoformat()] * 2
    assert _t(root, "advanceExchangeRate") == ["1", "1"]
    assert _t(root, "quantity")[-2:] == ["-1", "-1"]
    assert plan_advances(plan)[0].deducted_by == final
    # Deducted once: a second final invoice has nothing to deduct.
    with pytest.raises(ValidationError, match=r"nincs levonandó"):
        _bill(billing, plan, [], "final2", deduct_advances=True)
    _done(final)


def test_deducted_advance_stornoed_only_after_its_final_invoice(
    billing: Personas, patient: Patient
) -> None:
    plan = accepted_plan(billing, patient)
    advance = plan_advance_invoice(
        actor=billing.receptionist,
        plan=plan,
        company=billing.company_a,
        payment_method="CASH",
        idempotency_key="adv",
    )
    for item in plan_items(plan):
        complete(billing, item)
    final = _bill(billing, plan, [x.pk for x in plan_items(plan)], "f", deduct_advances=True)
    with pytest.raises(ValidationError, match=f"{final.number} végszámla levonta"):
        invoice_storno(actor=billing.receptionist, invoice=advance, idempotency_key="s1")
    assert Invoice.objects.count() == 2
    # Plan, advance and EUR invoices are corrected by storno and reissue, not modification.
    with pytest.raises(ValidationError, match="nem módosítható"):
        invoice_modify(
            actor=billing.receptionist,
            invoice=final,
            lines=[LineInput("Kontroll", Decimal(1), Decimal(1000), "AAM")],
            idempotency_key="m",
        )
    invoice_storno(actor=billing.receptionist, invoice=final, idempotency_key="s2")
    # The final invoice's storno frees the advance for a new final invoice, and the items.
    assert plan_advances(plan)[0].deducted_by is None and plan_invoiced_items(plan) == {}
    invoice_storno(actor=billing.receptionist, invoice=advance, idempotency_key="s3")
    assert plan_advances(plan) == []
    # With the advance stornoed, a new advance invoice can be issued (the plan, all done,
    # counts as in progress here: only the one-advance rule is under test).
    plan.status = "in_progress"
    again = plan_advance_invoice(
        actor=billing.receptionist,
        plan=plan,
        company=billing.company_a,
        payment_method="CASH",
        idempotency_key="adv2",
    )
    assert again.is_advance


def test_final_invoice_cannot_go_negative(billing: Personas, patient: Patient) -> None:
    plan = accepted_plan(billing, patient)
    plan_advance_invoice(
        actor=billing.receptionist,
        plan=plan,
        company=billing.company_a,
        payment_method="CASH",
        idempotency_key="adv",
    )
    first = complete(billing, plan_items(plan)[0])  # 45 000 < 61 500 advance
    with pytest.raises(ValidationError, match=r"nem lehet negatív"):
        _bill(billing, plan, [first.pk], "f", deduct_advances=True)
    assert Invoice.objects.count() == 1


def test_eur_invoice_with_rate_and_huf_vat_reaches_done(
    billing: Personas, patient: Patient, nav_clean: NavSandbox
) -> None:
    plan = accepted_plan(billing, patient, currency=Currency.EUR)
    root_item, _crown, whitening = plan_items(plan)
    complete(billing, root_item)
    complete(billing, whitening)
    invoice = _bill(billing, plan, [root_item.pk, whitening.pk], "eur")
    assert invoice.currency == "EUR" and invoice.exchange_rate == EUR_RATE
    assert invoice.exchange_rate_date == plan.exchange_rate_date
    lines = list(invoice.lines.all())
    # 199.99 € at 27 %: 157.47 + 42.52 €; in HUF each × 392.15, rounded to the forint.
    assert [(x.net_cur, x.vat_cur, x.net, x.vat) for x in lines] == [
        (Decimal("250.00"), Decimal("0.00"), 98038, 0),
        (Decimal("157.47"), Decimal("42.52"), 61752, 16674),
    ]
    assert invoice.gross_total_cur == Decimal("449.99")
    assert invoice.gross_total == 98038 + 61752 + 16674
    root = _xml(invoice)
    assert _t(root, "currencyCode") == ["EUR"]
    assert _t(root, "exchangeRate") == ["392.15"]
    assert _t(root, "lineVatAmount") == ["0.00", "42.52"]
    assert _t(root, "lineVatAmountHUF") == ["0", "16674"]
    assert _t(root, "invoiceVatAmountHUF") == ["16674"]
    assert _t(root, "invoiceGrossAmountHUF") == [str(98038 + 61752 + 16674)]
    _done(invoice)
    # Its storno keeps the currency and the rate, negated in both.
    storno = invoice_storno(actor=billing.receptionist, invoice=invoice, idempotency_key="s")
    assert storno.currency == "EUR" and storno.gross_total_cur == Decimal("-449.99")
    assert _t(_xml(storno), "lineVatAmountHUF") == ["0", "-16674"]
    _done(storno)


def test_eur_advance_and_final(billing: Personas, patient: Patient, nav_clean: NavSandbox) -> None:
    plan = accepted_plan(billing, patient, currency=Currency.EUR)  # 1 089.99 €, 30 % = 327 €
    advance = plan_advance_invoice(
        actor=billing.receptionist,
        plan=plan,
        company=billing.company_a,
        payment_method="CARD",
        idempotency_key="adv",
    )
    assert advance.gross_total_cur == Decimal("327.00")
    for item in plan_items(plan):
        complete(billing, item)
    final = _bill(billing, plan, [x.pk for x in plan_items(plan)], "f", deduct_advances=True)
    assert final.gross_total_cur == Decimal("762.99")
    assert _t(_xml(final), "advanceExchangeRate") == ["392.15", "392.15"]
    _done(advance)
    _done(final)


def test_mixed_currencies_and_missing_rate_refused(billing: Personas) -> None:
    customer = CustomerInput(kind="patient", name="Kiss Máté")
    with pytest.raises(ValidationError, match=r"csak egy pénznem"):
        invoice_issue(
            actor=billing.receptionist,
            company=billing.company_a,
            customer=customer,
            lines=[
                LineInput("Korona", Decimal(1), Decimal(300), "AAM", currency="EUR"),
                LineInput("Tömés", Decimal(1), Decimal(16000), "AAM", currency="HUF"),
            ],
            payment_method="CASH",
            idempotency_key="m",
            currency="EUR",
            exchange_rate=EUR_RATE,
            exchange_rate_date=timezone.localdate(),
        )
    with pytest.raises(ValidationError, match=r"árfolyamot"):
        invoice_issue(
            actor=billing.receptionist,
            company=billing.company_a,
            customer=customer,
            lines=[LineInput("Korona", Decimal(1), Decimal(300), "AAM")],
            payment_method="CASH",
            idempotency_key="r",
            currency="EUR",
        )
    assert Invoice.objects.count() == 0 and InvoiceLine.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_two_receptionists_billing_the_same_item_at_once(
    billing: Personas, patient: Patient
) -> None:
    """Real concurrent transactions (threads with their own connections): the plan row's
    lock lets one invoice through, the other is refused (without it both were issued)."""
    plan = accepted_plan(billing, patient)
    item = complete(billing, plan_items(plan)[0])
    count = 4
    barrier = threading.Barrier(count)
    issued: list[str] = []
    refused: list[str] = []
    errors: list[BaseException] = []

    def bill(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            for _ in range(200):
                try:
                    issued.append(_bill(billing, plan, [item.pk], f"c{i}").number)
                    break
                except ValidationError as error:
                    refused.append(" ".join(error.messages))
                    break
                except OperationalError:
                    # SQLite's shared-cache test database answers "locked" where a file
                    # database would wait; PostgreSQL must never get here.
                    if connection.vendor != "sqlite":
                        raise
                    time.sleep(0.01)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=bill, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(issued) == 1 and len(refused) == count - 1, (issued, refused)
    assert all("már szerepel" in text for text in refused)
    assert InvoiceLine.objects.filter(plan_item=item).count() == 1


def _performed_in_a_visit(p: Personas, patient: Patient) -> tuple[TreatmentPlan, Visit]:
    """An accepted plan whose first item was carried out in a (then closed) visit."""
    plan = accepted_plan(p, patient)
    item = plan_items(plan)[0]
    visit = make_visit(p, patient, [], closed=False)
    plan_item_perform(item=item, visit=visit, actor=p.doctor)
    Visit.objects.filter(pk=visit.pk).update(status=VisitStatus.CLOSED, closed_at=timezone.now())
    visit.refresh_from_db()
    plan.refresh_from_db()
    return plan, visit


def test_work_billed_with_its_visit_is_not_billed_from_the_plan(
    billing: Personas, patient: Patient
) -> None:
    plan, visit = _performed_in_a_visit(billing, patient)
    item = plan_items(plan)[0]
    by_visit = invoice_issue_for_visit(
        actor=billing.receptionist,
        visit=visit,
        customer=customer_of_patient(patient),
        payment_method="CASH",
        idempotency_key="v",
    )
    with pytest.raises(ValidationError, match=f"vizit számláján \\({by_visit.number}\\)"):
        _bill(billing, plan, [item.pk], "p")
    assert Invoice.objects.count() == 1
    # The visit's storno frees it for the plan.
    invoice_storno(actor=billing.receptionist, invoice=by_visit, idempotency_key="s")
    assert _bill(billing, plan, [item.pk], "p2").lines.get().plan_item_id == item.pk


def test_work_billed_from_the_plan_is_not_billed_with_its_visit(
    billing: Personas, patient: Patient
) -> None:
    plan, visit = _performed_in_a_visit(billing, patient)
    _bill(billing, plan, [plan_items(plan)[0].pk], "p")
    # The visit's only procedure is billed already: nothing left to bill with the visit.
    with pytest.raises(ValidationError, match="nincs számlázható beavatkozása"):
        invoice_issue_for_visit(
            actor=billing.receptionist,
            visit=visit,
            customer=customer_of_patient(patient),
            payment_method="CASH",
            idempotency_key="v",
        )
    assert Invoice.objects.count() == 1
