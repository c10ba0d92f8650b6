from django.apps import AppConfig


class EkatConfig(AppConfig):
    name = "sandbox.ekat"
    label = "sandbox_ekat"
