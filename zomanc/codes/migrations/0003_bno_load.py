"""Loads the NEAK BNO-10 table on the first `migrate`, so the demo and every test database
have it without an extra step. Re-running `manage.py bno_import` later is idempotent."""

from django.db import migrations


def load(apps, schema_editor):
    from zomanc.codes.bno_services import bno_import

    bno_import(model=apps.get_model("codes", "BnoCode"))


class Migration(migrations.Migration):
    dependencies = [("codes", "0002_bno_mark")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
