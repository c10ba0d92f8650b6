# Two helpers added a PlanItem field at the same time (the booked appointment, the visit an
# item was done in): this joins the two leaves.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0003_plan_item_appointment"),
        ("plans", "0003_planitem_done_visit"),
    ]

    operations: list[migrations.operations.base.Operation] = []
