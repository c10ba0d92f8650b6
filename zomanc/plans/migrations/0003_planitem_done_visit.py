import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("clinical", "0001_initial"),
        ("plans", "0002_plan_signature"),
    ]

    operations = [
        migrations.AddField(
            model_name="planitem",
            name="done_visit",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="clinical.visit",
                verbose_name="elvégezve ennél az ellátásnál",
            ),
        ),
    ]
