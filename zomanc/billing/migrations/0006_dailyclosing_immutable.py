"""PostgreSQL: a daily closing is as immutable as an invoice (the trigger function of 0002):
a closed day is never edited or reopened, whoever asks."""

from django.db import migrations


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE TRIGGER billing_dailyclosing_immutable BEFORE UPDATE OR DELETE "
            "ON billing_dailyclosing FOR EACH ROW EXECUTE FUNCTION billing_invoice_immutable();",
            params=None,
        )


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "DROP TRIGGER IF EXISTS billing_dailyclosing_immutable ON billing_dailyclosing;",
            params=None,
        )


class Migration(migrations.Migration):
    dependencies = [("billing", "0005_payments_credit_closing")]

    operations = [migrations.RunPython(install, remove)]
