from django.apps import AppConfig


class NavConfig(AppConfig):
    name = "zomanc.nav"
    label = "nav"
    verbose_name = "NAV Online Számla"
    default_auto_field = "django.db.models.BigAutoField"
