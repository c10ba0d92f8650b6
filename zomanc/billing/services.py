"""Issuing invoices (and stornos) and writing their NAV report in the same transaction.

Numbers: per company and numbering block (prefix + year), e.g. MF-2026-000123, taken from
a counter row locked with SELECT … FOR UPDATE inside the issuing transaction — consecutive,
no gap (a rolled-back issue rolls the counter back with it), never reused. A double click
issues one invoice: the form carries an idempotency key, unique per practice.

Prices: the catalogue's and the visit's prices are the gross prices the patient pays
(consumer prices are displayed gross); a 27 % line's net is gross / 1.27 rounded to the
forint, its VAT the rest (docs/invoicing.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from zomanc.billing.models import (
    NAV_PAYMENT_METHOD,
    CustomerKind,
    Invoice,
    InvoiceCounter,
    InvoiceKind,
    InvoiceLine,
    PaymentMethod,
)
from zomanc.billing.payments import refunds_write
from zomanc.clinical.models import Visit, VisitStatus
from zomanc.nav.client.crypto import tax_number_parts
from zomanc.nav.client.invoice_xml import (
    EXEMPT_ACTIVITY,
    EXEMPT_SMALL_BUSINESS,
    Address,
    InvoiceDoc,
    Line,
    Reference,
    TaxNumber,
    invoice_data_xml,
)
from zomanc.nav.outbox import nav_submission_write
from zomanc.patients.models import Patient
from zomanc.plans.models import TreatmentPlan
from zomanc.practices.models import Company, StaffMember

REASON_HEALTH_CARE = "Áfa tv. 85. § (1) c) – humán-egészségügyi ellátás"
REASON_SMALL_BUSINESS = "Áfa tv. XIII. fejezet – alanyi adómentesség"
TRANSFER_DAYS = 8


@dataclass(frozen=True)
class LineInput:
    description: str
    quantity: Decimal
    gross_unit_price: Decimal
    # The catalogue's code: "27" (aesthetic work) or "AAM" (the catalogue's "exempt", which
    # for a dental service is Áfa tv. 85. § (1) c), reported as TAM).
    vat_rate: str
    procedure_id: int | None = None
    # The line's currency ("": the invoice's); another than the invoice's is refused.
    currency: str = ""
    plan_item_id: int | None = None
    # An advance invoice's line (NAV advanceIndicator).
    advance: bool = False
    # The final invoice's deduction of an advance invoice's line: its amounts negated.
    deducts: InvoiceLine | None = None


@dataclass(frozen=True)
class CustomerInput:
    kind: str  # CustomerKind
    name: str
    postal_code: str = ""
    city: str = ""
    street: str = ""
    tax_number: str = ""
    fund_member_name: str = ""
    fund_member_number: str = ""


def customer_of_patient(patient: Patient) -> CustomerInput:
    return CustomerInput(
        kind=CustomerKind.PATIENT,
        name=f"{patient.family_name} {patient.given_name}",
        postal_code=patient.postal_code,
        city=patient.city,
        street=patient.street_address,
    )


def _company_ready(company: Company) -> None:
    missing = []
    if tax_number_parts(company.tax_number) is None:
        missing.append(_("adószám"))
    if not (company.postal_code and company.city and company.street_address):
        missing.append(_("cím"))
    if not company.invoice_prefix:
        missing.append(_("számlaszám előtag"))
    if missing:
        raise ValidationError(
            _("A cég számlázási adatai hiányosak (%(missing)s): Beállítások → Cégek.")
            % {"missing": ", ".join(missing)}
        )


def _customer_check(customer: CustomerInput) -> None:
    errors: dict[str, str] = {}
    if not customer.name.strip():
        errors["name"] = _("A vevő neve kötelező.")
    if customer.kind in (CustomerKind.COMPANY, CustomerKind.HEALTH_FUND):
        if tax_number_parts(customer.tax_number) is None:
            errors["tax_number"] = _(
                "A vevő adószáma hibás: a forma 12345678-1-42, és a 8. számjegy ellenőrző számjegy."
            )
        if not (customer.postal_code and customer.city and customer.street):
            errors["street"] = _("Cég vagy pénztár vevő címe kötelező.")
    if customer.kind == CustomerKind.HEALTH_FUND and not (
        customer.fund_member_name.strip() and customer.fund_member_number.strip()
    ):
        errors["fund_member_number"] = _(
            "Egészségpénztári számlán a pénztártag neve és tagi azonosítója kötelező."
        )
    if errors:
        raise ValidationError(errors)


# (vat code, reason, net, vat, net unit price) of a line.
Amounts = tuple[str, str, Decimal, Decimal, Decimal]
# A foreign-currency line's (net, vat) in its currency; None on a HUF invoice.
CurAmounts = tuple[Decimal, Decimal] | None
CENT = Decimal("0.01")


def _amounts_cur(line: LineInput, company: Company, rate: Decimal) -> tuple[Amounts, CurAmounts]:
    """A foreign-currency line: (vat code, reason, net HUF, VAT HUF, net unit price in the
    currency) and (net, VAT) in the currency. The currency's amounts are rounded to the
    cent, each HUF amount is the currency's × the rate, rounded to the forint (the VAT in
    HUF the contract requires on every line)."""
    gross = (line.gross_unit_price * line.quantity).quantize(CENT, ROUND_HALF_UP)
    if company.vat_small_business_exempt:
        code, reason, net = EXEMPT_SMALL_BUSINESS, REASON_SMALL_BUSINESS, gross
    elif line.vat_rate == "27":
        code, reason = "27", ""
        net = (gross / Decimal("1.27")).quantize(CENT, ROUND_HALF_UP)
    else:
        code, reason, net = EXEMPT_ACTIVITY, REASON_HEALTH_CARE, gross
    vat = gross - net
    unit = (net / line.quantity).quantize(CENT, ROUND_HALF_UP)
    huf_net = (net * rate).quantize(Decimal(1), ROUND_HALF_UP)
    huf_vat = (vat * rate).quantize(Decimal(1), ROUND_HALF_UP)
    return (code, reason, huf_net, huf_vat, unit), (net, vat)


def _line_amounts(
    line: LineInput, company: Company, currency: str, rate: Decimal
) -> tuple[Amounts, CurAmounts]:
    """A line's amounts on an invoice in `currency`; a deduction takes its advance line's
    amounts negated (the same VAT code, reason and rounding as the advance invoice)."""
    if line.deducts is not None:
        x = line.deducts
        amounts: Amounts = (x.vat_code, x.vat_reason, -x.net, -x.vat, x.unit_price_net)
        if x.net_cur is None or x.vat_cur is None:
            return amounts, None
        return amounts, (-x.net_cur, -x.vat_cur)
    if currency == "HUF":
        return _amounts(line, company), None
    return _amounts_cur(line, company, rate)


def _amounts(line: LineInput, company: Company) -> Amounts:
    """(vat code, reason, net, vat, net unit price) of a line."""
    gross = (line.gross_unit_price * line.quantity).quantize(Decimal(1), ROUND_HALF_UP)
    if company.vat_small_business_exempt:
        code, reason, net = EXEMPT_SMALL_BUSINESS, REASON_SMALL_BUSINESS, gross
    elif line.vat_rate == "27":
        code, reason = "27", ""
        net = (gross / Decimal("1.27")).quantize(Decimal(1), ROUND_HALF_UP)
    else:
        code, reason, net = EXEMPT_ACTIVITY, REASON_HEALTH_CARE, gross
    unit = (net / line.quantity).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return code, reason, net, gross - net, unit


def _next_number(company: Company, year: int) -> str:
    prefix = company.invoice_prefix
    try:
        with transaction.atomic():  # a savepoint: a concurrent first insert may win
            InvoiceCounter.objects.get_or_create(
                practice_id=company.practice_id, company=company, prefix=prefix, year=year
            )
    except IntegrityError:
        pass
    counter = InvoiceCounter.objects.select_for_update().get(
        practice_id=company.practice_id, company=company, prefix=prefix, year=year
    )
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"{prefix}-{year}-{counter.last_number:06d}"


def _wire_doc(invoice: Invoice, lines: list[InvoiceLine]) -> InvoiceDoc:
    supplier = tax_number_parts(invoice.supplier_tax_number)
    assert supplier is not None
    customer_tax = (
        tax_number_parts(invoice.customer_tax_number) if invoice.customer_tax_number else None
    )
    reference = None
    if invoice.original is not None:
        reference = Reference(
            original_number=invoice.original.number,
            modification_index=invoice.modification_index or 1,
            original_line_count=_chain_line_count(invoice.original, before=invoice),
            without_master=_aborted_at_nav(invoice.original),
        )
    additional = []
    if invoice.customer_kind == CustomerKind.HEALTH_FUND:
        additional = [
            ("A00001_PENZTARTAG_NEVE", "Pénztártag neve", invoice.fund_member_name),
            ("A00002_PENZTARTAG_AZONOSITO", "Pénztártag azonosítója", invoice.fund_member_number),
        ]
    private = invoice.customer_kind == CustomerKind.PATIENT
    return InvoiceDoc(
        number=invoice.number,
        issue_date=invoice.issue_date,
        delivery_date=invoice.delivery_date,
        payment_method=NAV_PAYMENT_METHOD.get(invoice.payment_method, invoice.payment_method),
        payment_date=invoice.payment_due,
        supplier_tax=TaxNumber(*supplier),
        supplier_name=invoice.supplier_name,
        supplier_address=Address(
            invoice.supplier_postal_code, invoice.supplier_city, invoice.supplier_street
        ),
        supplier_bank_account=invoice.supplier_bank_account,
        supplier_individual_exemption=invoice.supplier_small_business_exempt,
        customer_status="PRIVATE_PERSON" if private else "DOMESTIC",
        customer_name="" if private else invoice.customer_name,
        customer_address=None
        if private
        else Address(invoice.customer_postal_code, invoice.customer_city, invoice.customer_street),
        customer_tax=TaxNumber(*customer_tax) if customer_tax and not private else None,
        lines=[_wire_line(invoice, x) for x in lines],
        reference=reference,
        additional=additional,
        currency=invoice.currency,
        exchange_rate=invoice.exchange_rate,
    )


def _plain(value: Decimal) -> Decimal | int:
    return int(value) if value % 1 == 0 else value.quantize(CENT)


def _wire_line(invoice: Invoice, x: InvoiceLine) -> Line:
    advance_payment = None
    if x.advance_invoice is not None:
        advance = x.advance_invoice
        advance_payment = (advance.number, advance.delivery_date, advance.exchange_rate)
    common: dict[str, Any] = {
        "description": x.description,
        "quantity": x.quantity.normalize() if x.quantity % 1 else x.quantity.quantize(Decimal(1)),
        "vat_rate": Decimal(x.vat_code) / 100 if x.vat_code.isdigit() else None,
        "exemption_case": "" if x.vat_code.isdigit() else x.vat_code,
        "exemption_reason": x.vat_reason,
        "advance": x.advance,
        "advance_payment": advance_payment,
    }
    if x.net_cur is None or x.vat_cur is None:
        return Line(unit_price=_plain(x.unit_price_net), net=int(x.net), vat=int(x.vat), **common)
    return Line(
        unit_price=_plain(x.unit_price_net),
        net=x.net_cur,
        vat=x.vat_cur,
        unit_price_huf=_plain((x.unit_price_net * invoice.exchange_rate).quantize(CENT)),
        net_huf=int(x.net),
        vat_huf=int(x.vat),
        **common,
    )


def _totals(computed: list[Amounts]) -> dict[str, Decimal]:
    """An invoice's totals: sums of its lines, each rounded once (_amounts)."""
    net = sum((c[2] for c in computed), Decimal(0))
    vat = sum((c[3] for c in computed), Decimal(0))
    return {"net_total": net, "vat_total": vat, "gross_total": net + vat}


def _totals_cur(cur: list[CurAmounts]) -> dict[str, Decimal | None]:
    """A foreign-currency invoice's totals in its currency (None on a HUF invoice)."""
    if not cur or cur[0] is None:
        return {"net_total_cur": None, "vat_total_cur": None, "gross_total_cur": None}
    net = sum((c[0] for c in cur if c is not None), Decimal(0))
    vat = sum((c[1] for c in cur if c is not None), Decimal(0))
    return {"net_total_cur": net, "vat_total_cur": vat, "gross_total_cur": net + vat}


def _lines_write_and_report(
    invoice: Invoice,
    lines: list[LineInput],
    computed: list[Amounts],
    *,
    operation: str,
    cur: list[CurAmounts] | None = None,
) -> list[InvoiceLine]:
    """The invoice's lines and its NAV report row (the invoice data frozen as sent)."""
    cur = cur or [None] * len(lines)
    rows = [
        InvoiceLine.objects.create(
            practice_id=invoice.practice_id,
            invoice=invoice,
            line_number=i,
            procedure_id=line.procedure_id,
            plan_item_id=line.plan_item_id,
            advance=line.advance,
            advance_invoice=line.deducts.invoice if line.deducts is not None else None,
            description=line.description,
            quantity=-line.deducts.quantity if line.deducts is not None else line.quantity,
            unit_price_net=unit,
            vat_code=code,
            vat_reason=reason,
            net=net,
            vat=vat,
            gross=net + vat,
            net_cur=c[0] if c is not None else None,
            vat_cur=c[1] if c is not None else None,
            gross_cur=c[0] + c[1] if c is not None else None,
        )
        for i, (line, (code, reason, net, vat, unit), c) in enumerate(
            zip(lines, computed, cur, strict=True), start=1
        )
    ]
    nav_submission_write(
        invoice=invoice, operation=operation, invoice_xml=invoice_data_xml(_wire_doc(invoice, rows))
    )
    return rows


def _chain_line_count(original: Invoice, *, before: Invoice) -> int:
    """Lines of the chain so far (the original and its earlier corrections): a modifying
    document's new lines are numbered after them (lineNumberReference)."""
    earlier = original.corrections.exclude(pk=before.pk)
    if before.pk is not None:
        earlier = earlier.filter(pk__lt=before.pk)
    return original.lines.count() + InvoiceLine.objects.filter(invoice__in=earlier).count()


def _chain_lines(original: Invoice) -> list[InvoiceLine]:
    """The lines in force: the original's and those of its modification invoices."""
    return list(
        InvoiceLine.objects.filter(
            Q(invoice=original) | Q(invoice__original=original, invoice__kind=InvoiceKind.MODIFY)
        ).order_by("invoice_id", "line_number")
    )


def _aborted_at_nav(invoice: Invoice) -> bool:
    from zomanc.nav.models import NavSubmission, SubmissionState

    return NavSubmission.objects.filter(invoice=invoice, state=SubmissionState.ABORTED).exists()


def _existing(practice_id: int, idempotency_key: str) -> Invoice | None:
    return Invoice.objects.filter(practice_id=practice_id, idempotency_key=idempotency_key).first()


def invoice_issue(
    *,
    actor: StaffMember,
    company: Company,
    customer: CustomerInput,
    lines: list[LineInput],
    payment_method: str,
    idempotency_key: str,
    patient: Patient | None = None,
    visit: Visit | None = None,
    delivery_date: dt.date | None = None,
    currency: str = "HUF",
    exchange_rate: Decimal | None = None,
    exchange_rate_date: dt.date | None = None,
    plan: TreatmentPlan | None = None,
    is_advance: bool = False,
) -> Invoice:
    """Issues an invoice with its number and its NAV report row, all in one transaction.
    The same idempotency key again returns the invoice issued the first time. A foreign
    currency needs its exchange rate (HUF per unit) and the rate's date; one currency per
    invoice (a line in another is refused)."""
    if company.practice_id != actor.practice_id:
        raise ValidationError(_("A cég nem ehhez a rendelőhöz tartozik."))
    if not idempotency_key:
        raise ValidationError(_("Hiányzó űrlapazonosító: töltse újra az oldalt."))
    found = _existing(actor.practice_id, idempotency_key)
    if found is not None:
        return found
    _company_ready(company)
    _customer_check(customer)
    if not lines:
        raise ValidationError(_("Üres számla nem állítható ki: nincs számlázható tétel."))
    if any(line.quantity <= 0 or line.gross_unit_price < 0 for line in lines):
        raise ValidationError(_("A mennyiség pozitív, az egységár nem negatív szám legyen."))
    if payment_method not in PaymentMethod.values or payment_method == PaymentMethod.CREDIT:
        raise ValidationError(_("Ismeretlen fizetési mód."))
    today = timezone.localdate()
    rate = _currency_check(currency, lines, exchange_rate, exchange_rate_date, today)
    pairs = [_line_amounts(line, company, currency, rate) for line in lines]
    computed = [p[0] for p in pairs]
    cur = [p[1] for p in pairs]
    totals = _totals(computed)
    in_currency = _sum_cur(cur)
    if totals["gross_total"] < 0 or (in_currency is not None and sum(in_currency) < 0):
        raise ValidationError(
            _(
                "A számla végösszege nem lehet negatív: a levont előleg több a számlázott "
                "tételeknél."
            )
        )
    try:
        with transaction.atomic():
            number = _next_number(company, today.year)
            invoice = Invoice.objects.create(
                practice_id=company.practice_id,
                company=company,
                kind=InvoiceKind.NORMAL,
                number=number,
                patient=patient,
                visit=visit,
                supplier_name=company.name,
                supplier_tax_number=company.tax_number,
                supplier_address=f"{company.postal_code} {company.city}, {company.street_address}",
                supplier_postal_code=company.postal_code,
                supplier_city=company.city,
                supplier_street=company.street_address,
                supplier_bank_account=company.bank_account,
                supplier_small_business_exempt=company.vat_small_business_exempt,
                customer_kind=customer.kind,
                customer_name=customer.name.strip(),
                customer_postal_code=customer.postal_code,
                customer_city=customer.city,
                customer_street=customer.street,
                customer_tax_number=customer.tax_number.strip(),
                fund_member_name=customer.fund_member_name.strip(),
                fund_member_number=customer.fund_member_number.strip(),
                issue_date=today,
                delivery_date=delivery_date or today,
                payment_method=payment_method,
                payment_due=today + dt.timedelta(days=TRANSFER_DAYS)
                if payment_method == PaymentMethod.TRANSFER
                else today,
                currency=currency,
                exchange_rate=rate,
                exchange_rate_date=exchange_rate_date if currency != "HUF" else None,
                plan=plan,
                is_advance=is_advance,
                **totals,
                **_totals_cur(cur),
                idempotency_key=idempotency_key,
                issued_by=actor,
                issued_at=timezone.now(),
            )
            _lines_write_and_report(invoice, lines, computed, operation="CREATE", cur=cur)
            return invoice
    except IntegrityError:
        # The same key committed by a concurrent request (a double click on two workers).
        found = _existing(actor.practice_id, idempotency_key)
        if found is not None:
            return found
        raise


CURRENCIES = ("HUF", "EUR")


def _sum_cur(cur: list[CurAmounts]) -> CurAmounts:
    if not cur or cur[0] is None:
        return None
    return (
        sum((c[0] for c in cur if c is not None), Decimal(0)),
        sum((c[1] for c in cur if c is not None), Decimal(0)),
    )


def _currency_check(
    currency: str,
    lines: list[LineInput],
    exchange_rate: Decimal | None,
    exchange_rate_date: dt.date | None,
    today: dt.date,
) -> Decimal:
    """The invoice's exchange rate (1 for HUF); refuses mixing currencies and a foreign
    currency without its rate and the rate's date."""
    if currency not in CURRENCIES:
        raise ValidationError(_("Ismeretlen pénznem: %(currency)s.") % {"currency": currency})
    mixed = sorted({x.currency for x in lines if x.currency and x.currency != currency})
    if mixed:
        raise ValidationError(
            _(
                "Egy számlán csak egy pénznem szerepelhet: a számla pénzneme %(currency)s, "
                "de van %(other)s tétel is. A más pénznemű tételeket külön számlán számlázza."
            )
            % {"currency": currency, "other": ", ".join(mixed)}
        )
    if currency == "HUF":
        return Decimal(1)
    if exchange_rate is None or exchange_rate <= 0 or exchange_rate_date is None:
        raise ValidationError(
            _(
                "Devizás (%(currency)s) számlához meg kell adni az árfolyamot (Ft/%(currency)s) "
                "és az árfolyam dátumát."
            )
            % {"currency": currency}
        )
    if exchange_rate_date > today:
        raise ValidationError(_("Az árfolyam dátuma nem lehet jövőbeli."))
    return exchange_rate.quantize(Decimal("0.000001"))


def visit_invoiced(visit: Visit) -> Invoice | None:
    """The visit's invoice that is in force (issued and not cancelled by a storno)."""
    return (
        Invoice.objects.filter(practice_id=visit.practice_id, visit=visit, kind=InvoiceKind.NORMAL)
        .exclude(corrections__kind=InvoiceKind.STORNO)
        .first()
    )


def invoice_issue_for_visit(
    *,
    actor: StaffMember,
    visit: Visit,
    customer: CustomerInput,
    payment_method: str,
    idempotency_key: str,
) -> Invoice:
    """The invoice of a closed visit's procedures (its company, its patient)."""
    if visit.practice_id != actor.practice_id:
        raise ValidationError(_("A vizit nem ehhez a rendelőhöz tartozik."))
    found = _existing(actor.practice_id, idempotency_key)
    if found is not None:
        return found
    if visit.status != VisitStatus.CLOSED:
        raise ValidationError(_("Csak lezárt vizit számlázható."))
    if visit_invoiced(visit) is not None:
        raise ValidationError(
            _("Ehhez a vizithez már van érvényes számla; új számla csak sztornó után adható.")
        )
    # A procedure that carried out a plan item already billed from the plan (an invoice in
    # force) is not billed again with the visit.
    billed_by_plan = set(
        InvoiceLine.objects.filter(
            practice_id=visit.practice_id,
            invoice__kind=InvoiceKind.NORMAL,
            plan_item__done_procedure__visit=visit,
        )
        .exclude(invoice__corrections__kind=InvoiceKind.STORNO)
        .values_list("plan_item__done_procedure_id", flat=True)
    )
    lines = [
        LineInput(
            description=f"{p.tooth} {p.name}" if p.tooth else p.name,
            quantity=Decimal(p.quantity),
            gross_unit_price=Decimal(p.unit_price),
            vat_rate=p.vat_rate,
            procedure_id=p.pk,
        )
        for p in visit.procedures.order_by("pk")
        if p.unit_price > 0 and p.pk not in billed_by_plan
    ]
    if not lines:
        raise ValidationError(_("A vizitnek nincs számlázható beavatkozása (üres vizit)."))
    assert visit.closed_at is not None
    return invoice_issue(
        actor=actor,
        company=visit.company,
        customer=customer,
        lines=lines,
        payment_method=payment_method,
        idempotency_key=idempotency_key,
        patient=visit.patient,
        visit=visit,
        delivery_date=timezone.localdate(visit.closed_at),
    )


def _negated_cur_totals(invoice: Invoice) -> dict[str, Decimal | None]:
    return {
        name: -value if value is not None else None
        for name in ("net_total_cur", "vat_total_cur", "gross_total_cur")
        for value in [getattr(invoice, name)]
    }


def invoice_storno(*, actor: StaffMember, invoice: Invoice, idempotency_key: str) -> Invoice:
    """The storno invoice of `invoice` (negative amounts, referring to it: NAV's chain)."""
    if invoice.practice_id != actor.practice_id:
        raise ValidationError(_("A számla nem ehhez a rendelőhöz tartozik."))
    found = _existing(actor.practice_id, idempotency_key)
    if found is not None:
        return found
    if invoice.kind == InvoiceKind.STORNO:
        raise ValidationError(_("Sztornó számlát nem lehet sztornózni."))
    if invoice.kind == InvoiceKind.MODIFY:
        raise ValidationError(
            _("Módosító számlát nem lehet külön sztornózni: az eredeti számlát sztornózza.")
        )
    if invoice.corrections.filter(kind=InvoiceKind.STORNO).exists():
        raise ValidationError(_("Ezt a számlát már sztornózták."))
    final = (
        Invoice.objects.filter(
            practice_id=invoice.practice_id,
            kind=InvoiceKind.NORMAL,
            lines__advance_invoice=invoice,
        )
        .exclude(corrections__kind=InvoiceKind.STORNO)
        .first()
    )
    if final is not None:
        raise ValidationError(
            _(
                "Ezt az előlegszámlát a(z) %(number)s végszámla levonta: előbb a végszámlát "
                "sztornózza, utána az előlegszámlát."
            )
            % {"number": final.number}
        )
    company = invoice.company
    today = timezone.localdate()
    try:
        with transaction.atomic():
            # The company row first (the order payments and the daily closing lock in: the
            # storno's refunds are payments), then the original's: two stornos at once wait
            # for each other.
            Company.objects.select_for_update().filter(pk=invoice.company_id).first()
            Invoice.objects.select_for_update().filter(pk=invoice.pk).first()
            if invoice.corrections.filter(kind=InvoiceKind.STORNO).exists():
                raise ValidationError(_("Ezt a számlát már sztornózták."))
            index = invoice.corrections.count() + 1
            chain = _chain_lines(invoice)
            fields = {
                f.name: getattr(invoice, f.name)
                for f in Invoice._meta.concrete_fields
                if f.name.startswith(("supplier_", "customer_", "fund_"))
            }
            storno = Invoice.objects.create(
                practice_id=invoice.practice_id,
                company=company,
                kind=InvoiceKind.STORNO,
                number=_next_number(company, today.year),
                original=invoice,
                modification_index=index,
                patient=invoice.patient,
                visit=invoice.visit,
                issue_date=today,
                delivery_date=invoice.delivery_date,
                payment_method=invoice.payment_method,
                payment_due=today,
                currency=invoice.currency,
                exchange_rate=invoice.exchange_rate,
                exchange_rate_date=invoice.exchange_rate_date,
                plan=invoice.plan,
                is_advance=invoice.is_advance,
                **_negated_cur_totals(invoice),
                net_total=-sum((x.net for x in chain), Decimal(0)),
                vat_total=-sum((x.vat for x in chain), Decimal(0)),
                gross_total=-sum((x.gross for x in chain), Decimal(0)),
                idempotency_key=idempotency_key,
                issued_by=actor,
                issued_at=timezone.now(),
                **fields,
            )
            rows = [
                InvoiceLine.objects.create(
                    practice_id=invoice.practice_id,
                    invoice=storno,
                    line_number=number,
                    description=line.description,
                    quantity=-line.quantity,
                    unit_price_net=line.unit_price_net,
                    vat_code=line.vat_code,
                    vat_reason=line.vat_reason,
                    net=-line.net,
                    vat=-line.vat,
                    gross=-line.gross,
                    advance=line.advance,
                    advance_invoice=line.advance_invoice,
                    net_cur=-line.net_cur if line.net_cur is not None else None,
                    vat_cur=-line.vat_cur if line.vat_cur is not None else None,
                    gross_cur=-line.gross_cur if line.gross_cur is not None else None,
                )
                for number, line in enumerate(chain, start=1)
            ]
            nav_submission_write(
                invoice=storno,
                operation="STORNO",
                invoice_xml=invoice_data_xml(_wire_doc(storno, rows)),
            )
            # What was paid on the original goes back, by method, with the storno (a closed
            # day refuses it, and the storno with it: nothing half-saved).
            refunds_write(actor=actor, original=invoice, storno=storno)
            return storno
    except IntegrityError:
        found = _existing(actor.practice_id, idempotency_key)
        if found is not None:
            return found
        raise ValidationError(_("Ezt a számlát már sztornózták.")) from None


def invoice_modify(
    *,
    actor: StaffMember,
    invoice: Invoice,
    lines: list[LineInput],
    idempotency_key: str,
) -> Invoice:
    """A modification invoice (módosító számla) of `invoice`: `lines` are the differences
    (a negative gross unit price takes away), added to the chain after the lines so far."""
    if invoice.practice_id != actor.practice_id:
        raise ValidationError(_("A számla nem ehhez a rendelőhöz tartozik."))
    found = _existing(actor.practice_id, idempotency_key)
    if found is not None:
        return found
    if invoice.kind != InvoiceKind.NORMAL:
        raise ValidationError(_("Csak eredeti számla módosítható (sztornó vagy módosító nem)."))
    if invoice.corrections.filter(kind=InvoiceKind.STORNO).exists():
        raise ValidationError(_("Sztornózott számla nem módosítható."))
    if invoice.currency != "HUF" or invoice.is_advance or invoice.plan_id is not None:
        raise ValidationError(
            _(
                "Devizás, előleg- vagy kezelési tervből kiállított számla nem módosítható "
                "módosító számlával: sztornózza, és állítsa ki újra."
            )
        )
    if not lines or any(line.quantity <= 0 for line in lines):
        raise ValidationError(
            _("A módosító számlának legalább egy tétele legyen, pozitív mennyiséggel.")
        )
    company = invoice.company
    today = timezone.localdate()
    with transaction.atomic():
        Invoice.objects.select_for_update().filter(pk=invoice.pk).first()
        if invoice.corrections.filter(kind=InvoiceKind.STORNO).exists():
            raise ValidationError(_("Sztornózott számla nem módosítható."))
        computed: list[Amounts] = []
        for line in lines:
            code, reason, net, vat, unit = _amounts(
                LineInput(
                    line.description, line.quantity, abs(line.gross_unit_price), line.vat_rate
                ),
                company,
            )
            sign = -1 if line.gross_unit_price < 0 else 1
            computed.append((code, reason, sign * net, sign * vat, sign * unit))
        if (
            sum(net + vat for _, _, net, vat, _ in computed)
            + sum((x.gross for x in _chain_lines(invoice)), Decimal(0))
            < 0
        ):
            raise ValidationError(_("A módosítás után a számla végösszege nem lehet negatív."))
        fields = {
            f.name: getattr(invoice, f.name)
            for f in Invoice._meta.concrete_fields
            if f.name.startswith(("supplier_", "customer_", "fund_"))
        }
        modification = Invoice.objects.create(
            practice_id=invoice.practice_id,
            company=company,
            kind=InvoiceKind.MODIFY,
            number=_next_number(company, today.year),
            original=invoice,
            modification_index=invoice.corrections.count() + 1,
            patient=invoice.patient,
            visit=invoice.visit,
            issue_date=today,
            delivery_date=today,
            payment_method=invoice.payment_method,
            payment_due=today,
            currency=invoice.currency,
            **_totals(computed),
            idempotency_key=idempotency_key,
            issued_by=actor,
            issued_at=timezone.now(),
            **fields,
        )
        _lines_write_and_report(modification, lines, computed, operation="MODIFY")
        return modification


BILLING_FIELDS = [
    "tax_number",
    "postal_code",
    "city",
    "street_address",
    "bank_account",
    "vat_small_business_exempt",
    "invoice_prefix",
]


@transaction.atomic
def company_billing_update(
    *, company: Company, actor: StaffMember, data: dict[str, object]
) -> Company:
    """The company's billing data (what every invoice prints and reports), audited. Issued
    invoices keep the values they were issued with (copied onto them)."""
    from zomanc.audit.models import AuditAction
    from zomanc.audit.services import audit_changes, audit_record

    if company.practice_id != actor.practice_id:
        raise ValidationError(_("A cég nem ehhez a rendelőhöz tartozik."))
    before = {name: getattr(company, name) for name in BILLING_FIELDS}
    for name in BILLING_FIELDS:
        value = data.get(name, before[name])
        setattr(company, name, value.strip() if isinstance(value, str) else value)
    company.tax_number = company.tax_number.replace(" ", "")
    company.invoice_prefix = company.invoice_prefix.upper()
    company.full_clean(
        exclude=[f.name for f in Company._meta.fields if f.name not in BILLING_FIELDS]
    )
    company.save(update_fields=BILLING_FIELDS)
    audit_record(
        practice=company.practice,
        actor=actor.user,
        action=AuditAction.UPDATE,
        obj=company,
        summary=_("Cég számlázási adatai módosítva: %(company)s") % {"company": company.name},
        changes=audit_changes(before, {name: getattr(company, name) for name in BILLING_FIELDS}),
    )
    return company
