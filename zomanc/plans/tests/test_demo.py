"""The demo's price lists and plans (through the real demo loader): both lists priced for
every catalogue item with the three languages' names, and one plan in each everyday state."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from zomanc.codes.models import TreatmentItem
from zomanc.core.management.commands.demo_load import DEMO_PRACTICE, EESZT_TEST_PATIENTS
from zomanc.plans.demo import EUR_LIST, HUF_LIST, demo_plans_create
from zomanc.plans.models import PlanStatus, PriceList, PriceListEntry, TreatmentPlan
from zomanc.plans.selectors import plan_quote
from zomanc.practices.models import Practice

pytestmark = pytest.mark.django_db


def test_demo_plans_and_price_lists() -> None:
    call_command("demo_load", stdout=io.StringIO())
    practice = Practice.objects.get(name=DEMO_PRACTICE)
    items = TreatmentItem.objects.filter(practice=practice, is_active=True).count()

    huf = PriceList.objects.get(practice=practice, name=HUF_LIST)
    eur = PriceList.objects.get(practice=practice, name=EUR_LIST)
    assert (huf.currency, eur.currency) == ("HUF", "EUR")
    assert huf.entries.count() == eur.entries.count() == items
    crown = PriceListEntry.objects.get(price_list=eur, treatment__shortcut="cirk")
    # 155 000 Ft / 390 = 397.4 EUR → 395 EUR (5-euro steps)
    assert crown.price == Decimal(395)
    assert (crown.name_en, crown.name_de) == ("Zirconia crown", "Zirkonkrone")
    assert not PriceListEntry.objects.filter(price_list=eur, name_en="").exists()

    plans = list(TreatmentPlan.objects.filter(practice=practice).order_by("id"))
    assert [p.status for p in plans] == [
        PlanStatus.ACCEPTED,
        PlanStatus.PRESENTED,
        PlanStatus.DRAFT,
    ]
    accepted, quote, _draft = plans
    assert plan_quote(accepted).totals.total == Decimal(20000 + 25000 + 38000)
    assert quote.currency == "EUR" and quote.language == "en"
    assert [o.label for o in quote.phases.get().options.all()] == ["A", "B"]
    # The setup walk's EESZT test patients stay without plans.
    test_tajs = {identity.taj for identity in EESZT_TEST_PATIENTS}
    assert not {p.patient.id_value for p in plans} & test_tajs
    # Loading again adds nothing.
    assert demo_plans_create(practice) == []
    assert TreatmentPlan.objects.filter(practice=practice).count() == 3
