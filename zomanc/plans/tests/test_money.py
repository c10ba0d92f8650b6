"""The quote's arithmetic over generated lines and plans, in both currencies: whole forints
and cents, half-up rounding once per line, totals that add up, VAT content by rate."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zomanc.codes.models import TreatmentItem, VatRate
from zomanc.conftest import Personas
from zomanc.patients.models import Patient
from zomanc.plans.models import Currency, PriceList
from zomanc.plans.money import (
    Line,
    advance_due,
    huf_equivalent,
    line_total,
    lines_total,
    money_round,
)
from zomanc.plans.selectors import plan_quote
from zomanc.plans.services import plan_create, plan_item_add, plan_option_add, plan_phase_add
from zomanc.plans.tests.conftest import TODAY

UNIT = {"HUF": Decimal(1), "EUR": Decimal("0.01")}


def _lines(currency: str) -> st.SearchStrategy[Line]:
    price = st.decimals(min_value=0, max_value=2_000_000, places=0 if currency == "HUF" else 2)
    percent = st.one_of(st.none(), st.decimals(min_value=0, max_value=100, places=2))
    return st.builds(
        Line,
        unit_price=price,
        quantity=st.integers(min_value=1, max_value=32),
        vat_rate=st.sampled_from(VatRate.values),
        discount_percent=percent,
    )


@pytest.mark.parametrize("currency", ["HUF", "EUR"])
@given(data=st.data())
def test_totals_add_up_in_the_currency_unit(currency: str, data: st.DataObject) -> None:
    lines = data.draw(st.lists(_lines(currency), max_size=25))
    totals = lines_total(lines, currency)
    amounts = [line_total(line, currency) for line in lines]
    assert totals.total == sum((a.total for a in amounts), Decimal(0))
    assert totals.gross - totals.discount == totals.total
    assert sum(totals.by_rate.values(), Decimal(0)) == totals.total
    for a in amounts:
        assert a.total == a.total.quantize(UNIT[currency]) and 0 <= a.total <= a.gross
    vat = totals.vat_content()
    assert vat.get(VatRate.EXEMPT, Decimal(0)) == 0
    standard = totals.by_rate.get(VatRate.STANDARD_27, Decimal(0))
    # The VAT contained is within half a unit of the exact 27/127 share.
    assert abs(vat.get(VatRate.STANDARD_27, Decimal(0)) - standard * 27 / 127) <= UNIT[currency] / 2


def test_rounding_is_half_up_once_per_line() -> None:
    assert money_round(Decimal("0.5"), "HUF") == 1 and money_round(Decimal("2.5"), "HUF") == 3
    assert money_round(Decimal("0.125"), "EUR") == Decimal("0.13")
    # 3 × 333 Ft at 10 %: 999 − 99.9 = 899.1 → 899 Ft (rounded once, after the discount).
    line = line_total(Line(Decimal(333), 3, "AAM", discount_percent=Decimal(10)), "HUF")
    assert (line.gross, line.discount, line.total) == (Decimal(999), Decimal(100), Decimal(899))
    # 127 000 Ft whitening carries 27 000 Ft VAT; 100 Ft carries 21.26 → 21 Ft.
    assert lines_total([Line(Decimal(127000), 1, "27")], "HUF").vat_content()["27"] == 27000
    assert lines_total([Line(Decimal(100), 1, "27")], "HUF").vat_content()["27"] == 21
    assert huf_equivalent(Decimal("10.01"), Decimal("391.25")) == Decimal(3916)  # 3916.41
    assert advance_due(Decimal(1001), "HUF", Decimal(30), None) == Decimal(300)  # 300.3
    assert advance_due(Decimal(100), "EUR", None, Decimal(500)) == Decimal(100)


@pytest.mark.django_db
@pytest.mark.parametrize("currency", ["HUF", "EUR"])
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_generated_plans_total_per_phase_and_option(
    personas: Personas,
    patient: Patient,
    catalogue: dict[str, TreatmentItem],
    eur_list: PriceList,
    currency: str,
    data: st.DataObject,
) -> None:
    price_list = eur_list if currency == Currency.EUR else None
    plan = plan_create(
        patient=patient,
        actor=personas.doctor,
        title="G",
        currency=currency,
        valid_until=TODAY,
        price_list=price_list,
    )
    keys = ["töm", "kor", "impl", "héj", "ext"]
    expected = Decimal(0)
    for _phase_no in range(data.draw(st.integers(1, 3))):
        phase = plan_phase_add(plan=plan, actor=personas.doctor, title="F")
        option_count = data.draw(st.integers(0, 2))
        targets = [None] + [
            plan_option_add(phase=phase, actor=personas.doctor, title="O")
            for _ in range(option_count)
        ]
        per_target = {}
        for target in targets:
            per_target[target] = Decimal(0)
            for _ in range(data.draw(st.integers(0 if target is None else 1, 3))):
                key = data.draw(st.sampled_from(keys))
                quantity = data.draw(st.integers(1, 4))
                percent = data.draw(st.one_of(st.none(), st.decimals(0, 100, places=1)))
                item = plan_item_add(
                    plan=plan,
                    phase=phase,
                    option=target,
                    actor=personas.doctor,
                    treatment=catalogue[key],
                    tooth=16,
                    surfaces="MO" if key == "töm" else "",
                    quantity=quantity,
                    discount_percent=percent,
                )
                gross = item.unit_price * quantity
                per_target[target] += money_round(gross - gross * (percent or 0) / 100, currency)
        expected += per_target[None] + (per_target[targets[1]] if option_count else 0)
        quote_phase = plan_quote(plan).phases[-1]
        assert quote_phase.common_totals.total == per_target[None]
        for option in quote_phase.options:
            assert option.totals.total == per_target[option.option]
    quote = plan_quote(plan)
    assert quote.totals.total == expected
    assert sum((p.totals.total for p in quote.phases), Decimal(0)) == expected
    assert quote.totals.total == quote.totals.total.quantize(UNIT[currency])
