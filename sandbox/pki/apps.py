from django.apps import AppConfig


class PkiConfig(AppConfig):
    name = "sandbox.pki"
    label = "sandbox_pki"
