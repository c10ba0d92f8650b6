"""The demo practice's recall rules: what brings a patient back after how many months, for
the items of the demo catalogue (codes/catalogue_demo.py) found by their shortcuts. Common
Hungarian practice: a check-up and scaling every 6–12 months, implants and periodontal
treatment checked after 3. Idempotent: an item that has a rule keeps it."""

from zomanc.codes.models import TreatmentItem
from zomanc.practices.models import Practice
from zomanc.recall.models import RecallRule

# shortcut → months
DEMO_RULES: dict[str, int] = {
    "fk": 6,  # Fogkő-eltávolítás és polírozás
    "air": 6,  # Airflow fogtisztítás
    "kontr": 12,  # Kontrollvizsgálat
    "konz": 12,  # Konzultáció, állapotfelmérés
    "imp": 3,  # Implantátum beültetése: a check three months after
    "paro": 3,  # Parodontális kezelés
    "bz": 12,  # Barázdazárás: the sealant is checked yearly
}


def demo_recall_rules_create(practice: Practice) -> list[RecallRule]:
    items = TreatmentItem.objects.filter(practice=practice, shortcut__in=DEMO_RULES, is_active=True)
    have = set(RecallRule.objects.filter(practice=practice).values_list("treatment_id", flat=True))
    return [
        RecallRule.objects.create(
            practice=practice, treatment=item, interval_months=DEMO_RULES[item.shortcut]
        )
        for item in items
        if item.pk not in have
    ]
