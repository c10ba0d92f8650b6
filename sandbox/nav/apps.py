from django.apps import AppConfig


class NavConfig(AppConfig):
    name = "sandbox.nav"
    label = "sandbox_nav"
    verbose_name = "NAV Online Számla sandbox"
