from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "zomanc.billing"
    label = "billing"
    verbose_name = "Számlázás"
    default_auto_field = "django.db.models.BigAutoField"
