# Acceptance by a scanned signed paper (issue 14): PlanSignature gets its kind (screen or
# paper) and the uploaded scan with its sniffed type, file name and SHA-256. Written by hand:
# only these fields (other helpers' model changes have their own migrations).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0004_merge_appointment_done_visit"),
    ]

    operations = [
        migrations.AddField(
            model_name="plansignature",
            name="kind",
            field=models.CharField(
                choices=[
                    ("screen", "aláírás a képernyőn"),
                    ("paper", "aláírt papír (szkennelve)"),
                ],
                default="screen",
                max_length=6,
                verbose_name="az aláírás módja",
            ),
        ),
        migrations.AddField(
            model_name="plansignature",
            name="paper",
            field=models.BinaryField(blank=True, default=b"", verbose_name="aláírt papír"),
        ),
        migrations.AddField(
            model_name="plansignature",
            name="paper_name",
            field=models.CharField(
                blank=True, default="", max_length=200, verbose_name="a feltöltött fájl neve"
            ),
        ),
        migrations.AddField(
            model_name="plansignature",
            name="paper_sha256",
            field=models.CharField(
                blank=True, default="", max_length=64, verbose_name="a papír SHA-256 lenyomata"
            ),
        ),
        migrations.AddField(
            model_name="plansignature",
            name="paper_type",
            field=models.CharField(
                blank=True, default="", max_length=20, verbose_name="a papír fájltípusa"
            ),
        ),
        migrations.AlterField(
            model_name="plansignature",
            name="image_png",
            field=models.BinaryField(blank=True, verbose_name="aláírás (PNG)"),
        ),
        migrations.AddConstraint(
            model_name="plansignature",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("kind", "screen"), ("paper_sha256", ""), ("paper_type", "")),
                    models.Q(
                        ("kind", "paper"),
                        models.Q(("paper_type", ""), _negated=True),
                        models.Q(("paper_sha256", ""), _negated=True),
                    ),
                    _connector="OR",
                ),
                name="plansignature_kind_paper",
            ),
        ),
    ]
