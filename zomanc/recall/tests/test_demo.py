"""The demo's recall rules: scaling 6 months, check-up 12, implant 3; loading twice adds
nothing."""

from zomanc.codes.catalogue_demo import demo_treatments_create
from zomanc.conftest import Personas
from zomanc.recall.demo import demo_recall_rules_create
from zomanc.recall.models import RecallRule


def test_demo_rules(personas: Personas) -> None:
    demo_treatments_create(personas.practice_a)
    created = demo_recall_rules_create(personas.practice_a)
    months = {rule.treatment.shortcut: rule.interval_months for rule in created}
    assert months["fk"] == 6 and months["kontr"] == 12 and months["imp"] == 3
    assert demo_recall_rules_create(personas.practice_a) == []
    assert RecallRule.objects.filter(practice=personas.practice_b).count() == 0
