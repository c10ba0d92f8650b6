from django.apps import AppConfig


class FaultsConfig(AppConfig):
    name = "sandbox.faults"
    label = "sandbox_faults"
