"""PostgreSQL: payments are as immutable as invoices (the trigger function of 0002)."""

from django.db import migrations


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE TRIGGER billing_payment_immutable BEFORE UPDATE OR DELETE ON billing_payment "
            "FOR EACH ROW EXECUTE FUNCTION billing_invoice_immutable();",
            params=None,
        )


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "DROP TRIGGER IF EXISTS billing_payment_immutable ON billing_payment;", params=None
        )


class Migration(migrations.Migration):
    dependencies = [("billing", "0003_payments")]

    operations = [migrations.RunPython(install, remove)]
