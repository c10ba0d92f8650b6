from django.apps import AppConfig


class PracticesConfig(AppConfig):
    name = "zomanc.practices"
    label = "practices"
