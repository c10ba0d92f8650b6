import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("clinical", "0001_initial"),
        ("plans", "0005_plansignature_paper"),
    ]

    operations = [
        migrations.AddField(
            model_name="planitem",
            name="done_procedure",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="clinical.visitprocedure",
                verbose_name="elvégző beavatkozás",
            ),
        ),
    ]
