from django.apps import AppConfig


class RefdataConfig(AppConfig):
    name = "sandbox.refdata"
    label = "sandbox_refdata"
