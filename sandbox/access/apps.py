from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "sandbox.access"
    label = "sandbox_access"
