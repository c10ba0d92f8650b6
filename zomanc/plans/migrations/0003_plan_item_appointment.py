# The plan item's booked appointment (issue 14, "to the chair"). Written by hand: only this
# field and its index (other helpers' model changes get their own migrations).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0002_plan_signature"),
        ("scheduling", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="planitem",
            name="appointment",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="plan_items",
                to="scheduling.appointment",
                verbose_name="időpont",
            ),
        ),
        migrations.AddIndex(
            model_name="planitem",
            index=models.Index(fields=["practice", "appointment"], name="planitem_practice_appt"),
        ),
    ]
