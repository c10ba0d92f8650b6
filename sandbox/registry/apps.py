from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "sandbox.registry"
    label = "sandbox_registry"
