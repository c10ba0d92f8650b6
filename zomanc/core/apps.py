from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "zomanc.core"
    label = "core"
