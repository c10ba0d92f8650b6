"""The quote's arithmetic, as pure functions over Decimal (no database, no float).

Rounding, stated once (docs/plans.md): prices are gross (what the patient pays, VAT
included). Each line is rounded once, after its discount, to the currency's unit — whole
forints for HUF, cents for EUR — half away from zero (ROUND_HALF_UP, as Hungarian invoices
round). Every total is the exact sum of rounded lines, so phase, option and grand totals
always add up. The VAT content of a rate is computed on that rate's summed gross total
(gross × rate / (100 + rate)) and rounded once to the same unit. A HUF figure on an EUR quote
is the EUR amount × the recorded rate, rounded to whole forints."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from zomanc.codes.models import VatRate

UNIT = {"HUF": Decimal(1), "EUR": Decimal("0.01")}
VAT_PERCENT = {VatRate.EXEMPT: Decimal(0), VatRate.STANDARD_27: Decimal(27)}
HUNDRED = Decimal(100)


def money_round(amount: Decimal, currency: str) -> Decimal:
    """`amount` rounded to the currency's unit (HUF 1 Ft, EUR 0.01 €), half up."""
    return amount.quantize(UNIT[currency], rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Line:
    """What the arithmetic needs of an item."""

    unit_price: Decimal
    quantity: int
    vat_rate: str
    discount_percent: Decimal | None = None
    discount_amount: Decimal | None = None


@dataclass(frozen=True)
class LineTotal:
    gross: Decimal  # unit price × quantity, before the discount
    discount: Decimal
    total: Decimal  # what the patient pays for the line


def line_total(line: Line, currency: str) -> LineTotal:
    gross = line.unit_price * line.quantity
    if line.discount_percent is not None:
        discount = gross * line.discount_percent / HUNDRED
    elif line.discount_amount is not None:
        discount = line.discount_amount
    else:
        discount = Decimal(0)
    total = money_round(gross - discount, currency)
    gross_rounded = money_round(gross, currency)
    return LineTotal(gross=gross_rounded, discount=gross_rounded - total, total=total)


@dataclass
class Totals:
    """Gross before discounts, the discounts, the total, and per VAT rate the total and the
    VAT it contains."""

    currency: str
    gross: Decimal = Decimal(0)
    discount: Decimal = Decimal(0)
    total: Decimal = Decimal(0)
    by_rate: dict[str, Decimal] = field(default_factory=dict)

    def add(self, line: LineTotal, vat_rate: str) -> None:
        self.gross += line.gross
        self.discount += line.discount
        self.total += line.total
        self.by_rate[vat_rate] = self.by_rate.get(vat_rate, Decimal(0)) + line.total

    def merge(self, other: "Totals") -> None:
        self.gross += other.gross
        self.discount += other.discount
        self.total += other.total
        for rate, amount in other.by_rate.items():
            self.by_rate[rate] = self.by_rate.get(rate, Decimal(0)) + amount

    def vat_content(self) -> dict[str, Decimal]:
        """VAT contained in each rate's total ({"27": 12755, "AAM": 0})."""
        result = {}
        for rate, amount in sorted(self.by_rate.items()):
            percent = VAT_PERCENT[VatRate(rate)]
            result[rate] = money_round(amount * percent / (HUNDRED + percent), self.currency)
        return result

    @property
    def vat(self) -> Decimal:
        return sum(self.vat_content().values(), Decimal(0))

    @property
    def has_exempt(self) -> bool:
        return VatRate.EXEMPT in self.by_rate


def lines_total(lines: Iterable[Line], currency: str) -> Totals:
    totals = Totals(currency=currency)
    for line in lines:
        totals.add(line_total(line, currency), line.vat_rate)
    return totals


def huf_equivalent(amount: Decimal, rate: Decimal) -> Decimal:
    """An EUR amount in forints at the quote's recorded rate (whole forints)."""
    return money_round(amount * rate, "HUF")


def advance_due(
    total: Decimal, currency: str, percent: Decimal | None, amount: Decimal | None
) -> Decimal:
    """The advance payable on acceptance: a percentage of the total or a fixed amount."""
    if percent is not None:
        return money_round(total * percent / HUNDRED, currency)
    if amount is not None:
        return money_round(min(amount, total), currency)
    return Decimal(0)
